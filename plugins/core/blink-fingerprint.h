/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

gboolean blink_fingerprint_parse (const char *attribute,
                                  char **algorithm,
                                  char **fingerprint);
char *blink_fingerprint_of_pem (const char *pem,
                                const char *algorithm,
                                GError **error);
gboolean blink_fingerprint_equal (const char *a,
                                  const char *b);
char *blink_verification_code (const char *did_a,
                               const char *fingerprint_a,
                               const char *did_b,
                               const char *fingerprint_b);

G_END_DECLS
