/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "blink-test-echo.h"

#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <math.h>

/* The loop, around the engine's own pipeline (BlinkAudioPipeline):
 *
 *   appsrc(far end) ─► audiomixer ─► … ─► webrtcechoprobe ─► … ─► appsink(speaker)
 *                                                                    │ what is played,
 *   appsrc(microphone) ◄── silence + gain × (played, delay later) ◄──┘ by when
 *     ─► … webrtcdsp … opusenc ─► rtpopuspay ─► tee ─► depay ! opusdec ! appsink(sent)
 *
 * Every timestamp is a running time of the pipeline's clock. A sample the
 * speaker's appsink takes with timestamp p is heard at p + the pipeline's
 * latency (the sink syncs to that); its echo is in the microphone's
 * sample of time p + latency + delay. The microphone's chunk of 10 ms is
 * pushed when its last sample has been "captured", and says so (its
 * min-latency), as a sound card does. The far end and the speaker report
 * latencies as a call's do (blink_test_echo_set_latencies()): a speaker
 * that reports none and a far end that reports none are not what the
 * pipeline meets, and webrtcdsp's pairing depends on both. */

#define RATE 48000
#define CHUNK (RATE / 100)
#define CHUNK_NS (10 * GST_MSECOND)
/* The far end runs ahead of the clock, as a network's jitter buffer would:
 * its samples wait in the mixer, never late. */
#define FAR_END_LEAD_CHUNKS 20
#define PLAYED_RING (2 * RATE)
#define FAR_END_PEAK (0.3 * G_MAXINT16)
/* How many times, 10 ms apart, the pipeline's latency is asked for. */
#define LATENCY_TRIES 500
/* How long the last sent audio may take to come out of the decoder. */
#define SENT_WAIT_US (5 * G_TIME_SPAN_SECOND)

/* As a call's devices report them: Blink's jitter buffer (40 ms) upstream
 * of the mixer, and what pulsesink adds for its buffer (110 ms, measured
 * with a PulseAudio server of 16.1 and GStreamer 1.22's defaults). */
#define FAR_END_LATENCY (40 * GST_MSECOND)
#define SPEAKER_LATENCY (110 * GST_MSECOND)

#define MIC_CAPS "audio/x-raw,format=S16LE,layout=interleaved,rate=48000,channels=1"

struct _BlinkTestEcho
{
  BlinkAudioPipeline *pipeline;
  GstElement *microphone;
  GstElement *far_end_src;
  BlinkTestFarEnd far_end;
  double echo_gain;
  guint64 delay_samples;

  /* The speech generator's state. */
  double phase;
  GRand *rand;

  GMutex lock;
  GCond cond;
  gint16 played[PLAYED_RING];
  guint64 played_end; /* one past the newest sample, in samples of running time */

  /* The window measured, in running time. */
  GstClockTime measure_start;
  GstClockTime measure_end;
  double echo_energy;
  guint64 echo_samples;
  double sent_energy;
  guint64 sent_samples;
  gboolean sent_done;

  /* The same, in every second of the run, and in the window by the
   * millisecond of the microphone's 10 ms chunk the sample is in. */
  double echo_second[BLINK_TEST_ECHO_SECONDS];
  double sent_second[BLINK_TEST_ECHO_SECONDS];
  double echo_in_chunk[10];
  double sent_in_chunk[10];

  GstClockTime latency;
  gint16 *file;
  gsize file_length;
};

static void
add_energy (double *seconds,
            double *in_chunk,
            guint64 n,
            double energy,
            gboolean measured)
{
  if (n / RATE < BLINK_TEST_ECHO_SECONDS)
    seconds[n / RATE] += energy;
  if (measured)
    in_chunk[n % CHUNK * 10 / CHUNK] += energy;
}

static GstFlowReturn
on_speaker_sample (GstAppSink *sink,
                   gpointer user_data)
{
  BlinkTestEcho *self = user_data;
  g_autoptr (GstSample) sample = gst_app_sink_pull_sample (sink);
  GstBuffer *buffer = gst_sample_get_buffer (sample);
  GstMapInfo map;
  guint64 first;
  gsize n;

  if (!GST_BUFFER_PTS_IS_VALID (buffer) || !gst_buffer_map (buffer, &map, GST_MAP_READ))
    return GST_FLOW_OK;
  first = gst_util_uint64_scale_round (GST_BUFFER_PTS (buffer), RATE, GST_SECOND);
  n = map.size / sizeof (gint16);
  g_mutex_lock (&self->lock);
  for (gsize i = 0; i < n; i++)
    self->played[(first + i) % PLAYED_RING] = ((const gint16 *) map.data)[i];
  self->played_end = MAX (self->played_end, first + n);
  g_mutex_unlock (&self->lock);
  gst_buffer_unmap (buffer, &map);
  return GST_FLOW_OK;
}

static GstFlowReturn
on_sent_sample (GstAppSink *sink,
                gpointer user_data)
{
  BlinkTestEcho *self = user_data;
  g_autoptr (GstSample) sample = gst_app_sink_pull_sample (sink);
  GstBuffer *buffer = gst_sample_get_buffer (sample);
  GstClockTime pts = GST_BUFFER_PTS (buffer);
  gboolean measured;
  GstMapInfo map;
  guint64 first;

  if (!GST_CLOCK_TIME_IS_VALID (pts) || !gst_buffer_map (buffer, &map, GST_MAP_READ))
    return GST_FLOW_OK;
  first = gst_util_uint64_scale_round (pts, RATE, GST_SECOND);
  measured = pts >= self->measure_start && pts < self->measure_end;
  g_mutex_lock (&self->lock);
  for (gsize i = 0; i < map.size / sizeof (gint16); i++)
    {
      double x = ((const gint16 *) map.data)[i];

      add_energy (self->sent_second, self->sent_in_chunk, first + i, x * x, measured);
      if (measured)
        self->sent_energy += x * x;
    }
  if (measured)
    self->sent_samples += map.size / sizeof (gint16);
  if (pts >= self->measure_end)
    {
      self->sent_done = TRUE;
      g_cond_signal (&self->cond);
    }
  g_mutex_unlock (&self->lock);
  gst_buffer_unmap (buffer, &map);
  return GST_FLOW_OK;
}

/* Vowels as their first two formants, Hz. */
static const double vowels[][2] = {
  { 730, 1090 }, { 270, 2290 }, { 530, 1840 }, { 570, 840 }, { 300, 870 }, { 660, 1720 },
};

static double
formant_weight (double frequency,
                const double *formants)
{
  double a = (frequency - formants[0]) / 150, b = (frequency - formants[1]) / 250;

  return 1 + 3 * exp (-a * a) + 2 * exp (-b * b);
}

/* Syllables of 180 ms with 70 ms between them, a pause of 350 ms after
 * every fourth; a gliding pitch (95–165 Hz) with its harmonics shaped by
 * the syllable's vowel; hiss before every third syllable. */
static double
speech_sample (BlinkTestEcho *self,
               guint64 n)
{
  const guint syllable = RATE * 180 / 1000, gap = RATE * 70 / 1000, pause = RATE * 350 / 1000;
  const guint group = 4 * (syllable + gap) + pause;
  guint64 in_group = n % group, index = n / group * 4 + in_group / (syllable + gap);
  guint64 in_syllable = in_group % (syllable + gap);
  double f0 = 130 + 35 * sin (2 * G_PI * 0.7 * n / RATE);
  double value = 0;

  self->phase = fmod (self->phase + 2 * G_PI * f0 / RATE, 2 * G_PI);
  if (in_group < 4 * (syllable + gap) && in_syllable < syllable)
    {
      const double *formants = vowels[index % G_N_ELEMENTS (vowels)];
      double envelope = 0.5 - 0.5 * cos (2 * G_PI * in_syllable / syllable);

      for (guint k = 1; k * f0 < 3800; k++)
        value += formant_weight (k * f0, formants) / k * sin (k * self->phase);
      value *= envelope / 4;
    }
  else if (in_group < 4 * (syllable + gap) && index % 3 == 2 && in_syllable >= syllable + gap / 3)
    value = 0.3 * g_rand_double_range (self->rand, -1, 1);
  return CLAMP (value, -1, 1);
}

static void
push_far_end (BlinkTestEcho *self,
              guint64 chunk)
{
  GstBuffer *buffer = gst_buffer_new_allocate (NULL, CHUNK * sizeof (gint16), NULL);
  GstMapInfo map;

  gst_buffer_map (buffer, &map, GST_MAP_WRITE);
  for (guint i = 0; i < CHUNK; i++)
    {
      guint64 n = chunk * CHUNK + i;
      double x;

      switch (self->far_end)
        {
        case BLINK_TEST_FAR_END_TONE:
          x = FAR_END_PEAK * sin (2 * G_PI * 1000.0 * n / RATE);
          break;
        case BLINK_TEST_FAR_END_NOISE:
          x = FAR_END_PEAK * g_rand_double_range (self->rand, -1, 1);
          break;
        case BLINK_TEST_FAR_END_FILE:
          x = self->file_length > 0 ? self->file[n % self->file_length] : 0;
          break;
        case BLINK_TEST_FAR_END_SPEECH:
        default:
          x = FAR_END_PEAK * speech_sample (self, n);
          break;
        }
      ((gint16 *) map.data)[i] = (gint16) lround (x);
    }
  gst_buffer_unmap (buffer, &map);
  GST_BUFFER_PTS (buffer) = chunk * CHUNK_NS;
  GST_BUFFER_DURATION (buffer) = CHUNK_NS;
  gst_app_src_push_buffer (GST_APP_SRC (self->far_end_src), buffer);
}

/* The microphone hears nothing but the room's echo. */
static void
push_microphone (BlinkTestEcho *self,
                 guint64 chunk,
                 guint64 latency_samples)
{
  GstBuffer *buffer = gst_buffer_new_allocate (NULL, CHUNK * sizeof (gint16), NULL);
  GstClockTime pts = chunk * CHUNK_NS;
  gboolean measured = pts >= self->measure_start && pts < self->measure_end;
  GstMapInfo map;

  gst_buffer_map (buffer, &map, GST_MAP_WRITE);
  g_mutex_lock (&self->lock);
  for (guint i = 0; i < CHUNK; i++)
    {
      guint64 n = chunk * CHUNK + i;
      gint64 heard = (gint64) n - (gint64) self->delay_samples - (gint64) latency_samples;
      double echo = 0;

      if (heard >= 0 && (guint64) heard < self->played_end &&
          (guint64) heard + PLAYED_RING > self->played_end)
        echo = self->echo_gain * self->played[heard % PLAYED_RING];
      ((gint16 *) map.data)[i] = (gint16) CLAMP (lround (echo), G_MININT16, G_MAXINT16);
      add_energy (self->echo_second, self->echo_in_chunk, n, echo * echo, measured);
      if (measured)
        self->echo_energy += echo * echo;
    }
  if (measured)
    self->echo_samples += CHUNK;
  g_mutex_unlock (&self->lock);
  gst_buffer_unmap (buffer, &map);
  GST_BUFFER_PTS (buffer) = pts;
  GST_BUFFER_DURATION (buffer) = CHUNK_NS;
  gst_app_src_push_buffer (GST_APP_SRC (self->microphone), buffer);
}

/* What the pipeline sends, decoded, to an appsink. */
static void
listen_to_sent (BlinkTestEcho *self,
                GstBin *bin)
{
  GstElement *queue = gst_element_factory_make ("queue", NULL);
  GstElement *depay = gst_element_factory_make ("rtpopusdepay", NULL);
  GstElement *dec = gst_element_factory_make ("opusdec", NULL);
  GstElement *convert = gst_element_factory_make ("audioconvert", NULL);
  GstElement *resample = gst_element_factory_make ("audioresample", NULL);
  GstElement *sent = gst_element_factory_make ("appsink", NULL);
  g_autoptr (GstCaps) caps = gst_caps_from_string (MIC_CAPS);
  GstAppSinkCallbacks callbacks = { .new_sample = on_sent_sample };

  g_object_set (sent, "caps", caps, "sync", FALSE, "async", FALSE, NULL);
  gst_app_sink_set_callbacks (GST_APP_SINK (sent), &callbacks, self, NULL);
  gst_bin_add_many (bin, queue, depay, dec, convert, resample, sent, NULL);
  g_assert_true (gst_element_link_many (blink_audio_pipeline_get_tee (self->pipeline), queue, depay,
                                        dec, convert, resample, sent, NULL));
}

static void
add_far_end (BlinkTestEcho *self,
             GstBin *bin)
{
  self->far_end_src = gst_element_factory_make ("appsrc", NULL);
  g_object_set (self->far_end_src, "caps", blink_audio_pipeline_get_mix_caps (self->pipeline),
                "is-live", TRUE, "format", GST_FORMAT_TIME, "max-bytes",
                (guint64) (FAR_END_LEAD_CHUNKS + 10) * CHUNK * sizeof (gint16), NULL);
  gst_bin_add (bin, self->far_end_src);
  g_assert_true (
      gst_element_link (self->far_end_src, blink_audio_pipeline_get_mixer (self->pipeline)));
}

/**
 * blink_test_echo_new:
 * @processing: the parts that process the microphone (forced on, as the
 *   microphone here is an appsrc)
 * @delay_ms: how long after it is played the echo is heard
 * @echo_gain_db: how loud the echo is heard, e.g. -10
 */
BlinkTestEcho *
blink_test_echo_new (BlinkAudioProcessing processing,
                     BlinkTestFarEnd far_end,
                     guint delay_ms,
                     double echo_gain_db)
{
  BlinkTestEcho *self = g_new0 (BlinkTestEcho, 1);
  BlinkAudioFormat format = BLINK_AUDIO_FORMAT_DEFAULT;
  g_autoptr (GError) error = NULL;
  g_autoptr (GstElement) speaker = NULL;
  GstAppSinkCallbacks callbacks = { .new_sample = on_speaker_sample };
  GstBin *bin;

  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
  self->far_end = far_end;
  self->echo_gain = pow (10, echo_gain_db / 20);
  self->delay_samples = (guint64) delay_ms * RATE / 1000;
  self->rand = g_rand_new_with_seed (13);
  self->pipeline = blink_audio_pipeline_new_full (
      "appsrc name=microphone is-live=true format=time min-latency=10000000 caps=" MIC_CAPS, NULL,
      "appsink name=speaker sync=true caps=" MIC_CAPS, NULL, &format, BLINK_AUDIO_PROCESSING_MODE_ON,
      processing, &error);
  g_assert_no_error (error);
  bin = blink_audio_pipeline_get_bin (self->pipeline);
  self->microphone = gst_bin_get_by_name (bin, "microphone");
  speaker = gst_bin_get_by_name (bin, "speaker");
  gst_app_sink_set_callbacks (GST_APP_SINK (speaker), &callbacks, self, NULL);
  add_far_end (self, bin);
  listen_to_sent (self, bin);
  blink_test_echo_set_latencies (self, FAR_END_LATENCY, SPEAKER_LATENCY);
  return self;
}

BlinkAudioPipeline *
blink_test_echo_get_pipeline (BlinkTestEcho *self)
{
  return self->pipeline;
}

/**
 * blink_test_echo_load_far_end:
 * @path: a recording, anything decodebin reads
 *
 * The far end of a #BLINK_TEST_FAR_END_FILE loop, looped, its peak at the
 * generated far ends' peak.
 */
gboolean
blink_test_echo_load_far_end (BlinkTestEcho *self,
                              const char *path,
                              GError **error)
{
  g_autofree char *description = g_strdup_printf (
      "filesrc name=file ! decodebin ! audioconvert ! audioresample ! appsink name=sink sync=false "
      "caps=" MIC_CAPS);
  g_autoptr (GstElement) pipeline = gst_parse_launch (description, error);
  g_autoptr (GstElement) file = NULL;
  g_autoptr (GstElement) sink = NULL;
  g_autoptr (GByteArray) samples = g_byte_array_new ();
  GstSample *sample;
  gint16 peak = 1;

  if (pipeline == NULL)
    return FALSE;
  file = gst_bin_get_by_name (GST_BIN (pipeline), "file");
  sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  g_object_set (file, "location", path, NULL);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  while ((sample = gst_app_sink_pull_sample (GST_APP_SINK (sink))) != NULL)
    {
      GstMapInfo map;

      if (gst_buffer_map (gst_sample_get_buffer (sample), &map, GST_MAP_READ))
        {
          g_byte_array_append (samples, map.data, map.size);
          gst_buffer_unmap (gst_sample_get_buffer (sample), &map);
        }
      gst_sample_unref (sample);
    }
  gst_element_set_state (pipeline, GST_STATE_NULL);
  if (samples->len < CHUNK * sizeof (gint16))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%s: no sound in it", path);
      return FALSE;
    }
  g_free (self->file);
  self->file_length = samples->len / sizeof (gint16);
  self->file = (gint16 *) g_byte_array_free (g_steal_pointer (&samples), FALSE);
  for (gsize i = 0; i < self->file_length; i++)
    peak = MAX (peak, ABS (self->file[i]));
  for (gsize i = 0; i < self->file_length; i++)
    self->file[i] = (gint16) lround ((double) self->file[i] * FAR_END_PEAK / peak);
  return TRUE;
}

/**
 * blink_test_echo_set_latencies:
 * @far_end: the latency the far end reports, as a jitter buffer upstream
 *   of the mixer does (webrtcbin's is 200 ms)
 * @speaker: the speaker's own latency, as a sound card's sink reports its
 *   buffer: it takes each sample this long before it is heard
 *
 * Before blink_test_echo_run().
 */
void
blink_test_echo_set_latencies (BlinkTestEcho *self,
                               GstClockTime far_end,
                               GstClockTime speaker)
{
  g_autoptr (GstElement) sink = gst_bin_get_by_name (
      blink_audio_pipeline_get_bin (self->pipeline), "speaker");

  g_object_set (self->far_end_src, "min-latency", (gint64) far_end, NULL);
  g_object_set (sink, "render-delay", (guint64) speaker, NULL);
}

/**
 * blink_test_echo_get_latency:
 *
 * Returns: the pipeline's latency, as the loop found it once running
 */
GstClockTime
blink_test_echo_get_latency (BlinkTestEcho *self)
{
  return self->latency;
}

static gboolean
wait_for_clock (GstClock *clock,
                GstClockTime time)
{
  GstClockID id = gst_clock_new_single_shot_id (clock, time);
  GstClockReturn result = gst_clock_id_wait (id, NULL);

  gst_clock_id_unref (id);
  return result == GST_CLOCK_OK || result == GST_CLOCK_EARLY;
}

/**
 * blink_test_echo_run:
 * @skip_ms: how long the processing may take to converge, not measured
 * @measure_ms: how long is measured after that
 *
 * Plays the far end, feeds the microphone and measures, in this thread
 * (it waits on the pipeline's clock), then stops the pipeline.
 *
 * Returns: whether the pipeline ran without error
 */
gboolean
blink_test_echo_run (BlinkTestEcho *self,
                     guint skip_ms,
                     guint measure_ms)
{
  GstElement *pipeline = GST_ELEMENT (blink_audio_pipeline_get_bin (self->pipeline));
  g_autoptr (GError) error = NULL;
  g_autoptr (GstClock) clock = NULL;
  g_autoptr (GstBus) bus = NULL;
  g_autoptr (GstMessage) message = NULL;
  g_autoptr (GstQuery) query = gst_query_new_latency ();
  GstClockTime base, latency = 0;
  gboolean live = FALSE;
  guint64 chunks = (skip_ms + measure_ms) / 10, latency_samples;
  gint64 deadline;

  self->measure_start = skip_ms * GST_MSECOND;
  self->measure_end = (skip_ms + measure_ms) * GST_MSECOND;
  for (guint64 i = 0; i < FAR_END_LEAD_CHUNKS; i++)
    push_far_end (self, i);
  if (!blink_audio_pipeline_start (self->pipeline, &error))
    {
      g_printerr ("echo loop: %s\n", error->message);
      return FALSE;
    }
  /* A live pipeline: the first chunk starts it; its latency is known after. */
  push_microphone (self, 0, 0);
  gst_element_get_state (pipeline, NULL, NULL, 5 * GST_SECOND);
  clock = gst_element_get_clock (pipeline);
  base = gst_element_get_base_time (pipeline);
  /* The latency the speaker and the echo probe take: the query fails
   * until every sink, the sent audio's too, has its format, and the
   * pipeline may have gone to PLAYING with none (0) before; so asked
   * again, and given to the sinks and the probe, until it is known. A
   * sanitized build under load may take seconds. */
  for (guint tries = 0; tries < LATENCY_TRIES && clock != NULL && !live; tries++)
    {
      if (gst_bin_recalculate_latency (GST_BIN (pipeline)) && gst_element_query (pipeline, query))
        gst_query_parse_latency (query, &live, &latency, NULL);
      if (!live)
        wait_for_clock (clock, base + (tries + 1) * CHUNK_NS);
    }
  if (!live)
    {
      /* The echo would be placed where the speaker does not play it. */
      g_printerr ("echo loop: the pipeline's latency was not known after %u tries\n",
                  LATENCY_TRIES);
      gst_element_set_state (pipeline, GST_STATE_NULL);
      return FALSE;
    }
  self->latency = latency;
  latency_samples = gst_util_uint64_scale_round (latency, RATE, GST_SECOND);

  for (guint64 chunk = 1; chunk < chunks + 30 && clock != NULL; chunk++)
    {
      if (!wait_for_clock (clock, base + (chunk + 1) * CHUNK_NS))
        break;
      push_far_end (self, chunk + FAR_END_LEAD_CHUNKS);
      push_microphone (self, chunk, latency_samples);
    }

  deadline = g_get_monotonic_time () + SENT_WAIT_US;
  g_mutex_lock (&self->lock);
  while (!self->sent_done && g_cond_wait_until (&self->cond, &self->lock, deadline))
    ;
  g_mutex_unlock (&self->lock);

  bus = gst_element_get_bus (pipeline);
  message = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  if (message != NULL)
    {
      gst_message_parse_error (message, &error, NULL);
      g_printerr ("echo loop: %s\n", error->message);
    }
  gst_element_set_state (pipeline, GST_STATE_NULL);
  return message == NULL && self->sent_done;
}

/**
 * blink_test_echo_power_db:
 * @residual: what was sent (the echo left), or else the echo heard
 *
 * Returns: the mean power over the measured window, dB full scale
 */
double
blink_test_echo_power_db (BlinkTestEcho *self,
                          gboolean residual)
{
  double energy = residual ? self->sent_energy : self->echo_energy;
  guint64 samples = residual ? self->sent_samples : self->echo_samples;
  double full_scale = (double) G_MAXINT16 * G_MAXINT16;

  if (samples == 0)
    return -INFINITY;
  return 10 * log10 (MAX (energy / samples, 1e-3) / full_scale);
}

/**
 * blink_test_echo_erle:
 *
 * Returns: the echo return loss enhancement, dB: the echo's power in the
 *   microphone over the power of what was sent
 */
double
blink_test_echo_erle (BlinkTestEcho *self)
{
  return blink_test_echo_power_db (self, FALSE) - blink_test_echo_power_db (self, TRUE);
}

static double
erle_of (double echo,
         double sent)
{
  if (echo <= 0)
    return NAN;
  return 10 * log10 (echo / MAX (sent, 1e-3));
}

/**
 * blink_test_echo_erle_at:
 * @second: a second of running time since the start
 *
 * Returns: the ERLE over that second, dB, NAN if no echo was heard in it
 */
double
blink_test_echo_erle_at (BlinkTestEcho *self,
                         guint second)
{
  g_return_val_if_fail (second < BLINK_TEST_ECHO_SECONDS, NAN);
  return erle_of (self->echo_second[second], self->sent_second[second]);
}

/**
 * blink_test_echo_erle_in_chunk:
 * @ms: a millisecond of the microphone's 10 ms chunks, 0 to 9
 *
 * Returns: the ERLE over the measured window in that millisecond of every
 *   chunk, dB: whether what is left of the echo sits at the chunks' edges
 */
double
blink_test_echo_erle_in_chunk (BlinkTestEcho *self,
                               guint ms)
{
  g_return_val_if_fail (ms < 10, NAN);
  return erle_of (self->echo_in_chunk[ms], self->sent_in_chunk[ms]);
}

void
blink_test_echo_free (BlinkTestEcho *self)
{
  if (self->pipeline != NULL)
    gst_element_set_state (GST_ELEMENT (blink_audio_pipeline_get_bin (self->pipeline)),
                           GST_STATE_NULL);
  g_clear_object (&self->microphone);
  g_clear_object (&self->pipeline);
  g_rand_free (self->rand);
  g_free (self->file);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);
  g_free (self);
}
