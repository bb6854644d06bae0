/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "blink-topic"

#include "config.h"

#include "blink-topic.h"
#include "blink-did.h"

#include <sodium.h>
#include <string.h>

#define OFFER_PREFIX "blink/1/offer/"
#define CALL_PREFIX "blink/1/call/"

char *
blink_topic_offer (const char *did)
{
  g_return_val_if_fail (blink_did_is_valid (did), NULL);

  return g_strconcat (OFFER_PREFIX, did, NULL);
}

char *
blink_topic_call (const char *call_id)
{
  g_return_val_if_fail (blink_call_id_is_valid (call_id), NULL);

  return g_strconcat (CALL_PREFIX, call_id, NULL);
}

char *
blink_topic_peer (const char *call_id,
                  const char *did)
{
  g_return_val_if_fail (blink_call_id_is_valid (call_id), NULL);
  g_return_val_if_fail (blink_did_is_valid (did), NULL);

  return g_strconcat (CALL_PREFIX, call_id, "/", did, NULL);
}

/**
 * blink_topic_parse:
 * @topic: a pubsub topic name
 * @out_call_id: (out) (optional) (transfer full): the call id, for call and peer topics
 * @out_did: (out) (optional) (transfer full): the addressee, for offer and peer topics
 *
 * Returns: which of the three kinds of Blink topic @topic is, or
 * %BLINK_TOPIC_INVALID if it is none of them
 */
BlinkTopicKind
blink_topic_parse (const char *topic,
                   char **out_call_id,
                   char **out_did)
{
  g_autofree char *call_id = NULL;
  g_autofree char *did = NULL;
  BlinkTopicKind kind;

  g_return_val_if_fail (topic != NULL, BLINK_TOPIC_INVALID);

  if (g_str_has_prefix (topic, OFFER_PREFIX))
    {
      did = g_strdup (topic + strlen (OFFER_PREFIX));
      kind = BLINK_TOPIC_OFFER;
    }
  else if (g_str_has_prefix (topic, CALL_PREFIX))
    {
      const char *rest = topic + strlen (CALL_PREFIX);

      call_id = g_strndup (rest, BLINK_CALL_ID_LENGTH);
      if (rest[strnlen (rest, BLINK_CALL_ID_LENGTH)] == '\0')
        kind = BLINK_TOPIC_CALL;
      else if (rest[BLINK_CALL_ID_LENGTH] == '/')
        {
          did = g_strdup (rest + BLINK_CALL_ID_LENGTH + 1);
          kind = BLINK_TOPIC_PEER;
        }
      else
        return BLINK_TOPIC_INVALID;
    }
  else
    return BLINK_TOPIC_INVALID;

  if ((call_id != NULL && !blink_call_id_is_valid (call_id)) ||
      (did != NULL && !blink_did_is_valid (did)))
    return BLINK_TOPIC_INVALID;

  if (out_call_id != NULL)
    *out_call_id = g_steal_pointer (&call_id);
  if (out_did != NULL)
    *out_did = g_steal_pointer (&did);

  return kind;
}

/**
 * blink_call_id_new:
 *
 * Returns: (transfer full): a fresh random call id
 */
char *
blink_call_id_new (void)
{
  guint8 bytes[BLINK_CALL_ID_BYTES];
  char *hex = g_malloc (BLINK_CALL_ID_LENGTH + 1);

  if (sodium_init () < 0)
    g_error ("libsodium cannot be initialised");

  randombytes_buf (bytes, sizeof bytes);
  sodium_bin2hex (hex, BLINK_CALL_ID_LENGTH + 1, bytes, sizeof bytes);

  return hex;
}

gboolean
blink_call_id_is_valid (const char *call_id)
{
  if (call_id == NULL || strlen (call_id) != BLINK_CALL_ID_LENGTH)
    return FALSE;

  for (const char *p = call_id; *p != '\0'; p++)
    if (!g_ascii_isdigit (*p) && !(*p >= 'a' && *p <= 'f'))
      return FALSE;

  return TRUE;
}
