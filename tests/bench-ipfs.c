/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Benchmark (figures on lines starting "bench: "): pubsub latency and throughput through BlinkIpfsClient and two
 * nodes of the local IPFS test network, each in its own process.
 *
 *   meson test -C _build --benchmark ipfs-pubsub -v
 *
 * One message at a time gives the unloaded latency (publish on A → message
 * signal on B); a burst of N gives messages per second and the latency under
 * load. Both clocks are this process's monotonic clock. */
#include "config.h"

#include <string.h>

#include "blink-ipfs-client.h"
#include "blink-test-bench.h"
#include "blink-test-ipfs-network.h"

#define TOPIC "blink/1/bench/latency"
#define N_MESSAGES 1000
#define PAYLOAD_BYTES 1024 /* about an SDP offer, sealed */

typedef struct
{
  gint64 *sent;     /* µs, by sequence number */
  gint64 *received; /* µs, by sequence number */
  guint n_received;
} Run;

static void
on_message (BlinkIpfsClient *client,
            const char *topic,
            const char *from,
            GBytes *data,
            Run *run)
{
  guint32 seq;

  g_assert_cmpuint (g_bytes_get_size (data), ==, PAYLOAD_BYTES);
  memcpy (&seq, g_bytes_get_data (data, NULL), sizeof seq);
  g_assert_cmpuint (seq, <, N_MESSAGES);
  run->received[seq] = g_get_monotonic_time ();
  run->n_received++;
}

typedef struct
{
  Run *run;
  guint count;
} Want;

static gboolean
received_count (gpointer user_data)
{
  Want *want = user_data;

  return want->run->n_received >= want->count;
}

static gboolean
never (gpointer user_data)
{
  return FALSE;
}

static void
report (const char *what,
        Run *run)
{
  g_autofree gint64 *latency = g_new (gint64, N_MESSAGES);
  double sum = 0;

  for (guint i = 0; i < N_MESSAGES; i++)
    {
      g_assert_cmpint (run->received[i], >, 0);
      latency[i] = run->received[i] - run->sent[i];
      sum += latency[i];
    }
  blink_test_sort_samples (latency, N_MESSAGES);

  g_print ("bench: %-10s latency over %d messages: p50 %.2f ms, p99 %.2f ms, mean %.2f ms, max %.2f ms\n",
           what, N_MESSAGES, latency[N_MESSAGES / 2] / 1000.0,
           latency[N_MESSAGES * 99 / 100] / 1000.0, sum / N_MESSAGES / 1000.0,
           latency[N_MESSAGES - 1] / 1000.0);
}

static GBytes *
payload (guint32 seq)
{
  guint8 *bytes = g_malloc0 (PAYLOAD_BYTES);

  memcpy (bytes, &seq, sizeof seq);
  return g_bytes_new_take (bytes, PAYLOAD_BYTES);
}

static gboolean
subscribed (gpointer client)
{
  return blink_ipfs_client_is_subscribed (client, TOPIC);
}

int
main (int argc,
      char **argv)
{
  g_autoptr (BlinkTestIpfsNetwork) network = NULL;
  g_autoptr (BlinkIpfsClient) a = NULL;
  g_autoptr (BlinkIpfsClient) b = NULL;
  Run run = { g_new0 (gint64, N_MESSAGES), g_new0 (gint64, N_MESSAGES), 0 };
  gint64 start, elapsed;

  g_test_init (&argc, &argv, NULL);
  if (!blink_test_ipfs_network_available ())
    {
      g_print ("1..0 # SKIP tests/ipfs-node is not installed\n");
      return 0;
    }

  network = blink_test_ipfs_network_start (2, NULL);
  a = blink_ipfs_client_new (blink_test_ipfs_network_get_api (network, 0), NULL);
  b = blink_ipfs_client_new (blink_test_ipfs_network_get_api (network, 1), NULL);
  g_signal_connect (b, "message", G_CALLBACK (on_message), &run);
  blink_ipfs_client_subscribe (b, TOPIC);
  g_assert_true (blink_test_wait_until (subscribed, b, 10000));

  /* Warm up until the subscription has propagated to A's node. */
  for (guint i = 0; run.n_received == 0; i++)
    {
      g_autoptr (GBytes) data = payload (0);
      Want first = { &run, 1 };

      g_assert_cmpuint (i, <, 500);
      blink_ipfs_client_publish_async (a, TOPIC, data, 1, NULL, NULL, NULL);
      blink_test_wait_until (received_count, &first, 20);
    }
  /* Let stragglers of the warm-up arrive, then start clean. */
  blink_test_wait_until (never, NULL, 300);
  memset (run.received, 0, N_MESSAGES * sizeof (gint64));
  run.n_received = 0;

  /* One at a time. */
  for (guint32 i = 0; i < N_MESSAGES; i++)
    {
      g_autoptr (GBytes) data = payload (i);
      Want next = { &run, i + 1 };

      run.sent[i] = g_get_monotonic_time ();
      blink_ipfs_client_publish_async (a, TOPIC, data, 1, NULL, NULL, NULL);
      g_assert_true (blink_test_wait_until (received_count, &next, 10000));
    }
  report ("sequential", &run);

  /* A burst. */
  memset (run.received, 0, N_MESSAGES * sizeof (gint64));
  run.n_received = 0;
  start = g_get_monotonic_time ();
  for (guint32 i = 0; i < N_MESSAGES; i++)
    {
      g_autoptr (GBytes) data = payload (i);

      run.sent[i] = g_get_monotonic_time ();
      blink_ipfs_client_publish_async (a, TOPIC, data, 1, NULL, NULL, NULL);
    }
  while (run.n_received < N_MESSAGES)
    g_main_context_iteration (NULL, TRUE);
  elapsed = g_get_monotonic_time () - start;
  report ("burst", &run);
  g_print ("bench: burst      throughput: %d messages of %d bytes in %.1f ms, %.0f messages/s\n",
           N_MESSAGES, PAYLOAD_BYTES, elapsed / 1000.0, N_MESSAGES / (elapsed / 1e6));

  g_free (run.sent);
  g_free (run.received);
  return 0;
}
