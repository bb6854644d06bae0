/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/* Most calls kept: the oldest go first. */
#define BLINK_CALL_HISTORY_MAX 1000

#define BLINK_TYPE_CALL_HISTORY (blink_call_history_get_type ())
G_DECLARE_FINAL_TYPE (BlinkCallHistory, blink_call_history, BLINK, CALL_HISTORY, GObject)

BlinkCallHistory *blink_call_history_new (const char *path);

GVariant *blink_call_history_entry_new (const char *id,
                                        gboolean incoming,
                                        const char *const *participants,
                                        gint64 start,
                                        gint64 duration,
                                        const char *outcome,
                                        const char *reason);
gboolean blink_call_history_add (BlinkCallHistory *self,
                                 GVariant *entry,
                                 GError **error);
GVariant *blink_call_history_list (BlinkCallHistory *self,
                                   guint limit);
guint blink_call_history_get_missed_count (BlinkCallHistory *self);
gboolean blink_call_history_mark_seen (BlinkCallHistory *self,
                                       GError **error);

G_END_DECLS
