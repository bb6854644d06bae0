/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "blink-topic"

#include "config.h"

#include "blink-topic.h"
#include "blink-did.h"
#include "blink-identity.h"
#include "blink-message.h"

#include <sodium.h>
#include <string.h>

/* Topic names carry no DID and no call id (docs/protocol.md, "Calls and
 * topics"): the offer topic is a hash of the addressee's key, so a list of
 * topics is not a list of addresses; call and peer topics are keyed hashes
 * under the call key, so only the participants can tell which topics belong
 * to one call, or to whom a peer topic is addressed. */

#define OFFER_PREFIX "blink/2/offer/"
#define CALL_PREFIX "blink/2/call/"
#define PEER_PREFIX "blink/2/peer/"
#define NAME_BYTES 16

G_STATIC_ASSERT (BLINK_CALL_KEY_BYTES == crypto_generichash_KEYBYTES);

/* hex(BLAKE2b-128(key, context 0x00 || a || b)); @key and @b may be NULL. */
static char *
hash_hex (const guint8 *key,
          const char *context,
          const guint8 *a,
          gsize a_len,
          const guint8 *b,
          gsize b_len)
{
  crypto_generichash_state state;
  guint8 digest[NAME_BYTES];
  char *hex = g_malloc (2 * NAME_BYTES + 1);

  if (sodium_init () < 0)
    g_error ("libsodium cannot be initialised");

  crypto_generichash_init (&state, key, key != NULL ? BLINK_CALL_KEY_BYTES : 0, sizeof digest);
  crypto_generichash_update (&state, (const guint8 *) context, strlen (context) + 1);
  if (a != NULL)
    crypto_generichash_update (&state, a, a_len);
  if (b != NULL)
    crypto_generichash_update (&state, b, b_len);
  crypto_generichash_final (&state, digest, sizeof digest);
  sodium_bin2hex (hex, 2 * NAME_BYTES + 1, digest, sizeof digest);
  return hex;
}

static gboolean
public_key_of (const char *did,
               guint8 key[BLINK_ED25519_PUBLIC_KEY_BYTES])
{
  return blink_did_to_public_key (did, key, NULL);
}

static gboolean
call_id_bytes (const char *call_id,
               guint8 bytes[BLINK_CALL_ID_BYTES])
{
  return blink_call_id_is_valid (call_id) &&
         sodium_hex2bin (bytes, BLINK_CALL_ID_BYTES, call_id, BLINK_CALL_ID_LENGTH, NULL, NULL,
                         NULL) == 0;
}

/**
 * blink_topic_offer:
 * @did: the addressee
 *
 * Returns: (transfer full): `blink/2/offer/` and
 *   hex(BLAKE2b-128("blink/2/offer-topic" 0x00 || public key))
 */
char *
blink_topic_offer (const char *did)
{
  guint8 key[BLINK_ED25519_PUBLIC_KEY_BYTES];
  g_autofree char *name = NULL;

  g_return_val_if_fail (public_key_of (did, key), NULL);

  name = hash_hex (NULL, "blink/2/offer-topic", key, sizeof key, NULL, 0);
  return g_strconcat (OFFER_PREFIX, name, NULL);
}

/**
 * blink_topic_call:
 *
 * Returns: (transfer full): `blink/2/call/` and
 *   hex(BLAKE2b-128(key = call key, "blink/2/call-topic" 0x00 || call id bytes))
 */
char *
blink_topic_call (const char *call_id,
                  const guint8 *call_key)
{
  guint8 id[BLINK_CALL_ID_BYTES];
  g_autofree char *name = NULL;

  g_return_val_if_fail (call_id_bytes (call_id, id), NULL);
  g_return_val_if_fail (call_key != NULL, NULL);

  name = hash_hex (call_key, "blink/2/call-topic", id, sizeof id, NULL, 0);
  return g_strconcat (CALL_PREFIX, name, NULL);
}

/**
 * blink_topic_peer:
 * @did: the addressee
 *
 * Returns: (transfer full): `blink/2/peer/` and
 *   hex(BLAKE2b-128(key = call key, "blink/2/peer-topic" 0x00 || call id bytes
 *   || public key))
 */
char *
blink_topic_peer (const char *call_id,
                  const guint8 *call_key,
                  const char *did)
{
  guint8 id[BLINK_CALL_ID_BYTES];
  guint8 key[BLINK_ED25519_PUBLIC_KEY_BYTES];
  g_autofree char *name = NULL;

  g_return_val_if_fail (call_id_bytes (call_id, id), NULL);
  g_return_val_if_fail (call_key != NULL, NULL);
  g_return_val_if_fail (public_key_of (did, key), NULL);

  name = hash_hex (call_key, "blink/2/peer-topic", id, sizeof id, key, sizeof key);
  return g_strconcat (PEER_PREFIX, name, NULL);
}

/**
 * blink_topic_kind:
 * @topic: a pubsub topic name
 *
 * Returns: which of the three kinds of Blink topic @topic is, or
 *   %BLINK_TOPIC_INVALID if it is none of them
 */
BlinkTopicKind
blink_topic_kind (const char *topic)
{
  static const struct
  {
    const char *prefix;
    BlinkTopicKind kind;
  } kinds[] = {
    { OFFER_PREFIX, BLINK_TOPIC_OFFER },
    { CALL_PREFIX, BLINK_TOPIC_CALL },
    { PEER_PREFIX, BLINK_TOPIC_PEER },
  };

  g_return_val_if_fail (topic != NULL, BLINK_TOPIC_INVALID);

  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
    if (g_str_has_prefix (topic, kinds[i].prefix))
      {
        const char *name = topic + strlen (kinds[i].prefix);

        /* Same shape as a call id: 32 lowercase hex digits. */
        return blink_call_id_is_valid (name) ? kinds[i].kind : BLINK_TOPIC_INVALID;
      }
  return BLINK_TOPIC_INVALID;
}

/**
 * blink_call_id_derive:
 * @call_key: the call's 32-byte key
 * @caller_did: who offers the call
 *
 * A call id names one caller's call: nobody else can offer a call under
 * that id, since receivers derive it again from the offer's key and its
 * signed sender.
 *
 * Returns: (transfer full): hex(BLAKE2b-128(key = call key,
 *   "blink/2/call-id" 0x00 || caller's public key))
 */
char *
blink_call_id_derive (const guint8 *call_key,
                      const char *caller_did)
{
  guint8 key[BLINK_ED25519_PUBLIC_KEY_BYTES];

  g_return_val_if_fail (call_key != NULL, NULL);
  g_return_val_if_fail (public_key_of (caller_did, key), NULL);

  return hash_hex (call_key, "blink/2/call-id", key, sizeof key, NULL, 0);
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
