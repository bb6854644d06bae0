/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "blink-loss-adapter"

#include "config.h"

#include "blink-loss-adapter.h"

#include "blink-connection-stats.h"
#include "blink-quality-monitor.h"

#include <math.h>

/* The encoder's expected loss follows what the peers report. One encoder
 * serves every peer of a call, so it follows the worst: each peer's RTCP
 * receiver reports say which share of our packets it lost since its last
 * report (webrtcbin's remote-inbound-rtp "fraction-lost"). More expected
 * loss makes Opus put more of its bitrate into in-band FEC, which the
 * peers' decoders use when a packet is missing. */

struct _BlinkLossAdapter
{
  GObject parent_instance;

  BlinkAudioPipeline *media;
};

G_DEFINE_FINAL_TYPE (BlinkLossAdapter, blink_loss_adapter, G_TYPE_OBJECT)

/* Loss comes in bursts: a quiet report after a lossy one lowers the
 * setting by this share of the difference per poll (half in about 3 s),
 * while more loss raises it at once. */
#define DECAY 0.2

/**
 * blink_loss_adapter_next:
 * @expected: the encoder's expected loss now, percent
 * @worst_fraction_lost: the worst peer's last reported loss, 0 to 1
 *
 * Returns: the next expected loss: up at once, down slowly, within
 *   %BLINK_AUDIO_PIPELINE_EXPECTED_LOSS_MIN and
 *   %BLINK_LOSS_ADAPTER_EXPECTED_LOSS_MAX
 */
guint
blink_loss_adapter_next (guint expected,
                         double worst_fraction_lost)
{
  double reported = worst_fraction_lost * 100;
  double next = reported >= expected ? reported : expected - (expected - reported) * DECAY;

  return (guint) CLAMP (floor (next + 0.5), BLINK_AUDIO_PIPELINE_EXPECTED_LOSS_MIN,
                        BLINK_LOSS_ADAPTER_EXPECTED_LOSS_MAX);
}

static void
blink_loss_adapter_dispose (GObject *object)
{
  BlinkLossAdapter *self = BLINK_LOSS_ADAPTER (object);

  g_clear_object (&self->media);

  G_OBJECT_CLASS (blink_loss_adapter_parent_class)->dispose (object);
}

static void
blink_loss_adapter_class_init (BlinkLossAdapterClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = blink_loss_adapter_dispose;
}

static void
blink_loss_adapter_init (BlinkLossAdapter *self)
{
}

/**
 * blink_loss_adapter_new:
 *
 * Returns: (transfer full): an adapter with no pipeline yet
 */
BlinkLossAdapter *
blink_loss_adapter_new (void)
{
  return g_object_new (BLINK_TYPE_LOSS_ADAPTER, NULL);
}

/**
 * blink_loss_adapter_set_media:
 * @media: (nullable): the active call's pipeline, whose encoder follows
 *   the reports from now on; %NULL stops following
 */
void
blink_loss_adapter_set_media (BlinkLossAdapter *self,
                              BlinkAudioPipeline *media)
{
  g_return_if_fail (BLINK_IS_LOSS_ADAPTER (self));

  g_set_object (&self->media, media);
}

/**
 * blink_loss_adapter_push_stats:
 * @stats: (element-type utf8 BlinkConnectionStats): the statistics of
 *   every connection of the call, by did, as taken once a second
 *
 * Sets the encoder's expected loss from the worst loss a peer reports.
 */
void
blink_loss_adapter_push_stats (BlinkLossAdapter *self,
                               GHashTable *stats)
{
  GHashTableIter iter;
  gpointer value;
  double worst = -1;
  guint expected, next;
  gint64 now = g_get_monotonic_time ();

  g_return_if_fail (BLINK_IS_LOSS_ADAPTER (self));

  if (self->media == NULL)
    return;
  g_hash_table_iter_init (&iter, stats);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      const BlinkConnectionStats *figures = value;

      /* The first reports count as lost what we sent before the peer's
       * side of the connection was up: not the network's loss, as for
       * the quality warnings. */
      if (figures->connected_time == 0 || now - figures->connected_time < BLINK_QUALITY_SETTLE_US)
        continue;
      worst = MAX (worst, figures->remote_fraction_lost);
    }
  if (worst < 0)
    return;
  expected = blink_audio_pipeline_get_expected_loss (self->media);
  next = blink_loss_adapter_next (expected, worst);
  if (next == expected)
    return;
  g_debug ("Worst reported loss %.1f %%: the encoder expects %u %%", worst * 100, next);
  blink_audio_pipeline_set_expected_loss (self->media, next);
}
