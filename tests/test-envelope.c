/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <json-glib/json-glib.h>
#include <sodium.h>
#include <string.h>

#include "blink-envelope.h"
#include "blink-errors.h"
#include "blink-topic.h"

typedef struct
{
  BlinkIdentity *alice;
  BlinkIdentity *bob;
  BlinkIdentity *mallory;
  BlinkReplayGuard *guard;
  char *call_id;
  guint8 call_key[32];
  char *offer_topic; /* to bob */
  char *call_topic;
  char *peer_topic; /* to bob */
  gint64 now;
} Fixture;

static void
fixture_set_up (Fixture *f,
                gconstpointer data)
{
  f->alice = blink_identity_new_random ();
  f->bob = blink_identity_new_random ();
  f->mallory = blink_identity_new_random ();
  f->guard = blink_replay_guard_new (BLINK_REPLAY_WINDOW_DEFAULT_MS, 1024);
  randombytes_buf (f->call_key, sizeof f->call_key);
  f->call_id = blink_call_id_derive (f->call_key, blink_identity_get_did (f->alice));
  f->offer_topic = blink_topic_offer (blink_identity_get_did (f->bob));
  f->call_topic = blink_topic_call (f->call_id, f->call_key);
  f->peer_topic = blink_topic_peer (f->call_id, f->call_key, blink_identity_get_did (f->bob));
  f->now = g_get_real_time () / 1000;
}

static void
fixture_tear_down (Fixture *f,
                   gconstpointer data)
{
  g_clear_object (&f->alice);
  g_clear_object (&f->bob);
  g_clear_object (&f->mallory);
  g_clear_object (&f->guard);
  g_free (f->call_id);
  g_free (f->offer_topic);
  g_free (f->call_topic);
  g_free (f->peer_topic);
}

static BlinkMessage *
make_message (Fixture *f,
              BlinkMessageKind kind)
{
  BlinkMessage *message = blink_message_new (kind);

  switch (kind)
    {
    case BLINK_MESSAGE_OFFER:
      {
        const char *participants[] = { blink_identity_get_did (f->alice),
                                       blink_identity_get_did (f->bob), NULL };

        message->call_id = g_strdup (f->call_id);
        memcpy (message->call_key, f->call_key, 32);
        message->participants = g_strdupv ((char **) participants);
        message->expires_ms = message->timestamp_ms + 60000;
        break;
      }
    case BLINK_MESSAGE_CANCEL:
      message->call_id = g_strdup (f->call_id);
      break;
    case BLINK_MESSAGE_ADD:
      {
        const char *participants[] = { blink_identity_get_did (f->alice),
                                       blink_identity_get_did (f->bob), NULL };

        message->participants = g_strdupv ((char **) participants);
        break;
      }
    case BLINK_MESSAGE_SDP_OFFER:
    case BLINK_MESSAGE_SDP_ANSWER:
      message->sdp = g_strdup ("v=0\r\n");
      break;
    case BLINK_MESSAGE_ICE_CANDIDATE:
      message->candidate = g_strdup ("");
      break;
    case BLINK_MESSAGE_RECONNECT:
      message->connection = 3;
      break;
    default:
      break;
    }

  return message;
}

static const char *
topic_for (Fixture *f,
           BlinkMessageKind kind)
{
  switch (kind)
    {
    case BLINK_MESSAGE_OFFER:
    case BLINK_MESSAGE_CANCEL:
      return f->offer_topic;
    case BLINK_MESSAGE_SDP_OFFER:
    case BLINK_MESSAGE_SDP_ANSWER:
    case BLINK_MESSAGE_ICE_CANDIDATE:
    case BLINK_MESSAGE_RECONNECT:
      return f->peer_topic;
    default:
      return f->call_topic;
    }
}

static GBytes *
seal (Fixture *f,
      BlinkIdentity *sender,
      BlinkMessage *message)
{
  g_autoptr (GError) error = NULL;
  GBytes *bytes = blink_envelope_seal (sender, topic_for (f, message->kind),
                                       blink_identity_get_did (f->bob), f->call_key, message,
                                       &error);

  g_assert_no_error (error);
  g_assert_nonnull (bytes);
  return bytes;
}

static BlinkMessage *
open_as (Fixture *f,
         BlinkIdentity *recipient,
         const char *topic,
         GBytes *bytes,
         GError **error)
{
  return blink_envelope_open (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), topic,
                              recipient, f->call_key, f->call_id, f->guard, f->now, error);
}

static void
test_round_trip (Fixture *f,
                 gconstpointer data)
{
  for (guint kind = 0; kind < BLINK_MESSAGE_N_KINDS; kind++)
    {
      g_autoptr (BlinkMessage) message = make_message (f, kind);
      g_autoptr (GBytes) bytes = seal (f, f->alice, message);
      g_autoptr (BlinkMessage) opened = NULL;
      g_autoptr (GError) error = NULL;
      g_autofree char *text = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
      g_autofree char *quoted_kind = g_strdup_printf ("\"%s\"", blink_message_kind_to_nick (kind));

      /* Nothing readable leaks onto the topic: no DID, no kind. The kind is looked for as a JSON
       * string: a short nick such as "add" turns up inside base64 now and then. */
      g_assert_null (strstr (text, "did:key"));
      g_assert_null (strstr (text, quoted_kind));

      opened = open_as (f, f->bob, topic_for (f, kind), bytes, &error);
      g_assert_no_error (error);
      g_assert_cmpint (opened->kind, ==, kind);
      g_assert_cmpstr (opened->sender, ==, blink_identity_get_did (f->alice));
      g_assert_cmpstr (opened->call_id, ==, f->call_id);
      g_assert_cmpmem (opened->id, 16, message->id, 16);
    }
}

static void
test_tamper_every_byte (Fixture *f,
                        gconstpointer data)
{
  for (guint kind = 0; kind < BLINK_MESSAGE_N_KINDS; kind++)
    {
      g_autoptr (BlinkMessage) message = make_message (f, kind);
      g_autoptr (GBytes) bytes = seal (f, f->alice, message);
      gsize len = g_bytes_get_size (bytes);
      g_autofree guint8 *copy = g_memdup2 (g_bytes_get_data (bytes, NULL), len);

      for (gsize i = 0; i < len; i++)
        {
          static const guint8 flips[] = { 0x01, 0x20, 0x80 };

          for (guint j = 0; j < G_N_ELEMENTS (flips); j++)
            {
              g_autoptr (GError) error = NULL;
              g_autoptr (BlinkMessage) opened = NULL;

              copy[i] ^= flips[j];
              opened = blink_envelope_open (copy, len, topic_for (f, kind), f->bob, f->call_key,
                                            f->call_id, f->guard, f->now, &error);
              copy[i] ^= flips[j];

              /* Strict base64 (padding bits included) and strict JSON
               * leave no byte whose change goes unnoticed. */
              g_assert_null (opened);
              g_assert_nonnull (error);
              g_assert_true (error->domain == BLINK_PROTOCOL_ERROR);
            }
        }
    }
}

static void
test_not_for_bob (Fixture *f,
                  gconstpointer data)
{
  g_autoptr (BlinkMessage) message = make_message (f, BLINK_MESSAGE_OFFER);
  g_autofree char *to_mallory = blink_topic_offer (blink_identity_get_did (f->mallory));
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (BlinkMessage) opened = NULL;
  g_autoptr (GError) error = NULL;

  g_strfreev (message->participants);
  message->participants = g_strsplit (blink_identity_get_did (f->alice), " ", -1);
  message->participants = g_realloc_n (message->participants, 3, sizeof (char *));
  message->participants[1] = g_strdup (blink_identity_get_did (f->mallory));
  message->participants[2] = NULL;

  bytes = blink_envelope_seal (f->alice, to_mallory, blink_identity_get_did (f->mallory), NULL,
                               message, &error);
  g_assert_no_error (error);

  /* Bob listens on Mallory's topic: he cannot read what is sealed to her. */
  opened = open_as (f, f->bob, to_mallory, bytes, &error);
  g_assert_null (opened);
  g_assert_error (error, BLINK_PROTOCOL_ERROR, BLINK_PROTOCOL_ERROR_WRONG_KEY);
  g_clear_error (&error);

  /* Even if he pretends it arrived on his own topic. */
  opened = open_as (f, f->bob, f->offer_topic, bytes, &error);
  g_assert_null (opened);
  g_assert_error (error, BLINK_PROTOCOL_ERROR, BLINK_PROTOCOL_ERROR_WRONG_KEY);
  g_clear_error (&error);

  opened = open_as (f, f->mallory, to_mallory, bytes, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (opened->sender, ==, blink_identity_get_did (f->alice));
}

static void
test_wrong_call_key (Fixture *f,
                     gconstpointer data)
{
  g_autoptr (BlinkMessage) message = make_message (f, BLINK_MESSAGE_ANNOUNCE);
  g_autoptr (GBytes) bytes = seal (f, f->alice, message);
  g_autoptr (GError) error = NULL;
  guint8 other_key[32];

  randombytes_buf (other_key, sizeof other_key);
  g_assert_null (blink_envelope_open (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes),
                                      f->call_topic, f->bob, other_key, f->call_id, f->guard, f->now,
                                      &error));
  g_assert_error (error, BLINK_PROTOCOL_ERROR, BLINK_PROTOCOL_ERROR_WRONG_KEY);
  g_clear_error (&error);

  g_assert_null (blink_envelope_open (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes),
                                      f->call_topic, f->bob, NULL, f->call_id, f->guard, f->now,
                                      &error));
  g_assert_error (error, BLINK_PROTOCOL_ERROR, BLINK_PROTOCOL_ERROR_WRONG_KEY);
}

static void
test_moved_to_other_topic (Fixture *f,
                           gconstpointer data)
{
  /* The same call key on another call's topic: the topic is bound in. */
  g_autoptr (BlinkMessage) message = make_message (f, BLINK_MESSAGE_LEAVE);
  g_autoptr (GBytes) bytes = seal (f, f->alice, message);
  g_autofree char *other_id = blink_call_id_derive (f->call_key, blink_identity_get_did (f->bob));
  g_autofree char *other_topic = blink_topic_call (other_id, f->call_key);
  g_autoptr (GError) error = NULL;

  g_assert_null (open_as (f, f->bob, other_topic, bytes, &error));
  g_assert_error (error, BLINK_PROTOCOL_ERROR, BLINK_PROTOCOL_ERROR_WRONG_KEY);
  g_clear_error (&error);

  /* A peer-topic message replayed onto the offer topic. */
  {
    g_autoptr (BlinkMessage) sdp = make_message (f, BLINK_MESSAGE_SDP_OFFER);
    g_autoptr (GBytes) sdp_bytes = seal (f, f->alice, sdp);

    g_assert_null (open_as (f, f->bob, f->offer_topic, sdp_bytes, &error));
    g_assert_error (error, BLINK_PROTOCOL_ERROR, BLINK_PROTOCOL_ERROR_WRONG_KEY);
    g_clear_error (&error);

    /* A box on a call topic is refused before any crypto. */
    g_assert_null (open_as (f, f->bob, f->call_topic, sdp_bytes, &error));
    g_assert_error (error, BLINK_PROTOCOL_ERROR, BLINK_PROTOCOL_ERROR_WRONG_TOPIC);
  }
}

/* Builds a call-topic envelope by hand, following docs/protocol.md, with a
 * claimed sender key and a signer that may differ. */
static GBytes *
forge_envelope_full (Fixture *f,
                     const guint8 *claimed_key,
                     BlinkIdentity *signer,
                     const char *signed_topic,
                     const char *topic,
                     const char *json)
{
  g_autoptr (GByteArray) signed_data = g_byte_array_new ();
  g_autoptr (GByteArray) plaintext = g_byte_array_new ();
  guint8 signature[64], nonce[24];
  g_autofree guint8 *ct = NULL;
  g_autofree char *nonce_b64 = NULL, *ct_b64 = NULL;
  char *text;

  g_byte_array_append (signed_data, (const guint8 *) "blink/2/sig", 12);
  g_byte_array_append (signed_data, (const guint8 *) signed_topic, strlen (signed_topic) + 1);
  g_byte_array_append (signed_data, (const guint8 *) json, strlen (json));
  blink_identity_sign (signer, signed_data->data, signed_data->len, signature);

  g_byte_array_append (plaintext, claimed_key, 32);
  g_byte_array_append (plaintext, signature, 64);
  g_byte_array_append (plaintext, (const guint8 *) json, strlen (json));

  randombytes_buf (nonce, sizeof nonce);
  ct = g_malloc (plaintext->len + 16);
  crypto_aead_xchacha20poly1305_ietf_encrypt (ct, NULL, plaintext->data, plaintext->len,
                                              (const guint8 *) topic, strlen (topic), NULL, nonce,
                                              f->call_key);
  nonce_b64 = g_base64_encode (nonce, sizeof nonce);
  ct_b64 = g_base64_encode (ct, plaintext->len + 16);
  text = g_strdup_printf ("{\"v\":2,\"seal\":\"call\",\"nonce\":\"%s\",\"ct\":\"%s\"}", nonce_b64,
                          ct_b64);

  return g_bytes_new_take (text, strlen (text));
}

static GBytes *
forge_call_envelope (Fixture *f,
                     const guint8 *claimed_key,
                     BlinkIdentity *signer,
                     const char *topic,
                     const char *json)
{
  return forge_envelope_full (f, claimed_key, signer, topic, topic, json);
}

static char *
leave_json (gint64 ts)
{
  guint8 id[16];
  g_autofree char *id_b64 = NULL;

  randombytes_buf (id, sizeof id);
  id_b64 = g_base64_encode (id, sizeof id);
  return g_strdup_printf ("{\"kind\":\"leave\",\"id\":\"%s\",\"ts\":%" G_GINT64_FORMAT
                          ",\"body\":{}}", id_b64, ts);
}

static void
test_forged_sender (Fixture *f,
                    gconstpointer data)
{
  g_autofree char *json = leave_json (f->now);
  g_autoptr (GBytes) forged = forge_call_envelope (f, blink_identity_get_public_key (f->alice),
                                                   f->mallory, f->call_topic, json);
  g_autoptr (GBytes) honest = forge_call_envelope (f, blink_identity_get_public_key (f->mallory),
                                                   f->mallory, f->call_topic, json);
  g_autoptr (GError) error = NULL;
  g_autoptr (BlinkMessage) opened = NULL;

  g_assert_null (open_as (f, f->bob, f->call_topic, forged, &error));
  g_assert_error (error, BLINK_PROTOCOL_ERROR, BLINK_PROTOCOL_ERROR_BAD_SIGNATURE);
  g_assert_cmpuint (blink_replay_guard_get_size (f->guard), ==, 0);

  /* The hand-built envelope is right, the signature was the only fault. */
  opened = open_as (f, f->bob, f->call_topic, honest, NULL);
  g_assert_nonnull (opened);
  g_assert_cmpstr (opened->sender, ==, blink_identity_get_did (f->mallory));
}

static void
test_signed_for_other_topic (Fixture *f,
                             gconstpointer data)
{
  /* Signed for one topic, encrypted for another: the signature binds it. */
  g_autofree char *json = leave_json (f->now);
  g_autofree char *other_id = blink_call_id_derive (f->call_key, blink_identity_get_did (f->bob));
  g_autofree char *other_topic = blink_topic_call (other_id, f->call_key);
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) bytes = NULL;

  bytes = forge_envelope_full (f, blink_identity_get_public_key (f->alice), f->alice, other_topic,
                               f->call_topic, json);
  g_assert_null (open_as (f, f->bob, f->call_topic, bytes, &error));
  g_assert_error (error, BLINK_PROTOCOL_ERROR, BLINK_PROTOCOL_ERROR_BAD_SIGNATURE);
}

static void
test_inner_errors (Fixture *f,
                   gconstpointer data)
{
  static const struct
  {
    const char *json;
    BlinkProtocolError code;
  } cases[] = {
    { "not json", BLINK_PROTOCOL_ERROR_MALFORMED },
    { "{\"kind\":\"shout\",\"id\":\"AAECAwQFBgcICQoLDA0ODw==\",\"ts\":1,\"body\":{}}",
      BLINK_PROTOCOL_ERROR_UNKNOWN_KIND },
    /* an SDP offer belongs on a peer topic, not the call topic */
    { "{\"kind\":\"sdp-offer\",\"id\":\"AAECAwQFBgcICQoLDA0ODw==\",\"ts\":%" G_GINT64_FORMAT
      ",\"body\":{\"sdp\":\"v=0\"}}", BLINK_PROTOCOL_ERROR_WRONG_TOPIC },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *json = NULL;

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
      json = g_strdup_printf (cases[i].json, f->now);
#pragma GCC diagnostic pop
      g_autoptr (GBytes) bytes = forge_call_envelope (f, blink_identity_get_public_key (f->alice),
                                                      f->alice, f->call_topic, json);
      g_autoptr (GError) error = NULL;

      g_assert_null (open_as (f, f->bob, f->call_topic, bytes, &error));
      g_assert_error (error, BLINK_PROTOCOL_ERROR, (int) cases[i].code);
    }

  g_assert_cmpuint (blink_replay_guard_get_size (f->guard), ==, 0);
}

static void
test_outer_errors (Fixture *f,
                   gconstpointer data)
{
  static const struct
  {
    const char *text;
    BlinkProtocolError code;
  } cases[] = {
    { "", BLINK_PROTOCOL_ERROR_MALFORMED },
    { "\x00\x01\x02", BLINK_PROTOCOL_ERROR_MALFORMED },
    { "[1,2]", BLINK_PROTOCOL_ERROR_MALFORMED },
    { "{}", BLINK_PROTOCOL_ERROR_MISSING_FIELD },
    { "{\"v\":\"1\"}", BLINK_PROTOCOL_ERROR_WRONG_TYPE },
    { "{\"v\":1,\"seal\":\"call\"}", BLINK_PROTOCOL_ERROR_UNSUPPORTED_VERSION },
    { "{\"v\":2}", BLINK_PROTOCOL_ERROR_MISSING_FIELD },
    { "{\"v\":2,\"seal\":\"rot13\"}", BLINK_PROTOCOL_ERROR_UNKNOWN_KIND },
    { "{\"v\":2,\"seal\":\"box\"}", BLINK_PROTOCOL_ERROR_WRONG_TOPIC },
    { "{\"v\":2,\"seal\":\"call\"}", BLINK_PROTOCOL_ERROR_MISSING_FIELD },
    { "{\"v\":2,\"seal\":\"call\",\"nonce\":\"AAAA\",\"ct\":\"AAAA\"}",
      BLINK_PROTOCOL_ERROR_INVALID_VALUE },
    { "{\"v\":2,\"seal\":\"call\",\"nonce\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\",\"ct\":\"A A=\"}",
      BLINK_PROTOCOL_ERROR_BAD_BASE64 },
    { "{\"v\":2,\"seal\":\"call\",\"nonce\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\",\"ct\":\"\"}",
      BLINK_PROTOCOL_ERROR_WRONG_KEY },
    { "{\"v\":2,\"seal\":\"call\",\"nonce\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\",\"ct\":\"AAAA\"}",
      BLINK_PROTOCOL_ERROR_WRONG_KEY },
    { "{\"v\":2,\"seal\":\"call\",\"nonce\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\",\"ct\":7}",
      BLINK_PROTOCOL_ERROR_WRONG_TYPE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      gsize len = i == 1 ? 3 : strlen (cases[i].text);

      g_test_message ("case %u: %s", i, cases[i].text);
      g_assert_null (blink_envelope_open ((const guint8 *) cases[i].text, len, f->call_topic,
                                          f->bob, f->call_key, f->call_id, f->guard, f->now,
                                          &error));
      g_assert_error (error, BLINK_PROTOCOL_ERROR, (int) cases[i].code);
    }
}

static void
test_short_plaintext (Fixture *f,
                      gconstpointer data)
{
  /* Decrypts fine but is shorter than key + signature. */
  guint8 nonce[24] = { 0 }, plaintext[50] = { 0 }, ct[66];
  g_autofree char *nonce_b64 = g_base64_encode (nonce, sizeof nonce);
  g_autofree char *ct_b64 = NULL;
  g_autofree char *text = NULL;
  g_autoptr (GError) error = NULL;

  crypto_aead_xchacha20poly1305_ietf_encrypt (ct, NULL, plaintext, sizeof plaintext,
                                              (const guint8 *) f->call_topic,
                                              strlen (f->call_topic), NULL, nonce, f->call_key);
  ct_b64 = g_base64_encode (ct, sizeof ct);
  text = g_strdup_printf ("{\"v\":2,\"seal\":\"call\",\"nonce\":\"%s\",\"ct\":\"%s\"}", nonce_b64,
                          ct_b64);
  g_assert_null (blink_envelope_open ((const guint8 *) text, strlen (text), f->call_topic, f->bob,
                                      f->call_key, f->call_id, f->guard, f->now, &error));
  g_assert_error (error, BLINK_PROTOCOL_ERROR, BLINK_PROTOCOL_ERROR_MALFORMED);
}

static void
test_replay_and_window (Fixture *f,
                        gconstpointer data)
{
  g_autoptr (BlinkMessage) message = make_message (f, BLINK_MESSAGE_ANNOUNCE);
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (BlinkMessage) first = NULL;
  g_autoptr (GError) error = NULL;

  message->timestamp_ms = f->now - 60000;
  bytes = seal (f, f->alice, message);

  /* Too late, then too early: rejected and not remembered. */
  f->now += 180001;
  g_assert_null (open_as (f, f->bob, f->call_topic, bytes, &error));
  g_assert_error (error, BLINK_PROTOCOL_ERROR, BLINK_PROTOCOL_ERROR_EXPIRED);
  g_clear_error (&error);
  f->now -= 180001 + 60001 + 120000 + 1;
  g_assert_null (open_as (f, f->bob, f->call_topic, bytes, &error));
  g_assert_error (error, BLINK_PROTOCOL_ERROR, BLINK_PROTOCOL_ERROR_EXPIRED);
  g_clear_error (&error);
  f->now += 60001 + 120000 + 1;

  first = open_as (f, f->bob, f->call_topic, bytes, &error);
  g_assert_no_error (error);
  g_assert_nonnull (first);

  g_assert_null (open_as (f, f->bob, f->call_topic, bytes, &error));
  g_assert_error (error, BLINK_PROTOCOL_ERROR, BLINK_PROTOCOL_ERROR_REPLAYED);
  g_clear_error (&error);

  /* Re-sealed with a fresh nonce but the same id: still a replay. */
  {
    g_autoptr (GBytes) resealed = seal (f, f->alice, message);

    g_assert_false (g_bytes_equal (resealed, bytes));
    g_assert_null (open_as (f, f->bob, f->call_topic, resealed, &error));
    g_assert_error (error, BLINK_PROTOCOL_ERROR, BLINK_PROTOCOL_ERROR_REPLAYED);
  }
}

static void
test_size_cap (Fixture *f,
               gconstpointer data)
{
  g_autoptr (BlinkMessage) message = make_message (f, BLINK_MESSAGE_SDP_OFFER);
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) bytes = NULL;
  g_autofree guint8 *big = g_malloc0 (BLINK_ENVELOPE_MAX_BYTES + 1);

  g_assert_null (blink_envelope_open (big, BLINK_ENVELOPE_MAX_BYTES + 1, f->peer_topic, f->bob,
                                      NULL, f->call_id, f->guard, f->now, &error));
  g_assert_error (error, BLINK_PROTOCOL_ERROR, BLINK_PROTOCOL_ERROR_TOO_LARGE);
  g_clear_error (&error);

  /* A 40 KiB SDP fits; a 60 KiB one does not once sealed, and the sender is told. */
  g_free (message->sdp);
  message->sdp = g_strnfill (40 * 1024, 'a');
  memcpy (message->sdp, "v=0", 3);
  bytes = seal (f, f->alice, message);
  g_assert_cmpuint (g_bytes_get_size (bytes), <=, BLINK_ENVELOPE_MAX_BYTES);
  g_clear_pointer (&bytes, g_bytes_unref);

  g_free (message->sdp);
  message->sdp = g_strnfill (60 * 1024, 'a');
  memcpy (message->sdp, "v=0", 3);
  g_assert_null (blink_envelope_seal (f->alice, f->peer_topic, blink_identity_get_did (f->bob),
                                      NULL, message, &error));
  g_assert_error (error, BLINK_PROTOCOL_ERROR, BLINK_PROTOCOL_ERROR_TOO_LARGE);
}

static void
test_offer_participants (Fixture *f,
                         gconstpointer data)
{
  g_autoptr (BlinkMessage) message = make_message (f, BLINK_MESSAGE_OFFER);
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (GError) error = NULL;

  /* Mallory offers a call between Alice and Bob that she is not part of. */
  g_free (message->call_id);
  message->call_id = blink_call_id_derive (f->call_key, blink_identity_get_did (f->mallory));
  bytes = seal (f, f->mallory, message);
  g_assert_null (open_as (f, f->bob, f->offer_topic, bytes, &error));
  g_assert_error (error, BLINK_PROTOCOL_ERROR, BLINK_PROTOCOL_ERROR_NOT_PARTICIPANT);
  g_clear_error (&error);
  g_clear_pointer (&bytes, g_bytes_unref);

  /* Alice offers a call that does not list Bob, on Bob's topic. */
  g_free (message->call_id);
  message->call_id = g_strdup (f->call_id);
  g_free (message->participants[1]);
  message->participants[1] = g_strdup (blink_identity_get_did (f->mallory));
  bytes = seal (f, f->alice, message);
  g_assert_null (open_as (f, f->bob, f->offer_topic, bytes, &error));
  g_assert_error (error, BLINK_PROTOCOL_ERROR, BLINK_PROTOCOL_ERROR_NOT_PARTICIPANT);
}

/* Mallory, who saw Alice's call, offers Bob a call of her own under its
 * id, racing Alice's offer: the id is not hers to use. */
static void
test_forged_call_id (Fixture *f,
                     gconstpointer data)
{
  g_autoptr (BlinkMessage) message = make_message (f, BLINK_MESSAGE_OFFER);
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (GError) error = NULL;

  g_free (message->participants[0]);
  message->participants[0] = g_strdup (blink_identity_get_did (f->mallory));
  bytes = seal (f, f->mallory, message);
  g_assert_null (open_as (f, f->bob, f->offer_topic, bytes, &error));
  g_assert_error (error, BLINK_PROTOCOL_ERROR, BLINK_PROTOCOL_ERROR_FORGED_CALL_ID);
  g_clear_error (&error);
  g_clear_pointer (&bytes, g_bytes_unref);

  /* With a key of her own she cannot reach that id either; her own id is fine. */
  randombytes_buf (message->call_key, sizeof message->call_key);
  bytes = seal (f, f->mallory, message);
  g_assert_null (open_as (f, f->bob, f->offer_topic, bytes, &error));
  g_assert_error (error, BLINK_PROTOCOL_ERROR, BLINK_PROTOCOL_ERROR_FORGED_CALL_ID);
  g_clear_error (&error);
  g_clear_pointer (&bytes, g_bytes_unref);

  g_free (message->call_id);
  message->call_id = blink_call_id_derive (message->call_key, blink_identity_get_did (f->mallory));
  bytes = seal (f, f->mallory, message);
  {
    g_autoptr (BlinkMessage) opened = open_as (f, f->bob, f->offer_topic, bytes, &error);

    g_assert_no_error (error);
    g_assert_cmpstr (opened->call_id, !=, f->call_id);
  }
}

/* Mallory, in Alice's call, invites Bob: the offer names Alice, whose key
 * the call id comes from. Naming anyone else, or someone not in the call,
 * is refused. */
static void
test_invitation (Fixture *f,
                 gconstpointer data)
{
  g_autoptr (BlinkMessage) message = make_message (f, BLINK_MESSAGE_OFFER);
  const char *participants[] = { blink_identity_get_did (f->alice),
                                 blink_identity_get_did (f->mallory),
                                 blink_identity_get_did (f->bob), NULL };
  g_autoptr (GError) error = NULL;

  g_strfreev (message->participants);
  message->participants = g_strdupv ((char **) participants);
  message->caller = g_strdup (blink_identity_get_did (f->alice));
  {
    g_autoptr (GBytes) bytes = seal (f, f->mallory, message);
    g_autoptr (BlinkMessage) opened = open_as (f, f->bob, f->offer_topic, bytes, &error);

    g_assert_no_error (error);
    g_assert_cmpstr (opened->sender, ==, blink_identity_get_did (f->mallory));
    g_assert_cmpstr (opened->caller, ==, blink_identity_get_did (f->alice));
    g_assert_cmpstr (opened->call_id, ==, f->call_id);
  }

  /* The id is Alice's: naming herself as the caller does not make it Mallory's. */
  g_free (message->caller);
  message->caller = g_strdup (blink_identity_get_did (f->mallory));
  {
    g_autoptr (GBytes) bytes = seal (f, f->mallory, message);

    g_assert_null (open_as (f, f->bob, f->offer_topic, bytes, &error));
    g_assert_error (error, BLINK_PROTOCOL_ERROR, BLINK_PROTOCOL_ERROR_FORGED_CALL_ID);
    g_clear_error (&error);
  }

  /* A caller who is not in the call. */
  g_free (message->caller);
  message->caller = g_strdup (blink_identity_get_did (f->alice));
  g_free (message->participants[0]);
  message->participants[0] = g_strdup (blink_identity_get_did (f->mallory));
  g_free (message->participants[1]);
  message->participants[1] = g_strdup (blink_identity_get_did (f->bob));
  g_clear_pointer (&message->participants[2], g_free);
  {
    g_autoptr (GBytes) bytes = seal (f, f->mallory, message);

    g_assert_null (open_as (f, f->bob, f->offer_topic, bytes, &error));
    g_assert_error (error, BLINK_PROTOCOL_ERROR, BLINK_PROTOCOL_ERROR_NOT_PARTICIPANT);
  }
}

static void
test_seal_wrong_topic (Fixture *f,
                       gconstpointer data)
{
  g_autoptr (BlinkMessage) message = make_message (f, BLINK_MESSAGE_OFFER);
  g_autoptr (GError) error = NULL;

  g_assert_null (blink_envelope_seal (f->alice, f->call_topic, NULL, f->call_key, message, &error));
  g_assert_error (error, BLINK_PROTOCOL_ERROR, BLINK_PROTOCOL_ERROR_WRONG_TOPIC);
  g_clear_error (&error);
  g_assert_null (blink_envelope_seal (f->alice, "chat/general", NULL, NULL, message, &error));
  g_assert_error (error, BLINK_PROTOCOL_ERROR, BLINK_PROTOCOL_ERROR_WRONG_TOPIC);
}

int
main (int argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_assert_cmpint (sodium_init (), >=, 0);

#define ADD(path, func) \
  g_test_add ("/blink/envelope/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("round-trip", test_round_trip);
  ADD ("forged-call-id", test_forged_call_id);
  ADD ("invitation", test_invitation);
  ADD ("tamper-every-byte", test_tamper_every_byte);
  ADD ("not-for-bob", test_not_for_bob);
  ADD ("wrong-call-key", test_wrong_call_key);
  ADD ("moved-to-other-topic", test_moved_to_other_topic);
  ADD ("forged-sender", test_forged_sender);
  ADD ("signed-for-other-topic", test_signed_for_other_topic);
  ADD ("inner-errors", test_inner_errors);
  ADD ("outer-errors", test_outer_errors);
  ADD ("short-plaintext", test_short_plaintext);
  ADD ("replay-and-window", test_replay_and_window);
  ADD ("size-cap", test_size_cap);
  ADD ("offer-participants", test_offer_participants);
  ADD ("seal-wrong-topic", test_seal_wrong_topic);

#undef ADD

  return g_test_run ();
}
