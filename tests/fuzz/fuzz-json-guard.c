/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The JSON guard against json-glib. The first byte sets the depth limit
 * (1 to 16), the rest is the text. The guard may be stricter than json-glib,
 * never looser: whatever it accepts, json-glib must parse into an object no
 * deeper than the limit, with valid UTF-8 in every string and name (an
 * unpaired surrogate let through would come out of json-glib as invalid
 * UTF-8). json-glib runs only on what the guard accepted, so a deep input
 * never reaches its recursion. */
#include "config.h"

#include <json-glib/json-glib.h>

#include "blink-errors.h"
#include "blink-fuzz.h"
#include "blink-json-guard.h"

/* How deep @node nests, a scalar counting as 0; checks its strings on the way. */
static guint
check_node (JsonNode *node)
{
  guint deepest = 0;

  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObjectIter iter;
      const char *name;
      JsonNode *member;

      json_object_iter_init (&iter, json_node_get_object (node));
      while (json_object_iter_next (&iter, &name, &member))
        {
          g_assert_true (g_utf8_validate (name, -1, NULL));
          deepest = MAX (deepest, check_node (member));
        }
      return deepest + 1;
    }

  if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);

      for (guint i = 0; i < json_array_get_length (array); i++)
        deepest = MAX (deepest, check_node (json_array_get_element (array, i)));
      return deepest + 1;
    }

  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    g_assert_true (g_utf8_validate (json_node_get_string (node), -1, NULL));

  return 0;
}

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t size)
{
  g_autoptr (JsonParser) parser = NULL;
  g_autoptr (GError) error = NULL;
  const char *text;
  JsonNode *root;
  guint max_depth;
  gsize len;

  if (size < 1)
    return 0;

  max_depth = data[0] % 16 + 1;
  text = (const char *) data + 1;
  len = size - 1;

  if (!blink_json_guard_check (text, len, max_depth, &error))
    {
      g_assert_error (error, BLINK_PROTOCOL_ERROR, BLINK_PROTOCOL_ERROR_MALFORMED);
      g_assert_true (g_utf8_validate (error->message, -1, NULL));
      return 0;
    }
  g_assert_no_error (error);

  /* A looser limit accepts what a stricter one did. */
  g_assert_true (blink_json_guard_check (text, len, BLINK_JSON_GUARD_DEPTH_CAP, NULL));

  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, text, (gssize) len, &error))
    g_error ("The guard accepted what json-glib rejects: %s", error->message);

  root = json_parser_get_root (parser);
  g_assert_nonnull (root);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (root));
  g_assert_cmpuint (check_node (root), <=, max_depth);

  return 0;
}
