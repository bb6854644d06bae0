/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define BLINK_IPFS_DEFAULT_API "/ip4/127.0.0.1/tcp/5001"

char *blink_ipfs_api_url_from_string (const char *address,
                                      GError **error);
char *blink_ipfs_resolve_api_url (char **out_source,
                                  GError **error);

G_END_DECLS
