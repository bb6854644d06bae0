/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

JsonObject *blink_json_file_load (const char *path,
                                  gsize max_bytes,
                                  const char *list_member,
                                  const char *what,
                                  const char *log_domain);
gboolean blink_json_file_save (const char *path,
                               JsonNode *root,
                               gboolean pretty,
                               GError **error);

G_END_DECLS
