/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

/* Called on the relay's context with a `level` element's message. */
typedef void (*BlinkLevelFunc) (GstMessage *message,
                                gpointer user_data);

typedef struct _BlinkLevelRelay BlinkLevelRelay;

BlinkLevelRelay *blink_level_relay_attach (GstBus *bus,
                                           GMainContext *context,
                                           BlinkLevelFunc func,
                                           gpointer user_data);
void blink_level_relay_detach (BlinkLevelRelay *self);

G_END_DECLS
