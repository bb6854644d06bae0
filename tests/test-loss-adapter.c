/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The encoder's expected loss: what the peers report moves it, up at once
 * and down slowly, and the reports of a connection's first seconds do not. */

#include "config.h"

#include "blink-audio-pipeline.h"
#include "blink-connection-stats.h"
#include "blink-loss-adapter.h"
#include "blink-quality-monitor.h"

#include <gst/gst.h>

static BlinkAudioPipeline *
pipeline_new (void)
{
  BlinkAudioFormat format = BLINK_AUDIO_FORMAT_DEFAULT;
  g_autoptr (GError) error = NULL;
  BlinkAudioPipeline *pipeline =
    blink_audio_pipeline_new ("audiotestsrc is-live=true", "fakesink", &format, &error);

  g_assert_no_error (error);
  return pipeline;
}

/* One peer's report, connected @connected_for µs ago. */
static GHashTable *
report (double fraction_lost,
        GTimeSpan connected_for)
{
  GHashTable *stats = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  BlinkConnectionStats *figures = g_new0 (BlinkConnectionStats, 1);

  figures->remote_fraction_lost = fraction_lost;
  figures->connected_time = g_get_monotonic_time () - connected_for;
  g_hash_table_insert (stats, g_strdup ("did:key:z6MkPeer"), figures);
  return stats;
}

static void
test_follows_reports (void)
{
  g_autoptr (BlinkAudioPipeline) media = pipeline_new ();
  g_autoptr (BlinkLossAdapter) adapter = blink_loss_adapter_new ();
  g_autoptr (GHashTable) lossy = report (0.20, 10 * G_USEC_PER_SEC);
  g_autoptr (GHashTable) clean = report (0, 10 * G_USEC_PER_SEC);

  blink_loss_adapter_set_media (adapter, media);
  g_assert_cmpuint (blink_audio_pipeline_get_expected_loss (media), ==,
                    BLINK_AUDIO_PIPELINE_EXPECTED_LOSS_MIN);
  blink_loss_adapter_push_stats (adapter, lossy);
  g_assert_cmpuint (blink_audio_pipeline_get_expected_loss (media), ==, 20);
  blink_loss_adapter_push_stats (adapter, clean);
  g_assert_cmpuint (blink_audio_pipeline_get_expected_loss (media), ==, 16);
}

/* The first reports of a connection count as lost what was sent before the
 * peer's side was up: they must not make the encoder spend its bits on FEC. */
static void
test_ignores_the_start (void)
{
  g_autoptr (BlinkAudioPipeline) media = pipeline_new ();
  g_autoptr (BlinkLossAdapter) adapter = blink_loss_adapter_new ();
  g_autoptr (GHashTable) starting = report (0.60, BLINK_QUALITY_SETTLE_US / 2);

  blink_loss_adapter_set_media (adapter, media);
  blink_loss_adapter_push_stats (adapter, starting);
  g_assert_cmpuint (blink_audio_pipeline_get_expected_loss (media), ==,
                    BLINK_AUDIO_PIPELINE_EXPECTED_LOSS_MIN);
}

int
main (int argc,
      char **argv)
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/blink/loss-adapter/follows-reports", test_follows_reports);
  g_test_add_func ("/blink/loss-adapter/ignores-the-start", test_ignores_the_start);
  return g_test_run ();
}
