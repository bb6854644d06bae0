/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "blink-test"

#include "config.h"

#include "blink-test-audio.h"

#include <gst/app/gstappsink.h>
#include <math.h>
#include <string.h>

/* Keeps the last 250 ms heard and measures tones in it with the Goertzel
 * algorithm: the share of the window's energy at one frequency. */

#define WINDOW_MS 250
#define HEARD_SHARE 0.05
#define SILENCE_RMS 50.0

struct _BlinkTestEar
{
  GMutex lock;
  GstElement *appsink;
  guint rate;
  gint16 *window;
  gsize window_len;
  gsize filled;
  gint64 first_sound_us;
};

static GstFlowReturn
on_new_sample (GstAppSink *sink,
               BlinkTestEar *self)
{
  g_autoptr (GstSample) sample = gst_app_sink_pull_sample (sink);
  GstBuffer *buffer = gst_sample_get_buffer (sample);
  GstMapInfo map;
  gsize n;
  double energy = 0;

  if (!gst_buffer_map (buffer, &map, GST_MAP_READ))
    return GST_FLOW_OK;

  n = MIN (map.size / 2, self->window_len);
  g_mutex_lock (&self->lock);
  memmove (self->window, self->window + n, (self->window_len - n) * 2);
  memcpy (self->window + self->window_len - n, map.data + map.size - n * 2, n * 2);
  self->filled = MIN (self->filled + n, self->window_len);
  for (gsize i = 0; i < n; i++)
    energy += (double) ((gint16 *) map.data)[i] * ((gint16 *) map.data)[i];
  if (self->first_sound_us == 0 && n > 0 && sqrt (energy / n) > SILENCE_RMS)
    self->first_sound_us = g_get_monotonic_time ();
  g_mutex_unlock (&self->lock);

  gst_buffer_unmap (buffer, &map);
  return GST_FLOW_OK;
}

static void
ear_clear (BlinkTestEar *self)
{
  gst_object_unref (self->appsink);
  g_free (self->window);
  g_mutex_clear (&self->lock);
}

static void
ear_release (gpointer data,
             GClosure *closure)
{
  g_atomic_rc_box_release_full (data, (GDestroyNotify) ear_clear);
}

BlinkTestEar *
blink_test_ear_new (GstBin *pipeline,
                    guint rate)
{
  BlinkTestEar *self = g_atomic_rc_box_new0 (BlinkTestEar);

  g_mutex_init (&self->lock);
  /* gst_bin_get_by_name() looks into child bins too, such as the sink's. */
  self->appsink = gst_bin_get_by_name (pipeline, "ear");
  g_assert_nonnull (self->appsink);

  self->rate = rate;
  self->window_len = rate * WINDOW_MS / 1000;
  self->window = g_new0 (gint16, self->window_len);
  /* The handler holds the ear: the pipeline may still be stopping, and its
   * streaming thread in the handler, when the ear is freed. */
  g_signal_connect_data (self->appsink, "new-sample", G_CALLBACK (on_new_sample),
                         g_atomic_rc_box_acquire (self), ear_release, 0);
  return self;
}

void
blink_test_ear_free (BlinkTestEar *self)
{
  if (self == NULL)
    return;

  g_signal_handlers_disconnect_by_data (self->appsink, self);
  g_atomic_rc_box_release_full (self, (GDestroyNotify) ear_clear);
}

/**
 * blink_test_ear_level:
 *
 * Returns: the share (0 to 1) of the last 250 ms's energy at @frequency
 */
double
blink_test_ear_level (BlinkTestEar *self,
                      double frequency)
{
  double coeff = 2 * cos (2 * G_PI * frequency / self->rate);
  double s1 = 0, s2 = 0, total = 0, power;
  gsize n;

  g_mutex_lock (&self->lock);
  n = self->filled;
  for (gsize i = self->window_len - n; i < self->window_len; i++)
    {
      double x = self->window[i];
      double s0 = x + coeff * s1 - s2;

      s2 = s1;
      s1 = s0;
      total += x * x;
    }
  g_mutex_unlock (&self->lock);

  if (n == 0 || total / n < SILENCE_RMS * SILENCE_RMS)
    return 0;

  /* |X(f)|² of a pure tone is (N·A/2)² while its energy is N·A²/2. */
  power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
  return power / (total * n / 2);
}

gboolean
blink_test_ear_hears (BlinkTestEar *self,
                      double frequency)
{
  return blink_test_ear_level (self, frequency) > HEARD_SHARE;
}

/**
 * blink_test_ear_reset:
 *
 * Forgets what was heard: the next sound counts as the first.
 */
void
blink_test_ear_reset (BlinkTestEar *self)
{
  g_mutex_lock (&self->lock);
  self->first_sound_us = 0;
  memset (self->window, 0, self->window_len * 2);
  self->filled = 0;
  g_mutex_unlock (&self->lock);
}

gint64
blink_test_ear_first_sound (BlinkTestEar *self)
{
  gint64 t;

  g_mutex_lock (&self->lock);
  t = self->first_sound_us;
  g_mutex_unlock (&self->lock);
  return t;
}
