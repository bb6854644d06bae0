/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Strict readers and writers for the fields of the wire format, shared by
 * the envelope and the message codecs. Every failure is a BLINK_PROTOCOL_ERROR
 * naming the field. */

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* How deep objects and arrays may nest, the top-level object counting as
 * one. An envelope is a flat object (1) and a message is at most
 * message → body → audio or participants (3); one level more leaves room
 * for the optional members that receivers ignore, and still stops a
 * "[[[[…" long before it costs json-glib's recursive parser any stack. */
#define BLINK_WIRE_ENVELOPE_MAX_DEPTH 2
#define BLINK_WIRE_MESSAGE_MAX_DEPTH 4

JsonObject *blink_wire_parse_object (const char *data,
                                     gsize len,
                                     const char *what,
                                     guint max_depth,
                                     GError **error);

gboolean blink_wire_read_string (JsonObject *object,
                                 const char *name,
                                 const char **out,
                                 GError **error);
gboolean blink_wire_read_int (JsonObject *object,
                              const char *name,
                              gint64 *out,
                              GError **error);
gboolean blink_wire_read_bool (JsonObject *object,
                               const char *name,
                               gboolean *out,
                               GError **error);
gboolean blink_wire_read_object (JsonObject *object,
                                 const char *name,
                                 JsonObject **out,
                                 GError **error);
gboolean blink_wire_read_array (JsonObject *object,
                                const char *name,
                                JsonArray **out,
                                GError **error);
gboolean blink_wire_read_base64 (JsonObject *object,
                                 const char *name,
                                 guint8 *out,
                                 gsize out_len,
                                 GError **error);
GBytes *blink_wire_read_base64_bytes (JsonObject *object,
                                      const char *name,
                                      gsize max_len,
                                      GError **error);

gboolean blink_wire_is_ascii (const char *text,
                              gsize len);

char *blink_wire_base64_encode (const guint8 *data,
                                gsize len);

GBytes *blink_wire_builder_to_bytes (JsonBuilder *builder);

G_END_DECLS
