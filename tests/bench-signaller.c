/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Benchmark (figures on lines starting "bench: "): time from "offer-call" on
 * one blinksignaller to "incoming-call" on another, each on its own node of
 * the local IPFS test network, over 100 offers; beside it, in the same run,
 * the bare pubsub round of one sealed message through the same two nodes.
 * On two Kubo nodes, then on two js nodes, and the ratios.
 *
 *   meson test -C _build --benchmark signaller -v */
#include "config.h"

#include <glib/gstdio.h>
#include <gst/gst.h>

#include "blink-ipfs-client.h"
#include "blink-test-bench.h"
#include "blink-test-ipfs-network.h"

#define N_OFFERS 100
#define TOPIC "blink/1/bench/baseline"

typedef struct
{
  gint64 received_at;
  char *call_id;
} Incoming;

static void
on_incoming (GstElement *e,
             const char *id,
             const char *caller,
             GStrv participants,
             GstStructure *audio,
             Incoming *in)
{
  in->received_at = g_get_monotonic_time ();
  g_free (in->call_id);
  in->call_id = g_strdup (id);
}

static gboolean
got_incoming (gpointer user_data)
{
  return ((Incoming *) user_data)->received_at != 0;
}

static void
on_message (BlinkIpfsClient *client,
            const char *topic,
            const char *from,
            GBytes *data,
            gint64 *received_at)
{
  *received_at = g_get_monotonic_time ();
}

static gboolean
got_message (gpointer user_data)
{
  return *(gint64 *) user_data != 0;
}

static void
report (const char *what,
        gint64 *samples,
        guint n)
{
  blink_test_sort_samples (samples, n);
  g_print ("bench: %-34s p50 %6.2f ms  p99 %6.2f ms  (n=%u)\n", what, samples[n / 2] / 1000.0,
           samples[n * 99 / 100] / 1000.0, n);
}

static GstElement *
signaller (BlinkTestIpfsNetwork *network,
           guint node,
           const char *key_path)
{
  GstElement *e = gst_element_factory_make ("blinksignaller", NULL);

  g_assert_nonnull (e);
  g_object_set (e, "identity", key_path, "ipfs-api", blink_test_ipfs_network_get_api (network, node),
                NULL);
  g_assert_cmpint (gst_element_set_state (e, GST_STATE_READY), ==, GST_STATE_CHANGE_SUCCESS);
  return e;
}

static gboolean
connected (gpointer e)
{
  BlinkIpfsState state;

  g_object_get (e, "ipfs-state", &state, NULL);
  return state == BLINK_IPFS_STATE_CONNECTED;
}

/* Returns: the median offer-call → incoming-call time, µs */
static gint64
bench_on (char kind)
{
  const char *name = blink_test_ipfs_kind_name (kind);
  char kinds[] = { kind, kind, '\0' };
  g_autoptr (BlinkTestIpfsNetwork) network = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = NULL, *alice_key = NULL, *bob_key = NULL, *bob_did = NULL;
  GstElement *alice, *bob;
  Incoming in = { 0 };
  gint64 offer_ms[N_OFFERS], pubsub_ms[N_OFFERS];
  g_autoptr (BlinkIpfsClient) a = NULL;
  g_autoptr (BlinkIpfsClient) b = NULL;
  g_autoptr (GBytes) payload = NULL;
  gint64 received_at = 0;

  dir = g_dir_make_tmp ("blink-bench-XXXXXX", &error);
  g_assert_no_error (error);
  alice_key = g_build_filename (dir, "alice.key", NULL);
  bob_key = g_build_filename (dir, "bob.key", NULL);
  network = blink_test_ipfs_network_start_kinds (kinds, NULL);
  alice = signaller (network, 0, alice_key);
  bob = signaller (network, 1, bob_key);
  g_object_get (bob, "did", &bob_did, NULL);
  g_signal_connect (bob, "incoming-call", G_CALLBACK (on_incoming), &in);
  g_assert_true (blink_test_wait_until (connected, alice, 10000));
  g_assert_true (blink_test_wait_until (connected, bob, 10000));

  /* Baseline: one message of the size of a sealed offer, client to client. */
  a = blink_ipfs_client_new (blink_test_ipfs_network_get_api (network, 0), NULL);
  b = blink_ipfs_client_new (blink_test_ipfs_network_get_api (network, 1), NULL);
  g_signal_connect (b, "message", G_CALLBACK (on_message), &received_at);
  blink_ipfs_client_subscribe (b, TOPIC);
  payload = g_bytes_new_take (g_malloc0 (1100), 1100);
  for (guint i = 0; i < 200 && received_at == 0; i++)
    {
      blink_ipfs_client_publish_async (a, TOPIC, payload, 1, NULL, NULL, NULL);
      blink_test_wait_until (got_message, &received_at, 50);
    }
  g_assert_cmpint (received_at, !=, 0);

  for (guint i = 0; i < N_OFFERS; i++)
    {
      const char *callees[] = { bob_did, NULL };
      g_autofree char *id = NULL;
      gint64 start;
      gboolean done;

      /* the offer */
      in.received_at = 0;
      start = g_get_monotonic_time ();
      g_signal_emit_by_name (alice, "offer-call", callees, NULL, &id);
      g_assert_true (blink_test_wait_until (got_incoming, &in, 10000));
      g_assert_cmpstr (in.call_id, ==, id);
      offer_ms[i] = in.received_at - start;
      g_signal_emit_by_name (alice, "cancel-call", id, &done);
      /* Let the cancel go through before measuring anything else. */
      blink_test_pass_time (100);

      /* the bare pubsub message, right after, on the same nodes */
      received_at = 0;
      start = g_get_monotonic_time ();
      blink_ipfs_client_publish_async (a, TOPIC, payload, 1, NULL, NULL, NULL);
      g_assert_true (blink_test_wait_until (got_message, &received_at, 10000));
      pubsub_ms[i] = received_at - start;
    }

  {
    gint64 ratio_p50;

    g_autofree char *offer_what = g_strdup_printf ("[%s] offer-call -> incoming-call", name);
    g_autofree char *pubsub_what = g_strdup_printf ("[%s] bare pubsub message, same nodes", name);

    report (offer_what, offer_ms, N_OFFERS);
    report (pubsub_what, pubsub_ms, N_OFFERS);
    ratio_p50 = 100 * offer_ms[N_OFFERS / 2] / MAX (pubsub_ms[N_OFFERS / 2], 1);
    g_print ("bench: [%s] offer / bare pubsub at p50: %.2f\n", name, ratio_p50 / 100.0);
  }

  gst_element_set_state (alice, GST_STATE_NULL);
  gst_element_set_state (bob, GST_STATE_NULL);
  gst_object_unref (alice);
  gst_object_unref (bob);
  g_unlink (alice_key);
  g_unlink (bob_key);
  g_rmdir (dir);
  g_free (in.call_id);
  return offer_ms[N_OFFERS / 2];
}

int
main (int argc,
      char **argv)
{
  gint64 kubo, js;

  g_test_init (&argc, &argv, NULL);
  gst_init (&argc, &argv);
  if (!blink_test_ipfs_network_available_for ("kj"))
    {
      g_print ("1..0 # SKIP %s\n", blink_test_ipfs_unavailable_reason ());
      return 0;
    }

  kubo = bench_on ('k');
  js = bench_on ('j');
  g_print ("bench: offer-call -> incoming-call, kubo / js at p50: %.2f\n", (double) kubo / js);
  return 0;
}
