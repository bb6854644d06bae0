/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define BLINK_REPLAY_WINDOW_DEFAULT_MS (120 * 1000)

#define BLINK_TYPE_REPLAY_GUARD (blink_replay_guard_get_type ())
G_DECLARE_FINAL_TYPE (BlinkReplayGuard, blink_replay_guard, BLINK, REPLAY_GUARD, GObject)

BlinkReplayGuard *blink_replay_guard_new (gint64 window_ms,
                                          guint capacity);

gint64 blink_replay_guard_get_window (BlinkReplayGuard *self);
void blink_replay_guard_set_window (BlinkReplayGuard *self,
                                    gint64 window_ms);
void blink_replay_guard_set_sender_capacity (BlinkReplayGuard *self,
                                             guint capacity);
void blink_replay_guard_set_not_before (BlinkReplayGuard *self,
                                        gint64 not_before_ms);
gboolean blink_replay_guard_set_state_file (BlinkReplayGuard *self,
                                            const char *path,
                                            gint64 now_ms,
                                            GError **error);
guint blink_replay_guard_get_size (BlinkReplayGuard *self);
gboolean blink_replay_guard_contains (BlinkReplayGuard *self,
                                     const guint8 *sender_key,
                                     const guint8 *message_id);

gboolean blink_replay_guard_check (BlinkReplayGuard *self,
                                   const guint8 *sender_key,
                                   const guint8 *message_id,
                                   gint64 timestamp_ms,
                                   gint64 now_ms,
                                   GError **error);

G_END_DECLS
