/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

char *blink_multibase_encode (const guint8 *data,
                              gsize len);
char *blink_multibase_encode_string (const char *text);
GBytes *blink_multibase_decode (const char *text,
                                GError **error);

G_END_DECLS
