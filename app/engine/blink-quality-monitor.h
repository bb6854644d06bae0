/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib-object.h>

#include "blink-connection-stats.h"

G_BEGIN_DECLS

/**
 * BlinkQualityProblems:
 * @BLINK_QUALITY_LOSS: many of the participant's packets are lost
 * @BLINK_QUALITY_JITTER: their packets arrive unevenly
 * @BLINK_QUALITY_ROUND_TRIP: the way there and back is long
 * @BLINK_QUALITY_NO_AUDIO: connected, but none of their audio arrives
 *
 * What is wrong with one participant's connection, as
 * #BlinkQualityMonitor judges it (docs/engine.md, "Quality warnings").
 */
typedef enum
{
  BLINK_QUALITY_LOSS = 1 << 0,
  BLINK_QUALITY_JITTER = 1 << 1,
  BLINK_QUALITY_ROUND_TRIP = 1 << 2,
  BLINK_QUALITY_NO_AUDIO = 1 << 3,
} BlinkQualityProblems;

#define BLINK_TYPE_QUALITY_PROBLEMS (blink_quality_problems_get_type ())
GType blink_quality_problems_get_type (void);

/* Loss: raised above 5 % of the packets of the last 5 s, cleared when
 * under 2 % for 10 s. */
#define BLINK_QUALITY_LOSS_WINDOW_US (5 * G_USEC_PER_SEC)
#define BLINK_QUALITY_LOSS_RAISE 0.05
#define BLINK_QUALITY_LOSS_CLEAR 0.02
/* Jitter (s): raised above 30 ms, cleared under 20 ms for 10 s. */
#define BLINK_QUALITY_JITTER_RAISE 0.030
#define BLINK_QUALITY_JITTER_CLEAR 0.020
/* Round-trip time (s): raised above 400 ms, cleared under 300 ms for 10 s. */
#define BLINK_QUALITY_RTT_RAISE 0.400
#define BLINK_QUALITY_RTT_CLEAR 0.300
/* How long a figure must stay good before its warning goes. */
#define BLINK_QUALITY_CLEAR_US (10 * G_USEC_PER_SEC)
/* Loss, jitter and round trip are judged from this long after the
 * connection is up: the packets the sender numbered before (queued while
 * it came up, docs/engine.md) are counted lost at the next RTCP, and the
 * jitter estimate starts from the burst they make. */
#define BLINK_QUALITY_SETTLE_US (5 * G_USEC_PER_SEC)
/* No audio: connected, and no RTP for this long. */
#define BLINK_QUALITY_NO_AUDIO_US (2 * G_USEC_PER_SEC)
/* Two changes of one participant's problems are at least this far apart:
 * a front end is told at most once a second. */
#define BLINK_QUALITY_MIN_CHANGE_US G_USEC_PER_SEC

/**
 * BlinkQualityFigures:
 * @loss: the fraction of the participant's packets lost over the last
 *   5 s, negative until known
 * @jitter: seconds
 * @round_trip_time: seconds, negative until known
 * @silent_for: seconds since their last RTP packet (or since connected,
 *   when none came)
 */
typedef struct
{
  double loss;
  double jitter;
  double round_trip_time;
  double silent_for;
} BlinkQualityFigures;

#define BLINK_TYPE_QUALITY_MONITOR (blink_quality_monitor_get_type ())
G_DECLARE_FINAL_TYPE (BlinkQualityMonitor, blink_quality_monitor, BLINK, QUALITY_MONITOR, GObject)

BlinkQualityMonitor *blink_quality_monitor_new (void);

BlinkQualityProblems blink_quality_monitor_get_problems (BlinkQualityMonitor *self);
const BlinkQualityFigures *blink_quality_monitor_get_figures (BlinkQualityMonitor *self);
gboolean blink_quality_monitor_push (BlinkQualityMonitor *self,
                                     const BlinkConnectionStats *stats,
                                     gint64 now);
char **blink_quality_problems_to_strv (BlinkQualityProblems problems);

G_END_DECLS
