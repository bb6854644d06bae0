/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "blink-quality-monitor"

#include "config.h"

#include "blink-quality-monitor.h"

/* Warnings about one participant's connection, from its statistics taken
 * every second or so (docs/engine.md, "Quality warnings"). Each problem is
 * raised as soon as its figure crosses the upper threshold, and cleared
 * only once the figure has stayed under a lower one for
 * BLINK_QUALITY_CLEAR_US: a figure that hovers around a threshold does not
 * make the warning blink. No audio is the exception: it goes as soon as
 * audio comes, since that is what the user waits for. The problems change
 * BLINK_QUALITY_MIN_CHANGE_US after the last change at the earliest (by
 * the clock, @now): a change judged sooner is held back, and comes with a
 * later push if it still holds. */

enum
{
  PROP_0,
  PROP_PROBLEMS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

typedef struct
{
  gint64 time;
  guint64 received;
  gint64 lost;
} Sample;

struct _BlinkQualityMonitor
{
  GObject parent_instance;

  BlinkQualityProblems problems; /* as told */
  BlinkQualityProblems judged;   /* as the last figures say */
  gint64 changed;                /* clock of the last change told, 0 for none */
  BlinkQualityFigures figures;
  GArray *samples;        /* Sample, oldest first, the last loss window's */
  gint64 good_since[3];   /* per loss, jitter, round trip: under the lower
                           * threshold since (0: not) */
};

G_DEFINE_FINAL_TYPE (BlinkQualityMonitor, blink_quality_monitor, G_TYPE_OBJECT)

G_DEFINE_FLAGS_TYPE (BlinkQualityProblems, blink_quality_problems,
                     G_DEFINE_ENUM_VALUE (BLINK_QUALITY_LOSS, "loss"),
                     G_DEFINE_ENUM_VALUE (BLINK_QUALITY_JITTER, "jitter"),
                     G_DEFINE_ENUM_VALUE (BLINK_QUALITY_ROUND_TRIP, "round-trip-time"),
                     G_DEFINE_ENUM_VALUE (BLINK_QUALITY_NO_AUDIO, "no-audio"))

/**
 * blink_quality_problems_to_strv:
 *
 * Returns: (transfer full): the nicks of @problems ("loss", "jitter",
 *   "round-trip-time", "no-audio"), in that order
 */
char **
blink_quality_problems_to_strv (BlinkQualityProblems problems)
{
  g_autoptr (GFlagsClass) klass = g_type_class_ref (BLINK_TYPE_QUALITY_PROBLEMS);
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();

  for (guint i = 0; i < klass->n_values; i++)
    if (problems & klass->values[i].value)
      g_strv_builder_add (builder, klass->values[i].value_nick);
  return g_strv_builder_end (builder);
}

/* The fraction lost over the last window, from the cumulative counts;
 * negative while too few packets came to tell (under a second's worth). */
static double
windowed_loss (BlinkQualityMonitor *self,
               const BlinkConnectionStats *stats,
               gint64 now)
{
  Sample sample = { now, stats->packets_received, stats->packets_lost };
  const Sample *oldest;
  gint64 lost;
  guint64 received;

  g_array_append_val (self->samples, sample);
  while (self->samples->len > 1 &&
         now - g_array_index (self->samples, Sample, 1).time >= BLINK_QUALITY_LOSS_WINDOW_US)
    g_array_remove_index (self->samples, 0);
  oldest = &g_array_index (self->samples, Sample, 0);
  /* A duplicate makes the jitter buffer's count go down. */
  lost = MAX (stats->packets_lost - oldest->lost, 0);
  received = stats->packets_received - MIN (oldest->received, stats->packets_received);
  if (received + lost < 50)
    return -1;
  return (double) lost / (double) (received + lost);
}

/* Raises @problem above @raise; clears it once under @clear for long enough. */
static void
judge (BlinkQualityMonitor *self,
       BlinkQualityProblems problem,
       guint index,
       double figure,
       double raise,
       double clear,
       gint64 now)
{
  if (figure < 0)
    return; /* not known: as it was */
  if (figure > raise)
    self->judged |= problem;
  if (figure >= clear)
    self->good_since[index] = 0;
  else if (self->good_since[index] == 0)
    self->good_since[index] = now;
  if (self->good_since[index] != 0 && now - self->good_since[index] >= BLINK_QUALITY_CLEAR_US)
    self->judged &= ~problem;
}

static void
blink_quality_monitor_get_property (GObject *object,
                                    guint prop_id,
                                    GValue *value,
                                    GParamSpec *pspec)
{
  BlinkQualityMonitor *self = BLINK_QUALITY_MONITOR (object);

  switch (prop_id)
    {
    case PROP_PROBLEMS:
      g_value_set_flags (value, self->problems);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
blink_quality_monitor_finalize (GObject *object)
{
  BlinkQualityMonitor *self = BLINK_QUALITY_MONITOR (object);

  g_array_unref (self->samples);

  G_OBJECT_CLASS (blink_quality_monitor_parent_class)->finalize (object);
}

static void
blink_quality_monitor_class_init (BlinkQualityMonitorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = blink_quality_monitor_get_property;
  object_class->finalize = blink_quality_monitor_finalize;

  properties[PROP_PROBLEMS] =
    g_param_spec_flags ("problems", "Problems", "What is wrong with the connection now",
                        BLINK_TYPE_QUALITY_PROBLEMS, 0,
                        G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
blink_quality_monitor_init (BlinkQualityMonitor *self)
{
  self->samples = g_array_new (FALSE, FALSE, sizeof (Sample));
  self->figures.loss = -1;
  self->figures.round_trip_time = -1;
}

BlinkQualityMonitor *
blink_quality_monitor_new (void)
{
  return g_object_new (BLINK_TYPE_QUALITY_MONITOR, NULL);
}

BlinkQualityProblems
blink_quality_monitor_get_problems (BlinkQualityMonitor *self)
{
  g_return_val_if_fail (BLINK_IS_QUALITY_MONITOR (self), 0);

  return self->problems;
}

/**
 * blink_quality_monitor_get_figures:
 *
 * Returns: the figures of the last statistics pushed
 */
const BlinkQualityFigures *
blink_quality_monitor_get_figures (BlinkQualityMonitor *self)
{
  g_return_val_if_fail (BLINK_IS_QUALITY_MONITOR (self), NULL);

  return &self->figures;
}

/**
 * blink_quality_monitor_push:
 * @stats: the connection's statistics now; its @connected_time must be set
 * @now: monotonic time, µs
 *
 * Returns: whether #BlinkQualityMonitor:problems changed (and was notified)
 */
gboolean
blink_quality_monitor_push (BlinkQualityMonitor *self,
                            const BlinkConnectionStats *stats,
                            gint64 now)
{
  gint64 heard;

  g_return_val_if_fail (BLINK_IS_QUALITY_MONITOR (self), FALSE);
  g_return_val_if_fail (stats->connected_time != 0, FALSE);

  self->figures.jitter = stats->jitter;
  self->figures.round_trip_time = stats->round_trip_time;
  heard = MAX (stats->last_media_time, stats->connected_time);
  self->figures.silent_for = (double) (now - heard) / G_USEC_PER_SEC;

  if (now - stats->connected_time >= BLINK_QUALITY_SETTLE_US)
    {
      self->figures.loss = windowed_loss (self, stats, now);
      judge (self, BLINK_QUALITY_LOSS, 0, self->figures.loss, BLINK_QUALITY_LOSS_RAISE,
             BLINK_QUALITY_LOSS_CLEAR, now);
      judge (self, BLINK_QUALITY_JITTER, 1, self->figures.jitter, BLINK_QUALITY_JITTER_RAISE,
             BLINK_QUALITY_JITTER_CLEAR, now);
      judge (self, BLINK_QUALITY_ROUND_TRIP, 2, self->figures.round_trip_time,
             BLINK_QUALITY_RTT_RAISE, BLINK_QUALITY_RTT_CLEAR, now);
    }
  if (now - heard >= BLINK_QUALITY_NO_AUDIO_US)
    self->judged |= BLINK_QUALITY_NO_AUDIO;
  else
    self->judged &= ~BLINK_QUALITY_NO_AUDIO;

  if (self->judged == self->problems ||
      (self->changed != 0 && now - self->changed < BLINK_QUALITY_MIN_CHANGE_US))
    return FALSE;
  self->problems = self->judged;
  self->changed = now;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PROBLEMS]);
  return TRUE;
}
