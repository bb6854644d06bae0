/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The microphone's processing in the call pipeline: where webrtcdsp and
 * its echo probe are, what turns each part off, and that the echo of what
 * is played is taken out of what is sent. */

#include "config.h"

#include "blink-audio-pipeline.h"
#include "blink-test-echo.h"
#include "blink-test-media.h"

#include <gst/gst.h>
#include <gst/base/gstaggregator.h>
#include <gst/base/gstbasesink.h>

#define TONE "audiotestsrc is-live=true freq=440"

static BlinkAudioPipeline *
pipeline_new (const char *source,
              BlinkAudioProcessingMode mode,
              BlinkAudioProcessing processing)
{
  BlinkAudioFormat format = BLINK_AUDIO_FORMAT_DEFAULT;
  g_autoptr (GError) error = NULL;
  BlinkAudioPipeline *pipeline = blink_audio_pipeline_new_full (source, NULL, "fakesink sync=true",
                                                                NULL, &format, mode, processing,
                                                                &error);

  g_assert_no_error (error);
  g_assert_nonnull (pipeline);
  return pipeline;
}

static guint
count (BlinkAudioPipeline *pipeline,
       const char *factory)
{
  return blink_test_count_elements (blink_audio_pipeline_get_bin (pipeline), factory);
}

static GstElement *
dsp_of (BlinkAudioPipeline *pipeline)
{
  return gst_bin_get_by_name (blink_audio_pipeline_get_bin (pipeline), "processing");
}

static void
assert_dsp (GstElement *dsp,
            gboolean echo,
            gboolean noise,
            gboolean gain)
{
  gboolean echo_cancel, noise_suppression, gain_control, delay_agnostic;

  g_object_get (dsp, "echo-cancel", &echo_cancel, "noise-suppression", &noise_suppression,
                "gain-control", &gain_control, "delay-agnostic", &delay_agnostic, NULL);
  g_assert_cmpint (echo_cancel, ==, echo);
  g_assert_cmpint (noise_suppression, ==, noise);
  g_assert_cmpint (gain_control, ==, gain);
  g_assert_false (delay_agnostic);
}

/* A microphone (autoaudiosrc, never started here) is processed by default. */
static void
test_device_processed (void)
{
  BlinkAudioFormat format = BLINK_AUDIO_FORMAT_DEFAULT;
  g_autoptr (GError) error = NULL;
  g_autoptr (BlinkAudioPipeline) pipeline =
      blink_audio_pipeline_new ("autoaudiosrc", "fakesink", &format, &error);
  g_autoptr (GstElement) dsp = NULL;

  g_assert_no_error (error);
  g_assert_cmpuint (blink_audio_pipeline_get_processing (pipeline), ==, BLINK_AUDIO_PROCESSING_ALL);
  g_assert_cmpuint (count (pipeline, "webrtcdsp"), ==, 1);
  g_assert_cmpuint (count (pipeline, "webrtcechoprobe"), ==, 1);
  dsp = dsp_of (pipeline);
  assert_dsp (dsp, TRUE, TRUE, TRUE);
}

/* Test tones, silence, files and appsrcs are not processed unless forced. */
static void
test_synthetic_not_processed (void)
{
  const char *sources[] = {
    TONE,
    "audiotestsrc is-live=true wave=silence",
    "appsrc is-live=true caps=audio/x-raw,format=S16LE,rate=48000,channels=1,layout=interleaved",
    "filesrc location=/nonexistent ! decodebin ! audioconvert",
  };

  for (guint i = 0; i < G_N_ELEMENTS (sources); i++)
    {
      g_autoptr (BlinkAudioPipeline) pipeline =
          pipeline_new (sources[i], BLINK_AUDIO_PROCESSING_MODE_AUTO, BLINK_AUDIO_PROCESSING_ALL);

      g_assert_cmpuint (blink_audio_pipeline_get_processing (pipeline), ==,
                        BLINK_AUDIO_PROCESSING_NONE);
      g_assert_cmpuint (count (pipeline, "webrtcdsp"), ==, 0);
      g_assert_cmpuint (count (pipeline, "webrtcechoprobe"), ==, 0);
    }
}

static void
test_forced_on_and_off (void)
{
  g_autoptr (BlinkAudioPipeline) tone =
      pipeline_new (TONE, BLINK_AUDIO_PROCESSING_MODE_ON, BLINK_AUDIO_PROCESSING_ALL);
  g_autoptr (BlinkAudioPipeline) device =
      pipeline_new ("autoaudiosrc", BLINK_AUDIO_PROCESSING_MODE_OFF, BLINK_AUDIO_PROCESSING_ALL);

  g_assert_cmpuint (blink_audio_pipeline_get_processing (tone), ==, BLINK_AUDIO_PROCESSING_ALL);
  g_assert_cmpuint (count (tone, "webrtcdsp"), ==, 1);
  g_assert_cmpuint (count (tone, "webrtcechoprobe"), ==, 1);
  g_assert_cmpuint (blink_audio_pipeline_get_processing (device), ==, BLINK_AUDIO_PROCESSING_NONE);
  g_assert_cmpuint (count (device, "webrtcdsp"), ==, 0);
  g_assert_cmpuint (count (device, "webrtcechoprobe"), ==, 0);
}

/* Each part off on its own; without echo cancellation, no probe. */
static void
test_each_part_off (void)
{
  const BlinkAudioProcessing parts[] = {
    BLINK_AUDIO_PROCESSING_ECHO_CANCELLATION,
    BLINK_AUDIO_PROCESSING_NOISE_SUPPRESSION,
    BLINK_AUDIO_PROCESSING_GAIN_CONTROL,
  };

  for (guint i = 0; i < G_N_ELEMENTS (parts); i++)
    {
      BlinkAudioProcessing wanted = BLINK_AUDIO_PROCESSING_ALL & ~parts[i];
      g_autoptr (BlinkAudioPipeline) pipeline =
          pipeline_new ("autoaudiosrc", BLINK_AUDIO_PROCESSING_MODE_AUTO, wanted);
      g_autoptr (GstElement) dsp = dsp_of (pipeline);

      g_assert_cmpuint (blink_audio_pipeline_get_processing (pipeline), ==, wanted);
      g_assert_nonnull (dsp);
      assert_dsp (dsp, (wanted & BLINK_AUDIO_PROCESSING_ECHO_CANCELLATION) != 0,
                  (wanted & BLINK_AUDIO_PROCESSING_NOISE_SUPPRESSION) != 0,
                  (wanted & BLINK_AUDIO_PROCESSING_GAIN_CONTROL) != 0);
      g_assert_cmpuint (count (pipeline, "webrtcechoprobe"), ==,
                        parts[i] == BLINK_AUDIO_PROCESSING_ECHO_CANCELLATION ? 0 : 1);
    }
}

/* webrtcdsp finds its probe by name in the whole process, and a probe
 * serves one DSP: two pipelines at once must each find their own. */
static void
test_two_pipelines (void)
{
  g_autoptr (BlinkAudioPipeline) a =
      pipeline_new (TONE, BLINK_AUDIO_PROCESSING_MODE_ON, BLINK_AUDIO_PROCESSING_ALL);
  g_autoptr (BlinkAudioPipeline) b =
      pipeline_new (TONE, BLINK_AUDIO_PROCESSING_MODE_ON, BLINK_AUDIO_PROCESSING_ALL);
  g_autoptr (GError) error = NULL;

  g_assert_true (blink_audio_pipeline_start (a, &error));
  g_assert_no_error (error);
  g_assert_true (blink_audio_pipeline_start (b, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < 2; i++)
    {
      GstElement *pipeline = GST_ELEMENT (blink_audio_pipeline_get_bin (i == 0 ? a : b));
      g_autoptr (GstBus) bus = gst_element_get_bus (pipeline);
      g_autoptr (GstMessage) message = NULL;
      GstState state;

      g_assert_cmpint (gst_element_get_state (pipeline, &state, NULL, 5 * GST_SECOND), !=,
                       GST_STATE_CHANGE_FAILURE);
      g_assert_cmpint (state, ==, GST_STATE_PLAYING);
      message = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
      g_assert_null (message);
    }
  blink_test_stop_pipeline (a);
  blink_test_stop_pipeline (b);
}

/* What the encoder puts out, written on its streaming thread. */
typedef struct
{
  GMutex lock;
  GstClockTime duration; /* of the last packet */
  GstClockTime next;     /* where the next one should start */
  guint packets;
  guint gaps; /* packets that did not start where the one before ended */
} Encoded;

static GstPadProbeReturn
note_packet (GstPad *pad,
             GstPadProbeInfo *info,
             gpointer user_data)
{
  Encoded *encoded = user_data;
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);

  g_mutex_lock (&encoded->lock);
  /* Within a sample's rounding. */
  if (encoded->packets > 0 &&
      ABS (GST_CLOCK_DIFF (encoded->next, GST_BUFFER_PTS (buffer))) > 100 * GST_USECOND)
    encoded->gaps++;
  encoded->packets++;
  encoded->duration = GST_BUFFER_DURATION (buffer);
  encoded->next = GST_BUFFER_PTS (buffer) + GST_BUFFER_DURATION (buffer);
  g_mutex_unlock (&encoded->lock);
  return GST_PAD_PROBE_OK;
}

/* Waits for a few packets, then says how long the last one was, in ms. */
static guint
packet_ms_after_a_while (Encoded *encoded)
{
  GstClockTime duration;

  g_usleep (300 * G_TIME_SPAN_MILLISECOND);
  g_mutex_lock (&encoded->lock);
  duration = encoded->duration;
  g_mutex_unlock (&encoded->lock);
  return (guint) (duration / GST_MSECOND);
}

/* Shared by the test and its probe, which may outlive the wait. */
typedef struct
{
  GstElement *tee;
  GstPad *sink_pad;
  GstPad *pad; /* the tee's new pad, once made */
  GMutex lock;
  GCond made;
} SendPadRequest;

static void
send_pad_request_clear (gpointer data)
{
  SendPadRequest *request = data;

  gst_object_unref (request->sink_pad);
  g_mutex_clear (&request->lock);
  g_cond_clear (&request->made);
}

static void
send_pad_request_unref (gpointer data)
{
  g_atomic_rc_box_release_full (data, send_pad_request_clear);
}

static GstPadProbeReturn
request_send_pad_when_idle (GstPad *feed,
                            GstPadProbeInfo *info,
                            gpointer user_data)
{
  SendPadRequest *request = user_data;

  g_mutex_lock (&request->lock);
  if (request->pad == NULL)
    {
      request->pad = gst_element_request_pad_simple (request->tee, "src_%u");
      g_assert_cmpint (gst_pad_link (request->pad, request->sink_pad), ==, GST_PAD_LINK_OK);
      g_cond_signal (&request->made);
    }
  g_mutex_unlock (&request->lock);
  return GST_PAD_PROBE_REMOVE;
}

/* A peer, as far as the send side knows: a pad of the tee, to a sink. The
 * pad is made while nothing flows into the tee, as BlinkPeer makes its
 * own: one made as the stream's first events pass the tee gets none of
 * them, and its first buffer fails (GStreamer 1.22). */
static GstPad *
add_send_pad (BlinkAudioPipeline *pipeline)
{
  GstElement *sink = gst_element_factory_make ("fakesink", NULL);
  SendPadRequest *request = g_atomic_rc_box_new0 (SendPadRequest);
  g_autoptr (GstPad) tee_sink = NULL;
  g_autoptr (GstPad) feed = NULL;
  GstPad *pad;

  request->tee = blink_audio_pipeline_get_tee (pipeline);
  request->sink_pad = gst_element_get_static_pad (sink, "sink");
  g_mutex_init (&request->lock);
  g_cond_init (&request->made);
  g_object_set (sink, "sync", FALSE, "async", FALSE, NULL);
  gst_bin_add (blink_audio_pipeline_get_bin (pipeline), sink);
  gst_element_sync_state_with_parent (sink);
  tee_sink = gst_element_get_static_pad (request->tee, "sink");
  feed = gst_pad_get_peer (tee_sink);
  gst_pad_add_probe (feed, GST_PAD_PROBE_TYPE_IDLE, request_send_pad_when_idle,
                     g_atomic_rc_box_acquire (request), send_pad_request_unref);
  g_mutex_lock (&request->lock);
  while (request->pad == NULL)
    g_cond_wait (&request->made, &request->lock);
  pad = request->pad;
  g_mutex_unlock (&request->lock);
  send_pad_request_unref (request);
  return pad;
}

static void
remove_send_pad (BlinkAudioPipeline *pipeline,
                 GstPad *pad)
{
  g_autoptr (GstPad) sink_pad = gst_pad_get_peer (pad);
  g_autoptr (GstElement) sink = gst_pad_get_parent_element (sink_pad);

  gst_pad_unlink (pad, sink_pad);
  gst_element_release_request_pad (blink_audio_pipeline_get_tee (pipeline), pad);
  gst_object_unref (pad);
  gst_element_set_state (sink, GST_STATE_NULL);
  gst_bin_remove (blink_audio_pipeline_get_bin (pipeline), sink);
}

#define SWITCHES 6
typedef struct
{
  GMutex lock;
  guint seen;
  guint packets;       /* after the stream's first */
  guint short_packets; /* of those: less than a frame of audio */
  GstClockTime switched[SWITCHES]; /* running times, as each switch began */
  GstClockTime first_after[SWITCHES]; /* the first packet's start after each switch */
  guint switches;
} Sent;

static GstPadProbeReturn
note_sent (GstPad *pad,
           GstPadProbeInfo *info,
           gpointer user_data)
{
  Sent *sent = user_data;
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);

  g_mutex_lock (&sent->lock);
  /* The stream's first packet is short by the encoder's lookahead. */
  if (sent->seen++ > 0)
    {
      sent->packets++;
      sent->short_packets += GST_BUFFER_DURATION (buffer) < 20 * GST_MSECOND;
    }
  if (sent->switches > 0 && sent->first_after[sent->switches - 1] == GST_CLOCK_TIME_NONE)
    sent->first_after[sent->switches - 1] = GST_BUFFER_PTS (buffer);
  g_mutex_unlock (&sent->lock);
  return GST_PAD_PROBE_OK;
}

/* @bin's running time now; it must be playing. */
static GstClockTime
running_time (GstBin *bin)
{
  g_autoptr (GstClock) clock = gst_element_get_clock (GST_ELEMENT (bin));

  g_assert_nonnull (clock);
  return gst_clock_get_time (clock) - gst_element_get_base_time (GST_ELEMENT (bin));
}

static gboolean
sent_a_packet (Sent *sent)
{
  gboolean seen;

  g_mutex_lock (&sent->lock);
  seen = sent->seen > 0;
  g_mutex_unlock (&sent->lock);
  return seen;
}

/* A new source (the microphone, as a call is answered) made the encoder
 * send what it still held of the old one, padded: a packet of silence
 * before the first one with the new source's audio. None is sent. */
static void
test_new_source_starts_clean (void)
{
  g_autoptr (BlinkAudioPipeline) pipeline =
      pipeline_new (TONE, BLINK_AUDIO_PROCESSING_MODE_OFF, BLINK_AUDIO_PROCESSING_ALL);
  GstBin *bin = blink_audio_pipeline_get_bin (pipeline);
  g_autoptr (GError) error = NULL;
  Sent sent = { 0 };
  GstPad *pad;

  g_mutex_init (&sent.lock);
  for (guint i = 0; i < SWITCHES; i++)
    sent.first_after[i] = GST_CLOCK_TIME_NONE;
  g_assert_true (blink_audio_pipeline_start (pipeline, &error));
  g_assert_no_error (error);
  pad = add_send_pad (pipeline);
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, note_sent, &sent, NULL);
  for (guint waited = 0; !sent_a_packet (&sent) && waited < 10000; waited += 10)
    g_usleep (10 * G_TIME_SPAN_MILLISECOND);
  g_assert_true (sent_a_packet (&sent));

  /* 1024-sample buffers (audiotestsrc's) end mid-frame at almost every
   * switch. */
  for (guint i = 0; i < SWITCHES; i++)
    {
      g_autofree char *source = g_strdup_printf ("audiotestsrc is-live=true freq=%u", 500 + 100 * i);

      g_usleep (g_random_int_range (90, 150) * G_TIME_SPAN_MILLISECOND);
      sent.switched[i] = running_time (bin);
      g_assert_true (blink_audio_pipeline_set_source (pipeline, NULL, source, &error));
      g_assert_no_error (error);
      /* The old source's thread has left: what comes now is the new one's. */
      g_mutex_lock (&sent.lock);
      sent.switches = i + 1;
      g_mutex_unlock (&sent.lock);
    }
  g_usleep (150 * G_TIME_SPAN_MILLISECOND);

  g_mutex_lock (&sent.lock);
  g_test_message ("%u packets sent after the first, %u short", sent.packets, sent.short_packets);
  g_assert_cmpuint (sent.short_packets, ==, 0);
  /* After each switch, what is sent is the new source's: nothing stamped
   * before the switch. (None of the new source's audio is dropped by construction:
   * the encoder's output is let through again as the new source's first
   * buffer leaves it, before it reaches the encoder on the same thread. How
   * soon a new source stamps its first buffer is up to the machine: 2 ms
   * here, 19 ms under load, 100 ms sanitized.) */
  for (guint i = 0; i < SWITCHES; i++)
    {
      g_test_message ("switch %u: the first packet after it starts %.1f ms in", i,
                      (double) GST_CLOCK_DIFF (sent.switched[i], sent.first_after[i]) / GST_MSECOND);
      g_assert_cmpuint (sent.first_after[i], !=, GST_CLOCK_TIME_NONE);
      g_assert_cmpint (GST_CLOCK_DIFF (sent.switched[i], sent.first_after[i]), >=, 0);
    }
  g_mutex_unlock (&sent.lock);
  remove_send_pad (pipeline, pad);
  g_mutex_clear (&sent.lock);
}

/* Our voice goes out in 20 ms packets to up to 3 peers, 40 ms ones to 4
 * or 5, 60 ms ones to 6 or more, and back as peers leave; the stream
 * goes on without a gap or an overlap through every change. */
static void
test_longer_frames_in_bigger_mesh (void)
{
  g_autoptr (BlinkAudioPipeline) pipeline =
      pipeline_new (TONE, BLINK_AUDIO_PROCESSING_MODE_OFF, BLINK_AUDIO_PROCESSING_ALL);
  g_autoptr (GstPad) encoded_pad = blink_audio_pipeline_get_encoded_pad (pipeline);
  g_autoptr (GError) error = NULL;
  GstPad *pads[7];
  Encoded encoded = { 0 };
  const BlinkAudioFormat format = BLINK_AUDIO_FORMAT_DEFAULT;
  const BlinkAudioFormat long_frames = { 48000, 1, 60, 32000 };

  g_assert_cmpuint (blink_audio_pipeline_frame_ms_for (&format, 1), ==, 20);
  g_assert_cmpuint (blink_audio_pipeline_frame_ms_for (&format, 3), ==, 20);
  g_assert_cmpuint (blink_audio_pipeline_frame_ms_for (&format, 4), ==, 40);
  g_assert_cmpuint (blink_audio_pipeline_frame_ms_for (&format, 6), ==, 60);
  g_assert_cmpuint (blink_audio_pipeline_frame_ms_for (&format, 15), ==, 60);
  /* Never shorter than the call's own. */
  g_assert_cmpuint (blink_audio_pipeline_frame_ms_for (&long_frames, 1), ==, 60);
  g_assert_cmpuint (blink_audio_pipeline_frame_ms_for (&long_frames, 4), ==, 60);

  g_mutex_init (&encoded.lock);
  gst_pad_add_probe (encoded_pad, GST_PAD_PROBE_TYPE_BUFFER, note_packet, &encoded, NULL);
  g_assert_true (blink_audio_pipeline_start (pipeline, &error));
  g_assert_no_error (error);

  for (guint i = 0; i < 3; i++)
    pads[i] = add_send_pad (pipeline);
  g_assert_cmpuint (packet_ms_after_a_while (&encoded), ==, 20);
  pads[3] = add_send_pad (pipeline);
  g_assert_cmpuint (packet_ms_after_a_while (&encoded), ==, 40);
  for (guint i = 4; i < 7; i++)
    pads[i] = add_send_pad (pipeline);
  g_assert_cmpuint (packet_ms_after_a_while (&encoded), ==, 60);
  for (guint i = 7; i > 3; i--)
    remove_send_pad (pipeline, pads[i - 1]);
  g_assert_cmpuint (packet_ms_after_a_while (&encoded), ==, 20);
  /* A fourth peer that comes and goes, 6,000 times, faster than frames are
   * made: the length changed under a frame being encoded failed opusenc's
   * assertion (a mesh of 8 did, as one left; here 3 runs of 4 did). */
  for (guint i = 0; i < 6000; i++)
    {
      pads[3] = add_send_pad (pipeline);
      g_usleep (g_random_int_range (0, 500));
      remove_send_pad (pipeline, pads[3]);
    }
  g_assert_cmpuint (packet_ms_after_a_while (&encoded), ==, 20);

  g_mutex_lock (&encoded.lock);
  g_assert_cmpuint (encoded.packets, >, 20);
  g_assert_cmpuint (encoded.gaps, ==, 0);
  g_mutex_unlock (&encoded.lock);
  for (guint i = 0; i < 3; i++)
    remove_send_pad (pipeline, pads[i]);
  blink_test_stop_pipeline (pipeline);
  g_mutex_clear (&encoded.lock);
}

static void
test_for_description (void)
{
  g_assert_cmpuint (blink_audio_processing_for_description (BLINK_AUDIO_PROCESSING_MODE_AUTO,
                                                            BLINK_AUDIO_PROCESSING_ALL, TONE),
                    ==, BLINK_AUDIO_PROCESSING_NONE);
  g_assert_cmpuint (blink_audio_processing_for_description (BLINK_AUDIO_PROCESSING_MODE_AUTO,
                                                            BLINK_AUDIO_PROCESSING_GAIN_CONTROL,
                                                            "autoaudiosrc"),
                    ==, BLINK_AUDIO_PROCESSING_GAIN_CONTROL);
  g_assert_cmpuint (blink_audio_processing_for_description (BLINK_AUDIO_PROCESSING_MODE_ON,
                                                            BLINK_AUDIO_PROCESSING_ALL, TONE),
                    ==, BLINK_AUDIO_PROCESSING_ALL);
}

static void
test_mode_names (void)
{
  BlinkAudioProcessingMode mode = BLINK_AUDIO_PROCESSING_MODE_OFF;
  g_auto (GStrv) names = blink_audio_processing_to_strv (BLINK_AUDIO_PROCESSING_ALL);
  g_auto (GStrv) none = blink_audio_processing_to_strv (BLINK_AUDIO_PROCESSING_NONE);
  const char *const expected[] = { "echo-cancellation", "noise-suppression", "gain-control", NULL };

  g_assert_true (blink_audio_processing_mode_from_string ("auto", &mode));
  g_assert_cmpint (mode, ==, BLINK_AUDIO_PROCESSING_MODE_AUTO);
  g_assert_false (blink_audio_processing_mode_from_string ("sometimes", &mode));
  g_assert_false (blink_audio_processing_mode_from_string (NULL, &mode));
  g_assert_cmpint (mode, ==, BLINK_AUDIO_PROCESSING_MODE_AUTO);
  g_assert_cmpstrv (names, expected);
  g_assert_cmpuint (g_strv_length (none), ==, 0);
}

/* A far end's tone played with its echo coming back 20 ms later, 10 dB
 * down, through a jitter buffer and a speaker that report their latency
 * as in a call (tests/blink-test-echo.c): echo cancellation takes it out
 * of what is sent, and without it the echo goes out whole. Noise
 * suppression and gain control are off: a steady tone is what noise
 * suppression takes out by itself. */
static double
echo_left_db (BlinkAudioProcessing processing,
              GstClockTime jitter_buffer)
{
  g_autoptr (BlinkTestEcho) echo =
      blink_test_echo_new (processing, BLINK_TEST_FAR_END_TONE, 20, -10);

  if (GST_CLOCK_TIME_IS_VALID (jitter_buffer))
    blink_test_echo_set_latencies (echo, jitter_buffer, 110 * GST_MSECOND);

  g_assert_true (blink_test_echo_run (echo, 2000, 1500));
  g_test_message ("echo heard %.1f dBFS, sent %.1f dBFS: %.1f dB less; latency %.1f ms; "
                  "by second %.1f %.1f %.1f %.1f dB",
                  blink_test_echo_power_db (echo, FALSE), blink_test_echo_power_db (echo, TRUE),
                  blink_test_echo_erle (echo),
                  (double) blink_test_echo_get_latency (echo) / GST_MSECOND,
                  blink_test_echo_erle_at (echo, 0), blink_test_echo_erle_at (echo, 1),
                  blink_test_echo_erle_at (echo, 2), blink_test_echo_erle_at (echo, 3));
  return blink_test_echo_erle (echo);
}

/* The echo cancelled, in dB: about 50 on a quiet machine. When other tests
 * load the machine the canceller has stayed out of step for a whole run
 * now and then (16.7 dB in CI on 2026-11-28, 14.8 dB the day before: the
 * 13–16 dB of an echo 50 ms outside its window); measured a second time
 * then. Failing twice is no longer the machine. */
#define ECHO_CANCELLED_DB 20

static double
echo_cancelled_db (GstClockTime jitter_buffer)
{
  double db = echo_left_db (BLINK_AUDIO_PROCESSING_ECHO_CANCELLATION, jitter_buffer);

  if (db > ECHO_CANCELLED_DB)
    return db;
  g_test_message ("%.1f dB: again", db);
  return echo_left_db (BLINK_AUDIO_PROCESSING_ECHO_CANCELLATION, jitter_buffer);
}

static void
test_echo_cancelled (void)
{
  g_assert_cmpfloat (echo_cancelled_db (GST_CLOCK_TIME_NONE), >, ECHO_CANCELLED_DB);
  g_assert_cmpfloat (echo_left_db (BLINK_AUDIO_PROCESSING_NONE, GST_CLOCK_TIME_NONE), <, 3);
}

/* A jitter buffer longer than the speaker's own latency, upstream of the
 * echo probe: the probe is still told a delay the speaker covers, and the
 * echo is cancelled (it was not at all, 0.3 dB, while the probe took the
 * latency upstream of it for that delay). */
static void
test_echo_cancelled_long_jitter_buffer (void)
{
  g_assert_cmpfloat (echo_cancelled_db (200 * GST_MSECOND), >, ECHO_CANCELLED_DB);
}

/* At the start of PLAYING, the pipeline hands its clock to every element,
 * works out its latency again (a query that wakes the mixer), then sets
 * their base times one by one, sinks first. A live audiomixer that knew
 * its latency already (its silence's format had come) waited for its
 * clock against a base time of 0: every wait was over at once, and once
 * the sink after it played, it made its output (gaps) as fast as the sink
 * took it until its own base time came. A peer's audio then came "late"
 * for it until the clock caught up, and the first seconds of the call were
 * not heard (up to 17 s in benchmarks, whose ear does not sync). A busy
 * machine is made here by holding the state change once the sink plays. */
static void
hold_once_sink_plays (GstBus *bus,
                      GstMessage *message,
                      gpointer user_data)
{
  gboolean *held = user_data;
  GstState old, new;

  gst_message_parse_state_changed (message, &old, &new, NULL);
  if (!*held && GST_IS_BASE_SINK (GST_MESSAGE_SRC (message)) && new == GST_STATE_PLAYING)
    {
      *held = TRUE;
      g_usleep (200 * G_TIME_SPAN_MILLISECOND);
    }
}

static void
test_mixer_keeps_to_the_clock (void)
{
  BlinkAudioFormat format = BLINK_AUDIO_FORMAT_DEFAULT;
  g_autoptr (GError) error = NULL;
  g_autoptr (BlinkAudioPipeline) pipeline =
      blink_audio_pipeline_new_full (TONE, NULL, "fakesink sync=false", NULL, &format,
                                     BLINK_AUDIO_PROCESSING_MODE_OFF, BLINK_AUDIO_PROCESSING_NONE,
                                     &error);
  GstElement *bin;
  GstAggregator *mixer;
  g_autoptr (GstBus) bus = NULL;
  GstSegment segment;
  GstClockTime position, now;
  gboolean held = FALSE;

  g_assert_no_error (error);
  bin = GST_ELEMENT (blink_audio_pipeline_get_bin (pipeline));
  mixer = GST_AGGREGATOR (blink_audio_pipeline_get_mixer (pipeline));
  bus = gst_element_get_bus (bin);
  gst_bus_enable_sync_message_emission (bus);
  g_signal_connect (bus, "sync-message::state-changed", G_CALLBACK (hold_once_sink_plays), &held);

  /* The silence's format reaches the mixer before the clock does, as when
   * the thread that starts the pipeline is the slower. */
  gst_element_set_state (bin, GST_STATE_PAUSED);
  {
    g_autoptr (GstPad) silence = gst_element_get_static_pad (GST_ELEMENT (mixer), "sink_0");
    gint64 deadline = g_get_monotonic_time () + 5 * G_TIME_SPAN_SECOND;

    while (!gst_pad_has_current_caps (silence) && g_get_monotonic_time () < deadline)
      g_usleep (G_TIME_SPAN_MILLISECOND);
    g_assert_true (gst_pad_has_current_caps (silence));
  }
  g_assert_true (blink_audio_pipeline_start (pipeline, &error));
  g_assert_no_error (error);
  g_usleep (300 * G_TIME_SPAN_MILLISECOND);

  now = running_time (GST_BIN (bin));
  GST_OBJECT_LOCK (mixer);
  gst_segment_copy_into (&GST_AGGREGATOR_PAD (mixer->srcpad)->segment, &segment);
  GST_OBJECT_UNLOCK (mixer);
  position = gst_segment_to_running_time (&segment, GST_FORMAT_TIME, segment.position);
  g_test_message ("mixer at %" GST_TIME_FORMAT ", clock at %" GST_TIME_FORMAT,
                  GST_TIME_ARGS (position), GST_TIME_ARGS (now));
  g_assert_true (GST_CLOCK_TIME_IS_VALID (position));
  /* Its latency ahead at most, and a block; and running, not held back. */
  g_assert_cmpuint (position, <=, now + 50 * GST_MSECOND);
  g_assert_cmpuint (position + 200 * GST_MSECOND, >=, now);
  g_assert_true (held);
  g_signal_handlers_disconnect_by_func (bus, hold_once_sink_plays, &held);
  gst_bus_disable_sync_message_emission (bus);
  blink_test_stop_pipeline (pipeline);
}

int
main (int argc,
      char **argv)
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/blink/audio-pipeline/device-processed", test_device_processed);
  g_test_add_func ("/blink/audio-pipeline/synthetic-not-processed", test_synthetic_not_processed);
  g_test_add_func ("/blink/audio-pipeline/forced-on-and-off", test_forced_on_and_off);
  g_test_add_func ("/blink/audio-pipeline/each-part-off", test_each_part_off);
  g_test_add_func ("/blink/audio-pipeline/two-pipelines", test_two_pipelines);
  g_test_add_func ("/blink/audio-pipeline/mixer-keeps-to-the-clock", test_mixer_keeps_to_the_clock);
  g_test_add_func ("/blink/audio-pipeline/longer-frames-in-bigger-mesh",
                   test_longer_frames_in_bigger_mesh);
  g_test_add_func ("/blink/audio-pipeline/new-source-starts-clean",
                   test_new_source_starts_clean);
  g_test_add_func ("/blink/audio-pipeline/for-description", test_for_description);
  g_test_add_func ("/blink/audio-pipeline/mode-names", test_mode_names);
  g_test_add_func ("/blink/audio-pipeline/echo-cancelled", test_echo_cancelled);
  g_test_add_func ("/blink/audio-pipeline/echo-cancelled-long-jitter-buffer",
                   test_echo_cancelled_long_jitter_buffer);
  return g_test_run ();
}
