/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The largest max_depth blink_json_guard_check() takes: it keeps the open
 * containers in a fixed array, and no input Blink reads comes near it. */
#define BLINK_JSON_GUARD_DEPTH_CAP 64

gboolean blink_json_guard_check (const char *data,
                                 gsize len,
                                 guint max_depth,
                                 GError **error);

G_END_DECLS
