/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define BLINK_TYPE_NOTIFIER (blink_notifier_get_type ())
G_DECLARE_FINAL_TYPE (BlinkNotifier, blink_notifier, BLINK, NOTIFIER, GObject)

BlinkNotifier *blink_notifier_new (GApplication *application);

void
blink_notifier_ring (BlinkNotifier *self, const char *call_path, const char *name, const char *did);
void blink_notifier_stop_ringing (BlinkNotifier *self, const char *call_path);
void blink_notifier_missed (BlinkNotifier *self, const char *name, const char *did);
guint blink_notifier_get_ringing (BlinkNotifier *self);

G_END_DECLS
