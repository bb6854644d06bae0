/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

GSource *blink_context_add_timeout (GMainContext *context,
                                    guint interval_ms,
                                    GSourceFunc func,
                                    gpointer data,
                                    GDestroyNotify notify);
void blink_context_invoke (GMainContext *context,
                           GSourceFunc func,
                           gpointer data,
                           GDestroyNotify notify);
void blink_clear_source (GSource **source);

G_END_DECLS
