/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

char *blink_turn_url_with_password (const char *url,
                                    const char *password,
                                    GError **error);

char *blink_ice_server_shown (const char *url);

G_END_DECLS
