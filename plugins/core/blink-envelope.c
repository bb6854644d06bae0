/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "blink-envelope"

#include "config.h"

#include "blink-envelope-private.h"
#include "blink-errors.h"
#include "blink-topic.h"
#include "blink-wire.h"

#include <sodium.h>
#include <string.h>

/* docs/protocol.md is the reference for everything below.
 *
 * envelope  = {"v":2,"seal":"box","epk":B64,"nonce":B64,"ct":B64}   (offer, peer topics)
 *           | {"v":2,"seal":"call","nonce":B64,"ct":B64}            (call topics)
 * ct        = XChaCha20-Poly1305-IETF(key, nonce, ad = topic, plaintext)
 * plaintext = sender Ed25519 public key (32) || signature (64) || message JSON
 * signature = Ed25519(SIG_CONTEXT || topic || 0x00 || message JSON)
 * box key   = BLAKE2b-256(BOX_CONTEXT || X25519(esk, rpk) || epk || rpk)
 */

#define PROTOCOL_VERSION 2
#define SIG_CONTEXT "blink/2/sig\0"
#define BOX_CONTEXT "blink/2/box\0"
#define KEY_BYTES crypto_aead_xchacha20poly1305_ietf_KEYBYTES
#define TAG_BYTES crypto_aead_xchacha20poly1305_ietf_ABYTES
#define HEADER_BYTES (crypto_sign_PUBLICKEYBYTES + crypto_sign_BYTES)

G_STATIC_ASSERT (BLINK_ENVELOPE_NONCE_BYTES == crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
G_STATIC_ASSERT (BLINK_CALL_KEY_BYTES == KEY_BYTES);

static const BlinkTopicKind topic_of_kind[BLINK_MESSAGE_N_KINDS] = {
  [BLINK_MESSAGE_OFFER] = BLINK_TOPIC_OFFER,
  [BLINK_MESSAGE_CANCEL] = BLINK_TOPIC_OFFER,
  [BLINK_MESSAGE_RINGING] = BLINK_TOPIC_CALL,
  [BLINK_MESSAGE_ANNOUNCE] = BLINK_TOPIC_CALL,
  [BLINK_MESSAGE_DECLINE] = BLINK_TOPIC_CALL,
  [BLINK_MESSAGE_LEAVE] = BLINK_TOPIC_CALL,
  [BLINK_MESSAGE_SDP_OFFER] = BLINK_TOPIC_PEER,
  [BLINK_MESSAGE_SDP_ANSWER] = BLINK_TOPIC_PEER,
  [BLINK_MESSAGE_ICE_CANDIDATE] = BLINK_TOPIC_PEER,
  [BLINK_MESSAGE_ADD] = BLINK_TOPIC_CALL,
  [BLINK_MESSAGE_CONNECT] = BLINK_TOPIC_CALL,
  [BLINK_MESSAGE_RECONNECT] = BLINK_TOPIC_PEER,
};

static void
signature_input (GByteArray *out,
                 const char *topic,
                 const guint8 *json,
                 gsize json_len)
{
  g_byte_array_append (out, (const guint8 *) SIG_CONTEXT, sizeof SIG_CONTEXT - 1);
  g_byte_array_append (out, (const guint8 *) topic, strlen (topic) + 1);
  g_byte_array_append (out, json, json_len);
}

static void
box_key (const guint8 *shared,
         const guint8 *ephemeral_public,
         const guint8 *recipient_public,
         guint8 key[KEY_BYTES])
{
  crypto_generichash_state state;

  crypto_generichash_init (&state, NULL, 0, KEY_BYTES);
  crypto_generichash_update (&state, (const guint8 *) BOX_CONTEXT, sizeof BOX_CONTEXT - 1);
  crypto_generichash_update (&state, shared, crypto_scalarmult_curve25519_BYTES);
  crypto_generichash_update (&state, ephemeral_public, crypto_scalarmult_curve25519_BYTES);
  crypto_generichash_update (&state, recipient_public, crypto_scalarmult_curve25519_BYTES);
  crypto_generichash_final (&state, key, KEY_BYTES);
  sodium_memzero (&state, sizeof state);
}

static GError *
wrong_topic (const char *what)
{
  return g_error_new (BLINK_PROTOCOL_ERROR, BLINK_PROTOCOL_ERROR_WRONG_TOPIC, "%s", what);
}

static void
add_member_base64 (JsonBuilder *builder,
                   const char *name,
                   const guint8 *data,
                   gsize len)
{
  g_autofree char *text = blink_wire_base64_encode (data, len);

  json_builder_set_member_name (builder, name);
  json_builder_add_string_value (builder, text);
}

GBytes *
blink_envelope_seal_with (BlinkIdentity *sender,
                          const char *topic,
                          const char *recipient_did,
                          const guint8 *call_key,
                          const BlinkMessage *message,
                          const guint8 *ephemeral_secret,
                          const guint8 *nonce,
                          GError **error)
{
  g_autoptr (GBytes) json = NULL;
  g_autoptr (GByteArray) signed_data = g_byte_array_new ();
  g_autoptr (JsonBuilder) builder = json_builder_new_immutable ();
  g_autoptr (GBytes) envelope = NULL;
  guint8 key[KEY_BYTES];
  guint8 ephemeral_public[crypto_scalarmult_curve25519_BYTES];
  guint8 *plaintext, *ciphertext;
  gsize json_len, plaintext_len;
  BlinkTopicKind topic_kind;
  const guint8 *json_data;

  g_return_val_if_fail (BLINK_IS_IDENTITY (sender), NULL);
  g_return_val_if_fail (topic != NULL, NULL);
  g_return_val_if_fail (message != NULL, NULL);
  g_return_val_if_fail (nonce != NULL, NULL);

  topic_kind = blink_topic_kind (topic);
  if (topic_kind == BLINK_TOPIC_INVALID)
    {
      g_propagate_error (error, wrong_topic ("Not a Blink topic"));
      return NULL;
    }
  if (topic_of_kind[message->kind] != topic_kind)
    {
      g_propagate_error (error, wrong_topic ("This kind of message does not go on this topic"));
      return NULL;
    }

  if (topic_kind == BLINK_TOPIC_CALL)
    {
      g_return_val_if_fail (call_key != NULL, NULL);
      memcpy (key, call_key, KEY_BYTES);
    }
  else
    {
      guint8 recipient_ed25519[BLINK_ED25519_PUBLIC_KEY_BYTES];
      guint8 recipient_public[crypto_scalarmult_curve25519_BYTES];
      guint8 shared[crypto_scalarmult_curve25519_BYTES];

      g_return_val_if_fail (ephemeral_secret != NULL, NULL);
      g_return_val_if_fail (recipient_did != NULL, NULL);

      if (!blink_did_to_public_key (recipient_did, recipient_ed25519, error) ||
          crypto_sign_ed25519_pk_to_curve25519 (recipient_public, recipient_ed25519) != 0)
        return NULL;

      crypto_scalarmult_curve25519_base (ephemeral_public, ephemeral_secret);
      if (crypto_scalarmult_curve25519 (shared, ephemeral_secret, recipient_public) != 0)
        {
          g_set_error (error, BLINK_PROTOCOL_ERROR, BLINK_PROTOCOL_ERROR_WRONG_KEY,
                       "The recipient's key cannot be used");
          return NULL;
        }
      box_key (shared, ephemeral_public, recipient_public, key);
      sodium_memzero (shared, sizeof shared);
    }

  json = blink_message_serialize (message);
  json_data = g_bytes_get_data (json, &json_len);
  signature_input (signed_data, topic, json_data, json_len);

  plaintext_len = HEADER_BYTES + json_len;
  plaintext = g_malloc (plaintext_len);
  memcpy (plaintext, blink_identity_get_public_key (sender), crypto_sign_PUBLICKEYBYTES);
  blink_identity_sign (sender, signed_data->data, signed_data->len,
                       plaintext + crypto_sign_PUBLICKEYBYTES);
  memcpy (plaintext + HEADER_BYTES, json_data, json_len);

  ciphertext = g_malloc (plaintext_len + TAG_BYTES);
  crypto_aead_xchacha20poly1305_ietf_encrypt (ciphertext, NULL, plaintext, plaintext_len,
                                              (const guint8 *) topic, strlen (topic), NULL,
                                              nonce, key);
  sodium_memzero (key, sizeof key);
  sodium_memzero (plaintext, plaintext_len);
  g_free (plaintext);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "v");
  json_builder_add_int_value (builder, PROTOCOL_VERSION);
  json_builder_set_member_name (builder, "seal");
  json_builder_add_string_value (builder, topic_kind == BLINK_TOPIC_CALL ? "call" : "box");
  if (topic_kind != BLINK_TOPIC_CALL)
    add_member_base64 (builder, "epk", ephemeral_public, sizeof ephemeral_public);
  add_member_base64 (builder, "nonce", nonce, BLINK_ENVELOPE_NONCE_BYTES);
  add_member_base64 (builder, "ct", ciphertext, plaintext_len + TAG_BYTES);
  json_builder_end_object (builder);
  g_free (ciphertext);

  envelope = blink_wire_builder_to_bytes (builder);
  if (g_bytes_get_size (envelope) > BLINK_ENVELOPE_MAX_BYTES)
    {
      g_set_error (error, BLINK_PROTOCOL_ERROR, BLINK_PROTOCOL_ERROR_TOO_LARGE,
                   "The sealed message has %" G_GSIZE_FORMAT " bytes, more than the %d allowed",
                   g_bytes_get_size (envelope), BLINK_ENVELOPE_MAX_BYTES);
      return NULL;
    }

  return g_steal_pointer (&envelope);
}

/**
 * blink_envelope_seal:
 * @sender: who signs the message
 * @topic: where it will be published; its kind decides how it is sealed
 * @recipient_did: (nullable): the addressee, for offer and peer topics
 * @call_key: (nullable): the call's 32-byte key, for call topics
 * @message: what to send
 * @error: why it cannot be sent
 *
 * Signs @message and encrypts it: to @recipient_did on an offer or peer
 * topic, or with @call_key on a call topic. Both the signature and the
 * encryption are bound to @topic.
 *
 * Returns: (transfer full) (nullable): the bytes to publish on @topic
 */
GBytes *
blink_envelope_seal (BlinkIdentity *sender,
                     const char *topic,
                     const char *recipient_did,
                     const guint8 *call_key,
                     const BlinkMessage *message,
                     GError **error)
{
  guint8 ephemeral_secret[crypto_scalarmult_curve25519_SCALARBYTES];
  guint8 nonce[BLINK_ENVELOPE_NONCE_BYTES];
  GBytes *envelope;

  if (sodium_init () < 0)
    g_error ("libsodium cannot be initialised");

  randombytes_buf (ephemeral_secret, sizeof ephemeral_secret);
  randombytes_buf (nonce, sizeof nonce);
  envelope = blink_envelope_seal_with (sender, topic, recipient_did, call_key, message,
                                       ephemeral_secret, nonce, error);
  sodium_memzero (ephemeral_secret, sizeof ephemeral_secret);

  return envelope;
}

/* Reads the seal, the nonce and the ciphertext, and only then derives the
 * key: junk costs no X25519. */
static gboolean
open_key (JsonObject *envelope,
          BlinkTopicKind topic_kind,
          BlinkIdentity *recipient,
          const guint8 *call_key,
          gsize len,
          guint8 nonce[BLINK_ENVELOPE_NONCE_BYTES],
          GBytes **ciphertext,
          guint8 key[KEY_BYTES],
          GError **error)
{
  guint8 ephemeral_public[crypto_scalarmult_curve25519_BYTES];
  const char *seal;
  gboolean want_box = topic_kind != BLINK_TOPIC_CALL;

  if (!blink_wire_read_string (envelope, "seal", &seal, error))
    return FALSE;

  if (!g_str_equal (seal, "box") && !g_str_equal (seal, "call"))
    {
      g_set_error (error, BLINK_PROTOCOL_ERROR, BLINK_PROTOCOL_ERROR_UNKNOWN_KIND,
                   "Unknown kind of seal");
      return FALSE;
    }

  if (g_str_equal (seal, "box") != want_box)
    {
      g_propagate_error (error, wrong_topic ("This kind of seal does not go on this topic"));
      return FALSE;
    }

  if (want_box && !blink_wire_read_base64 (envelope, "epk", ephemeral_public,
                                           sizeof ephemeral_public, error))
    return FALSE;

  if (!blink_wire_read_base64 (envelope, "nonce", nonce, BLINK_ENVELOPE_NONCE_BYTES, error) ||
      (*ciphertext = blink_wire_read_base64_bytes (envelope, "ct", len, error)) == NULL)
    return FALSE;

  if (want_box)
    {
      guint8 recipient_public[crypto_scalarmult_curve25519_BYTES];
      guint8 shared[crypto_scalarmult_curve25519_BYTES];

      if (recipient == NULL)
        {
          g_set_error (error, BLINK_PROTOCOL_ERROR, BLINK_PROTOCOL_ERROR_WRONG_KEY,
                       "No key is known to open this message");
          return FALSE;
        }

      if (!blink_identity_x25519 (recipient, ephemeral_public, shared))
        {
          g_set_error (error, BLINK_PROTOCOL_ERROR, BLINK_PROTOCOL_ERROR_WRONG_KEY,
                       "The message's ephemeral key is a low-order point");
          return FALSE;
        }

      blink_identity_get_x25519_public_key (recipient, recipient_public);
      box_key (shared, ephemeral_public, recipient_public, key);
      sodium_memzero (shared, sizeof shared);
    }
  else
    {
      if (call_key == NULL)
        {
          g_set_error (error, BLINK_PROTOCOL_ERROR, BLINK_PROTOCOL_ERROR_WRONG_KEY,
                       "No key is known for this call");
          return FALSE;
        }
      memcpy (key, call_key, KEY_BYTES);
    }

  return TRUE;
}

static BlinkMessage *
open_verified (const guint8 *plaintext,
               gsize plaintext_len,
               const char *topic,
               GError **error)
{
  g_autoptr (GByteArray) signed_data = g_byte_array_new ();
  const guint8 *sender_key = plaintext;
  const guint8 *signature = plaintext + crypto_sign_PUBLICKEYBYTES;
  const guint8 *json = plaintext + HEADER_BYTES;
  gsize json_len = plaintext_len - HEADER_BYTES;
  guint8 x25519[crypto_scalarmult_curve25519_BYTES];
  BlinkMessage *message;

  /* Verify first: nothing of the message is parsed before its signature holds. */
  signature_input (signed_data, topic, json, json_len);
  if (crypto_sign_ed25519_pk_to_curve25519 (x25519, sender_key) != 0 ||
      crypto_sign_verify_detached (signature, signed_data->data, signed_data->len,
                                   sender_key) != 0)
    {
      g_set_error (error, BLINK_PROTOCOL_ERROR, BLINK_PROTOCOL_ERROR_BAD_SIGNATURE,
                   "The message's signature does not verify");
      return NULL;
    }

  message = blink_message_parse ((const char *) json, json_len, error);
  if (message != NULL)
    message->sender = blink_did_from_public_key (sender_key);

  return message;
}

static gboolean
check_topic_and_sender (BlinkMessage *message,
                        BlinkTopicKind topic_kind,
                        const char *call_id,
                        const char *recipient_did,
                        GError **error)
{
  g_autofree char *owned_id = NULL;
  const char *caller;

  if (topic_of_kind[message->kind] != topic_kind)
    {
      g_propagate_error (error, wrong_topic ("This kind of message does not go on this topic"));
      return FALSE;
    }

  if (topic_kind != BLINK_TOPIC_OFFER)
    {
      if (call_id == NULL)
        {
          g_propagate_error (error, wrong_topic ("No call is known for this topic"));
          return FALSE;
        }
      message->call_id = g_strdup (call_id);
      return TRUE;
    }

  if (message->kind != BLINK_MESSAGE_OFFER)
    return TRUE;

  /* Only the caller can own a call id: it is derived from the key and the
   * caller's key, so nobody can race an offer of their own under it. An
   * invitation names that caller; its sender holds the key already. */
  caller = message->caller != NULL ? message->caller : message->sender;
  owned_id = blink_call_id_derive (message->call_key, caller);
  if (owned_id == NULL || !g_str_equal (owned_id, message->call_id))
    {
      g_set_error (error, BLINK_PROTOCOL_ERROR, BLINK_PROTOCOL_ERROR_FORGED_CALL_ID,
                   "The offer's call id is not derived from its key and its caller");
      return FALSE;
    }

  if (!g_strv_contains ((const char *const *) message->participants, message->sender) ||
      !g_strv_contains ((const char *const *) message->participants, recipient_did) ||
      !g_strv_contains ((const char *const *) message->participants, caller))
    {
      g_set_error (error, BLINK_PROTOCOL_ERROR, BLINK_PROTOCOL_ERROR_NOT_PARTICIPANT,
                   "The offer does not list its sender, its caller and its recipient");
      return FALSE;
    }

  return TRUE;
}

/**
 * blink_envelope_open:
 * @data: the bytes received on @topic
 * @topic: the topic they came on
 * @recipient: (nullable): the local identity, for offer and peer topics
 * @call_key: (nullable): the call's key, for a call topic
 * @call_id: (nullable): the call whose call or peer topic @topic is
 * @guard: (nullable): remembers what was received, and the replay window;
 *   %NULL when the caller checks the window and replays itself, after
 *   checks of its own (so that what it refuses is not remembered)
 * @now_ms: the local clock, in ms since the Unix epoch
 * @error: why the message is rejected, a #BlinkProtocolError
 *
 * Checks, in this order: size, envelope, decryption, signature, message,
 * topic, call id, participants, time window, replay. A rejected message changes
 * nothing, not even @guard.
 *
 * Returns: (transfer full) (nullable): the message, whose sender is verified
 */
BlinkMessage *
blink_envelope_open (const guint8 *data,
                     gsize len,
                     const char *topic,
                     BlinkIdentity *recipient,
                     const guint8 *call_key,
                     const char *call_id,
                     BlinkReplayGuard *guard,
                     gint64 now_ms,
                     GError **error)
{
  g_autoptr (JsonObject) envelope = NULL;
  g_autoptr (BlinkMessage) message = NULL;
  g_autoptr (GBytes) ciphertext = NULL;
  guint8 nonce[BLINK_ENVELOPE_NONCE_BYTES];
  guint8 key[KEY_BYTES];
  guint8 sender_key[BLINK_ED25519_PUBLIC_KEY_BYTES];
  BlinkTopicKind topic_kind;
  const guint8 *ct;
  guint8 *plaintext;
  gsize ct_len;
  gint64 version;
  gboolean decrypted;

  g_return_val_if_fail (data != NULL || len == 0, NULL);
  g_return_val_if_fail (topic != NULL, NULL);
  g_return_val_if_fail (recipient == NULL || BLINK_IS_IDENTITY (recipient), NULL);
  g_return_val_if_fail (guard == NULL || BLINK_IS_REPLAY_GUARD (guard), NULL);

  if (sodium_init () < 0)
    g_error ("libsodium cannot be initialised");

  if (len > BLINK_ENVELOPE_MAX_BYTES)
    {
      g_set_error (error, BLINK_PROTOCOL_ERROR, BLINK_PROTOCOL_ERROR_TOO_LARGE,
                   "The message has %" G_GSIZE_FORMAT " bytes, more than the %d allowed", len,
                   BLINK_ENVELOPE_MAX_BYTES);
      return NULL;
    }

  envelope = blink_wire_parse_object ((const char *) data, len, "envelope",
                                      BLINK_WIRE_ENVELOPE_MAX_DEPTH, error);
  if (envelope == NULL)
    return NULL;

  if (!blink_wire_read_int (envelope, "v", &version, error))
    return NULL;
  if (version != PROTOCOL_VERSION)
    {
      g_set_error (error, BLINK_PROTOCOL_ERROR, BLINK_PROTOCOL_ERROR_UNSUPPORTED_VERSION,
                   "Protocol version %" G_GINT64_FORMAT " is not supported", version);
      return NULL;
    }

  topic_kind = blink_topic_kind (topic);
  if (topic_kind == BLINK_TOPIC_INVALID)
    {
      g_propagate_error (error, wrong_topic ("Not a Blink topic"));
      return NULL;
    }

  if (!open_key (envelope, topic_kind, recipient, call_key, len, nonce, &ciphertext, key, error))
    return NULL;

  ct = g_bytes_get_data (ciphertext, &ct_len);
  plaintext = g_malloc (MAX (ct_len, 1));
  decrypted = ct_len >= TAG_BYTES &&
              crypto_aead_xchacha20poly1305_ietf_decrypt (plaintext, NULL, NULL, ct, ct_len,
                                                          (const guint8 *) topic, strlen (topic),
                                                          nonce, key) == 0;
  sodium_memzero (key, sizeof key);

  if (!decrypted)
    g_set_error (error, BLINK_PROTOCOL_ERROR, BLINK_PROTOCOL_ERROR_WRONG_KEY,
                 "The message cannot be decrypted: not for this key, or altered");
  else if (ct_len - TAG_BYTES < HEADER_BYTES)
    g_set_error (error, BLINK_PROTOCOL_ERROR, BLINK_PROTOCOL_ERROR_MALFORMED,
                 "The decrypted message is too short");
  else
    message = open_verified (plaintext, ct_len - TAG_BYTES, topic, error);

  sodium_memzero (plaintext, MAX (ct_len, 1));
  g_free (plaintext);

  if (message == NULL ||
      !check_topic_and_sender (message, topic_kind, call_id,
                               recipient != NULL ? blink_identity_get_did (recipient) : NULL,
                               error))
    return NULL;

  /* The DID came from a verified key, so it converts back. */
  if (guard != NULL &&
      (!blink_did_to_public_key (message->sender, sender_key, NULL) ||
       !blink_replay_guard_check (guard, sender_key, message->id, message->timestamp_ms, now_ms,
                                  error)))
    return NULL;

  return g_steal_pointer (&message);
}
