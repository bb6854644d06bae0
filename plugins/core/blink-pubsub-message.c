/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "blink-pubsub-message"

#include "config.h"

#include "blink-pubsub-message.h"
#include "blink-errors.h"
#include "blink-json-guard.h"
#include "blink-multibase.h"

#include <json-glib/json-glib.h>

void
blink_pubsub_message_free (BlinkPubsubMessage *message)
{
  if (message == NULL)
    return;

  g_free (message->from);
  g_clear_pointer (&message->data, g_bytes_unref);
  g_clear_pointer (&message->seqno, g_bytes_unref);
  g_strfreev (message->topics);
  g_free (message);
}

static const char *
string_member (JsonObject *object,
               const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;

  return json_node_get_string (node);
}

static GError *
malformed (const char *what)
{
  return g_error_new (BLINK_IPFS_ERROR, BLINK_IPFS_ERROR_MALFORMED, "%s", what);
}

/**
 * blink_pubsub_message_parse:
 * @line: one line of the stream, without its newline
 *
 * Decodes `{"from":…,"data":"u…","seqno":"u…","topicIDs":["u…"]}`. A line
 * in which the node reports an error (`{"Message":…,"Type":"error"}`) gives
 * %BLINK_IPFS_ERROR_STREAM; anything else that is not a message gives
 * %BLINK_IPFS_ERROR_MALFORMED.
 *
 * Returns: (transfer full) (nullable): the message
 */
BlinkPubsubMessage *
blink_pubsub_message_parse (const char *line,
                            gsize len,
                            GError **error)
{
  g_autoptr (JsonParser) parser = json_parser_new_immutable ();
  g_autoptr (BlinkPubsubMessage) message = g_new0 (BlinkPubsubMessage, 1);
  g_autoptr (GStrvBuilder) topics = g_strv_builder_new ();
  g_autoptr (GError) guard_error = NULL;
  JsonObject *object;
  JsonNode *root, *topic_ids;
  const char *from, *data, *seqno, *type;

  if (!blink_json_guard_check (line, len, BLINK_PUBSUB_MESSAGE_MAX_DEPTH, &guard_error))
    {
      g_set_error (error, BLINK_IPFS_ERROR, BLINK_IPFS_ERROR_MALFORMED,
                   "A line of the stream is not strict JSON: %s", guard_error->message);
      return NULL;
    }

  if (len > G_MAXSSIZE || !json_parser_load_from_data (parser, line, (gssize) len, NULL) ||
      (root = json_parser_get_root (parser)) == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_propagate_error (error, malformed ("A line of the stream is not a JSON object"));
      return NULL;
    }

  object = json_node_get_object (root);
  type = string_member (object, "Type");
  if (type != NULL && g_str_equal (type, "error"))
    {
      const char *text = string_member (object, "Message");

      g_set_error (error, BLINK_IPFS_ERROR, BLINK_IPFS_ERROR_STREAM,
                   "The IPFS node ended the subscription: %s", text != NULL ? text : "(no reason)");
      return NULL;
    }

  from = string_member (object, "from");
  data = string_member (object, "data");
  seqno = string_member (object, "seqno");
  topic_ids = json_object_get_member (object, "topicIDs");
  if (from == NULL || data == NULL || topic_ids == NULL || !JSON_NODE_HOLDS_ARRAY (topic_ids))
    {
      g_propagate_error (error, malformed ("A message of the stream lacks from, data or topicIDs"));
      return NULL;
    }

  message->from = g_strdup (from);
  message->data = blink_multibase_decode (data, error);
  if (message->data == NULL)
    return NULL;
  if (seqno != NULL && (message->seqno = blink_multibase_decode (seqno, error)) == NULL)
    return NULL;

  for (guint i = 0; i < json_array_get_length (json_node_get_array (topic_ids)); i++)
    {
      JsonNode *node = json_array_get_element (json_node_get_array (topic_ids), i);
      g_autoptr (GBytes) topic = NULL;
      gsize topic_len;
      const char *topic_data;

      if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
        {
          g_propagate_error (error, malformed ("A topic of the message is not a string"));
          return NULL;
        }

      topic = blink_multibase_decode (json_node_get_string (node), error);
      if (topic == NULL)
        return NULL;

      topic_data = g_bytes_get_data (topic, &topic_len);
      if (!g_utf8_validate_len (topic_data, topic_len, NULL))
        {
          g_propagate_error (error, malformed ("A topic of the message is not UTF-8"));
          return NULL;
        }
      {
        g_autofree char *text = g_strndup (topic_data, topic_len);

        g_strv_builder_add (topics, text);
      }
    }

  message->topics = g_strv_builder_end (topics);
  if (message->topics[0] == NULL)
    {
      g_propagate_error (error, malformed ("The message has no topic"));
      return NULL;
    }

  return g_steal_pointer (&message);
}
