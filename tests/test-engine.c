/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The engine's state machine with real signaling in one process: two
 * BlinkCallManagers (alice and bob), each with its own identity and its own
 * node of the local IPFS test network, test tones and ears. */
#include "config.h"

#include <glib/gstdio.h>
#include <gst/gst.h>

#include "blink-call-manager.h"
#include "blink-identity.h"
#include "blink-test-audio.h"
#include "blink-test-ipfs-network.h"
#include "blink-test-media.h"
#include "blink-test-stacks.h"

#define WAIT_MS 20000
#define ALICE_HZ 440
#define BOB_HZ 660

typedef struct
{
  BlinkCallManager *manager;
  BlinkTestEar *ear;
  char *key_path;
  GPtrArray *added;   /* BlinkCall*, as call-added told */
  GPtrArray *removed; /* BlinkCall*, as call-removed told */
  GPtrArray *failed;  /* GError*, as call-failed told */
} Side;

typedef struct
{
  BlinkTestIpfsNetwork *network;
  char *dir;
  Side alice, bob;
} Fixture;

static const char *const ice_loopback[] = { "127.0.0.1", NULL };

static void
on_pipeline (BlinkCallManager *manager,
             GParamSpec *pspec,
             Side *side)
{
  g_autoptr (GstBin) bin = NULL;
  g_autoptr (GstElement) ear = NULL;

  g_clear_pointer (&side->ear, blink_test_ear_free);
  g_object_get (manager, "pipeline", &bin, NULL);
  if (bin != NULL)
    ear = gst_bin_get_by_name (bin, "ear");
  if (ear != NULL)
    side->ear = blink_test_ear_new (bin, 48000);
}

static void
on_call_added (BlinkCallManager *manager,
               BlinkCall *call,
               Side *side)
{
  g_ptr_array_add (side->added, g_object_ref (call));
}

static void
on_call_removed (BlinkCallManager *manager,
                 BlinkCall *call,
                 Side *side)
{
  g_ptr_array_add (side->removed, g_object_ref (call));
}

static void
on_call_failed (BlinkCallManager *manager,
                BlinkCall *call,
                GError *error,
                Side *side)
{
  g_ptr_array_add (side->failed, g_error_copy (error));
}

static void
side_start (Fixture *f,
            Side *side,
            const char *name,
            guint node,
            int tone,
            const char *sink,
            const BlinkAudioFormat *format)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *source = g_strdup_printf ("audiotestsrc is-live=true freq=%d volume=0.3", tone);

  side->key_path = g_build_filename (f->dir, name, NULL);
  side->added = g_ptr_array_new_with_free_func (g_object_unref);
  side->removed = g_ptr_array_new_with_free_func (g_object_unref);
  side->failed = g_ptr_array_new_with_free_func ((GDestroyNotify) g_error_free);
  side->manager = blink_call_manager_new ();
  g_object_set (side->manager, "identity", side->key_path, "ipfs-api",
                blink_test_ipfs_network_get_api (f->network, node), "audio-source", source,
                "audio-sink", sink != NULL ? sink : BLINK_TEST_EAR_SINK ("48000"),
                "ice-addresses", ice_loopback, "announce-interval", 500, NULL);
  if (format != NULL)
    g_object_set (side->manager, "audio-format", format, NULL);
  g_signal_connect (side->manager, "notify::pipeline", G_CALLBACK (on_pipeline), side);
  g_signal_connect (side->manager, "call-added", G_CALLBACK (on_call_added), side);
  g_signal_connect (side->manager, "call-removed", G_CALLBACK (on_call_removed), side);
  g_signal_connect (side->manager, "call-failed", G_CALLBACK (on_call_failed), side);
  g_assert_true (blink_call_manager_start (side->manager, &error));
  g_assert_no_error (error);
}

static gboolean
ipfs_connected (gpointer user_data)
{
  Side *side = user_data;

  return blink_signaller_get_ipfs_state (blink_call_manager_get_signaller (side->manager)) ==
         BLINK_IPFS_STATE_CONNECTED;
}

static void
fixture_set_up_with (Fixture *f,
                     const char *alice_sink,
                     const BlinkAudioFormat *alice_format)
{
  g_autoptr (GError) error = NULL;

  if (!blink_test_ipfs_network_available ())
    {
      g_test_skip ("tests/ipfs-node is not installed (npm ci)");
      return;
    }
  f->dir = g_dir_make_tmp ("blink-engine-XXXXXX", &error);
  g_assert_no_error (error);
  f->network = blink_test_ipfs_network_start (2, NULL);
  g_assert_nonnull (f->network);
  side_start (f, &f->alice, "alice.key", 0, ALICE_HZ, alice_sink, alice_format);
  side_start (f, &f->bob, "bob.key", 1, BOB_HZ, NULL, NULL);
  g_assert_true (blink_test_wait_until (ipfs_connected, &f->alice, WAIT_MS));
  g_assert_true (blink_test_wait_until (ipfs_connected, &f->bob, WAIT_MS));
}

static void
fixture_set_up (Fixture *f,
                gconstpointer data)
{
  fixture_set_up_with (f, NULL, NULL);
}

static void
on_stopped (GObject *source,
            GAsyncResult *result,
            gpointer user_data)
{
  gboolean *stopped = user_data;

  *stopped = blink_call_manager_stop_finish (BLINK_CALL_MANAGER (source), result, NULL);
}

static gboolean
is_true (gpointer user_data)
{
  return *(gboolean *) user_data;
}

static void
side_stop (Side *side)
{
  gboolean stopped = FALSE;

  if (side->manager == NULL)
    return;
  blink_call_manager_stop_async (side->manager, on_stopped, &stopped);
  g_assert_true (blink_test_wait_until (is_true, &stopped, WAIT_MS));
  g_clear_pointer (&side->ear, blink_test_ear_free);
  g_signal_handlers_disconnect_by_data (side->manager, side);
  g_clear_object (&side->manager);
  g_clear_pointer (&side->added, g_ptr_array_unref);
  g_clear_pointer (&side->removed, g_ptr_array_unref);
  g_clear_pointer (&side->failed, g_ptr_array_unref);
  g_clear_pointer (&side->key_path, g_free);
}

static void
fixture_tear_down (Fixture *f,
                   gconstpointer data)
{
  side_stop (&f->alice);
  side_stop (&f->bob);
  g_clear_pointer (&f->network, blink_test_ipfs_network_stop);
  if (f->dir != NULL)
    {
      g_autofree char *alice = g_build_filename (f->dir, "alice.key", NULL);
      g_autofree char *bob = g_build_filename (f->dir, "bob.key", NULL);

      g_unlink (alice);
      g_unlink (bob);
      g_rmdir (f->dir);
      g_free (f->dir);
    }
}

/* ---- conditions ---- */

static gboolean
has_added (gpointer user_data)
{
  return ((Side *) user_data)->added->len > 0;
}

static gboolean
has_failed (gpointer user_data)
{
  return ((Side *) user_data)->failed->len > 0;
}

static gboolean
call_removed (gpointer user_data)
{
  Side *side = user_data;

  return side->added->len > 0 &&
         g_ptr_array_find (side->removed, g_ptr_array_index (side->added, 0), NULL);
}

static gboolean
call_started (gpointer user_data)
{
  BlinkCall *call = blink_call_manager_get_active_call (((Side *) user_data)->manager);

  return call != NULL && blink_call_get_state (call) == BLINK_CALL_STATE_STARTED;
}

typedef struct
{
  Side *side;
  double hz;
} Listening;

static gboolean
hears (gpointer user_data)
{
  Listening *l = user_data;

  return l->side->ear != NULL && blink_test_ear_hears (l->side->ear, l->hz);
}

static void
assert_hears (Side *side,
              double hz)
{
  Listening l = { side, hz };

  g_assert_true (blink_test_wait_until (hears, &l, WAIT_MS));
}

/* Alice calls @callees, bob answers; both hear each other. */
static BlinkCall *
connect_call (Fixture *f,
              const char *const *callees)
{
  g_autoptr (GError) error = NULL;
  BlinkCall *call = blink_call_manager_offer (f->alice.manager, callees, &error);

  g_assert_no_error (error);
  g_assert_nonnull (call);
  g_assert_true (blink_test_wait_until (has_added, &f->bob, WAIT_MS));
  g_assert_true (blink_call_manager_accept (f->bob.manager, g_ptr_array_index (f->bob.added, 0),
                                            &error));
  g_assert_no_error (error);
  g_assert_true (blink_test_wait_until (call_started, &f->alice, WAIT_MS));
  g_assert_true (blink_test_wait_until (call_started, &f->bob, WAIT_MS));
  assert_hears (&f->alice, BOB_HZ);
  assert_hears (&f->bob, ALICE_HZ);
  return call;
}

/* ---- tests ---- */

/* The signaling counts a callee named twice once; the call must too, or
 * the second "bob" rings for ever and the 1:1 call never ends. */
static void
test_duplicate_dids (Fixture *f,
                     gconstpointer data)
{
  const char *bob = NULL;
  const char *callees[3];
  g_autoptr (GError) error = NULL;
  BlinkCall *call;

  if (g_test_failed () || f->network == NULL)
    return;

  bob = blink_call_manager_get_did (f->bob.manager);
  callees[0] = bob;
  callees[1] = bob;
  callees[2] = NULL;
  call = connect_call (f, callees);
  g_assert_cmpuint (blink_call_get_participants (call)->len, ==, 1);
  g_assert_cmpuint (blink_call_get_participants (g_ptr_array_index (f->bob.added, 0))->len, ==,
                    1);

  g_assert_true (blink_call_manager_hang_up (f->bob.manager, &error));
  g_assert_no_error (error);
  g_assert_true (blink_test_wait_until (call_removed, &f->alice, WAIT_MS));
}

static void
assert_refused (Fixture *f,
                BlinkCall *active,
                const char *const *dids,
                int code)
{
  g_autoptr (GError) error = NULL;
  guint added = f->alice.added->len;

  g_assert_null (blink_call_manager_offer (f->alice.manager, dids, &error));
  g_assert_error (error, BLINK_CALL_ERROR, code);
  g_assert_true (blink_call_manager_get_active_call (f->alice.manager) == active);
  g_assert_cmpint (blink_call_get_state (active), ==, BLINK_CALL_STATE_STARTED);
  g_assert_cmpuint (f->alice.added->len, ==, added);
  g_assert_cmpuint (f->alice.removed->len, ==, 0);
}

/* An Offer that is refused must not hang up the call that runs. */
static void
test_refused_offer_changes_nothing (Fixture *f,
                                    gconstpointer data)
{
  const char *bob_only[2] = { NULL, NULL };
  const char *garbage[] = { "did:key:z6Mkgarbage", NULL };
  const char *nobody[] = { NULL };
  const char *own[2] = { NULL, NULL };
  g_autoptr (GPtrArray) crowd = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GError) error = NULL;
  BlinkCall *active;

  if (g_test_failed () || f->network == NULL)
    return;

  bob_only[0] = blink_call_manager_get_did (f->bob.manager);
  active = connect_call (f, bob_only);

  own[0] = blink_call_manager_get_did (f->alice.manager);
  /* 16 others: one more than a call may have. */
  for (guint i = 0; i < 16; i++)
    {
      g_autoptr (BlinkIdentity) someone = blink_identity_new_random ();

      g_ptr_array_add (crowd, g_strdup (blink_identity_get_did (someone)));
    }
  g_ptr_array_add (crowd, NULL);

  assert_refused (f, active, garbage, BLINK_CALL_ERROR_BAD_DID);
  assert_refused (f, active, nobody, BLINK_CALL_ERROR_BAD_DID);
  assert_refused (f, active, own, BLINK_CALL_ERROR_BAD_DID);
  assert_refused (f, active, (const char *const *) crowd->pdata, BLINK_CALL_ERROR_BAD_DID);

  /* Still a call, both ways. */
  blink_test_ear_reset (f->alice.ear);
  blink_test_ear_reset (f->bob.ear);
  assert_hears (&f->alice, BOB_HZ);
  assert_hears (&f->bob, ALICE_HZ);
  g_assert_true (blink_call_manager_get_active_call (f->bob.manager) ==
                 g_ptr_array_index (f->bob.added, 0));
}

static GstElement *
find_by_factory (GstBin *bin,
                 const char *factory)
{
  g_autoptr (GstIterator) it = gst_bin_iterate_all_by_element_factory_name (bin, factory);
  g_auto (GValue) item = G_VALUE_INIT;
  GstElement *found = NULL;

  if (gst_iterator_next (it, &item) == GST_ITERATOR_OK)
    found = g_value_dup_object (&item);
  return found;
}

static void
assert_encodes (Side *side,
                const BlinkAudioFormat *format)
{
  g_autoptr (GstBin) bin = NULL;
  g_autoptr (GstElement) encoder = NULL;
  g_autoptr (GstPad) sink = NULL;
  g_autoptr (GstCaps) caps = NULL;
  GstStructure *s;
  int frame_size = 0, bitrate = 0, rate = 0, channels = 0;

  g_object_get (side->manager, "pipeline", &bin, NULL);
  g_assert_nonnull (bin);
  encoder = find_by_factory (bin, "opusenc");
  g_assert_nonnull (encoder);
  g_object_get (encoder, "frame-size", &frame_size, "bitrate", &bitrate, NULL);
  g_assert_cmpint (frame_size, ==, format->frame_ms);
  g_assert_cmpint (bitrate, ==, format->bitrate);
  sink = gst_element_get_static_pad (encoder, "sink");
  caps = gst_pad_get_current_caps (sink);
  g_assert_nonnull (caps);
  s = gst_caps_get_structure (caps, 0);
  g_assert_true (gst_structure_get_int (s, "rate", &rate));
  g_assert_true (gst_structure_get_int (s, "channels", &channels));
  g_assert_cmpint (rate, ==, format->rate);
  g_assert_cmpint (channels, ==, format->channels);
}

static const BlinkAudioFormat wideband_stereo = { 24000, 2, 40, 24000 };

static void
fixture_set_up_wideband (Fixture *f,
                         gconstpointer data)
{
  fixture_set_up_with (f, NULL, &wideband_stereo);
}

/* The callee sends in the format the caller offered, not its own default. */
static void
test_audio_format (Fixture *f,
                   gconstpointer data)
{
  const char *callees[2] = { NULL, NULL };
  BlinkCall *incoming;

  if (g_test_failed () || f->network == NULL)
    return;

  callees[0] = blink_call_manager_get_did (f->bob.manager);
  connect_call (f, callees);
  incoming = g_ptr_array_index (f->bob.added, 0);
  g_assert_true (blink_audio_format_equal (blink_call_get_audio_format (incoming),
                                           &wideband_stereo));
  assert_encodes (&f->alice, &wideband_stereo);
  assert_encodes (&f->bob, &wideband_stereo);
}

static void
fixture_set_up_broken_sink (Fixture *f,
                            gconstpointer data)
{
  /* Fails after 20 buffers (0.2 s) of playback: a speaker unplugged. */
  fixture_set_up_with (f, "identity error-after=20 ! fakesink", NULL);
}

/* A device failing during a call ends the call with a device error. */
static void
test_device_error (Fixture *f,
                   gconstpointer data)
{
  const char *callees[2] = { NULL, NULL };
  g_autoptr (GError) error = NULL;
  GError *failure;

  if (g_test_failed () || f->network == NULL)
    return;

  callees[0] = blink_call_manager_get_did (f->bob.manager);
  g_assert_nonnull (blink_call_manager_offer (f->alice.manager, callees, &error));
  g_assert_no_error (error);
  g_assert_true (blink_test_wait_until (has_failed, &f->alice, WAIT_MS));
  failure = g_ptr_array_index (f->alice.failed, 0);
  g_assert_error (failure, BLINK_CALL_ERROR, BLINK_CALL_ERROR_DEVICE);
  g_assert_true (blink_test_wait_until (call_removed, &f->alice, WAIT_MS));
  g_assert_null (blink_call_manager_get_active_call (f->alice.manager));
}

/* ---- participants out of the call ---- */

typedef struct
{
  BlinkCall *call;
  const char *did;
  BlinkParticipantState state;
} InState;

static gboolean
participant_in_state (gpointer user_data)
{
  InState *s = user_data;

  return blink_participant_get_state (blink_call_find_participant (s->call, s->did)) == s->state;
}

/* Alice has no connection to bob, not even one closing: her one webrtcbin,
 * if any, is the connection made ahead to the participant who still
 * rings. */
static gboolean
no_connection_to_bob (gpointer user_data)
{
  Fixture *f = user_data;
  g_autoptr (GstBin) bin = NULL;
  BlinkPeerTimeline t;

  g_object_get (f->alice.manager, "pipeline", &bin, NULL);
  return !blink_call_manager_get_setup_timeline (f->alice.manager,
                                                 blink_call_manager_get_did (f->bob.manager), &t) &&
         blink_test_count_elements (bin, "webrtcbin") <= 1;
}

static void
on_stats (GObject *source,
          GAsyncResult *result,
          gpointer user_data)
{
  GHashTable **stats = user_data;

  *stats = blink_call_manager_get_stats_finish (BLINK_CALL_MANAGER (source), result, NULL);
  g_assert_nonnull (*stats);
}

static gboolean
is_set (gpointer user_data)
{
  return *(gpointer *) user_data != NULL;
}

/* Alice calls bob and someone who never answers, who keeps the call going
 * once bob is out of it. */
static BlinkCall *
offer_bob_and_absent (Fixture *f)
{
  g_autoptr (BlinkIdentity) absent = blink_identity_new_random ();
  const char *callees[] = { blink_call_manager_get_did (f->bob.manager),
                            blink_identity_get_did (absent), NULL };
  g_autoptr (GError) error = NULL;
  BlinkCall *call = blink_call_manager_offer (f->alice.manager, callees, &error);

  g_assert_no_error (error);
  g_assert_nonnull (call);
  g_assert_true (blink_test_wait_until (has_added, &f->bob, WAIT_MS));
  return call;
}

/* Bob is out of alice's @call (@state); what he sends after it, as if the
 * signaling let it through (an announce, an SDP offer, an ICE candidate),
 * brings him back no connection, and is counted. */
static void
assert_stays_out (Fixture *f,
                  BlinkCall *call,
                  BlinkParticipantState state)
{
  BlinkSignaller *signaller = blink_call_manager_get_signaller (f->alice.manager);
  const char *bob = blink_call_manager_get_did (f->bob.manager);
  const char *id = blink_call_get_id (call);
  InState out = { call, bob, state };
  g_autoptr (GHashTable) stats = NULL;
  guint64 before, after;
  const BlinkConnectionStats *figures;

  g_assert_true (blink_test_wait_until (participant_in_state, &out, WAIT_MS));
  g_assert_true (blink_test_wait_until (no_connection_to_bob, f, WAIT_MS));
  g_object_get (f->alice.manager, "signals-dropped", &before, NULL);

  g_signal_emit_by_name (signaller, "participant-joined", id, bob);
  g_signal_emit_by_name (signaller, "sdp-received", id, bob, "offer", "v=0\r\n", 0);
  g_signal_emit_by_name (signaller, "ice-candidate-received", id, bob, 0,
                         "candidate:1 1 UDP 2122252543 127.0.0.1 9 typ host", 0);

  g_assert_true (participant_in_state (&out));
  g_assert_true (no_connection_to_bob (f));
  g_assert_true (blink_call_manager_get_active_call (f->alice.manager) == call);
  g_object_get (f->alice.manager, "signals-dropped", &after, NULL);
  g_assert_cmpuint (after - before, ==, 2);
  blink_call_manager_get_stats_async (f->alice.manager, on_stats, &stats);
  g_assert_true (blink_test_wait_until (is_set, &stats, WAIT_MS));
  figures = g_hash_table_lookup (stats, bob);
  g_assert_nonnull (figures);
  g_assert_cmpuint (figures->signals_dropped, >=, 2);
}

/* Who declined, or left after talking, stays out of the call: announcing
 * itself again or offering its SDP brings it no connection, and so none of
 * alice's microphone. */
static void
test_stays_out (Fixture *f,
                gconstpointer data)
{
  BlinkParticipantState state = GPOINTER_TO_INT (data);
  g_autoptr (GError) error = NULL;
  BlinkCall *incoming;
  BlinkCall *call;

  if (g_test_failed () || f->network == NULL)
    return;

  call = offer_bob_and_absent (f);
  incoming = g_ptr_array_index (f->bob.added, 0);
  if (state == BLINK_PARTICIPANT_STATE_DECLINED)
    {
      g_assert_true (blink_call_manager_decline (f->bob.manager, incoming, &error));
    }
  else
    {
      g_assert_true (blink_call_manager_accept (f->bob.manager, incoming, &error));
      g_assert_true (blink_test_wait_until (call_started, &f->alice, WAIT_MS));
      assert_hears (&f->alice, BOB_HZ);
      g_assert_true (blink_call_manager_hang_up (f->bob.manager, &error));
    }
  g_assert_no_error (error);
  assert_stays_out (f, call, state);
}

typedef struct
{
  Fixture *f;
  gint64 connected; /* when the connection to bob before came up */
} NewConnection;

static gboolean
connection_renewed (gpointer user_data)
{
  NewConnection *renewed = user_data;
  const char *bob = blink_call_manager_get_did (renewed->f->bob.manager);
  BlinkPeerTimeline t;

  return blink_call_manager_get_setup_timeline (renewed->f->alice.manager, bob, &t) &&
         t.connected > renewed->connected;
}

/* A connection to bob that was up in this call, made again, fails for want
 * of a TURN relay (on a network just changed, a request to the server may
 * be lost): it is made again, as one that broke, and the call goes on. */
static void
test_no_relay_after_up (Fixture *f,
                        gconstpointer data)
{
  g_autoptr (GError) failure = NULL;
  const char *callees[] = { NULL, NULL };
  NewConnection renewed = { f, 0 };
  BlinkPeerTimeline t;
  BlinkCall *call;

  if (g_test_failed () || f->network == NULL)
    return;

  callees[0] = blink_call_manager_get_did (f->bob.manager);
  call = connect_call (f, callees);
  g_assert_true (blink_call_manager_get_setup_timeline (f->alice.manager, callees[0], &t));
  renewed.connected = t.connected;

  failure = g_error_new_literal (BLINK_CALL_ERROR, BLINK_CALL_ERROR_NO_RELAY,
                                 "No TURN relay came from the server");
  g_signal_emit_by_name (blink_call_manager_get_connections (f->alice.manager), "failed",
                         callees[0], failure);
  g_assert_cmpint (blink_participant_get_state (blink_call_find_participant (call, callees[0])),
                   ==, BLINK_PARTICIPANT_STATE_CONNECTING);
  g_assert_true (blink_test_wait_until (connection_renewed, &renewed, WAIT_MS));
  blink_test_ear_reset (f->alice.ear);
  blink_test_ear_reset (f->bob.ear);
  assert_hears (&f->alice, BOB_HZ);
  assert_hears (&f->bob, ALICE_HZ);
  g_assert_cmpint (blink_participant_get_state (blink_call_find_participant (call, callees[0])),
                   ==, BLINK_PARTICIPANT_STATE_CONNECTED);
  g_assert_true (blink_call_manager_get_active_call (f->alice.manager) == call);
}

/* ---- instant answer ---- */


static void
bob_knows_alice (Fixture *f)
{
  const char *known[] = { blink_call_manager_get_did (f->alice.manager), NULL };

  blink_call_manager_set_relay (f->bob.manager, BLINK_RELAY_NEVER, known);
}

typedef struct
{
  Side *side;
  const char *did;
} Connection;

static gboolean
connected_early (gpointer user_data)
{
  Connection *c = user_data;
  BlinkPeerTimeline t;

  return blink_call_manager_get_setup_timeline (c->side->manager, c->did, &t) && t.connected != 0;
}

static gboolean
has_ear (gpointer user_data)
{
  Side *side = user_data;

  if (side->ear == NULL)
    on_pipeline (side->manager, NULL, side);
  return side->ear != NULL;
}

/* The ear is the speaker's: there once the call is answered, in place of
 * the stand-in that played nowhere (between two of the mixer's buffers). */
static void
find_ear (Side *side)
{
  g_assert_true (blink_test_wait_until (has_ear, side, WAIT_MS));
}

static gboolean
heard_first (gpointer user_data)
{
  return blink_test_ear_first_sound (((Side *) user_data)->ear) != 0;
}

/* Bob knows alice: while her call rings at bob, their connection is made
 * and checked, and carries nothing either way, bob's speaker not even
 * open; answering lets the audio through at once. */
static void
test_instant_answer (Fixture *f,
                     gconstpointer data)
{
  const char *callees[] = { NULL, NULL };
  Connection bob_to_alice = { &f->bob, NULL };
  Connection alice_to_bob = { &f->alice, NULL };
  g_autoptr (GError) error = NULL;
  g_autoptr (GstBin) bob_pipeline = NULL;
  g_autoptr (GstElement) bob_speaker = NULL;
  BlinkParticipant *bob_at_alice, *alice_at_bob;
  BlinkCall *call, *incoming;
  BlinkPeerTimeline t;
  gint64 answered;

  if (g_test_failed () || f->network == NULL)
    return;

  bob_knows_alice (f);
  callees[0] = blink_call_manager_get_did (f->bob.manager);
  bob_to_alice.did = blink_call_manager_get_did (f->alice.manager);
  alice_to_bob.did = callees[0];
  call = blink_call_manager_offer (f->alice.manager, callees, &error);
  g_assert_no_error (error);
  g_assert_true (blink_test_wait_until (has_added, &f->bob, WAIT_MS));
  incoming = g_ptr_array_index (f->bob.added, 0);

  g_assert_true (blink_test_wait_until (connected_early, &bob_to_alice, WAIT_MS));
  g_assert_true (blink_test_wait_until (connected_early, &alice_to_bob, WAIT_MS));
  /* Connected, and still ringing on both sides; the certificate checked. */
  g_assert_cmpint (blink_call_get_state (incoming), ==, BLINK_CALL_STATE_RINGING);
  g_assert_null (blink_call_manager_get_active_call (f->bob.manager));
  bob_at_alice = blink_call_find_participant (call, callees[0]);
  alice_at_bob = blink_call_find_participant (incoming, bob_to_alice.did);
  g_assert_cmpint (blink_participant_get_state (bob_at_alice), ==,
                   BLINK_PARTICIPANT_STATE_RINGING);
  g_assert_nonnull (blink_participant_get_verification_code (alice_at_bob));
  /* Nothing was let through: no first packet on either side. */
  blink_test_pass_time (1500);
  g_assert_true (blink_call_manager_get_setup_timeline (f->bob.manager, bob_to_alice.did, &t));
  g_assert_cmpint (t.first_media, ==, 0);
  g_assert_true (blink_call_manager_get_setup_timeline (f->alice.manager, callees[0], &t));
  g_assert_cmpint (t.first_media, ==, 0);
  g_assert_false (blink_test_ear_hears (f->alice.ear, BOB_HZ));
  g_object_get (f->bob.manager, "pipeline", &bob_pipeline, NULL);
  bob_speaker = gst_bin_get_by_name (bob_pipeline, "ear");
  g_assert_null (bob_speaker);

  blink_test_ear_reset (f->alice.ear);
  answered = g_get_monotonic_time ();
  g_assert_true (blink_call_manager_accept (f->bob.manager, incoming, &error));
  g_assert_no_error (error);
  find_ear (&f->bob);
  g_assert_true (blink_test_wait_until (heard_first, &f->alice, WAIT_MS));
  g_test_message ("answer -> first sound at the caller: %.1f ms",
                  (blink_test_ear_first_sound (f->alice.ear) - answered) / 1000.0);
  g_assert_true (blink_test_wait_until (call_started, &f->alice, WAIT_MS));
  g_assert_true (blink_test_wait_until (call_started, &f->bob, WAIT_MS));
  assert_hears (&f->alice, BOB_HZ);
  assert_hears (&f->bob, ALICE_HZ);
  /* The same connection: made before the answer. */
  g_assert_true (blink_call_manager_get_setup_timeline (f->bob.manager, bob_to_alice.did, &t));
  g_assert_cmpint (t.connected, <, answered);
  g_assert_cmpint (blink_participant_get_state (bob_at_alice), ==,
                   BLINK_PARTICIPANT_STATE_CONNECTED);
}

static gboolean
pipeline_gone (gpointer user_data)
{
  g_autoptr (GstBin) bin = NULL;

  g_object_get (((Side *) user_data)->manager, "pipeline", &bin, NULL);
  return bin == NULL;
}

/* A stranger's call, with no relay to hide our addresses: nothing is
 * connected, nor a pipeline made, before bob answers. Alice's connection
 * to him is made ahead, and says nothing until he answers. */
static void
test_stranger_connects_on_answer (Fixture *f,
                                  gconstpointer data)
{
  const char *callees[] = { NULL, NULL };
  g_autoptr (GError) error = NULL;
  BlinkPeerTimeline t;
  gint64 answered;

  if (g_test_failed () || f->network == NULL)
    return;

  callees[0] = blink_call_manager_get_did (f->bob.manager);
  blink_call_manager_offer (f->alice.manager, callees, &error);
  g_assert_no_error (error);
  g_assert_true (blink_test_wait_until (has_added, &f->bob, WAIT_MS));
  blink_test_pass_time (1000);
  g_assert_true (pipeline_gone (&f->bob));
  g_assert_false (blink_call_manager_get_setup_timeline (
    f->bob.manager, blink_call_manager_get_did (f->alice.manager), &t));
  g_assert_true (blink_call_manager_get_setup_timeline (f->alice.manager, callees[0], &t));
  g_assert_cmpint (t.started, >, 0);
  g_assert_cmpint (t.speaking, ==, 0);
  g_assert_cmpint (t.remote_description, ==, 0);

  answered = g_get_monotonic_time ();
  g_assert_true (blink_call_manager_accept (f->bob.manager, g_ptr_array_index (f->bob.added, 0),
                                            &error));
  g_assert_no_error (error);
  g_assert_true (blink_test_wait_until (call_started, &f->alice, WAIT_MS));
  assert_hears (&f->alice, BOB_HZ);
  /* The connection made ahead, speaking since the answer. */
  g_assert_true (blink_call_manager_get_setup_timeline (f->alice.manager, callees[0], &t));
  g_assert_cmpint (t.started, <, answered);
  g_assert_cmpint (t.speaking, >, answered);
}

/* Declining a call connected early closes its connections and releases
 * the pipeline; the caller sees the decline as always. */
static void
test_early_declined (Fixture *f,
                     gconstpointer data)
{
  const char *callees[] = { NULL, NULL };
  Connection bob_to_alice = { &f->bob, NULL };
  g_autoptr (GError) error = NULL;
  BlinkCall *call;

  if (g_test_failed () || f->network == NULL)
    return;

  bob_knows_alice (f);
  callees[0] = blink_call_manager_get_did (f->bob.manager);
  bob_to_alice.did = blink_call_manager_get_did (f->alice.manager);
  call = blink_call_manager_offer (f->alice.manager, callees, &error);
  g_object_ref (call);
  g_assert_no_error (error);
  g_assert_true (blink_test_wait_until (has_added, &f->bob, WAIT_MS));
  g_assert_true (blink_test_wait_until (connected_early, &bob_to_alice, WAIT_MS));

  g_assert_true (blink_call_manager_decline (f->bob.manager, g_ptr_array_index (f->bob.added, 0),
                                             &error));
  g_assert_no_error (error);
  g_assert_true (blink_test_wait_until (pipeline_gone, &f->bob, WAIT_MS));
  g_assert_true (blink_test_wait_until (call_removed, &f->alice, WAIT_MS));
  g_assert_cmpint (blink_participant_get_state (blink_call_find_participant (call, callees[0])),
                   ==, BLINK_PARTICIPANT_STATE_DECLINED);
  g_object_unref (call);
}

typedef struct
{
  Side *side;
  guint had; /* calls added before */
} AddedSince;

static gboolean
has_added_more (gpointer user_data)
{
  AddedSince *since = user_data;

  return since->side->added->len > since->had;
}

typedef struct
{
  Side *caller, *callee;
  double caller_hz, callee_hz;
} Pair;

/* The callee's ear is there once it answered (has_ear). */
static gboolean
hear_each_other (gpointer user_data)
{
  Pair *pair = user_data;
  Listening caller_hears = { pair->caller, pair->callee_hz };
  Listening callee_hears = { pair->callee, pair->caller_hz };

  return has_ear (pair->callee) && hears (&caller_hears) && hears (&callee_hears);
}

/* @callee knows @caller, whose call rings and connects early; @callee
 * then places a call of its own (which drops the early connection) and
 * withdraws it, and answers: the two hear each other as soon as a new
 * connection is up, not after the stuck connection's 15 s. */
static void
early_dropped_then_answered (Side *caller,
                             double caller_hz,
                             Side *callee,
                             double callee_hz)
{
  g_autoptr (BlinkIdentity) somebody = blink_identity_new_random ();
  const char *known[] = { blink_call_manager_get_did (caller->manager), NULL };
  const char *callees[] = { blink_call_manager_get_did (callee->manager), NULL };
  const char *elsewhere[] = { blink_identity_get_did (somebody), NULL };
  Connection callee_to_caller = { callee, known[0] };
  AddedSince added = { callee, callee->added->len };
  Pair pair = { caller, callee, caller_hz, callee_hz };
  g_autoptr (GError) error = NULL;
  BlinkCall *incoming, *ours;
  gint64 answered;

  blink_call_manager_set_relay (callee->manager, BLINK_RELAY_NEVER, known);
  g_assert_nonnull (blink_call_manager_offer (caller->manager, callees, &error));
  g_assert_no_error (error);
  g_assert_true (blink_test_wait_until (has_added_more, &added, WAIT_MS));
  incoming = g_ptr_array_index (callee->added, callee->added->len - 1);
  g_assert_true (blink_test_wait_until (connected_early, &callee_to_caller, WAIT_MS));

  ours = blink_call_manager_offer (callee->manager, elsewhere, &error);
  g_assert_no_error (error);
  g_assert_true (blink_call_manager_cancel (callee->manager, ours, &error));
  g_assert_no_error (error);
  g_assert_cmpint (blink_call_get_state (incoming), ==, BLINK_CALL_STATE_RINGING);

  answered = g_get_monotonic_time ();
  g_assert_true (blink_call_manager_accept (callee->manager, incoming, &error));
  g_assert_no_error (error);
  g_assert_true (blink_test_wait_until (hear_each_other, &pair, WAIT_MS));
  g_test_message ("answered after its early connection was dropped: both hear after %.1f s",
                  (g_get_monotonic_time () - answered) / (double) G_USEC_PER_SEC);
  g_assert_cmpint (g_get_monotonic_time () - answered, <, 5 * G_USEC_PER_SEC);
  g_assert_true (blink_call_manager_hang_up (callee->manager, &error));
  g_assert_no_error (error);
}

static gboolean
no_calls (gpointer user_data)
{
  return blink_call_manager_get_calls (((Side *) user_data)->manager)->len == 0;
}

/* Both ways, so that the callee is once the offerer of the pair (the
 * greater DID) and once the answerer. */
static void
test_early_dropped_then_answered (Fixture *f,
                                  gconstpointer data)
{
  if (g_test_failed () || f->network == NULL)
    return;

  early_dropped_then_answered (&f->alice, ALICE_HZ, &f->bob, BOB_HZ);
  g_assert_true (blink_test_wait_until (no_calls, &f->alice, WAIT_MS));
  g_assert_true (blink_test_wait_until (no_calls, &f->bob, WAIT_MS));
  early_dropped_then_answered (&f->bob, BOB_HZ, &f->alice, ALICE_HZ);
}

int
main (int argc,
      char **argv)
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  blink_test_watch_for_hangs ();

  g_test_add ("/blink/engine/duplicate-dids", Fixture, NULL, fixture_set_up, test_duplicate_dids,
              fixture_tear_down);
  g_test_add ("/blink/engine/refused-offer-changes-nothing", Fixture, NULL, fixture_set_up,
              test_refused_offer_changes_nothing, fixture_tear_down);
  g_test_add ("/blink/engine/offered-audio-format", Fixture, NULL, fixture_set_up_wideband,
              test_audio_format, fixture_tear_down);
  g_test_add ("/blink/engine/device-error", Fixture, NULL, fixture_set_up_broken_sink,
              test_device_error, fixture_tear_down);
  g_test_add ("/blink/engine/declined-stays-out", Fixture,
              GINT_TO_POINTER (BLINK_PARTICIPANT_STATE_DECLINED), fixture_set_up, test_stays_out,
              fixture_tear_down);
  g_test_add ("/blink/engine/left-stays-out", Fixture,
              GINT_TO_POINTER (BLINK_PARTICIPANT_STATE_LEFT), fixture_set_up, test_stays_out,
              fixture_tear_down);
  g_test_add ("/blink/engine/no-relay-after-up", Fixture, NULL, fixture_set_up,
              test_no_relay_after_up, fixture_tear_down);
  g_test_add ("/blink/engine/instant-answer", Fixture, NULL, fixture_set_up, test_instant_answer,
              fixture_tear_down);
  g_test_add ("/blink/engine/stranger-connects-on-answer", Fixture, NULL, fixture_set_up,
              test_stranger_connects_on_answer, fixture_tear_down);
  g_test_add ("/blink/engine/early-dropped-then-answered", Fixture, NULL, fixture_set_up,
              test_early_dropped_then_answered, fixture_tear_down);
  g_test_add ("/blink/engine/early-declined", Fixture, NULL, fixture_set_up, test_early_declined,
              fixture_tear_down);

  return g_test_run ();
}
