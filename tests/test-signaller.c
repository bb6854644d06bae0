/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* blinksignaller on the local IPFS test network: three signallers, each with
 * its own identity and its own node (its own process). */
#include "config.h"

#include <gst/gst.h>
#include <glib/gstdio.h>
#include <sodium.h>
#include <string.h>

#include "blink-envelope.h"
#include "blink-errors.h"
#include "blink-ipfs-client.h"
#include "blink-signaller.h"
#include "blink-test-ipfs-network.h"
#include "blink-test-stacks.h"
#include "blink-topic.h"

#define WAIT_MS 15000
#define N 3

typedef struct
{
  GstElement *element;
  GstElement *pipeline;
  char *key_path;
  char *did;
  GPtrArray *events; /* "kind call-id did …" strings, in order */
} Party;

typedef struct
{
  BlinkTestIpfsNetwork *network;
  Party party[N]; /* alice, bob, carol */
  BlinkIpfsClient *raw[N]; /* publishes by hand on each node, in order */
  char *dir;
} Fixture;

enum
{
  ALICE,
  BOB,
  CAROL
};

static void
log_event (Party *p,
           const char *format,
           ...) G_GNUC_PRINTF (2, 3);

static void
log_event (Party *p,
           const char *format,
           ...)
{
  va_list args;
  char *line;

  va_start (args, format);
  line = g_strdup_vprintf (format, args);
  va_end (args);
  g_test_message ("%s: %s", p->did + 50, line);
  g_ptr_array_add (p->events, line);
}

static void
on_incoming (GstElement *e,
             const char *id,
             const char *caller,
             GStrv participants,
             GstStructure *audio,
             Party *p)
{
  g_autofree char *list = g_strjoinv (",", participants);
  int rate = 0, channels = 0;

  gst_structure_get_int (audio, "rate", &rate);
  gst_structure_get_int (audio, "channels", &channels);
  log_event (p, "incoming %s %s %s %d/%d", id, caller, list, rate, channels);
}

static void
on_cancelled (GstElement *e,
              const char *id,
              const char *reason,
              Party *p)
{
  log_event (p, "cancelled %s %s", id, reason);
}

static void
on_expired (GstElement *e,
            const char *id,
            Party *p)
{
  log_event (p, "expired %s", id);
}

#define PARTICIPANT_HANDLER(name)                                                          \
  static void on_##name (GstElement *e, const char *id, const char *did, Party *p)          \
  {                                                                                         \
    log_event (p, #name " %s %s", id, did);                                                 \
  }

PARTICIPANT_HANDLER (ringing)
PARTICIPANT_HANDLER (joined)
PARTICIPANT_HANDLER (declined)
PARTICIPANT_HANDLER (left)

static void
on_announced (GstElement *e,
              const char *id,
              const char *did,
              gboolean muted,
              gboolean deafened,
              gboolean recording,
              Party *p)
{
  log_event (p, "announced %s %s %d%d%d", id, did, muted, deafened, recording);
}

static void
on_added (GstElement *e,
          const char *id,
          const char *by,
          GStrv dids,
          Party *p)
{
  g_autofree char *list = g_strjoinv (",", dids);

  log_event (p, "added %s %s %s", id, by, list);
}

static void
on_sdp (GstElement *e,
        const char *id,
        const char *did,
        const char *type,
        const char *sdp,
        Party *p)
{
  log_event (p, "sdp %s %s %s %s", id, did, type, sdp);
}

static void
on_ice (GstElement *e,
        const char *id,
        const char *did,
        guint mline,
        const char *candidate,
        Party *p)
{
  log_event (p, "ice %s %s %u %s", id, did, mline, candidate);
}

static void
party_start (Fixture *f,
             guint i)
{
  Party *p = &f->party[i];
  static const char *const names[N] = { "alice", "bob", "carol" };
  g_autofree char *file = g_strdup_printf ("%s.key", names[i]);

  p->key_path = g_build_filename (f->dir, file, NULL);
  p->events = g_ptr_array_new_with_free_func (g_free);
  p->pipeline = gst_pipeline_new (names[i]);
  p->element = gst_element_factory_make ("blinksignaller", NULL);
  g_assert_nonnull (p->element);
  gst_bin_add (GST_BIN (p->pipeline), p->element);
  g_object_set (p->element, "identity", p->key_path, "ipfs-api",
                blink_test_ipfs_network_get_api (f->network, i), "announce-interval", 500, NULL);

  g_signal_connect (p->element, "incoming-call", G_CALLBACK (on_incoming), p);
  g_signal_connect (p->element, "offer-cancelled", G_CALLBACK (on_cancelled), p);
  g_signal_connect (p->element, "offer-expired", G_CALLBACK (on_expired), p);
  g_signal_connect (p->element, "participant-ringing", G_CALLBACK (on_ringing), p);
  g_signal_connect (p->element, "participant-joined", G_CALLBACK (on_joined), p);
  g_signal_connect (p->element, "participant-announced", G_CALLBACK (on_announced), p);
  g_signal_connect (p->element, "participant-declined", G_CALLBACK (on_declined), p);
  g_signal_connect (p->element, "participant-left", G_CALLBACK (on_left), p);
  g_signal_connect (p->element, "participants-added", G_CALLBACK (on_added), p);
  g_signal_connect (p->element, "sdp-received", G_CALLBACK (on_sdp), p);
  g_signal_connect (p->element, "ice-candidate-received", G_CALLBACK (on_ice), p);

  g_assert_cmpint (gst_element_set_state (p->pipeline, GST_STATE_PLAYING), ==,
                   GST_STATE_CHANGE_SUCCESS);
  g_object_get (p->element, "did", &p->did, NULL);
  g_assert_true (g_str_has_prefix (p->did, "did:key:z6Mk"));
}

static gboolean
offer_topics_live (gpointer user_data)
{
  Fixture *f = user_data;

  for (guint i = 0; i < N; i++)
    {
      BlinkIpfsState state;

      g_object_get (f->party[i].element, "ipfs-state", &state, NULL);
      if (state != BLINK_IPFS_STATE_CONNECTED)
        return FALSE;
    }
  return TRUE;
}

static void
fixture_set_up (Fixture *f,
                gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  if (!blink_test_ipfs_network_available ())
    {
      g_test_skip (blink_test_ipfs_unavailable_reason ());
      return;
    }

  f->dir = g_dir_make_tmp ("blink-signaller-XXXXXX", &error);
  g_assert_no_error (error);
  f->network = blink_test_ipfs_network_start (N, NULL);
  for (guint i = 0; i < N; i++)
    party_start (f, i);
  g_assert_true (blink_test_wait_until (offer_topics_live, f, WAIT_MS));
}


static void
fixture_tear_down (Fixture *f,
                   gconstpointer data)
{
  if (f->network == NULL)
    return;

  for (guint i = 0; i < N; i++)
    {
      Party *p = &f->party[i];

      gst_element_set_state (p->pipeline, GST_STATE_NULL);
      gst_object_unref (p->pipeline);
      g_unlink (p->key_path);
      g_free (p->key_path);
      g_free (p->did);
      g_ptr_array_unref (p->events);
    }
  /* Let the last publishes go out before the nodes stop. */
  blink_test_pass_time (200);
  for (guint i = 0; i < N; i++)
    g_clear_object (&f->raw[i]);
  blink_test_ipfs_network_stop (f->network);
  g_rmdir (f->dir);
  g_free (f->dir);
}

typedef struct
{
  Party *party;
  const char *prefix;
} EventWanted;

static const char *
find_event (Party *p,
            const char *prefix)
{
  for (guint i = 0; i < p->events->len; i++)
    if (g_str_has_prefix (g_ptr_array_index (p->events, i), prefix))
      return g_ptr_array_index (p->events, i);
  return NULL;
}

static gboolean
has_event (gpointer user_data)
{
  EventWanted *want = user_data;

  return find_event (want->party, want->prefix) != NULL;
}

static const char *
wait_event (Party *p,
            const char *format,
            ...) G_GNUC_PRINTF (2, 3);

/* Waits for an event starting with the formatted prefix; fails the test if
 * it does not come. */
static const char *
wait_event (Party *p,
            const char *format,
            ...)
{
  g_autofree char *prefix = NULL;
  EventWanted want;
  va_list args;

  va_start (args, format);
  prefix = g_strdup_vprintf (format, args);
  va_end (args);

  want = (EventWanted){ p, prefix };
  if (!blink_test_wait_until (has_event, &want, WAIT_MS))
    g_error ("%s never saw “%s”", p->did, prefix);
  return find_event (p, prefix);
}

static void
assert_no_event (Party *p,
                 const char *prefix)
{
  g_assert_null (find_event (p, prefix));
}

static char *
offer (Fixture *f,
       guint from,
       const char *const *to)
{
  char *id = NULL;

  g_signal_emit_by_name (f->party[from].element, "offer-call", to, NULL, &id);
  g_assert_nonnull (id);
  return id;
}

static gboolean
act (Fixture *f,
     guint who,
     const char *action,
     const char *id)
{
  gboolean done = FALSE;

  g_signal_emit_by_name (f->party[who].element, action, id, &done);
  return done;
}

static guint64
stat_of (Fixture *f,
      guint who,
      const char *field)
{
  g_autoptr (GstStructure) stats = NULL;
  guint64 value = 0;

  g_object_get (f->party[who].element, "stats", &stats, NULL);
  g_assert_true (gst_structure_get_uint64 (stats, field, &value));
  return value;
}


static void
test_offer_rings (Fixture *f,
                  gconstpointer data)
{
  const char *to[] = { f->party[BOB].did, NULL };
  g_autofree char *id = NULL;
  g_autofree char *expected = NULL;
  g_autoptr (GstMessage) message = NULL;
  g_autoptr (GstBus) bus = NULL;

  if (f->network == NULL)
    return;

  id = offer (f, ALICE, to);
  expected = g_strdup_printf ("incoming %s %s %s,%s 48000/1", id, f->party[ALICE].did,
                              f->party[ALICE].did, f->party[BOB].did);
  g_assert_cmpstr (wait_event (&f->party[BOB], "incoming %s", id), ==, expected);
  wait_event (&f->party[ALICE], "ringing %s %s", id, f->party[BOB].did);
  assert_no_event (&f->party[CAROL], "incoming");

  /* The same event is on the bus, for gst-launch-1.0 -m. */
  bus = gst_element_get_bus (f->party[BOB].pipeline);
  message = gst_bus_pop_filtered (bus, GST_MESSAGE_ELEMENT);
  while (message != NULL &&
         !gst_structure_has_name (gst_message_get_structure (message), "blink-incoming-call"))
    {
      gst_message_unref (message);
      message = gst_bus_pop_filtered (bus, GST_MESSAGE_ELEMENT);
    }
  g_assert_nonnull (message);
  g_assert_cmpstr (gst_structure_get_string (gst_message_get_structure (message), "call-id"), ==,
                   id);

  /* The offer is acknowledged: it is not sent again and again. */
  blink_test_pass_time (2500);
  g_assert_cmpuint (stat_of (f, ALICE, "rejected"), ==, 0);
  g_assert_cmpuint (stat_of (f, BOB, "rejected"), ==, 0);
}

static void
test_cancel_before_answer (Fixture *f,
                           gconstpointer data)
{
  const char *to[] = { f->party[BOB].did, f->party[CAROL].did, NULL };
  g_autofree char *id = NULL;

  if (f->network == NULL)
    return;

  id = offer (f, ALICE, to);
  wait_event (&f->party[BOB], "incoming %s", id);
  wait_event (&f->party[CAROL], "incoming %s", id);
  g_assert_true (act (f, ALICE, "cancel-call", id));

  wait_event (&f->party[BOB], "cancelled %s cancelled", id);
  wait_event (&f->party[CAROL], "cancelled %s cancelled", id);
  /* Gone from the pending calls: it can no longer be answered. */
  g_assert_false (act (f, BOB, "join-call", id));
  g_assert_false (act (f, ALICE, "cancel-call", id));
}

static void
test_decline (Fixture *f,
              gconstpointer data)
{
  const char *to[] = { f->party[BOB].did, NULL };
  g_autofree char *id = NULL;

  if (f->network == NULL)
    return;

  id = offer (f, ALICE, to);
  wait_event (&f->party[BOB], "incoming %s", id);
  g_assert_true (act (f, BOB, "decline-call", id));
  wait_event (&f->party[ALICE], "declined %s %s", id, f->party[BOB].did);
  g_assert_false (act (f, BOB, "join-call", id));
}

static void
test_group_join_announce_leave (Fixture *f,
                                gconstpointer data)
{
  const char *to[] = { f->party[BOB].did, f->party[CAROL].did, NULL };
  Party *alice = &f->party[ALICE], *bob = &f->party[BOB], *carol = &f->party[CAROL];
  g_autofree char *id = NULL;
  g_autofree char *caller_joined = NULL;
  gboolean done = FALSE;

  if (f->network == NULL)
    return;

  id = offer (f, ALICE, to);
  wait_event (bob, "incoming %s", id);
  wait_event (carol, "incoming %s", id);
  g_assert_true (act (f, BOB, "join-call", id));
  g_assert_true (act (f, CAROL, "join-call", id));

  wait_event (alice, "joined %s %s", id, bob->did);
  wait_event (alice, "joined %s %s", id, carol->did);
  wait_event (bob, "joined %s %s", id, carol->did);
  wait_event (carol, "joined %s %s", id, bob->did);
  /* The caller announces too, and is in the call from the start. */
  wait_event (bob, "announced %s %s 000", id, alice->did);
  caller_joined = g_strdup_printf ("joined %s %s", id, alice->did);
  assert_no_event (bob, caller_joined);

  g_signal_emit_by_name (bob->element, "announce", id, TRUE, FALSE, TRUE, &done);
  g_assert_true (done);
  wait_event (alice, "announced %s %s 101", id, bob->did);
  wait_event (carol, "announced %s %s 101", id, bob->did);

  g_assert_true (act (f, CAROL, "leave-call", id));
  wait_event (alice, "left %s %s", id, carol->did);
  wait_event (bob, "left %s %s", id, carol->did);

  /* Our own messages come back from the node and are ignored, not rejected. */
  g_assert_cmpuint (stat_of (f, ALICE, "echoes"), >, 0);
  g_assert_cmpuint (stat_of (f, ALICE, "rejected"), ==, 0);
  assert_no_event (alice, caller_joined);
}

static void
test_sdp_and_ice_to_one_participant (Fixture *f,
                                     gconstpointer data)
{
  const char *to[] = { f->party[BOB].did, f->party[CAROL].did, NULL };
  Party *alice = &f->party[ALICE], *bob = &f->party[BOB], *carol = &f->party[CAROL];
  g_autofree char *id = NULL;
  gboolean done = FALSE;

  if (f->network == NULL)
    return;

  id = offer (f, ALICE, to);
  wait_event (bob, "incoming %s", id);
  wait_event (carol, "incoming %s", id);
  act (f, BOB, "join-call", id);
  act (f, CAROL, "join-call", id);
  wait_event (alice, "joined %s %s", id, bob->did);
  wait_event (alice, "joined %s %s", id, carol->did);

  g_signal_emit_by_name (alice->element, "send-sdp", id, bob->did, "offer", "v=0\r\ns=bob\r\n",
                         &done);
  g_assert_true (done);
  g_signal_emit_by_name (alice->element, "send-ice-candidate", id, bob->did, 0,
                         "candidate:1 1 UDP 2015363327 127.0.0.1 40000 typ host", &done);
  g_assert_true (done);
  g_signal_emit_by_name (bob->element, "send-sdp", id, alice->did, "answer", "v=0\r\ns=alice\r\n",
                         &done);
  g_assert_true (done);

  wait_event (bob, "sdp %s %s offer v=0\r\ns=bob\r\n", id, alice->did);
  wait_event (bob, "ice %s %s 0 candidate:1 1 UDP 2015363327 127.0.0.1 40000 typ host", id,
              alice->did);
  wait_event (alice, "sdp %s %s answer v=0\r\ns=alice\r\n", id, bob->did);
  blink_test_pass_time (500);
  assert_no_event (carol, "sdp");
  assert_no_event (carol, "ice");

  /* Not to someone outside the call, and not nonsense. */
  g_signal_emit_by_name (alice->element, "send-sdp", id, "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp",
                         "offer", "v=0\r\n", &done);
  g_assert_false (done);
  g_signal_emit_by_name (alice->element, "send-sdp", id, bob->did, "pranswer", "v=0\r\n", &done);
  g_assert_false (done);
}

static void
test_ringing_timeout (Fixture *f,
                      gconstpointer data)
{
  const char *to[] = { f->party[BOB].did, NULL };
  g_autofree char *id = NULL;

  if (f->network == NULL)
    return;

  g_object_set (f->party[ALICE].element, "ringing-timeout", 2, NULL);
  id = offer (f, ALICE, to);
  wait_event (&f->party[BOB], "incoming %s", id);
  wait_event (&f->party[BOB], "cancelled %s expired", id);
  wait_event (&f->party[ALICE], "expired %s", id);
  g_assert_false (act (f, BOB, "join-call", id));
}

/* ---- hostile input, published straight to the topics ---- */

static void
publish_raw (Fixture *f,
             guint node,
             const char *topic,
             GBytes *bytes)
{
  /* One client per node publishes one message after the other: a burst of
   * concurrent publishes overflows the node's queues towards its peers. */
  if (f->raw[node] == NULL)
    f->raw[node] = blink_ipfs_client_new (blink_test_ipfs_network_get_api (f->network, node), NULL);
  blink_ipfs_client_publish_async (f->raw[node], topic, bytes, 1, NULL, NULL, NULL);
}

typedef struct
{
  Fixture *f;
  guint who;
  const char *field;
  guint64 at_least;
} StatWanted;

static gboolean
stat_reached (gpointer user_data)
{
  StatWanted *want = user_data;

  return stat_of (want->f, want->who, want->field) >= want->at_least;
}

static void
wait_stat (Fixture *f,
           guint who,
           const char *field,
           guint64 at_least)
{
  StatWanted want = { f, who, field, at_least };

  if (!blink_test_wait_until (stat_reached, &want, WAIT_MS))
    g_error ("%s stayed at %" G_GUINT64_FORMAT ", not %" G_GUINT64_FORMAT, field,
             stat_of (f, who, field), at_least);
}

/* A box sealed by hand, following docs/protocol.md, where the claimed sender
 * key and the signing identity may differ. */
static GBytes *
forge_box (const char *topic,
           const guint8 *recipient_ed25519,
           const guint8 *claimed_key,
           BlinkIdentity *signer,
           GBytes *json)
{
  g_autoptr (GByteArray) signed_data = g_byte_array_new ();
  g_autoptr (GByteArray) plaintext = g_byte_array_new ();
  guint8 rpk[32], esk[32], epk[32], shared[32], key[32], nonce[24], signature[64];
  crypto_generichash_state state;
  g_autofree guint8 *ct = NULL;
  g_autofree char *epk_b64 = NULL, *nonce_b64 = NULL, *ct_b64 = NULL;
  char *text;

  g_byte_array_append (signed_data, (const guint8 *) "blink/2/sig", 12);
  g_byte_array_append (signed_data, (const guint8 *) topic, strlen (topic) + 1);
  g_byte_array_append (signed_data, g_bytes_get_data (json, NULL), g_bytes_get_size (json));
  blink_identity_sign (signer, signed_data->data, signed_data->len, signature);
  g_byte_array_append (plaintext, claimed_key, 32);
  g_byte_array_append (plaintext, signature, 64);
  g_byte_array_append (plaintext, g_bytes_get_data (json, NULL), g_bytes_get_size (json));

  g_assert_cmpint (crypto_sign_ed25519_pk_to_curve25519 (rpk, recipient_ed25519), ==, 0);
  crypto_box_keypair (epk, esk);
  g_assert_cmpint (crypto_scalarmult_curve25519 (shared, esk, rpk), ==, 0);
  crypto_generichash_init (&state, NULL, 0, 32);
  crypto_generichash_update (&state, (const guint8 *) "blink/2/box", 12);
  crypto_generichash_update (&state, shared, 32);
  crypto_generichash_update (&state, epk, 32);
  crypto_generichash_update (&state, rpk, 32);
  crypto_generichash_final (&state, key, 32);
  randombytes_buf (nonce, sizeof nonce);
  ct = g_malloc (plaintext->len + 16);
  crypto_aead_xchacha20poly1305_ietf_encrypt (ct, NULL, plaintext->data, plaintext->len,
                                              (const guint8 *) topic, strlen (topic), NULL, nonce,
                                              key);
  epk_b64 = g_base64_encode (epk, 32);
  nonce_b64 = g_base64_encode (nonce, 24);
  ct_b64 = g_base64_encode (ct, plaintext->len + 16);
  text = g_strdup_printf ("{\"v\":2,\"seal\":\"box\",\"epk\":\"%s\",\"nonce\":\"%s\",\"ct\":\"%s\"}",
                          epk_b64, nonce_b64, ct_b64);
  return g_bytes_new_take (text, strlen (text));
}

/* An offer from @caller, whose call id is derived from @key and @caller. */
static BlinkMessage *
offer_message (const char *caller,
               const char *const *participants,
               const guint8 *key)
{
  BlinkMessage *message = blink_message_new (BLINK_MESSAGE_OFFER);

  message->call_id = blink_call_id_derive (key, caller);
  memcpy (message->call_key, key, 32);
  message->participants = g_strdupv ((char **) participants);
  message->expires_ms = message->timestamp_ms + 60000;
  return message;
}

static void
test_hostile_input (Fixture *f,
                    gconstpointer data)
{
  Party *bob = &f->party[BOB];
  g_autoptr (BlinkIdentity) mallory = blink_identity_new_random ();
  g_autoptr (BlinkIdentity) alice = NULL;
  g_autofree char *bob_topic = NULL;
  g_autofree char *carol_topic = NULL;
  guint8 key[32], bob_pk[32];
  guint events_before;

  if (f->network == NULL)
    return;

  alice = blink_identity_load (f->party[ALICE].key_path, NULL);
  g_assert_nonnull (alice);
  bob_topic = blink_topic_offer (bob->did);
  carol_topic = blink_topic_offer (f->party[CAROL].did);
  g_assert_true (blink_did_to_public_key (bob->did, bob_pk, NULL));
  randombytes_buf (key, sizeof key);
  events_before = bob->events->len;

  /* garbage */
  {
    g_autoptr (GBytes) garbage = g_bytes_new_static ("\x00\x01 not json", 12);

    publish_raw (f, ALICE, bob_topic, garbage);
    wait_stat (f, BOB, "rejected-malformed", 1);
  }

  /* oversize: 70 KiB */
  {
    g_autofree char *big = g_strnfill (70 * 1024, '{');
    g_autoptr (GBytes) bytes = g_bytes_new (big, 70 * 1024);

    publish_raw (f, ALICE, bob_topic, bytes);
    wait_stat (f, BOB, "rejected-too-large", 1);
  }

  /* sealed to Carol, published on Bob's topic */
  {
    const char *participants[] = { f->party[ALICE].did, f->party[CAROL].did, NULL };
    g_autoptr (BlinkMessage) message = offer_message (f->party[ALICE].did, participants, key);
    g_autoptr (GBytes) sealed = blink_envelope_seal (alice, carol_topic, f->party[CAROL].did, NULL,
                                                     message, NULL);

    publish_raw (f, ALICE, bob_topic, sealed);
    wait_stat (f, BOB, "rejected-wrong-key", 1);
  }

  /* Mallory signs, claiming to be Alice */
  {
    const char *participants[] = { f->party[ALICE].did, bob->did, NULL };
    g_autoptr (BlinkMessage) message = offer_message (f->party[ALICE].did, participants, key);
    g_autoptr (GBytes) json = blink_message_serialize (message);
    g_autoptr (GBytes) forged = forge_box (bob_topic, bob_pk, blink_identity_get_public_key (alice),
                                           mallory, json);

    publish_raw (f, ALICE, bob_topic, forged);
    wait_stat (f, BOB, "rejected-bad-signature", 1);
  }

  /* Mallory offers a call between Alice and Bob, which she is not part of */
  {
    const char *participants[] = { f->party[ALICE].did, bob->did, NULL };
    g_autoptr (BlinkMessage) message =
      offer_message (blink_identity_get_did (mallory), participants, key);
    g_autoptr (GBytes) sealed = blink_envelope_seal (mallory, bob_topic, bob->did, NULL, message,
                                                     NULL);

    publish_raw (f, ALICE, bob_topic, sealed);
    wait_stat (f, BOB, "rejected-not-participant", 1);
  }

  g_assert_cmpuint (bob->events->len, ==, events_before);

  /* A real offer from Alice, then the same bytes again: rung once. */
  {
    const char *participants[] = { f->party[ALICE].did, bob->did, NULL };
    g_autoptr (BlinkMessage) message = offer_message (f->party[ALICE].did, participants, key);
    g_autoptr (GBytes) sealed = blink_envelope_seal (alice, bob_topic, bob->did, NULL, message,
                                                     NULL);
    g_autofree char *call_topic = blink_topic_call (message->call_id, key);

    publish_raw (f, ALICE, bob_topic, sealed);
    wait_event (bob, "incoming %s", message->call_id);
    publish_raw (f, ALICE, bob_topic, sealed);
    wait_stat (f, BOB, "rejected-replayed", 1);
    g_assert_cmpuint (bob->events->len, ==, events_before + 1);

    /* Bob joins; Mallory, who somehow has the call key, announces herself. */
    g_assert_true (act (f, BOB, "join-call", message->call_id));
    {
      g_autoptr (BlinkMessage) announce = blink_message_new (BLINK_MESSAGE_ANNOUNCE);
      g_autoptr (GBytes) intruder = blink_envelope_seal (mallory, call_topic, NULL, key, announce,
                                                         NULL);

      publish_raw (f, CAROL, call_topic, intruder);
      wait_stat (f, BOB, "rejected-not-participant", 2);
    }
  }

  blink_test_pass_time (300);
  g_assert_cmpuint (bob->events->len, ==, events_before + 1);
  g_assert_cmpuint (stat_of (f, BOB, "rejected"), ==, 7);
}

static void
test_node_restart_while_ringing (Fixture *f,
                                 gconstpointer data)
{
  const char *to[] = { f->party[BOB].did, NULL };
  g_autofree char *id = NULL;
  g_autofree char *second = NULL;

  if (f->network == NULL)
    return;

  id = offer (f, ALICE, to);
  wait_event (&f->party[BOB], "incoming %s", id);

  /* Bob's node dies and comes back while the call rings; he answers. */
  blink_test_ipfs_network_kill (f->network, BOB);
  blink_test_ipfs_network_restart (f->network, BOB);
  g_assert_true (blink_test_wait_until (offer_topics_live, f, WAIT_MS));
  g_assert_true (act (f, BOB, "join-call", id));
  wait_event (&f->party[ALICE], "joined %s %s", id, f->party[BOB].did);

  /* An offer made while Bob's node is down reaches him once it is back:
   * the offer is resent until acknowledged. */
  blink_test_ipfs_network_kill (f->network, BOB);
  second = offer (f, ALICE, to);
  blink_test_pass_time (1000);
  blink_test_ipfs_network_restart (f->network, BOB);
  wait_event (&f->party[BOB], "incoming %s", second);
  wait_event (&f->party[ALICE], "ringing %s", second);
}

/* ---- abuse: takeover, replay, floods, people who left ---- */

static gboolean
party_live (gpointer user_data)
{
  Party *p = user_data;
  BlinkIpfsState state;

  g_object_get (p->element, "ipfs-state", &state, NULL);
  return state == BLINK_IPFS_STATE_CONNECTED;
}

/* Stops a party's signaller and starts it again, as a restarted process
 * would: nothing is remembered but what it keeps on disk. */
static void
party_restart (Party *p)
{
  gst_element_set_state (p->pipeline, GST_STATE_NULL);
  g_assert_cmpint (gst_element_set_state (p->pipeline, GST_STATE_PLAYING), ==,
                   GST_STATE_CHANGE_SUCCESS);
  g_assert_true (blink_test_wait_until (party_live, p, WAIT_MS));
  /* The node takes the new subscription a moment after it answers. */
  blink_test_pass_time (500);
}

static guint
count_events (Party *p,
              const char *prefix)
{
  guint n = 0;

  for (guint i = 0; i < p->events->len; i++)
    n += g_str_has_prefix (g_ptr_array_index (p->events, i), prefix);
  return n;
}

/* Incoming calls that gave way to another caller's when all places rang. */
static guint
count_displaced (Party *p)
{
  guint n = 0;

  for (guint i = 0; i < p->events->len; i++)
    {
      const char *event = g_ptr_array_index (p->events, i);

      n += g_str_has_prefix (event, "cancelled ") && g_str_has_suffix (event, " displaced");
    }
  return n;
}

/* Brings a node back, and says whether it came back in time for the
 * last words' resends (the last goes out 15.5 s after the first): a
 * machine too slow for that cannot tell whether they work. */
static gboolean
restart_for_resends (Fixture *f,
                     guint node,
                     gint64 down_since)
{
  blink_test_ipfs_network_restart (f->network, node);
  g_assert_true (blink_test_wait_until (offer_topics_live, f, WAIT_MS));
  if (g_get_monotonic_time () - down_since < 10 * G_USEC_PER_SEC)
    return TRUE;
  g_test_incomplete ("The IPFS node took more than 10 s to come back");
  return FALSE;
}

/* Last words said while the node of whom they are for is down are said
 * again, and reach them once it is back, long before the call would ring
 * out there: Alice's cancel to Bob, Bob's decline to Alice, and in a call
 * of three Carol's leave to Alice. */
static void
test_goodbyes_while_node_down (Fixture *f,
                               gconstpointer data)
{
  const char *to_bob[] = { f->party[BOB].did, NULL };
  const char *to_both[] = { f->party[BOB].did, f->party[CAROL].did, NULL };
  g_autofree char *cancelled = NULL;
  g_autofree char *declined = NULL;
  g_autofree char *left = NULL;
  gint64 down_since;

  if (f->network == NULL)
    return;

  cancelled = offer (f, ALICE, to_bob);
  wait_event (&f->party[BOB], "incoming %s", cancelled);
  blink_test_ipfs_network_kill (f->network, BOB);
  down_since = g_get_monotonic_time ();
  g_assert_true (act (f, ALICE, "cancel-call", cancelled));
  blink_test_pass_time (300);
  if (!restart_for_resends (f, BOB, down_since))
    return;
  wait_event (&f->party[BOB], "cancelled %s cancelled", cancelled);
  g_assert_false (act (f, BOB, "join-call", cancelled));

  declined = offer (f, ALICE, to_bob);
  wait_event (&f->party[BOB], "incoming %s", declined);
  wait_event (&f->party[ALICE], "ringing %s", declined);
  blink_test_ipfs_network_kill (f->network, ALICE);
  down_since = g_get_monotonic_time ();
  g_assert_true (act (f, BOB, "decline-call", declined));
  blink_test_pass_time (300);
  if (!restart_for_resends (f, ALICE, down_since))
    return;
  wait_event (&f->party[ALICE], "declined %s %s", declined, f->party[BOB].did);

  left = offer (f, ALICE, to_both);
  wait_event (&f->party[BOB], "incoming %s", left);
  wait_event (&f->party[CAROL], "incoming %s", left);
  g_assert_true (act (f, BOB, "join-call", left));
  g_assert_true (act (f, CAROL, "join-call", left));
  wait_event (&f->party[ALICE], "joined %s %s", left, f->party[CAROL].did);
  wait_event (&f->party[BOB], "joined %s %s", left, f->party[CAROL].did);
  blink_test_ipfs_network_kill (f->network, ALICE);
  down_since = g_get_monotonic_time ();
  g_assert_true (act (f, CAROL, "leave-call", left));
  wait_event (&f->party[BOB], "left %s %s", left, f->party[CAROL].did);
  if (!restart_for_resends (f, ALICE, down_since))
    return;
  wait_event (&f->party[ALICE], "left %s %s", left, f->party[CAROL].did);

  /* The copies are neither refused nor taken twice. */
  blink_test_pass_time (2000);
  g_assert_cmpuint (stat_of (f, ALICE, "rejected"), ==, 0);
  g_assert_cmpuint (stat_of (f, BOB, "rejected"), ==, 0);
  {
    g_autofree char *carol_left = g_strdup_printf ("left %s %s", left, f->party[CAROL].did);

    g_assert_cmpuint (count_events (&f->party[BOB], carol_left), ==, 1);
  }
}

static GBytes *
seal_offer (BlinkIdentity *caller,
            const char *callee,
            BlinkMessage *message)
{
  g_autofree char *topic = blink_topic_offer (callee);
  GBytes *sealed = blink_envelope_seal (caller, topic, callee, NULL, message, NULL);

  g_assert_nonnull (sealed);
  return sealed;
}

/* Mallory sees that Alice calls Bob and races an offer of her own under the
 * same call id to Bob, ahead of Alice's: it is refused, and Alice's call
 * rings as hers. */
static void
test_call_id_race (Fixture *f,
                   gconstpointer data)
{
  Party *bob = &f->party[BOB];
  g_autoptr (BlinkIdentity) alice = NULL;
  g_autoptr (BlinkIdentity) mallory = blink_identity_new_random ();
  const char *mallory_did = blink_identity_get_did (mallory);
  guint8 key[32], her_key[32];

  if (f->network == NULL)
    return;

  alice = blink_identity_load (f->party[ALICE].key_path, NULL);
  randombytes_buf (key, sizeof key);
  randombytes_buf (her_key, sizeof her_key);
  {
    const char *theirs[] = { f->party[ALICE].did, bob->did, NULL };
    const char *hers[] = { mallory_did, bob->did, NULL };
    g_autoptr (BlinkMessage) real = offer_message (f->party[ALICE].did, theirs, key);
    g_autoptr (BlinkMessage) racer = offer_message (mallory_did, hers, her_key);
    g_autoptr (GBytes) real_bytes = NULL;
    g_autoptr (GBytes) racer_bytes = NULL;
    g_autofree char *topic = blink_topic_offer (bob->did);

    g_free (racer->call_id);
    racer->call_id = g_strdup (real->call_id);
    racer_bytes = seal_offer (mallory, bob->did, racer);
    real_bytes = seal_offer (alice, bob->did, real);

    publish_raw (f, CAROL, topic, racer_bytes);
    wait_stat (f, BOB, "rejected-forged-call-id", 1);
    assert_no_event (bob, "incoming");

    publish_raw (f, ALICE, topic, real_bytes);
    wait_event (bob, "incoming %s %s", real->call_id, f->party[ALICE].did);
  }
}

/* A captured offer replayed after the callee restarted does not ring; nor
 * does one dated ahead of the callee's clock, which only the state file
 * remembers. */
static void
test_replay_after_restart (Fixture *f,
                           gconstpointer data)
{
  Party *bob = &f->party[BOB];
  g_autoptr (BlinkIdentity) alice = NULL;
  const char *participants[] = { f->party[ALICE].did, bob->did, NULL };
  g_autofree char *topic = NULL;
  guint8 key[32], ahead_key[32];

  if (f->network == NULL)
    return;

  alice = blink_identity_load (f->party[ALICE].key_path, NULL);
  topic = blink_topic_offer (bob->did);
  randombytes_buf (key, sizeof key);
  randombytes_buf (ahead_key, sizeof ahead_key);
  {
    g_autoptr (BlinkMessage) offer = offer_message (f->party[ALICE].did, participants, key);
    g_autoptr (BlinkMessage) ahead = offer_message (f->party[ALICE].did, participants, ahead_key);
    g_autoptr (GBytes) captured = NULL;
    g_autoptr (GBytes) captured_ahead = NULL;

    /* Alice's clock runs a minute ahead of Bob's for the second one. */
    ahead->timestamp_ms += 60000;
    ahead->expires_ms += 60000;
    captured = seal_offer (alice, bob->did, offer);
    captured_ahead = seal_offer (alice, bob->did, ahead);

    publish_raw (f, ALICE, topic, captured);
    wait_event (bob, "incoming %s", offer->call_id);
    publish_raw (f, ALICE, topic, captured_ahead);
    wait_event (bob, "incoming %s", ahead->call_id);

    party_restart (bob);
    g_assert_cmpuint (count_events (bob, "incoming"), ==, 2);

    publish_raw (f, CAROL, topic, captured);
    wait_stat (f, BOB, "rejected-expired", 1);
    publish_raw (f, CAROL, topic, captured_ahead);
    wait_stat (f, BOB, "rejected-replayed", 1);
    blink_test_pass_time (300);
    g_assert_cmpuint (count_events (bob, "incoming"), ==, 2);
  }
}

/* Alice's clock runs 100 s ahead of Bob's (inside the replay window of
 * 120 s), then 2.5 s behind it: her offers ring as long as she says (3 s,
 * then 2 s) either way. Taken as a time on Bob's clock, the first would
 * ring until Bob's own timeout of 60 s, and the second had rung out before
 * it came. (Further behind would be dated before Bob started listening,
 * refused as a possible replay: he started 3 s before that offer.) */
static void
test_clock_skew (Fixture *f,
                 gconstpointer data)
{
  Party *bob = &f->party[BOB];
  g_autoptr (BlinkIdentity) alice = NULL;
  const char *participants[] = { f->party[ALICE].did, bob->did, NULL };
  g_autofree char *topic = NULL;
  const gint64 skews_ms[] = { 100000, -2500 };
  const gint64 rings_ms[] = { 3000, 2000 };

  if (f->network == NULL)
    return;

  alice = blink_identity_load (f->party[ALICE].key_path, NULL);
  topic = blink_topic_offer (bob->did);
  for (guint i = 0; i < G_N_ELEMENTS (skews_ms); i++)
    {
      g_autoptr (BlinkMessage) message = NULL;
      g_autoptr (GBytes) sealed = NULL;
      guint8 key[32];
      gint64 rang_at, rang_ms;

      randombytes_buf (key, sizeof key);
      message = offer_message (f->party[ALICE].did, participants, key);
      message->timestamp_ms += skews_ms[i];
      message->expires_ms = message->timestamp_ms + rings_ms[i];
      sealed = seal_offer (alice, bob->did, message);
      publish_raw (f, CAROL, topic, sealed);
      wait_event (bob, "incoming %s", message->call_id);
      rang_at = g_get_monotonic_time ();
      wait_event (bob, "cancelled %s expired", message->call_id);
      rang_ms = (g_get_monotonic_time () - rang_at) / 1000;
      g_test_message ("Skew %+" G_GINT64_FORMAT " ms: rang %" G_GINT64_FORMAT " ms of %"
                      G_GINT64_FORMAT, skews_ms[i], rang_ms, rings_ms[i]);
      g_assert_cmpint (rang_ms, >, rings_ms[i] - 1000);
      g_assert_cmpint (rang_ms, <, rings_ms[i] + 1500);
    }
  g_assert_cmpuint (stat_of (f, BOB, "rejected"), ==, 0);
}

/* Alice's cancel overtakes her offer: the offer rings no more when it
 * comes. Mallory's cancel of another offer of Alice's, its id known to
 * her, stops nothing. */
static void
test_cancel_before_offer (Fixture *f,
                          gconstpointer data)
{
  Party *bob = &f->party[BOB];
  g_autoptr (BlinkIdentity) alice = NULL;
  g_autoptr (BlinkIdentity) mallory = blink_identity_new_random ();
  const char *participants[] = { f->party[ALICE].did, bob->did, NULL };
  g_autoptr (BlinkMessage) withdrawn = NULL;
  g_autoptr (BlinkMessage) rings = NULL;
  g_autoptr (BlinkMessage) alices_cancel = blink_message_new (BLINK_MESSAGE_CANCEL);
  g_autoptr (BlinkMessage) mallorys_cancel = blink_message_new (BLINK_MESSAGE_CANCEL);
  g_autofree char *topic = NULL;
  guint8 key[32];

  if (f->network == NULL)
    return;

  alice = blink_identity_load (f->party[ALICE].key_path, NULL);
  topic = blink_topic_offer (bob->did);
  randombytes_buf (key, sizeof key);
  withdrawn = offer_message (f->party[ALICE].did, participants, key);
  randombytes_buf (key, sizeof key);
  rings = offer_message (f->party[ALICE].did, participants, key);
  alices_cancel->call_id = g_strdup (withdrawn->call_id);
  mallorys_cancel->call_id = g_strdup (rings->call_id);

  {
    g_autoptr (GBytes) cancel = seal_offer (mallory, bob->did, mallorys_cancel);
    g_autoptr (GBytes) offer = seal_offer (alice, bob->did, rings);

    publish_raw (f, CAROL, topic, cancel);
    publish_raw (f, CAROL, topic, offer);
    wait_event (bob, "incoming %s", rings->call_id);
  }
  {
    g_autoptr (GBytes) cancel = seal_offer (alice, bob->did, alices_cancel);
    g_autoptr (GBytes) offer = seal_offer (alice, bob->did, withdrawn);

    publish_raw (f, CAROL, topic, cancel);
    publish_raw (f, CAROL, topic, offer);
    wait_stat (f, BOB, "stale", 1);
  }
  g_assert_cmpuint (count_events (bob, "incoming"), ==, 1);
  g_assert_cmpuint (stat_of (f, BOB, "rejected"), ==, 0);
}

/* Alice withdraws her offer just as Bob answers it (he answered at once, a
 * crossed call): her cancel reaches him after his join, and her leave on
 * the call's topic went out before he listened there. The cancel counts
 * as her leave. */
static void
test_cancel_after_join (Fixture *f,
                        gconstpointer data)
{
  Party *bob = &f->party[BOB];
  g_autoptr (BlinkIdentity) alice = NULL;
  const char *participants[] = { f->party[ALICE].did, bob->did, NULL };
  g_autoptr (BlinkMessage) offer = NULL;
  g_autoptr (BlinkMessage) cancel = blink_message_new (BLINK_MESSAGE_CANCEL);
  g_autoptr (GBytes) sealed_offer = NULL;
  g_autoptr (GBytes) sealed_cancel = NULL;
  g_autofree char *topic = NULL;
  guint8 key[32];

  if (f->network == NULL)
    return;

  alice = blink_identity_load (f->party[ALICE].key_path, NULL);
  topic = blink_topic_offer (bob->did);
  randombytes_buf (key, sizeof key);
  offer = offer_message (f->party[ALICE].did, participants, key);
  cancel->call_id = g_strdup (offer->call_id);
  sealed_offer = seal_offer (alice, bob->did, offer);
  sealed_cancel = seal_offer (alice, bob->did, cancel);
  publish_raw (f, ALICE, topic, sealed_offer);
  wait_event (bob, "incoming %s", offer->call_id);
  g_assert_true (act (f, BOB, "join-call", offer->call_id));
  publish_raw (f, ALICE, topic, sealed_cancel);
  wait_event (bob, "left %s %s", offer->call_id, f->party[ALICE].did);
}

/* Bob declines, or forgets (a crossed call): a late resend of the same
 * call's offer does not ring again. Forgetting sends nothing. */
static void
test_declined_stays_declined (Fixture *f,
                              gconstpointer data)
{
  Party *bob = &f->party[BOB];
  g_autoptr (BlinkIdentity) alice = NULL;
  g_autoptr (BlinkSignaller) bob_signaller = NULL;
  const char *participants[] = { f->party[ALICE].did, bob->did, NULL };
  g_autofree char *topic = NULL;

  if (f->network == NULL)
    return;

  alice = blink_identity_load (f->party[ALICE].key_path, NULL);
  topic = blink_topic_offer (bob->did);
  g_object_get (bob->element, "signaller", &bob_signaller, NULL);
  for (guint forget = 0; forget < 2; forget++)
    {
      g_autoptr (BlinkMessage) offer = NULL;
      g_autoptr (BlinkMessage) resend = NULL;
      g_autoptr (GBytes) first = NULL;
      g_autoptr (GBytes) again = NULL;
      g_autoptr (GError) error = NULL;
      guint64 stale, sent;
      guint8 key[32];

      randombytes_buf (key, sizeof key);
      offer = offer_message (f->party[ALICE].did, participants, key);
      resend = offer_message (f->party[ALICE].did, participants, key);
      first = seal_offer (alice, bob->did, offer);
      again = seal_offer (alice, bob->did, resend);
      publish_raw (f, ALICE, topic, first);
      wait_event (bob, "incoming %s", offer->call_id);
      /* Let the ringing go out first. */
      blink_test_pass_time (200);
      sent = stat_of (f, BOB, "sent");
      if (forget)
        {
          g_assert_true (blink_signaller_forget (bob_signaller, offer->call_id, &error));
          g_assert_no_error (error);
          g_assert_false (blink_signaller_forget (bob_signaller, offer->call_id, &error));
          g_assert_error (error, BLINK_SIGNALLER_ERROR, BLINK_SIGNALLER_ERROR_NO_SUCH_CALL);
        }
      else
        g_assert_true (act (f, BOB, "decline-call", offer->call_id));
      stale = stat_of (f, BOB, "stale");
      publish_raw (f, ALICE, topic, again);
      wait_stat (f, BOB, "stale", stale + 1);
      g_assert_cmpuint (count_events (bob, "incoming"), ==, forget + 1);
      if (forget)
        g_assert_cmpuint (stat_of (f, BOB, "sent"), ==, sent);
    }
}

/* 40 throwaway identities each offer Bob a call ringing for 50 days; one
 * of them offers twice. Bob's own timeout still ends them, a caller rings
 * once at most, the oldest give way, and a real call rings. */
static void
test_offer_flood (Fixture *f,
                  gconstpointer data)
{
  Party *bob = &f->party[BOB];
  const char *to_bob[] = { bob->did, NULL };
  g_autofree char *topic = NULL;
  g_autofree char *real = NULL;
  g_autofree char *first_id = NULL;
  g_autofree char *again_id = NULL;
  g_autofree char *last_id = NULL;
  const guint n = 40;

  if (f->network == NULL)
    return;

  g_object_set (bob->element, "ringing-timeout", 4, NULL);
  topic = blink_topic_offer (bob->did);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr (BlinkIdentity) stranger = blink_identity_new_random ();
      const char *participants[] = { blink_identity_get_did (stranger), bob->did, NULL };
      guint8 key[32];

      for (guint copy = 0; copy < (i == 0 ? 2 : 1); copy++)
        {
          g_autoptr (BlinkMessage) message = NULL;
          g_autoptr (GBytes) sealed = NULL;

          randombytes_buf (key, sizeof key);
          message = offer_message (blink_identity_get_did (stranger), participants, key);
          message->expires_ms = message->timestamp_ms + 50LL * 24 * 3600 * 1000;
          sealed = seal_offer (stranger, bob->did, message);
          publish_raw (f, CAROL, topic, sealed);
          /* One at a time: a burst loses a message now and then in the
           * pubsub network, which is not what this test is about. */
          wait_event (bob, "incoming %s", message->call_id);
          if (i == 0 && copy == 0)
            first_id = g_strdup (message->call_id);
          else if (i == 0)
            again_id = g_strdup (message->call_id);
          else if (i == n - 1)
            last_id = g_strdup (message->call_id);
        }
    }

  wait_event (bob, "cancelled %s replaced", first_id);
  wait_event (bob, "incoming %s", again_id);
  wait_event (bob, "cancelled %s displaced", again_id);
  /* 41 offers from 40 callers: 32 ring, the 8 oldest gave way. */
  wait_stat (f, BOB, "received", n + 1);
  g_assert_cmpuint (count_events (bob, "incoming"), ==, n + 1);
  g_assert_cmpuint (count_events (bob, "cancelled"), ==, 1 + (n - 32));
  g_assert_cmpuint (stat_of (f, BOB, "refused-calls"), ==, 0);

  /* Carol calls Bob as he calls her: her offer crosses his, which the
   * engine forgets or answers at once, and takes no stranger's place. */
  {
    const char *to_carol[] = { f->party[CAROL].did, NULL };
    g_autofree char *ours = offer (f, BOB, to_carol);
    g_autofree char *crossing = NULL;

    wait_event (&f->party[CAROL], "incoming %s", ours);
    crossing = offer (f, CAROL, to_bob);
    wait_event (bob, "incoming %s", crossing);
    g_assert_cmpuint (count_displaced (bob), ==, n - 32);
    g_assert_true (act (f, BOB, "cancel-call", ours));
  }

  /* Alice still gets through, however full it is. */
  real = offer (f, ALICE, to_bob);
  wait_event (bob, "incoming %s", real);
  wait_event (&f->party[ALICE], "ringing %s", real);

  /* Bob's ringing timeout, not the caller's 50 days, ends the flood. */
  wait_event (bob, "cancelled %s expired", last_id);
}

/* Carol declines Alice's group call, then sends Alice an SDP offer, an
 * announce and 1,000 candidates anyway: all refused, none reaches the
 * engine, and the flood is cut before any decryption. */
static void
test_gone_participant (Fixture *f,
                       gconstpointer data)
{
  Party *alice = &f->party[ALICE];
  const char *to[] = { f->party[BOB].did, f->party[CAROL].did, NULL };
  g_autoptr (BlinkIdentity) carol = NULL;
  g_autoptr (BlinkSignaller) signaller = NULL;
  g_autofree char *id = NULL;
  g_autofree char *peer_topic = NULL;
  g_autofree char *call_topic = NULL;
  BlinkSignallerCall *call;
  guint8 key[32];
  const guint n = 1000;

  if (f->network == NULL)
    return;

  carol = blink_identity_load (f->party[CAROL].key_path, NULL);
  id = offer (f, ALICE, to);
  wait_event (&f->party[CAROL], "incoming %s", id);
  g_assert_true (act (f, CAROL, "decline-call", id));
  wait_event (alice, "declined %s %s", id, f->party[CAROL].did);
  /* Low enough that the flood is cut however slowly this machine publishes. */
  g_object_set (alice->element, "peer-rate", 5, NULL);

  g_object_get (alice->element, "signaller", &signaller, NULL);
  call = blink_signaller_find_call (signaller, id);
  g_assert_nonnull (call);
  memcpy (key, blink_signaller_call_get_key (call), sizeof key);
  peer_topic = blink_topic_peer (id, key, alice->did);
  call_topic = blink_topic_call (id, key);

  {
    g_autoptr (BlinkMessage) sdp = blink_message_new (BLINK_MESSAGE_SDP_OFFER);
    g_autoptr (BlinkMessage) announce = blink_message_new (BLINK_MESSAGE_ANNOUNCE);
    g_autoptr (GBytes) sdp_bytes = NULL;
    g_autoptr (GBytes) announce_bytes = NULL;

    sdp->sdp = g_strdup ("v=0\r\no=- 1 0 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n");
    sdp_bytes = blink_envelope_seal (carol, peer_topic, alice->did, NULL, sdp, NULL);
    announce_bytes = blink_envelope_seal (carol, call_topic, NULL, key, announce, NULL);
    publish_raw (f, CAROL, peer_topic, sdp_bytes);
    publish_raw (f, CAROL, call_topic, announce_bytes);
    wait_stat (f, ALICE, "rejected-gone", 2);
  }

  for (guint i = 0; i < n; i++)
    {
      g_autoptr (BlinkMessage) candidate = blink_message_new (BLINK_MESSAGE_ICE_CANDIDATE);
      g_autoptr (GBytes) bytes = NULL;

      candidate->candidate = g_strdup_printf ("candidate:%u 1 UDP 2122260223 127.0.0.1 %u typ host",
                                              i, 10000 + i);
      bytes = blink_envelope_seal (carol, peer_topic, alice->did, NULL, candidate, NULL);
      publish_raw (f, CAROL, peer_topic, bytes);
    }

  {
    guint64 received = stat_of (f, ALICE, "received");
    guint64 gone = 0, limited = 0, before;

    /* Until nothing more arrives for a second: the pubsub network may drop
     * a few of a burst this size. */
    do
      {
        before = gone + limited;
        blink_test_pass_time (1000);
        gone = stat_of (f, ALICE, "rejected-gone");
        limited = stat_of (f, ALICE, "rejected-rate-limited");
      }
    while (gone + limited != before);
    g_test_message ("%" G_GUINT64_FORMAT " gone, %" G_GUINT64_FORMAT " rate-limited", gone,
                    limited);
    g_assert_cmpuint (gone + limited, >=, n + 2 - n / 10);
    /* Carol's decline said again (5 times) is cut too when it comes
     * during the flood. */
    g_assert_cmpuint (gone + limited, <=, n + 2 + 5);
    g_assert_cmpuint (limited, >, 0);
    /* None of it counted as received, let alone acted on. */
    g_assert_cmpuint (stat_of (f, ALICE, "received"), <=, received + 2);
  }

  g_assert_null (find_event (alice, "sdp"));
  g_assert_null (find_event (alice, "ice"));
  {
    g_autofree char *joined = g_strdup_printf ("joined %s %s", id, f->party[CAROL].did);

    assert_no_event (alice, joined);
  }
  /* Refused messages take no room in the call's replay memory: only what
   * Bob and Alice's own echoes sent is there. */
  g_assert_cmpuint (blink_replay_guard_get_size (blink_signaller_call_get_guard (call)), <, 16);
}

/* Alice calls Bob; Bob, in the call, invites Carol: she rings as called by
 * Bob, in Alice's call, and Alice learns of her from Bob's "add". Someone
 * who has not joined cannot add anyone, and nobody can make the call
 * larger than 16. */
static void
test_invitation (Fixture *f,
                 gconstpointer data)
{
  Party *alice = &f->party[ALICE];
  const char *to_bob[] = { f->party[BOB].did, NULL };
  g_autoptr (BlinkSignaller) signaller = NULL;
  g_autoptr (BlinkIdentity) carol = NULL;
  g_autofree char *id = NULL;
  g_autofree char *call_topic = NULL;
  BlinkSignallerCall *call;
  gboolean done = FALSE;
  guint8 key[32];

  if (f->network == NULL)
    return;

  id = offer (f, ALICE, to_bob);
  wait_event (&f->party[BOB], "incoming %s", id);
  g_assert_true (act (f, BOB, "join-call", id));
  wait_event (alice, "joined %s %s", id, f->party[BOB].did);

  {
    const char *invited[] = { f->party[CAROL].did, NULL };

    g_signal_emit_by_name (f->party[BOB].element, "invite", id, invited, &done);
    g_assert_true (done);
  }
  wait_event (&f->party[BOB], "added %s %s %s", id, f->party[BOB].did, f->party[CAROL].did);
  wait_event (&f->party[CAROL], "incoming %s %s", id, f->party[BOB].did);
  wait_event (alice, "added %s %s %s", id, f->party[BOB].did, f->party[CAROL].did);
  wait_event (alice, "ringing %s %s", id, f->party[CAROL].did);
  /* Carol, invited but not in yet, cannot add anyone. */
  carol = blink_identity_load (f->party[CAROL].key_path, NULL);
  g_object_get (alice->element, "signaller", &signaller, NULL);
  call = blink_signaller_find_call (signaller, id);
  memcpy (key, blink_signaller_call_get_key (call), sizeof key);
  call_topic = blink_topic_call (id, key);
  {
    g_autoptr (BlinkMessage) add = blink_message_new (BLINK_MESSAGE_ADD);
    g_autoptr (BlinkIdentity) dave = blink_identity_new_random ();
    const char *everyone[] = { alice->did, f->party[BOB].did, f->party[CAROL].did,
                               blink_identity_get_did (dave), NULL };
    g_autoptr (GBytes) bytes = NULL;

    add->participants = g_strdupv ((char **) everyone);
    bytes = blink_envelope_seal (carol, call_topic, NULL, key, add, NULL);
    publish_raw (f, CAROL, call_topic, bytes);
    wait_stat (f, ALICE, "rejected-not-participant", 1);
  }

  g_assert_true (act (f, CAROL, "join-call", id));
  wait_event (alice, "joined %s %s", id, f->party[CAROL].did);
  wait_event (&f->party[CAROL], "joined %s %s", id, alice->did);

  /* Inviting someone in the call already, or making it too large, does nothing. */
  {
    const char *again[] = { f->party[CAROL].did, NULL };
    g_autoptr (GPtrArray) many = g_ptr_array_new_with_free_func (g_free);

    g_signal_emit_by_name (f->party[BOB].element, "invite", id, again, &done);
    g_assert_false (done);
    for (guint i = 0; i < BLINK_MAX_PARTICIPANTS - 2; i++)
      {
        g_autoptr (BlinkIdentity) someone = blink_identity_new_random ();

        g_ptr_array_add (many, g_strdup (blink_identity_get_did (someone)));
      }
    g_ptr_array_add (many, NULL);
    g_signal_emit_by_name (f->party[BOB].element, "invite", id, many->pdata, &done);
    g_assert_false (done);
  }
  {
    g_autofree char *added = g_strdup_printf ("added %s %s", id, f->party[BOB].did);
    guint n = 0;

    for (guint i = 0; i < alice->events->len; i++)
      n += g_str_has_prefix (g_ptr_array_index (alice->events, i), added);
    g_assert_cmpuint (n, ==, 1);
  }
}

static void
count_connects (BlinkSignaller *signaller,
                const char *id,
                const char *did,
                guint *count)
{
  (*count)++;
}

typedef struct
{
  const guint *count;
  guint at_least;
} CountWanted;

static gboolean
count_reached (gpointer user_data)
{
  CountWanted *want = user_data;

  return *want->count >= want->at_least;
}

/* Alice's offer of the call with @key to Bob, sent again as her signaller
 * would while Bob has not acknowledged it. */
static void
resend_offer (Fixture *f,
              const guint8 *key)
{
  const char *participants[] = { f->party[ALICE].did, f->party[BOB].did, NULL };
  g_autoptr (BlinkIdentity) alice = blink_identity_load (f->party[ALICE].key_path, NULL);
  g_autoptr (BlinkMessage) offer = offer_message (f->party[ALICE].did, participants, key);
  g_autoptr (GBytes) sealed = seal_offer (alice, f->party[BOB].did, offer);
  g_autofree char *topic = blink_topic_offer (f->party[BOB].did);

  publish_raw (f, ALICE, topic, sealed);
}

/* A ringing callee that connects early says "connect" (docs/protocol.md,
 * "Connecting while ringing"): the caller hears of it, once per message,
 * also in answer to a resent offer until the callee connects later after
 * all; from someone not in the call it is refused, from someone who answered
 * already it changes nothing, and a joined call cannot connect early. */
static void
test_connect_early (Fixture *f,
                    gconstpointer data)
{
  Party *alice = &f->party[ALICE];
  const char *to_bob[] = { f->party[BOB].did, NULL };
  g_autoptr (BlinkSignaller) alice_signaller = NULL;
  g_autoptr (BlinkSignaller) bob_signaller = NULL;
  g_autoptr (BlinkIdentity) carol = NULL;
  g_autoptr (BlinkIdentity) bob = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *id = NULL;
  g_autofree char *call_topic = NULL;
  guint connects = 0, settled;
  CountWanted want;
  guint8 key[32];

  if (f->network == NULL)
    return;

  g_object_get (alice->element, "signaller", &alice_signaller, NULL);
  g_object_get (f->party[BOB].element, "signaller", &bob_signaller, NULL);
  g_signal_connect (alice_signaller, "participant-connects-early", G_CALLBACK (count_connects),
                    &connects);
  id = offer (f, ALICE, to_bob);
  wait_event (&f->party[BOB], "incoming %s", id);
  g_assert_true (blink_signaller_connect_early (bob_signaller, id, &error));
  g_assert_no_error (error);
  want = (CountWanted) { &connects, 1 };
  g_assert_true (blink_test_wait_until (count_reached, &want, WAIT_MS));

  memcpy (key, blink_signaller_call_get_key (blink_signaller_find_call (alice_signaller, id)),
          sizeof key);
  call_topic = blink_topic_call (id, key);

  /* A resend of the offer is told "connect" again, until Bob takes it
   * back (another call took him meanwhile): then only "ringing". Alice
   * resends by herself until Bob's "ringing" comes: what answers such a
   * resend has come once a second has passed since. */
  blink_test_pass_time (1000);
  settled = connects;
  resend_offer (f, key);
  want = (CountWanted) { &connects, settled + 1 };
  g_assert_true (blink_test_wait_until (count_reached, &want, WAIT_MS));
  g_assert_true (blink_signaller_connect_later (bob_signaller, id, &error));
  g_assert_no_error (error);
  {
    guint64 sent = stat_of (f, BOB, "sent");

    resend_offer (f, key);
    wait_stat (f, BOB, "sent", sent + 1);
    blink_test_pass_time (500);
    g_assert_cmpuint (stat_of (f, BOB, "sent"), ==, sent + 1);
    g_assert_cmpuint (connects, ==, settled + 1);
  }
  /* Connecting early again is allowed while it rings. */
  g_assert_true (blink_signaller_connect_early (bob_signaller, id, &error));
  g_assert_no_error (error);
  want = (CountWanted) { &connects, settled + 2 };
  g_assert_true (blink_test_wait_until (count_reached, &want, WAIT_MS));

  {
    g_autoptr (BlinkMessage) connect = blink_message_new (BLINK_MESSAGE_CONNECT);
    g_autoptr (GBytes) bytes = NULL;

    carol = blink_identity_load (f->party[CAROL].key_path, NULL);
    bytes = blink_envelope_seal (carol, call_topic, NULL, key, connect, NULL);
    publish_raw (f, CAROL, call_topic, bytes);
    wait_stat (f, ALICE, "rejected-not-participant", 1);
  }

  g_assert_true (act (f, BOB, "join-call", id));
  wait_event (alice, "joined %s %s", id, f->party[BOB].did);
  g_assert_false (blink_signaller_connect_early (bob_signaller, id, &error));
  g_assert_nonnull (error);
  {
    g_autoptr (BlinkMessage) connect = blink_message_new (BLINK_MESSAGE_CONNECT);
    g_autoptr (GBytes) bytes = NULL;

    bob = blink_identity_load (f->party[BOB].key_path, NULL);
    bytes = blink_envelope_seal (bob, call_topic, NULL, key, connect, NULL);
    publish_raw (f, BOB, call_topic, bytes);
    blink_test_pass_time (1000);
  }
  g_assert_cmpuint (connects, ==, settled + 2);
  g_signal_handlers_disconnect_by_data (alice_signaller, &connects);
}

static gboolean
on_silent_incoming (GSocketService *service,
                    GSocketConnection *connection,
                    GObject *source,
                    GPtrArray *held)
{
  g_ptr_array_add (held, g_object_ref (connection)); /* taken, never answered */
  return TRUE;
}

static void
on_stopped (GObject *source,
            GAsyncResult *result,
            gpointer user_data)
{
  g_assert_true (blink_signaller_stop_finish (BLINK_SIGNALLER (source), result, NULL));
  *(gint64 *) user_data = g_get_monotonic_time ();
}

static gboolean
stopped (gpointer user_data)
{
  return *(gint64 *) user_data != 0;
}

static gboolean
pointer_cleared (gpointer user_data)
{
  return *(gpointer *) user_data == NULL;
}

/* A node that takes the connection and never answers: stopping waits for
 * the cancel of our offer only as long as it was told, and then completes. */
static void
test_stop_waits_bounded (void)
{
  g_autoptr (GSocketService) service = g_socket_service_new ();
  g_autoptr (GPtrArray) held = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr (GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) any_port = g_inet_socket_address_new (loopback, 0);
  g_autoptr (GSocketAddress) bound = NULL;
  BlinkSignaller *signaller = blink_signaller_new ();
  g_autoptr (BlinkIdentity) bob = blink_identity_new_random ();
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("blink-signaller-XXXXXX", NULL);
  g_autofree char *key = g_build_filename (dir, "identity.key", NULL);
  g_autofree char *api = NULL;
  g_autofree char *call_id = NULL;
  const char *callees[] = { blink_identity_get_did (bob), NULL };
  gint64 asked, done = 0;

  g_socket_listener_add_address (G_SOCKET_LISTENER (service), any_port, G_SOCKET_TYPE_STREAM,
                                 G_SOCKET_PROTOCOL_TCP, NULL, &bound, &error);
  g_assert_no_error (error);
  g_signal_connect (service, "incoming", G_CALLBACK (on_silent_incoming), held);
  api = g_strdup_printf ("/ip4/127.0.0.1/tcp/%u",
                         g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));
  g_object_set (signaller, "identity", key, "ipfs-api", api, NULL);
  g_assert_true (blink_signaller_start (signaller, &error));
  g_assert_no_error (error);
  call_id = blink_signaller_offer (signaller, callees, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (call_id);

  asked = g_get_monotonic_time ();
  blink_signaller_stop_async (signaller, 300, on_stopped, &done);
  g_assert_false (blink_signaller_is_started (signaller));
  g_assert_true (blink_test_wait_until (stopped, &done, WAIT_MS));
  g_assert_cmpint (done - asked, >=, 290 * 1000);
  g_assert_cmpint (done - asked, <, 2000 * 1000);
  /* The node was asked (the subscription, the publishes) and said nothing. */
  g_assert_cmpuint (held->len, >=, 2);

  /* Gone, the node lets the publish fail: nothing of the signaller is
   * left to run in the tests after this one. */
  g_socket_service_stop (service);
  g_socket_listener_close (G_SOCKET_LISTENER (service));
  g_ptr_array_set_size (held, 0);
  g_object_add_weak_pointer (G_OBJECT (signaller), (gpointer *) &signaller);
  g_object_unref (signaller);
  g_assert_true (blink_test_wait_until (pointer_cleared, &signaller, WAIT_MS));
  g_remove (key);
  g_rmdir (dir);
}

int
main (int argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  blink_test_watch_for_hangs ();
  gst_init (&argc, &argv);
  g_assert_cmpint (sodium_init (), >=, 0);

#define ADD(path, func) \
  g_test_add ("/blink/signaller/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("offer-rings", test_offer_rings);
  ADD ("cancel-before-answer", test_cancel_before_answer);
  ADD ("decline", test_decline);
  ADD ("invitation", test_invitation);
  ADD ("group-join-announce-leave", test_group_join_announce_leave);
  ADD ("sdp-and-ice-to-one-participant", test_sdp_and_ice_to_one_participant);
  ADD ("ringing-timeout", test_ringing_timeout);
  ADD ("hostile-input", test_hostile_input);
  ADD ("node-restart-while-ringing", test_node_restart_while_ringing);
  ADD ("goodbyes-while-node-down", test_goodbyes_while_node_down);
  ADD ("call-id-race", test_call_id_race);
  ADD ("replay-after-restart", test_replay_after_restart);
  ADD ("clock-skew", test_clock_skew);
  ADD ("cancel-before-offer", test_cancel_before_offer);
  ADD ("offer-flood", test_offer_flood);
  ADD ("declined-stays-declined", test_declined_stays_declined);
  ADD ("cancel-after-join", test_cancel_after_join);
  ADD ("gone-participant", test_gone_participant);
  ADD ("connect-early", test_connect_early);

#undef ADD
  g_test_add_func ("/blink/signaller/stop-waits-bounded", test_stop_waits_bounded);

  return g_test_run ();
}
