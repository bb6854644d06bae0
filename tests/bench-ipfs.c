/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Benchmark (figures on lines starting "bench: "): pubsub latency and throughput through BlinkIpfsClient and two
 * nodes of the local IPFS test network, each in its own process: two Kubo
 * nodes, then two js nodes, in the same run, and the ratios.
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

typedef struct
{
  Run *run;
  guint published;
} Burst;

typedef struct
{
  gint64 sequential; /* median latency, µs */
  gint64 burst;
  double per_second;
} Figures;

static gboolean
received_count (gpointer user_data)
{
  Want *want = user_data;

  return want->run->n_received >= want->count;
}

/* Prints the latencies of the messages that arrived.
 * Returns: the median latency, µs */
static gint64
report (const char *kind,
        const char *what,
        Run *run)
{
  g_autofree gint64 *latency = g_new (gint64, N_MESSAGES);
  guint n = 0;
  double sum = 0;

  for (guint i = 0; i < N_MESSAGES; i++)
    if (run->received[i] > 0)
      {
        latency[n] = run->received[i] - run->sent[i];
        sum += latency[n++];
      }
  g_assert_cmpuint (n, >, 0);

  blink_test_sort_samples (latency, n);
  g_print ("bench: [%s] %-10s latency over %u messages: p50 %.2f ms, p99 %.2f ms, mean %.2f ms, "
           "max %.2f ms; %u lost\n",
           kind, what, n, latency[n / 2] / 1000.0, latency[n * 99 / 100] / 1000.0, sum / n / 1000.0,
           latency[n - 1] / 1000.0, N_MESSAGES - n);
  return latency[n / 2];
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

static gboolean
burst_over (gpointer user_data)
{
  Burst *burst = user_data;

  return burst->published == N_MESSAGES &&
         (burst->run->n_received == N_MESSAGES || burst->run->received[N_MESSAGES - 1] > 0);
}

static void
on_burst_published (GObject *source,
                    GAsyncResult *result,
                    gpointer user_data)
{
  Burst *burst = user_data;

  g_assert_true (blink_ipfs_client_publish_finish (BLINK_IPFS_CLIENT (source), result, NULL));
  burst->published++;
}

/* Measures on two nodes of @kind; returns the sequential and burst medians
 * and the burst's throughput. */
static void
bench_on (char kind,
          Figures *figures)
{
  const char *name = blink_test_ipfs_kind_name (kind);
  char kinds[] = { kind, kind, '\0' };
  g_autoptr (BlinkTestIpfsNetwork) network = NULL;
  g_autoptr (BlinkIpfsClient) a = NULL;
  g_autoptr (BlinkIpfsClient) b = NULL;
  Run run = { g_new0 (gint64, N_MESSAGES), g_new0 (gint64, N_MESSAGES), 0 };
  Burst burst = { &run, 0 };
  gint64 start, elapsed;

  network = blink_test_ipfs_network_start_kinds (kinds, NULL);
  a = blink_ipfs_client_new (blink_test_ipfs_network_get_api (network, 0), NULL);
  b = blink_ipfs_client_new (blink_test_ipfs_network_get_api (network, 1), NULL);
  g_signal_connect (b, "message", G_CALLBACK (on_message), &run);

  blink_ipfs_client_subscribe (b, TOPIC);
  g_assert_true (blink_test_wait_until (subscribed, b, 10000));
  g_assert_true (blink_test_ipfs_network_wait_for_subscriber (network, 0, TOPIC, 1, 10000));

  /* One at a time. */
  for (guint32 i = 0; i < N_MESSAGES; i++)
    {
      g_autoptr (GBytes) data = payload (i);
      Want next = { &run, i + 1 };

      run.sent[i] = g_get_monotonic_time ();
      blink_ipfs_client_publish_async (a, TOPIC, data, 1, NULL, NULL, NULL);
      g_assert_true (blink_test_wait_until (received_count, &next, 10000));
    }
  figures->sequential = report (name, "sequential", &run);

  /* A burst. A receiving Kubo node loses a few (see docs/ipfs.md): wait for
   * the last message, or for a second after the last publish. */
  memset (run.received, 0, N_MESSAGES * sizeof (gint64));
  run.n_received = 0;
  start = g_get_monotonic_time ();
  for (guint32 i = 0; i < N_MESSAGES; i++)
    {
      g_autoptr (GBytes) data = payload (i);

      run.sent[i] = g_get_monotonic_time ();
      blink_ipfs_client_publish_async (a, TOPIC, data, 1, NULL, on_burst_published, &burst);
    }
  blink_test_wait_until (burst_over, &burst, 60000);
  if (run.n_received < N_MESSAGES)
    blink_test_pass_time (1000);
  elapsed = g_get_monotonic_time () - start;
  figures->burst = report (name, "burst", &run);
  figures->per_second = run.n_received / (elapsed / 1e6);
  g_print ("bench: [%s] burst      throughput: %u of %d messages of %d bytes in %.1f ms, "
           "%.0f messages/s\n",
           name, run.n_received, N_MESSAGES, PAYLOAD_BYTES, elapsed / 1000.0, figures->per_second);

  g_free (run.sent);
  g_free (run.received);
}

int
main (int argc,
      char **argv)
{
  Figures kubo, js;

  g_test_init (&argc, &argv, NULL);
  if (!blink_test_ipfs_network_available_for ("kj"))
    {
      g_print ("1..0 # SKIP %s\n", blink_test_ipfs_unavailable_reason ());
      return 0;
    }

  bench_on ('k', &kubo);
  bench_on ('j', &js);
  g_print ("bench: kubo / js at p50: sequential latency %.2f, burst latency %.2f; "
           "burst throughput %.2f\n",
           (double) kubo.sequential / js.sequential, (double) kubo.burst / js.burst,
           kubo.per_second / js.per_second);
  return 0;
}
