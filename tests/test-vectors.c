/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Checks the implementation against tests/vectors/protocol-v2.json, the test
 * vectors of docs/protocol.md. `test-vectors --generate` prints them anew;
 * they only change when the protocol does. */
#include "config.h"

#include <json-glib/json-glib.h>
#include <sodium.h>
#include <string.h>

#include "blink-envelope-private.h"
#include "blink-errors.h"
#include "blink-topic.h"

#define NOW_MS G_GINT64_CONSTANT (1764000000000)

static void
fill (guint8 *out,
      gsize len,
      guint8 first)
{
  for (gsize i = 0; i < len; i++)
    out[i] = first + i;
}

static char *
hex (const guint8 *data,
     gsize len)
{
  char *out = g_malloc (len * 2 + 1);

  sodium_bin2hex (out, len * 2 + 1, data, len);
  return out;
}

static void
unhex (const char *text,
       guint8 *out,
       gsize len)
{
  gsize got = 0;

  g_assert_cmpint (sodium_hex2bin (out, len, text, strlen (text), NULL, &got, NULL), ==, 0);
  g_assert_cmpuint (got, ==, len);
}

typedef struct
{
  const char *name;
  BlinkMessageKind kind;
  const char *sender;    /* "alice", "bob" or "carol" */
  const char *recipient; /* for box seals; NULL on the call topic */
} VectorSpec;

static const VectorSpec specs[] = {
  { "offer", BLINK_MESSAGE_OFFER, "alice", "bob" },
  { "cancel", BLINK_MESSAGE_CANCEL, "alice", "bob" },
  { "ringing", BLINK_MESSAGE_RINGING, "bob", NULL },
  { "announce", BLINK_MESSAGE_ANNOUNCE, "bob", NULL },
  { "decline", BLINK_MESSAGE_DECLINE, "bob", NULL },
  { "leave", BLINK_MESSAGE_LEAVE, "alice", NULL },
  { "sdp-offer", BLINK_MESSAGE_SDP_OFFER, "bob", "alice" },
  { "sdp-answer", BLINK_MESSAGE_SDP_ANSWER, "alice", "bob" },
  { "ice-candidate", BLINK_MESSAGE_ICE_CANDIDATE, "bob", "alice" },
  /* Bob invites Carol into Alice's call, and tells everyone. */
  { "offer (invitation)", BLINK_MESSAGE_OFFER, "bob", "carol" },
  { "add", BLINK_MESSAGE_ADD, "bob", NULL },
  /* Bob, ringing, connects before answering (docs/protocol.md). */
  { "connect", BLINK_MESSAGE_CONNECT, "bob", NULL },
  /* Alice's first connection to Bob broke: she asks, he makes the next. */
  { "reconnect", BLINK_MESSAGE_RECONNECT, "alice", "bob" },
  { "ice-candidate (connection 1)", BLINK_MESSAGE_ICE_CANDIDATE, "bob", "alice" },
};

static const char *const names[] = { "alice", "bob", "carol" };

typedef struct
{
  BlinkIdentity *alice;
  BlinkIdentity *bob;
  BlinkIdentity *carol;
  guint8 call_key[32];
  char *call_id; /* Alice's, derived from the key */
} Keys;

static void
keys_init (Keys *keys)
{
  guint8 seed[32];

  fill (seed, 32, 0x00);
  keys->alice = blink_identity_new_from_seed (seed);
  fill (seed, 32, 0x20);
  keys->bob = blink_identity_new_from_seed (seed);
  fill (seed, 32, 0x50);
  keys->carol = blink_identity_new_from_seed (seed);
  fill (keys->call_key, 32, 0x40);
  keys->call_id = blink_call_id_derive (keys->call_key, blink_identity_get_did (keys->alice));
}

static void
keys_clear (Keys *keys)
{
  g_clear_object (&keys->alice);
  g_clear_object (&keys->bob);
  g_clear_object (&keys->carol);
  g_clear_pointer (&keys->call_id, g_free);
}

static BlinkIdentity *
who (Keys *keys,
     const char *name)
{
  if (g_str_equal (name, "carol"))
    return keys->carol;
  return g_str_equal (name, "alice") ? keys->alice : keys->bob;
}

static char *
topic_of (Keys *keys,
          const VectorSpec *spec)
{
  if (spec->kind == BLINK_MESSAGE_OFFER || spec->kind == BLINK_MESSAGE_CANCEL)
    return blink_topic_offer (blink_identity_get_did (who (keys, spec->recipient)));
  if (spec->recipient == NULL)
    return blink_topic_call (keys->call_id, keys->call_key);
  return blink_topic_peer (keys->call_id, keys->call_key,
                           blink_identity_get_did (who (keys, spec->recipient)));
}

static BlinkMessage *
message_of (Keys *keys,
            guint index)
{
  BlinkMessage *message = blink_message_new (specs[index].kind);

  fill (message->id, sizeof message->id, 0x60 + 0x10 * index);
  message->timestamp_ms = NOW_MS + index;

  switch (specs[index].kind)
    {
    case BLINK_MESSAGE_OFFER:
      {
        gboolean invitation = g_str_equal (specs[index].sender, "bob");
        const char *participants[] = { blink_identity_get_did (keys->alice),
                                       blink_identity_get_did (keys->bob),
                                       invitation ? blink_identity_get_did (keys->carol) : NULL,
                                       NULL };

        message->call_id = g_strdup (keys->call_id);
        memcpy (message->call_key, keys->call_key, 32);
        if (invitation)
          message->caller = g_strdup (blink_identity_get_did (keys->alice));
        message->participants = g_strdupv ((char **) participants);
        message->audio = BLINK_AUDIO_FORMAT_DEFAULT;
        message->expires_ms = NOW_MS + 60000;
        break;
      }
    case BLINK_MESSAGE_ADD:
      {
        const char *participants[] = { blink_identity_get_did (keys->alice),
                                       blink_identity_get_did (keys->bob),
                                       blink_identity_get_did (keys->carol), NULL };

        message->participants = g_strdupv ((char **) participants);
        break;
      }
    case BLINK_MESSAGE_CANCEL:
      message->call_id = g_strdup (keys->call_id);
      break;
    case BLINK_MESSAGE_ANNOUNCE:
      message->muted = TRUE;
      break;
    case BLINK_MESSAGE_SDP_OFFER:
      message->sdp = g_strdup ("v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\n"
                               "t=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 96\r\n"
                               "a=rtpmap:96 OPUS/48000/2\r\n");
      break;
    case BLINK_MESSAGE_SDP_ANSWER:
      message->sdp = g_strdup ("v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n");
      break;
    case BLINK_MESSAGE_ICE_CANDIDATE:
      message->mline = 0;
      message->candidate = g_strdup ("candidate:1 1 UDP 2015363327 127.0.0.1 40000 typ host");
      message->connection = strstr (specs[index].name, "(connection 1)") != NULL ? 1 : 0;
      break;
    default:
      break;
    }

  return message;
}

static void
randomness_of (guint index,
               guint8 ephemeral[32],
               guint8 nonce[24])
{
  fill (ephemeral, 32, 0x80 + index);
  fill (nonce, 24, 0xa0 + index);
}

static int
generate (void)
{
  Keys keys;
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autofree char *key_hex = NULL;
  g_autofree char *text = NULL;
  guint8 seed[32];

  keys_init (&keys);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "protocol");
  json_builder_add_int_value (b, 2);
  json_builder_set_member_name (b, "now_ms");
  json_builder_add_int_value (b, NOW_MS);
  json_builder_set_member_name (b, "identities");
  json_builder_begin_object (b);
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *seed_hex = NULL;

      fill (seed, 32, i < 2 ? i * 0x20 : 0x50);
      seed_hex = hex (seed, 32);
      json_builder_set_member_name (b, names[i]);
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "seed");
      json_builder_add_string_value (b, seed_hex);
      json_builder_set_member_name (b, "did");
      json_builder_add_string_value (b, blink_identity_get_did (who (&keys, names[i])));
      json_builder_end_object (b);
    }
  json_builder_end_object (b);
  json_builder_set_member_name (b, "call_id");
  json_builder_add_string_value (b, keys.call_id);
  key_hex = hex (keys.call_key, 32);
  json_builder_set_member_name (b, "call_key");
  json_builder_add_string_value (b, key_hex);

  json_builder_set_member_name (b, "vectors");
  json_builder_begin_array (b);
  for (guint i = 0; i < G_N_ELEMENTS (specs); i++)
    {
      g_autoptr (BlinkMessage) message = message_of (&keys, i);
      g_autofree char *topic = topic_of (&keys, &specs[i]);
      g_autoptr (GBytes) json = blink_message_serialize (message);
      g_autoptr (GBytes) envelope = NULL;
      g_autoptr (GError) error = NULL;
      guint8 ephemeral[32], nonce[24];
      g_autofree char *ephemeral_hex = NULL, *nonce_hex = NULL;
      g_autofree char *json_text = g_strndup (g_bytes_get_data (json, NULL),
                                              g_bytes_get_size (json));
      g_autofree char *envelope_text = NULL;

      randomness_of (i, ephemeral, nonce);
      envelope = blink_envelope_seal_with (
        who (&keys, specs[i].sender), topic,
        specs[i].recipient != NULL ? blink_identity_get_did (who (&keys, specs[i].recipient)) : NULL,
        keys.call_key, message, ephemeral, nonce, &error);
      g_assert_no_error (error);
      envelope_text = g_strndup (g_bytes_get_data (envelope, NULL), g_bytes_get_size (envelope));
      ephemeral_hex = hex (ephemeral, 32);
      nonce_hex = hex (nonce, 24);

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "name");
      json_builder_add_string_value (b, specs[i].name);
      json_builder_set_member_name (b, "sender");
      json_builder_add_string_value (b, specs[i].sender);
      json_builder_set_member_name (b, "recipient");
      json_builder_add_string_value (b, specs[i].recipient != NULL ? specs[i].recipient : "");
      json_builder_set_member_name (b, "topic");
      json_builder_add_string_value (b, topic);
      json_builder_set_member_name (b, "ephemeral_secret");
      json_builder_add_string_value (b, specs[i].recipient != NULL ? ephemeral_hex : "");
      json_builder_set_member_name (b, "nonce");
      json_builder_add_string_value (b, nonce_hex);
      json_builder_set_member_name (b, "message");
      json_builder_add_string_value (b, json_text);
      json_builder_set_member_name (b, "envelope");
      json_builder_add_string_value (b, envelope_text);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);

  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  json_generator_set_pretty (gen, TRUE);
  text = json_generator_to_data (gen, NULL);
  g_print ("%s\n", text);
  keys_clear (&keys);

  return 0;
}

static JsonObject *
load_vectors (void)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "vectors", "protocol-v2.json", NULL);
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;

  json_parser_load_from_file (parser, path, &error);
  g_assert_no_error (error);
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

static void
test_identities (void)
{
  g_autoptr (JsonObject) vectors = load_vectors ();
  JsonObject *ids = json_object_get_object_member (vectors, "identities");
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      JsonObject *id = json_object_get_object_member (ids, names[i]);
      guint8 seed[32];
      g_autoptr (BlinkIdentity) identity = NULL;

      unhex (json_object_get_string_member (id, "seed"), seed, 32);
      identity = blink_identity_new_from_seed (seed);
      g_assert_cmpstr (blink_identity_get_did (identity), ==,
                       json_object_get_string_member (id, "did"));
    }
}

static void
test_seal_matches (void)
{
  g_autoptr (JsonObject) vectors = load_vectors ();
  JsonArray *array = json_object_get_array_member (vectors, "vectors");
  Keys keys;

  keys_init (&keys);
  g_assert_cmpuint (json_array_get_length (array), ==, G_N_ELEMENTS (specs));

  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *v = json_array_get_object_element (array, i);
      const char *message_text = json_object_get_string_member (v, "message");
      const char *expected = json_object_get_string_member (v, "envelope");
      const char *ephemeral_hex = json_object_get_string_member (v, "ephemeral_secret");
      g_autoptr (BlinkMessage) message = NULL;
      g_autoptr (GBytes) json = NULL;
      g_autoptr (GBytes) envelope = NULL;
      g_autoptr (GError) error = NULL;
      guint8 ephemeral[32] = { 0 }, nonce[24];

      g_test_message ("vector %s", json_object_get_string_member (v, "name"));

      /* The message text parses, and serialises back to the same bytes. */
      message = blink_message_parse (message_text, strlen (message_text), &error);
      g_assert_no_error (error);
      json = blink_message_serialize (message);
      g_assert_cmpmem (g_bytes_get_data (json, NULL), g_bytes_get_size (json), message_text,
                       strlen (message_text));

      if (ephemeral_hex[0] != '\0')
        unhex (ephemeral_hex, ephemeral, 32);
      unhex (json_object_get_string_member (v, "nonce"), nonce, 24);

      g_autofree char *topic = topic_of (&keys, &specs[i]);
      const char *recipient = json_object_get_string_member (v, "recipient");

      /* The topic names derive from the keys as docs/protocol.md says. */
      g_assert_cmpstr (topic, ==, json_object_get_string_member (v, "topic"));
      envelope = blink_envelope_seal_with (
        who (&keys, json_object_get_string_member (v, "sender")), topic,
        recipient[0] != '\0' ? blink_identity_get_did (who (&keys, recipient)) : NULL,
        keys.call_key, message, ephemeral, nonce, &error);
      g_assert_no_error (error);
      g_assert_cmpmem (g_bytes_get_data (envelope, NULL), g_bytes_get_size (envelope), expected,
                       strlen (expected));
    }

  keys_clear (&keys);
}

static void
test_open_matches (void)
{
  g_autoptr (JsonObject) vectors = load_vectors ();
  JsonArray *array = json_object_get_array_member (vectors, "vectors");
  g_autoptr (BlinkReplayGuard) guard = blink_replay_guard_new (BLINK_REPLAY_WINDOW_DEFAULT_MS, 64);
  Keys keys;

  keys_init (&keys);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *v = json_array_get_object_element (array, i);
      const char *envelope = json_object_get_string_member (v, "envelope");
      const char *recipient = json_object_get_string_member (v, "recipient");
      const char *sender = json_object_get_string_member (v, "sender");
      const char *message_text = json_object_get_string_member (v, "message");
      g_autoptr (BlinkMessage) opened = NULL;
      g_autoptr (GBytes) json = NULL;
      g_autoptr (GError) error = NULL;

      /* On the call topic anyone with the key reads it; take the other party. */
      if (recipient[0] == '\0')
        recipient = g_str_equal (sender, "alice") ? "bob" : "alice";

      opened = blink_envelope_open ((const guint8 *) envelope, strlen (envelope),
                                    json_object_get_string_member (v, "topic"),
                                    who (&keys, recipient), keys.call_key, keys.call_id, guard,
                                    json_object_get_int_member (vectors, "now_ms"), &error);
      g_assert_no_error (error);
      g_assert_cmpstr (opened->sender, ==, blink_identity_get_did (who (&keys, sender)));
      g_assert_cmpstr (opened->call_id, ==, json_object_get_string_member (vectors, "call_id"));
      json = blink_message_serialize (opened);
      g_assert_cmpmem (g_bytes_get_data (json, NULL), g_bytes_get_size (json), message_text,
                       strlen (message_text));
    }

  keys_clear (&keys);
}

int
main (int argc,
      char **argv)
{
  if (argc == 2 && g_str_equal (argv[1], "--generate"))
    return generate ();

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/blink/vectors/identities", test_identities);
  g_test_add_func ("/blink/vectors/seal-matches", test_seal_matches);
  g_test_add_func ("/blink/vectors/open-matches", test_open_matches);

  return g_test_run ();
}
