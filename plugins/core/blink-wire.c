/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "blink-wire"

#include "config.h"

#include "blink-wire.h"
#include "blink-errors.h"
#include "blink-json-guard.h"

#include <sodium.h>
#include <string.h>

/**
 * blink_wire_parse_object:
 * @what: what is being parsed, for the error message
 * @max_depth: how deep objects and arrays may nest, the top-level object
 *   counting as one
 *
 * Parses @data only once blink_json_guard_check() passed it: strict JSON, no
 * duplicate members, nested at most @max_depth deep.
 *
 * Returns: (transfer full) (nullable): the JSON object in @data
 */
JsonObject *
blink_wire_parse_object (const char *data,
                         gsize len,
                         const char *what,
                         guint max_depth,
                         GError **error)
{
  g_autoptr (JsonParser) parser = json_parser_new_immutable ();
  g_autoptr (GError) local_error = NULL;
  JsonNode *root;

  if (!blink_json_guard_check (data, len, max_depth, &local_error))
    {
      g_set_error (error, BLINK_PROTOCOL_ERROR, BLINK_PROTOCOL_ERROR_MALFORMED,
                   "The %s is not valid JSON: %s", what, local_error->message);
      return NULL;
    }

  if (len > G_MAXSSIZE || !json_parser_load_from_data (parser, data, (gssize) len, &local_error))
    {
      g_set_error (error, BLINK_PROTOCOL_ERROR, BLINK_PROTOCOL_ERROR_MALFORMED,
                   "The %s is not valid JSON: %s", what,
                   local_error != NULL ? local_error->message : "too long");
      return NULL;
    }

  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, BLINK_PROTOCOL_ERROR, BLINK_PROTOCOL_ERROR_MALFORMED,
                   "The %s is not a JSON object", what);
      return NULL;
    }

  return json_object_ref (json_node_get_object (root));
}

static JsonNode *
require_member (JsonObject *object,
                const char *name,
                GError **error)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL)
    g_set_error (error, BLINK_PROTOCOL_ERROR, BLINK_PROTOCOL_ERROR_MISSING_FIELD,
                 "The field “%s” is missing", name);

  return node;
}

static gboolean
wrong_type (const char *name,
            const char *expected,
            GError **error)
{
  g_set_error (error, BLINK_PROTOCOL_ERROR, BLINK_PROTOCOL_ERROR_WRONG_TYPE,
               "The field “%s” is not %s", name, expected);
  return FALSE;
}

static gboolean
read_value (JsonObject *object,
            const char *name,
            GType type,
            const char *type_name,
            JsonNode **out,
            GError **error)
{
  JsonNode *node = require_member (object, name, error);

  if (node == NULL)
    return FALSE;

  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != type)
    return wrong_type (name, type_name, error);

  *out = node;
  return TRUE;
}

gboolean
blink_wire_read_string (JsonObject *object,
                        const char *name,
                        const char **out,
                        GError **error)
{
  JsonNode *node;

  if (!read_value (object, name, G_TYPE_STRING, "a string", &node, error))
    return FALSE;

  *out = json_node_get_string (node);
  return TRUE;
}

gboolean
blink_wire_read_int (JsonObject *object,
                     const char *name,
                     gint64 *out,
                     GError **error)
{
  JsonNode *node;

  if (!read_value (object, name, G_TYPE_INT64, "an integer", &node, error))
    return FALSE;

  *out = json_node_get_int (node);
  return TRUE;
}

gboolean
blink_wire_read_bool (JsonObject *object,
                      const char *name,
                      gboolean *out,
                      GError **error)
{
  JsonNode *node;

  if (!read_value (object, name, G_TYPE_BOOLEAN, "a boolean", &node, error))
    return FALSE;

  *out = json_node_get_boolean (node);
  return TRUE;
}

gboolean
blink_wire_read_object (JsonObject *object,
                        const char *name,
                        JsonObject **out,
                        GError **error)
{
  JsonNode *node = require_member (object, name, error);

  if (node == NULL)
    return FALSE;
  if (!JSON_NODE_HOLDS_OBJECT (node))
    return wrong_type (name, "an object", error);

  *out = json_node_get_object (node);
  return TRUE;
}

gboolean
blink_wire_read_array (JsonObject *object,
                       const char *name,
                       JsonArray **out,
                       GError **error)
{
  JsonNode *node = require_member (object, name, error);

  if (node == NULL)
    return FALSE;
  if (!JSON_NODE_HOLDS_ARRAY (node))
    return wrong_type (name, "an array", error);

  *out = json_node_get_array (node);
  return TRUE;
}

/* Standard base64 with padding, strictly: no whitespace, no other alphabet,
 * no missing padding (libsodium rejects all of these, GLib does not). Bytes
 * over 0x7f are refused first: libsodium 1.0.18 to 1.0.21 reads them through
 * a signed char and takes every one of them for "/". */
static gboolean
decode_base64 (const char *name,
               const char *text,
               guint8 *out,
               gsize max_len,
               gsize *out_len,
               GError **error)
{
  const char *end = NULL;
  gsize text_len = strlen (text);

  if (!blink_wire_is_ascii (text, text_len) ||
      sodium_base642bin (out, max_len, text, text_len, NULL, out_len, &end,
                         sodium_base64_VARIANT_ORIGINAL) != 0 ||
      end != text + text_len)
    {
      g_set_error (error, BLINK_PROTOCOL_ERROR, BLINK_PROTOCOL_ERROR_BAD_BASE64,
                   "The field “%s” is not valid base64 (or is too long)", name);
      return FALSE;
    }

  return TRUE;
}

/**
 * blink_wire_read_base64:
 *
 * Reads a base64 string field that must decode to exactly @out_len bytes.
 */
gboolean
blink_wire_read_base64 (JsonObject *object,
                        const char *name,
                        guint8 *out,
                        gsize out_len,
                        GError **error)
{
  const char *text;
  gsize got = 0;

  if (!blink_wire_read_string (object, name, &text, error))
    return FALSE;

  /* One byte of room more than needed, so too long is told from just right. */
  {
    g_autofree guint8 *buf = g_malloc (out_len + 1);

    if (!decode_base64 (name, text, buf, out_len + 1, &got, error))
      {
        sodium_memzero (buf, out_len + 1);
        return FALSE;
      }

    if (got != out_len)
      {
        sodium_memzero (buf, out_len + 1);
        g_set_error (error, BLINK_PROTOCOL_ERROR, BLINK_PROTOCOL_ERROR_INVALID_VALUE,
                     "The field “%s” holds %" G_GSIZE_FORMAT " bytes instead of %" G_GSIZE_FORMAT,
                     name, got, out_len);
        return FALSE;
      }

    memcpy (out, buf, out_len);
    sodium_memzero (buf, out_len + 1);
  }

  return TRUE;
}

/**
 * blink_wire_read_base64_bytes:
 *
 * Reads a base64 string field of any length up to @max_len bytes.
 *
 * Returns: (transfer full) (nullable): the decoded bytes
 */
GBytes *
blink_wire_read_base64_bytes (JsonObject *object,
                              const char *name,
                              gsize max_len,
                              GError **error)
{
  const char *text;
  guint8 *buf;
  gsize got = 0;

  if (!blink_wire_read_string (object, name, &text, error))
    return NULL;

  buf = g_malloc (MAX (max_len, 1));
  if (!decode_base64 (name, text, buf, max_len, &got, error))
    {
      g_free (buf);
      return NULL;
    }

  return g_bytes_new_take (buf, got);
}

/**
 * blink_wire_is_ascii:
 *
 * Returns: whether the @len bytes of @text are all under 0x80
 */
gboolean
blink_wire_is_ascii (const char *text,
                     gsize len)
{
  for (gsize i = 0; i < len; i++)
    {
      if ((guchar) text[i] >= 0x80)
        return FALSE;
    }

  return TRUE;
}

char *
blink_wire_base64_encode (const guint8 *data,
                          gsize len)
{
  gsize size = sodium_base64_ENCODED_LEN (len, sodium_base64_VARIANT_ORIGINAL);
  char *out = g_malloc (size);

  sodium_bin2base64 (out, size, data, len, sodium_base64_VARIANT_ORIGINAL);
  return out;
}

/**
 * blink_wire_builder_to_bytes:
 *
 * Returns: (transfer full): the compact JSON text of @builder's root, without
 * a trailing NUL
 */
GBytes *
blink_wire_builder_to_bytes (JsonBuilder *builder)
{
  g_autoptr (JsonGenerator) generator = json_generator_new ();
  g_autoptr (JsonNode) root = json_builder_get_root (builder);
  gsize len = 0;
  char *text;

  json_generator_set_root (generator, root);
  text = json_generator_to_data (generator, &len);

  return g_bytes_new_take (text, len);
}
