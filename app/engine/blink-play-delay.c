/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "blink-play-delay"

#include "config.h"

#include "blink-play-delay.h"

#include <gst/base/gstaggregator.h>

/* A peer's decoded audio reaches the live mixer some time after the jitter
 * buffer stamped it with when it arrived, and the mixer plays each moment
 * when the clock says so with what its inputs have given by then: what
 * comes later is dropped ("input buffer is entirely before current output
 * offset"). So each peer's branch is played a fixed delay after arrival (a
 * pad offset on its last pad; docs/engine.md, "The start of a call").
 *
 * A machine starved of CPU makes that delay too short: decoding and
 * scheduling then take longer than it allows, and the mixer drops the
 * audio, a few blocks or all of it (docs/engine.md, "Late audio"). Here
 * each buffer is checked against where the mixer is before it goes in; one
 * that would come too late makes the branch's delay grow at once, by its
 * lateness and a step, before the mixer sees it. The mixer then places it
 * later and fills the gap with silence: late audio is played late, not
 * lost. A longer delay is room for audio that arrives late (a packet the
 * jitter buffer held); it is no room for a stall of the branch's own
 * thread, since the mixer takes only two buffers ahead and the branch
 * waits meanwhile, with the rest of the delay in packets not decoded yet:
 * each such stall raises the delay again.
 *
 * Once the hiccups are over, the delay comes down again, a step at a
 * time, never below where it started. How much room there is to spare
 * cannot be seen from here: the mixer takes a buffer only once it has room
 * for it, and the branch waits for that, so every buffer reaches this pad
 * about equally early. So the delay is tried lower after a while without a
 * raise, and if audio comes late again the raise undoes it and the while
 * grows. Lowering makes the next buffer overlap the one before, and the
 * mixer drops the overlap from the next one's start: so it is lowered only
 * on a quiet buffer, by at most its length, and what is dropped is part of
 * a pause. */

struct _BlinkPlayDelay
{
  GstAggregator *mixer;
  GstClockTime block;  /* the mixer's output-buffer-duration */
  /* The branch's streaming thread writes, under the lock, and reads
   * without; anybody else reads under the lock. */
  GMutex lock;
  GstClockTime delay;
  guint raises;
  guint lowerings;
  GstClockTime late; /* what the mixer will drop all the same */

  /* The branch's streaming thread only; times are running times at the
   * mixer. */
  GstClockTime initial;
  GstClockTime most;
  GstClockTime calm_since; /* the last raise, or the first buffer */
  GstClockTime lowered_at; /* the last step down since */
  GstClockTime wait;       /* in time for this long: lower a step */
};

/* How long audio must have come in time before the delay is lowered a
 * step: at first long enough to span a few hiccups of a busy machine,
 * short enough that a call settles within seconds once they stop. A
 * lowering that audio coming late soon undoes doubles it, up to the most. */
#define WAIT_FIRST (2 * GST_SECOND)
#define WAIT_MOST (32 * GST_SECOND)
#define STEP (BLINK_PLAY_DELAY_STEP_MS * GST_MSECOND)
/* Time for audio coming late again to show between two steps down. */
#define LOWER_EVERY (250 * GST_MSECOND)

/* -40 dBFS: a pause, or the noise of a room; what is cut there goes
 * unheard. The mixer's format is S16 (BlinkAudioPipeline). */
#define QUIET_PEAK 328

static gboolean
is_quiet (GstBuffer *buffer)
{
  GstMapInfo map;
  gboolean quiet = TRUE;

  if (!gst_buffer_map (buffer, &map, GST_MAP_READ))
    return FALSE;
  for (gsize i = 0; quiet && i + 1 < map.size; i += 2)
    {
      gint16 sample = (gint16) GST_READ_UINT16_LE (map.data + i);

      quiet = ABS ((gint) sample) < QUIET_PEAK;
    }
  gst_buffer_unmap (buffer, &map);
  return quiet;
}

static GstClockTime
mixer_position (BlinkPlayDelay *self)
{
  GstSegment segment;

  GST_OBJECT_LOCK (self->mixer);
  gst_segment_copy_into (&GST_AGGREGATOR_PAD (self->mixer->srcpad)->segment, &segment);
  GST_OBJECT_UNLOCK (self->mixer);
  if (segment.format != GST_FORMAT_TIME || !GST_CLOCK_TIME_IS_VALID (segment.position))
    return GST_CLOCK_TIME_NONE;
  return gst_segment_to_running_time (&segment, GST_FORMAT_TIME, segment.position);
}

/* The running time the mixer will see @buffer start at, with the delay so
 * far, or GST_CLOCK_TIME_NONE. */
static GstClockTime
start_at_mixer (BlinkPlayDelay *self,
                GstPad *pad,
                GstBuffer *buffer)
{
  g_autoptr (GstEvent) event = NULL;
  const GstSegment *segment;
  GstClockTime start;

  if (!GST_BUFFER_PTS_IS_VALID (buffer))
    return GST_CLOCK_TIME_NONE;
  event = gst_pad_get_sticky_event (pad, GST_EVENT_SEGMENT, 0);
  if (event == NULL)
    return GST_CLOCK_TIME_NONE;
  gst_event_parse_segment (event, &segment);
  if (segment->format != GST_FORMAT_TIME)
    return GST_CLOCK_TIME_NONE;
  start = gst_segment_to_running_time (segment, GST_FORMAT_TIME, GST_BUFFER_PTS (buffer));
  return GST_CLOCK_TIME_IS_VALID (start) ? start + self->delay : GST_CLOCK_TIME_NONE;
}

/* In time: after a while without a raise, lowers the delay a step on a
 * quiet buffer, and another on the next every LOWER_EVERY. */
static void
note_in_time (BlinkPlayDelay *self,
              GstPad *pad,
              GstBuffer *buffer,
              GstClockTime start)
{
  GstClockTime duration = GST_BUFFER_DURATION (buffer);
  GstClockTime lower;

  if (self->delay <= self->initial || !GST_CLOCK_TIME_IS_VALID (duration))
    return;
  if (!GST_CLOCK_TIME_IS_VALID (self->calm_since))
    self->calm_since = start;
  if (start < self->calm_since + self->wait ||
      (GST_CLOCK_TIME_IS_VALID (self->lowered_at) && start < self->lowered_at + LOWER_EVERY) ||
      !is_quiet (buffer))
    return;

  lower = MIN (MIN (STEP, duration), self->delay - self->initial);
  g_debug ("Audio on %s:%s in time for %.2f s: played %.0f ms after it arrives, was %.0f ms",
           GST_DEBUG_PAD_NAME (pad), (double) (start - self->calm_since) / GST_SECOND,
           (double) (self->delay - lower) / GST_MSECOND, (double) self->delay / GST_MSECOND);
  g_mutex_lock (&self->lock);
  self->delay -= lower;
  self->lowerings++;
  g_mutex_unlock (&self->lock);
  gst_pad_set_offset (pad, (gint64) self->delay);
  self->lowered_at = start - lower;
}

static GstPadProbeReturn
on_branch_buffer (GstPad *pad,
                  GstPadProbeInfo *info,
                  gpointer user_data)
{
  BlinkPlayDelay *self = user_data;
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);
  GstClockTime start, position, needed, raised;

  start = start_at_mixer (self, pad, buffer);
  if (!GST_CLOCK_TIME_IS_VALID (start))
    return GST_PAD_PROBE_OK;
  position = mixer_position (self);
  if (!GST_CLOCK_TIME_IS_VALID (position))
    return GST_PAD_PROBE_OK;
  /* The mixer may be making the block at its position right now. */
  needed = position + self->block;
  if (start >= needed)
    {
      note_in_time (self, pad, buffer, start);
      return GST_PAD_PROBE_OK;
    }

  raised = MIN (self->delay + (needed - start) + STEP, self->most);
  if (raised > self->delay)
    {
      g_debug ("Audio on %s:%s came %.1f ms late for the mixer: played %.0f ms after it "
               "arrives, was %.0f ms", GST_DEBUG_PAD_NAME (pad),
               (double) (needed - start) / GST_MSECOND, (double) raised / GST_MSECOND,
               (double) self->delay / GST_MSECOND);
      start += raised - self->delay;
      g_mutex_lock (&self->lock);
      self->delay = raised;
      self->raises++;
      g_mutex_unlock (&self->lock);
      /* Sent on with this buffer: the segment again, with the new offset. */
      gst_pad_set_offset (pad, (gint64) raised);
      /* A lowering this raise undid was one too many: wait longer. */
      if (GST_CLOCK_TIME_IS_VALID (self->lowered_at) && start < self->lowered_at + self->wait)
        self->wait = MIN (self->wait * 2, WAIT_MOST);
      self->calm_since = start;
      self->lowered_at = GST_CLOCK_TIME_NONE;
    }
  if (start < position)
    {
      GstClockTime duration = GST_BUFFER_DURATION (buffer);
      GstClockTime dropped = position - start;

      if (GST_CLOCK_TIME_IS_VALID (duration))
        dropped = MIN (dropped, duration);
      g_mutex_lock (&self->lock);
      self->late += dropped;
      g_mutex_unlock (&self->lock);
    }
  return GST_PAD_PROBE_OK;
}

/**
 * blink_play_delay_attach:
 * @branch_src: the last pad of a peer's decoding branch, linked or about
 *   to be linked to a sink pad of @mixer
 * @mixer: the call's audiomixer
 * @initial: how much later than it arrived the branch is played at first
 *
 * Plays what comes through @branch_src @initial after it arrived, or
 * later when it would come too late for @mixer.
 *
 * Returns: (transfer full): the delay's state, also held by the pad's probe
 *   for as long as the pad lives
 */
BlinkPlayDelay *
blink_play_delay_attach (GstPad *branch_src,
                         GstElement *mixer,
                         GstClockTime initial)
{
  BlinkPlayDelay *self;
  guint64 block = 10 * GST_MSECOND;

  g_return_val_if_fail (GST_IS_PAD (branch_src), NULL);
  g_return_val_if_fail (GST_IS_AGGREGATOR (mixer), NULL);

  self = g_atomic_rc_box_new0 (BlinkPlayDelay);
  g_mutex_init (&self->lock);
  self->mixer = gst_object_ref (GST_AGGREGATOR (mixer));
  if (g_object_class_find_property (G_OBJECT_GET_CLASS (mixer), "output-buffer-duration"))
    g_object_get (mixer, "output-buffer-duration", &block, NULL);
  self->block = block;
  self->delay = initial;
  self->initial = initial;
  /* A jitter buffer set to a long latency keeps room to grow. */
  self->most = MAX (BLINK_PLAY_DELAY_MAX_MS * GST_MSECOND, 2 * initial);
  self->calm_since = GST_CLOCK_TIME_NONE;
  self->lowered_at = GST_CLOCK_TIME_NONE;
  self->wait = WAIT_FIRST;
  gst_pad_set_offset (branch_src, (gint64) initial);
  gst_pad_add_probe (branch_src, GST_PAD_PROBE_TYPE_BUFFER, on_branch_buffer,
                     blink_play_delay_ref (self), (GDestroyNotify) blink_play_delay_unref);
  return self;
}

/**
 * blink_play_delay_get_figures:
 * @delay: (out) (optional): how much later than it arrives the branch's
 *   audio is played now
 * @raises: (out) (optional): how many times audio coming late made it grow
 * @lowerings: (out) (optional): how many times it came down a step since
 * @late: (out) (optional): how much audio came so late that the delay at
 *   its most did not cover it, and the mixer dropped it
 */
void
blink_play_delay_get_figures (BlinkPlayDelay *self,
                              GstClockTime *delay,
                              guint *raises,
                              guint *lowerings,
                              GstClockTime *late)
{
  g_return_if_fail (self != NULL);

  g_mutex_lock (&self->lock);
  if (delay != NULL)
    *delay = self->delay;
  if (raises != NULL)
    *raises = self->raises;
  if (lowerings != NULL)
    *lowerings = self->lowerings;
  if (late != NULL)
    *late = self->late;
  g_mutex_unlock (&self->lock);
}

BlinkPlayDelay *
blink_play_delay_ref (BlinkPlayDelay *self)
{
  return g_atomic_rc_box_acquire (self);
}

static void
play_delay_clear (BlinkPlayDelay *self)
{
  gst_object_unref (self->mixer);
  g_mutex_clear (&self->lock);
}

void
blink_play_delay_unref (BlinkPlayDelay *self)
{
  g_atomic_rc_box_release_full (self, (GDestroyNotify) play_delay_clear);
}
