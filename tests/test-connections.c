/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* BlinkConnections alone, signaled directly: who gets a connection, and
 * what may wait for one. We are "a"; "b" is the caller, so "a" answers. */
#include "config.h"

#include <gst/gst.h>

#include "blink-connections.h"
#include "blink-test-ipfs-network.h"
#include "blink-test-media.h"
#include "blink-test-stacks.h"

#define WAIT_MS 15000
/* Signals a hostile participant sends while its previous connection closes. */
#define FLOOD 10000

typedef struct
{
  BlinkAudioPipeline *pipeline;
  BlinkCall *call;
  BlinkConnections *connections;
  GHashTable *stats;
} Fixture;

static const char *const ice_loopback[] = { "127.0.0.1", NULL };

static void
fixture_set_up (Fixture *f,
                gconstpointer data)
{
  const char *const participants[] = { "a", "b", "c", "d", "e", NULL };
  BlinkMediaConfig config = { (char **) ice_loopback, NULL, NULL, 50 };
  BlinkAudioFormat format = BLINK_AUDIO_FORMAT_DEFAULT;
  g_autoptr (GError) error = NULL;

  f->pipeline = blink_audio_pipeline_new ("audiotestsrc is-live=true", "fakesink sync=false",
                                          &format, &error);
  g_assert_no_error (error);
  g_assert_true (blink_audio_pipeline_start (f->pipeline, &error));
  g_assert_no_error (error);
  f->call = blink_call_new ("call", TRUE, "b", participants, "a", &format);
  f->connections = blink_connections_new (g_main_context_default (), "a", &config);
  blink_connections_set_call (f->connections, f->call, f->pipeline);
}

static gboolean
none_closing (gpointer user_data)
{
  return blink_connections_get_n_closing (user_data) == 0;
}

static void
fixture_tear_down (Fixture *f,
                   gconstpointer data)
{
  /* As the engine does: the pipeline stops once every connection closed. */
  blink_connections_close_all (f->connections);
  g_assert_true (blink_test_wait_until (none_closing, f->connections, WAIT_MS));
  g_clear_object (&f->connections);
  blink_test_stop_pipeline (f->pipeline);
  g_clear_object (&f->pipeline);
  g_clear_object (&f->call);
  g_clear_pointer (&f->stats, g_hash_table_unref);
}

static guint
count_webrtcbins (Fixture *f)
{
  return blink_test_count_elements (blink_audio_pipeline_get_bin (f->pipeline), "webrtcbin");
}

static void
on_stats (GObject *source,
          GAsyncResult *result,
          gpointer user_data)
{
  Fixture *f = user_data;

  f->stats = blink_connections_get_stats_finish (BLINK_CONNECTIONS (source), result, NULL);
  g_assert_nonnull (f->stats);
}

static gboolean
has_stats (gpointer user_data)
{
  return ((Fixture *) user_data)->stats != NULL;
}

static const BlinkConnectionStats *
get_stats (Fixture *f,
           const char *did)
{
  if (f->stats == NULL)
    {
      blink_connections_get_stats_async (f->connections, on_stats, f);
      g_assert_true (blink_test_wait_until (has_stats, f, WAIT_MS));
    }
  return g_hash_table_lookup (f->stats, did);
}

static void
send_candidates (Fixture *f,
                 const char *did,
                 guint n)
{
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *candidate =
        g_strdup_printf ("candidate:%u 1 UDP 2122252543 127.0.0.1 %u typ host", i, 10000 + i);

      blink_connections_add_ice_candidate (f->connections, did, 0, 0, candidate);
    }
}

static void
set_state (Fixture *f,
           const char *did,
           BlinkParticipantState state)
{
  blink_participant_set_state (blink_call_find_participant (f->call, did), state);
}

/* Who declined, left or failed, or is not in the call, gets no connection
 * by sending an SDP or a candidate; what they send is counted. Who was
 * invited and has not answered yet may: its SDP can overtake its join. */
static void
test_final_participants (Fixture *f,
                         gconstpointer data)
{
  const char *const out[] = { "b", "d", "e", "z" };
  const BlinkConnectionStats *stats;

  set_state (f, "b", BLINK_PARTICIPANT_STATE_DECLINED);
  set_state (f, "d", BLINK_PARTICIPANT_STATE_LEFT);
  set_state (f, "e", BLINK_PARTICIPANT_STATE_FAILED);
  for (guint i = 0; i < G_N_ELEMENTS (out); i++)
    {
      blink_connections_set_remote_description (f->connections, out[i], 0, "offer", "v=0\r\n");
      send_candidates (f, out[i], 1);
      blink_connections_ensure (f->connections, out[i]);
      g_assert_null (blink_connections_get_peer (f->connections, out[i]));
    }
  g_assert_cmpuint (count_webrtcbins (f), ==, 0);
  g_assert_cmpuint (blink_connections_get_signals_dropped (f->connections), ==, 2 * 4);

  /* "c" still rings. */
  send_candidates (f, "c", 1);
  g_assert_nonnull (blink_connections_get_peer (f->connections, "c"));
  g_assert_cmpuint (count_webrtcbins (f), ==, 1);

  for (guint i = 0; i < 3; i++)
    {
      stats = get_stats (f, out[i]);
      g_assert_nonnull (stats);
      g_assert_cmpuint (stats->signals_dropped, ==, 2);
      g_assert_cmpuint (stats->packets_received, ==, 0);
    }
  /* Not in the call: counted, but not by name. */
  g_assert_null (get_stats (f, "z"));
  g_assert_cmpuint (get_stats (f, "c")->signals_dropped, ==, 0);
}

/* While the previous connection to a participant closes, what it sends for
 * the next one waits: once each, one description, and no more than a
 * connection would take. */
static void
test_deferred_bounded (Fixture *f,
                       gconstpointer data)
{
  const guint kept = BLINK_PEER_MAX_REMOTE_CANDIDATES;
  BlinkPeer *fresh;

  blink_connections_ensure (f->connections, "b");
  g_assert_nonnull (blink_connections_get_peer (f->connections, "b"));
  blink_connections_close (f->connections, "b");
  g_assert_cmpuint (blink_connections_get_n_closing (f->connections), ==, 1);

  /* "a" answers: an answer is out of turn for it, so the waiting ones are
   * dropped again by the fresh connection, without effect. */
  for (guint i = 0; i < 5; i++)
    blink_connections_set_remote_description (f->connections, "b", 0, "answer", "v=0\r\ns=one\r\n");
  blink_connections_set_remote_description (f->connections, "b", 0, "answer", "v=0\r\ns=two\r\n");
  blink_connections_set_remote_description (f->connections, "b", 0, "answer", "v=0\r\ns=three\r\n");
  send_candidates (f, "b", FLOOD);
  /* A resend of what waits already is not dropped: it is there. */
  send_candidates (f, "b", kept);
  g_assert_cmpuint (blink_connections_get_signals_dropped (f->connections), ==,
                    2 + FLOOD - kept);

  g_assert_true (blink_test_wait_until (none_closing, f->connections, WAIT_MS));
  fresh = blink_connections_get_peer (f->connections, "b");
  g_assert_nonnull (fresh);
  g_assert_cmpuint (blink_peer_get_n_remote_candidates (fresh), ==, kept);
  g_assert_cmpuint (blink_peer_get_candidates_dropped (fresh), ==, 0);
  g_assert_cmpuint (count_webrtcbins (f), ==, 1);
  g_assert_cmpuint (get_stats (f, "b")->signals_dropped, ==, 2 + FLOOD - kept);
}

static void
note_request (BlinkConnections *connections,
              const char *did,
              guint connection,
              GPtrArray *requests)
{
  g_ptr_array_add (requests, g_strdup_printf ("%s %u", did, connection));
}

/* Connections are numbered (docs/engine.md, "Reconnecting"): "a" answers
 * "b". Its connection breaks: it asks "b" for a new one, and takes
 * nothing more of the broken one; "b"'s next one replaces it; an older
 * one's signals are dropped; "b" cannot make "a" build connections
 * without end, nor ask for one it does not offer. */
static void
test_numbered (Fixture *f,
               gconstpointer data)
{
  g_autoptr (GPtrArray) requests = g_ptr_array_new_with_free_func (g_free);
  guint64 dropped;

  g_signal_connect (f->connections, "reconnect-wanted", G_CALLBACK (note_request), requests);
  blink_connections_ensure (f->connections, "b");
  g_assert_nonnull (blink_connections_get_peer (f->connections, "b"));

  g_assert_true (blink_connections_reconnect (f->connections, "b"));
  g_assert_null (blink_connections_get_peer (f->connections, "b"));
  g_assert_cmpuint (requests->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (requests, 0), ==, "b 0");

  /* The broken connection's resends make nothing. */
  blink_connections_set_remote_description (f->connections, "b", 0, "offer", "v=0\r\n");
  blink_connections_add_ice_candidate (f->connections, "b", 0, 0,
                                       "candidate:1 1 UDP 2122252543 127.0.0.1 9 typ host");
  g_assert_null (blink_connections_get_peer (f->connections, "b"));
  g_assert_cmpuint (blink_connections_get_signals_dropped (f->connections), ==, 2);

  /* Its next one is taken, once the old one has closed. */
  blink_connections_set_remote_description (f->connections, "b", 1, "offer", "v=0\r\ns=1\r\n");
  g_assert_true (blink_test_wait_until (none_closing, f->connections, WAIT_MS));
  g_assert_nonnull (blink_connections_get_peer (f->connections, "b"));
  blink_connections_add_ice_candidate (f->connections, "b", 0, 0,
                                       "candidate:1 1 UDP 2122252543 127.0.0.1 9 typ host");
  g_assert_cmpuint (blink_connections_get_signals_dropped (f->connections), ==, 3);

  /* Connection after connection, none coming up: a few, then no more. */
  dropped = blink_connections_get_signals_dropped (f->connections);
  for (guint n = 2; n < 50; n++)
    blink_connections_set_remote_description (f->connections, "b", n, "offer", "v=0\r\n");
  g_assert_true (blink_test_wait_until (none_closing, f->connections, WAIT_MS));
  g_assert_cmpuint (count_webrtcbins (f), ==, 1);
  g_assert_cmpuint (blink_connections_get_signals_dropped (f->connections), >=, dropped + 40);
  g_assert_false (blink_connections_reconnect (f->connections, "b"));

  /* "c" offers to "a" too: "a" is never asked to. */
  dropped = blink_connections_get_signals_dropped (f->connections);
  blink_connections_reconnect_wanted (f->connections, "c", 0);
  g_assert_cmpuint (blink_connections_get_signals_dropped (f->connections), ==, dropped + 1);
  g_assert_null (blink_connections_get_peer (f->connections, "c"));
}

/* Who is relayed: only with a TURN server, strangers or everyone as the
 * policy says; the names are blinkd's. */
static void
test_relay_policy (void)
{
  static const char *const turn[] = { "turn://u:p@127.0.0.1:3478", NULL };
  static const char *const known[] = { "bob", NULL };
  BlinkMediaConfig with_turn = { NULL, NULL, (char **) turn, 40, 0 };
  BlinkMediaConfig without = { NULL, NULL, NULL, 40, 0 };
  g_autoptr (BlinkConnections) relayed =
    blink_connections_new (g_main_context_default (), "a", &with_turn);
  g_autoptr (BlinkConnections) direct =
    blink_connections_new (g_main_context_default (), "a", &without);
  BlinkRelayPolicy policy;

  g_assert_false (blink_connections_relays (relayed, "carol")); /* never, at first */
  blink_connections_set_relay (relayed, BLINK_RELAY_STRANGERS, known);
  g_assert_false (blink_connections_relays (relayed, "bob"));
  g_assert_true (blink_connections_relays (relayed, "carol"));
  blink_connections_set_relay (relayed, BLINK_RELAY_ALWAYS, known);
  g_assert_true (blink_connections_relays (relayed, "bob"));
  blink_connections_set_relay (relayed, BLINK_RELAY_NEVER, NULL);
  g_assert_false (blink_connections_relays (relayed, "carol"));

  /* Without a TURN server nothing could connect relayed: nothing is. */
  blink_connections_set_relay (direct, BLINK_RELAY_ALWAYS, NULL);
  g_assert_false (blink_connections_relays (direct, "carol"));

  g_assert_true (blink_relay_policy_from_string ("strangers", &policy));
  g_assert_cmpint (policy, ==, BLINK_RELAY_STRANGERS);
  g_assert_cmpstr (blink_relay_policy_to_string (BLINK_RELAY_ALWAYS), ==, "always");
  g_assert_false (blink_relay_policy_from_string ("sometimes", &policy));
  g_assert_false (blink_relay_policy_from_string (NULL, &policy));
}

/* ---- connections made ahead ---- */

typedef struct
{
  guint descriptions;
  guint candidates;
  guint failures;
} Said;

static void
on_description (BlinkConnections *connections,
                const char *did,
                guint connection,
                const char *type,
                const char *sdp,
                Said *said)
{
  g_assert_cmpstr (type, ==, "offer");
  said->descriptions++;
}

static void
on_candidate (BlinkConnections *connections,
              const char *did,
              guint connection,
              guint mline,
              const char *candidate,
              Said *said)
{
  said->candidates++;
}

static void
on_failed (BlinkConnections *connections,
           const char *did,
           const GError *error,
           Said *said)
{
  said->failures++;
}

/* We ("m") call "a" (we make the SDP offer) and "z" (it does). */
static BlinkConnections *
calling (Fixture *f,
         const BlinkMediaConfig *config,
         Said *said)
{
  const char *const participants[] = { "m", "a", "z", NULL };
  BlinkAudioFormat format = BLINK_AUDIO_FORMAT_DEFAULT;
  BlinkConnections *connections = blink_connections_new (g_main_context_default (), "m", config);

  g_clear_object (&f->call);
  f->call = blink_call_new ("ours", FALSE, "m", participants, "m", &format);
  blink_connections_set_call (connections, f->call, f->pipeline);
  g_signal_connect (connections, "local-description", G_CALLBACK (on_description), said);
  g_signal_connect (connections, "local-candidate", G_CALLBACK (on_candidate), said);
  g_signal_connect (connections, "failed", G_CALLBACK (on_failed), said);
  return connections;
}

static gboolean
said_a_candidate (gpointer user_data)
{
  return ((Said *) user_data)->candidates > 0;
}

static gboolean
offer_made (gpointer user_data)
{
  BlinkPeerTimeline t;

  blink_peer_get_timeline (user_data, &t);
  return t.local_description != 0;
}

static void
close_and_wait (BlinkConnections *connections)
{
  blink_connections_close_all (connections);
  g_assert_true (blink_test_wait_until (none_closing, connections, WAIT_MS));
}

/* A connection made ahead to someone who rings makes its offer and
 * gathers its candidates, and says nothing until it is ensured (they
 * answered, or connect while ringing): then all of it at once. */
static void
test_made_ahead (Fixture *f,
                 gconstpointer data)
{
  BlinkMediaConfig config = { (char **) ice_loopback, NULL, NULL, 50 };
  Said said = { 0 };
  g_autoptr (BlinkConnections) connections = calling (f, &config, &said);
  BlinkPeer *ahead;
  BlinkPeerTimeline t;

  blink_connections_prepare (connections, "a");
  blink_connections_prepare (connections, "z");
  ahead = blink_connections_get_peer (connections, "a");
  g_assert_nonnull (ahead);
  g_assert_nonnull (blink_connections_get_peer (connections, "z"));
  g_assert_true (blink_test_wait_until (offer_made, ahead, WAIT_MS));
  blink_test_pass_time (300); /* time to gather, and to say it if it would */
  g_assert_cmpuint (said.descriptions + said.candidates, ==, 0);
  g_assert_true (blink_peer_is_quiet (ahead));

  /* Made once: preparing again changes nothing. */
  blink_connections_prepare (connections, "a");
  g_assert_true (blink_connections_get_peer (connections, "a") == ahead);

  blink_connections_ensure (connections, "a");
  g_assert_true (blink_connections_get_peer (connections, "a") == ahead);
  g_assert_false (blink_peer_is_quiet (ahead));
  g_assert_cmpuint (said.descriptions, ==, 1);
  g_assert_true (blink_test_wait_until (said_a_candidate, &said, WAIT_MS));
  blink_peer_get_timeline (ahead, &t);
  g_assert_cmpint (t.speaking, >, t.local_description);

  /* Who declined gets none made ahead, and one made is closed with them. */
  blink_participant_set_state (blink_call_find_participant (f->call, "z"),
                               BLINK_PARTICIPANT_STATE_DECLINED);
  blink_connections_close (connections, "z");
  g_assert_true (blink_test_wait_until (none_closing, connections, WAIT_MS));
  blink_connections_prepare (connections, "z");
  g_assert_null (blink_connections_get_peer (connections, "z"));
  g_assert_cmpuint (said.failures, ==, 0);
  close_and_wait (connections);
}

/* A policy that changes while they ring: what was made ahead under the
 * old one is made again, and follows the new one. */
static void
test_made_ahead_follows_relay_policy (Fixture *f,
                                      gconstpointer data)
{
  static const char *const turn[] = { "turn://u:p@127.0.0.1:9", NULL };
  BlinkMediaConfig config = { (char **) ice_loopback, NULL, (char **) turn, 50 };
  Said said = { 0 };
  g_autoptr (BlinkConnections) connections = calling (f, &config, &said);

  blink_connections_prepare (connections, "a");
  g_assert_nonnull (blink_connections_get_peer (connections, "a"));
  blink_connections_set_relay (connections, BLINK_RELAY_ALWAYS, NULL);
  g_assert_null (blink_connections_get_peer (connections, "a"));
  g_assert_true (blink_test_wait_until (none_closing, connections, WAIT_MS));
  g_assert_cmpuint (said.descriptions + said.candidates + said.failures, ==, 0);
  close_and_wait (connections);
}

static gboolean
no_peer_for_a (gpointer user_data)
{
  return blink_connections_get_peer (user_data, "a") == NULL;
}

/* One made ahead that fails (here: relayed only, and its TURN server does
 * not answer) goes quietly, nobody having heard of it; made again when
 * it is needed, it fails as any connection does. */
static void
test_made_ahead_fails_quietly (Fixture *f,
                               gconstpointer data)
{
  static const char *const turn[] = { "turn://u:p@127.0.0.1:9", NULL };
  BlinkMediaConfig config = { (char **) ice_loopback, NULL, (char **) turn, 50 };
  Said said = { 0 };
  g_autoptr (BlinkConnections) connections = calling (f, &config, &said);

  blink_connections_set_relay (connections, BLINK_RELAY_ALWAYS, NULL);
  blink_connections_prepare (connections, "a");
  g_assert_nonnull (blink_connections_get_peer (connections, "a"));
  /* No relay: it fails once gathering is over and the grace has passed. */
  g_assert_true (blink_test_wait_until (no_peer_for_a, connections, WAIT_MS));
  g_assert_true (blink_test_wait_until (none_closing, connections, WAIT_MS));
  g_assert_cmpuint (said.failures, ==, 0);
  g_assert_cmpuint (said.descriptions + said.candidates, ==, 0);

  blink_connections_ensure (connections, "a");
  g_assert_nonnull (blink_connections_get_peer (connections, "a"));
  g_assert_false (blink_peer_is_quiet (blink_connections_get_peer (connections, "a")));
  g_assert_cmpuint (said.descriptions, ==, 0); /* its offer is not made yet */
  close_and_wait (connections);
}

static gboolean
said_an_offer (gpointer user_data)
{
  return ((Said *) user_data)->descriptions > 0;
}

/* An offer made ahead more than 20 s before they answer is made again (the
 * addresses it names may be gone from a NAT), once the old one closed;
 * while quiet it was not taken for stuck. */
static void
test_made_ahead_goes_stale (Fixture *f,
                            gconstpointer data)
{
  BlinkMediaConfig config = { (char **) ice_loopback, NULL, NULL, 50 };
  Said said = { 0 };
  g_autoptr (BlinkConnections) connections = calling (f, &config, &said);
  g_autoptr (BlinkPeer) ahead = NULL;
  BlinkPeer *fresh;

  blink_connections_prepare (connections, "a");
  ahead = g_object_ref (blink_connections_get_peer (connections, "a"));
  g_assert_true (blink_test_wait_until (offer_made, ahead, WAIT_MS));
  blink_test_pass_time (20500);
  g_assert_cmpuint (said.descriptions + said.candidates, ==, 0);
  /* Not "stuck" either (15 s): that counts from when it speaks. */
  g_assert_cmpuint (said.failures, ==, 0);
  g_assert_true (blink_connections_get_peer (connections, "a") == ahead);

  blink_connections_ensure (connections, "a");
  g_assert_true (blink_test_wait_until (said_an_offer, &said, WAIT_MS));
  fresh = blink_connections_get_peer (connections, "a");
  g_assert_nonnull (fresh);
  g_assert_true (fresh != ahead);
  g_assert_false (blink_peer_is_quiet (fresh));
  g_assert_cmpint (blink_peer_get_state (ahead), ==, BLINK_PEER_STATE_CLOSED);
  g_assert_cmpuint (said.failures, ==, 0);
  close_and_wait (connections);
}

/* The webrtcbin in @f's pipeline (there is one connection). */
static GstElement *
find_webrtcbin (Fixture *f)
{
  g_autoptr (GstIterator) it = gst_bin_iterate_all_by_element_factory_name (
    GST_BIN (blink_audio_pipeline_get_bin (f->pipeline)), "webrtcbin");
  g_auto (GValue) item = G_VALUE_INIT;

  g_assert_cmpint (gst_iterator_next (it, &item), ==, GST_ITERATOR_OK);
  return gst_object_ref (g_value_get_object (&item));
}

/* An element of a connection failed: one made ahead goes quietly; one
 * that has spoken is closed, and its participant is to know; one closing
 * already is no concern, and the one waiting to replace it is made. */
static void
test_made_ahead_broken (Fixture *f,
                        gconstpointer data)
{
  BlinkMediaConfig config = { (char **) ice_loopback, NULL, NULL, 50 };
  Said said = { 0 };
  g_autoptr (BlinkConnections) connections = calling (f, &config, &said);
  g_autoptr (GError) error = g_error_new_literal (GST_STREAM_ERROR, GST_STREAM_ERROR_FAILED,
                                                  "broken");
  g_autoptr (GstElement) webrtc = NULL;

  blink_connections_prepare (connections, "a");
  webrtc = find_webrtcbin (f);
  g_assert_false (blink_connections_close_broken (connections, GST_OBJECT (webrtc), error));
  g_assert_null (blink_connections_get_peer (connections, "a"));
  g_assert_true (blink_test_wait_until (none_closing, connections, WAIT_MS));
  gst_clear_object (&webrtc);

  blink_connections_ensure (connections, "a");
  g_assert_false (blink_peer_is_quiet (blink_connections_get_peer (connections, "a")));
  webrtc = find_webrtcbin (f);
  g_assert_true (blink_connections_close_broken (connections, GST_OBJECT (webrtc), error));
  g_assert_null (blink_connections_get_peer (connections, "a"));
  blink_connections_ensure (connections, "a"); /* waits for the old one to close */
  g_assert_false (blink_connections_close_broken (connections, GST_OBJECT (webrtc), error));
  g_assert_true (blink_test_wait_until (none_closing, connections, WAIT_MS));
  g_assert_nonnull (blink_connections_get_peer (connections, "a"));
  g_assert_cmpuint (said.failures, ==, 0);
  close_and_wait (connections);
}

int
main (int argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  blink_test_watch_for_hangs ();
  gst_init (&argc, &argv);

  g_test_add ("/blink/connections/numbered", Fixture, NULL, fixture_set_up, test_numbered,
              fixture_tear_down);
  g_test_add ("/blink/connections/final-participants", Fixture, NULL, fixture_set_up,
              test_final_participants, fixture_tear_down);
  g_test_add_func ("/blink/connections/relay-policy", test_relay_policy);
  g_test_add ("/blink/connections/deferred-bounded", Fixture, NULL, fixture_set_up,
              test_deferred_bounded, fixture_tear_down);
  g_test_add ("/blink/connections/made-ahead", Fixture, NULL, fixture_set_up, test_made_ahead,
              fixture_tear_down);
  g_test_add ("/blink/connections/made-ahead-fails-quietly", Fixture, NULL, fixture_set_up,
              test_made_ahead_fails_quietly, fixture_tear_down);
  g_test_add ("/blink/connections/made-ahead-goes-stale", Fixture, NULL, fixture_set_up,
              test_made_ahead_goes_stale, fixture_tear_down);
  g_test_add ("/blink/connections/made-ahead-broken", Fixture, NULL, fixture_set_up,
              test_made_ahead_broken, fixture_tear_down);
  g_test_add ("/blink/connections/made-ahead-follows-relay-policy", Fixture, NULL,
              fixture_set_up, test_made_ahead_follows_relay_policy, fixture_tear_down);

  return g_test_run ();
}
