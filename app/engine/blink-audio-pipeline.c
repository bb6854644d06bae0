/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "blink-audio-pipeline"

#include "config.h"

#include "blink-audio-pipeline.h"
#include "blink-engine-errors.h"
#include "blink-voice-activity.h"

#include <glib/gi18n-lib.h>
#include <gst/base/gstaggregator.h>
#include <gst/base/gstbasesink.h>

/* The call's pipeline, minus the peers:
 *
 *   source ! audioconvert ! audioresample ! volume(mute) ! level ! capsfilter(call format)
 *     ! opusenc(in-band FEC) ! rtpopuspay ! tee          ← each peer's queue ! webrtcbin
 *
 *   audiotestsrc(silence) ─┐
 *   each peer's volume ────┴ audiomixer ! volume(deafen) ! audioconvert ! audioresample ! sink
 *
 * Encoding happens once whatever the number of peers. The silent source
 * keeps the mixer running, and the sink playing, while nobody talks. The
 * devices keep their own formats: convert and resample on both sides.
 *
 * With audio processing (docs/engine.md, "Audio processing"), the capture
 * goes through webrtcdsp at 48 kHz before the mute, and the mixer's output
 * goes to its webrtcechoprobe, on a branch of its own, as well as to the
 * sink:
 *
 *   source ! audioconvert ! audioresample ! capsfilter(48 kHz) ! webrtcdsp
 *     ! audioconvert ! audioresample ! volume(mute) ! …
 *   … audiomixer ! volume(deafen) ! tee(played) ! audioconvert ! … ! sink
 *                                   tee(played) ! webrtcechoprobe ! fakesink */

typedef struct _SourceSwitch SourceSwitch;

struct _BlinkAudioPipeline
{
  GObject parent_instance;

  GstPipeline *pipeline;
  GstElement *encoder;
  GstElement *tee;
  GstElement *mixer;
  GstElement *mute;
  GstElement *level; /* after the mute: a muted user does not speak */
  GstElement *deafen;
  GstElement *source;
  SourceSwitch *source_switch; /* what the encoder sends while a new source starts */
  GstElement *playback;
  GstCaps *mix_caps;
  BlinkAudioFormat format;
  BlinkAudioProcessing processing;
};

G_DEFINE_FINAL_TYPE (BlinkAudioPipeline, blink_audio_pipeline, G_TYPE_OBJECT)

static void watch_encoder_for_source_switches (BlinkAudioPipeline *self);

/* ---- longer packets in a bigger mesh ----
 *
 * Every connection costs its packets, whatever they carry: sending,
 * encrypting, receiving and decoding each, and waking the threads on the
 * way, 50 times a second each way with 20 ms frames. In a full mesh that
 * grows with the number of peers, so from FRAMES_40_FROM_PEERS peers on
 * our voice goes out in 40 ms packets, from FRAMES_60_FROM_PEERS in 60 ms
 * ones: about a third less CPU at 6 parties, for 18 or 39 ms more delay
 * (docs/benchmarks.md, "Group calls up to 8", "The delay of longer
 * packets"). Opus packets say how long
 * they are, so the receivers need not know; the tee has a pad per peer. */
#define FRAMES_40_FROM_PEERS 4
#define FRAMES_60_FROM_PEERS 6

typedef struct
{
  guint call_frame_ms; /* the call's format's, the shortest used */
  int wanted_ms;       /* atomic: for the number of peers now */
  int used_ms;         /* the encoder's streaming thread only */
} FrameChooser;

/**
 * blink_audio_pipeline_frame_ms_for:
 * @format: the call's audio format
 * @peers: how many connections our voice goes to
 *
 * Returns: the length of the frames our voice is sent in, ms
 */
guint
blink_audio_pipeline_frame_ms_for (const BlinkAudioFormat *format,
                                   guint peers)
{
  if (peers >= FRAMES_60_FROM_PEERS)
    return MAX (format->frame_ms, 60);
  if (peers >= FRAMES_40_FROM_PEERS)
    return MAX (format->frame_ms, 40);
  return format->frame_ms;
}

/* On the thread that adds or removes a peer's pad. */
static void
on_send_pads_changed (GstElement *tee,
                      GstPad *pad,
                      FrameChooser *chooser)
{
  BlinkAudioFormat format = { .frame_ms = chooser->call_frame_ms };
  guint peers;

  GST_OBJECT_LOCK (tee);
  peers = tee->numsrcpads;
  GST_OBJECT_UNLOCK (tee);
  g_atomic_int_set (&chooser->wanted_ms, (int) blink_audio_pipeline_frame_ms_for (&format, peers));
}

/* On the encoder's streaming thread, before it takes what comes: opusenc
 * (1.22) must not change its frame length while it encodes a frame (one
 * collected at the old length fails its assertion), so it is changed here,
 * between two. */
static GstPadProbeReturn
apply_frame_length (GstPad *pad,
                    GstPadProbeInfo *info,
                    gpointer user_data)
{
  FrameChooser *chooser = user_data;
  int wanted = g_atomic_int_get (&chooser->wanted_ms);
  g_autoptr (GstElement) encoder = NULL;

  if (wanted == chooser->used_ms)
    return GST_PAD_PROBE_OK;
  encoder = gst_pad_get_parent_element (pad);
  g_debug ("Our voice now in %d ms packets", wanted);
  g_object_set (encoder, "frame-size", wanted, NULL);
  chooser->used_ms = wanted;
  return GST_PAD_PROBE_OK;
}

static GstElement *
make (const char *factory,
      const char *name)
{
  GstElement *element = gst_element_factory_make (factory, name);

  if (element == NULL)
    g_error ("GStreamer element %s is missing: install gstreamer1.0-plugins-base, -good and -bad",
             factory);
  return element;
}

/* A device as a bin with one pad: @direction, the pad the call's pipeline
 * links to. Only that pad is ghosted, never one that the description links
 * later: "filesrc ! decodebin ! audioconvert" links audioconvert once
 * decodebin has a pad, and a ghost pad on audioconvert's sink would take
 * it first. */
static GstElement *
device_bin (const char *description,
            GstPadDirection direction,
            GError **error)
{
  g_autoptr (GError) local_error = NULL;
  g_autoptr (GstPad) pad = NULL;
  GstElement *bin = gst_parse_bin_from_description (description, FALSE, &local_error);

  if (bin == NULL)
    {
      g_set_error (error, BLINK_CALL_ERROR, BLINK_CALL_ERROR_DEVICE,
                   _("The audio device “%s” cannot be used: %s"), description,
                   local_error->message);
      return NULL;
    }
  pad = gst_bin_find_unlinked_pad (GST_BIN (bin), direction);
  if (pad == NULL)
    {
      g_set_error (error, BLINK_CALL_ERROR, BLINK_CALL_ERROR_DEVICE,
                   direction == GST_PAD_SRC
                     ? _("The audio source “%s” cannot be used: it has no free output")
                     : _("The audio sink “%s” cannot be used: it has no free input"),
                   description);
      gst_object_unref (gst_object_ref_sink (bin));
      return NULL;
    }
  gst_element_add_pad (bin, gst_ghost_pad_new (direction == GST_PAD_SRC ? "src" : "sink", pad));
  /* Floating, as the parser made it: the pipeline takes it. */
  return bin;
}

/* @device's element in a bin with one ghost pad, as device_bin() makes
 * them: the pipeline treats both alike. */
static GstElement *
device_element_bin (GstDevice *device,
                    GstPadDirection direction,
                    GError **error)
{
  g_autofree char *name = gst_device_get_display_name (device);
  g_autoptr (GstPad) pad = NULL;
  GstElement *element = gst_device_create_element (device, NULL);
  GstElement *bin;

  if (element == NULL)
    {
      g_set_error (error, BLINK_CALL_ERROR, BLINK_CALL_ERROR_DEVICE,
                   _("The audio device “%s” cannot be used"), name);
      return NULL;
    }
  bin = gst_bin_new (NULL);
  gst_bin_add (GST_BIN (bin), element);
  pad = gst_element_get_static_pad (element, direction == GST_PAD_SRC ? "src" : "sink");
  if (pad == NULL)
    {
      g_set_error (error, BLINK_CALL_ERROR, BLINK_CALL_ERROR_DEVICE,
                   _("The audio device “%s” cannot be used: it has no pad to link"), name);
      gst_object_unref (gst_object_ref_sink (bin));
      return NULL;
    }
  gst_element_add_pad (bin, gst_ghost_pad_new (direction == GST_PAD_SRC ? "src" : "sink", pad));
  return bin;
}

/**
 * blink_audio_device_bin_new:
 * @device: (nullable): a device of a #GstDeviceMonitor
 * @description: the gst-launch description used when @device is NULL
 *
 * Returns: (transfer floating) (nullable): @device, else @description, as
 *   a bin with one ghost pad of @direction, "src" or "sink"
 */
GstElement *
blink_audio_device_bin_new (GstDevice *device,
                            const char *description,
                            GstPadDirection direction,
                            GError **error)
{
  return device != NULL ? device_element_bin (device, direction, error)
                        : device_bin (description, direction, error);
}

/* The call's pipeline is live (the silent source): its sinks have nothing
 * to preroll. One that does may finish prerolling while the pipeline goes
 * to PLAYING and then stay PAUSED for good (seen with wavenc ! filesink
 * behind a source with a decodebin): the mixer then waits on it, and so do
 * the peers' decoders, and a closing connection waits on them. */
static void
set_not_async (GstElement *element)
{
  if (GST_IS_BASE_SINK (element))
    gst_base_sink_set_async_enabled (GST_BASE_SINK (element), FALSE);
}

/* For the sinks a sink bin makes later, e.g. autoaudiosink's. */
static void
on_playback_element_added (GstBin *bin,
                           GstBin *sub_bin,
                           GstElement *element,
                           gpointer user_data)
{
  set_not_async (element);
}

static void
make_sinks_not_async (GstElement *playback)
{
  g_autoptr (GstIterator) elements = gst_bin_iterate_recurse (GST_BIN (playback));
  GValue item = G_VALUE_INIT;

  while (gst_iterator_next (elements, &item) == GST_ITERATOR_OK)
    {
      set_not_async (g_value_get_object (&item));
      g_value_reset (&item);
    }
  g_value_unset (&item);
  g_signal_connect (playback, "deep-element-added", G_CALLBACK (on_playback_element_added),
                    NULL);
}

/* The rate of the microphone's processing, and so of its echo probe: the
 * mixer's. webrtcdsp takes 8, 16, 32 or 48 kHz, and the probe must run at
 * the rate of its DSP (at 44.1 kHz they do not negotiate). */
#define PROCESSING_RATE 48000

/* webrtcdsp finds its probe by name among every probe of the process, and
 * a probe serves one DSP: each pipeline names its own. */
static char *
echo_probe_name (void)
{
  static gint count;

  return g_strdup_printf ("blink-echo-probe-%d", g_atomic_int_add (&count, 1));
}

/* The longest delay the echo probe is told (below). It places the
 * canceller's window: measured with tests/bench-echo.c, the echo is
 * cancelled (about 52 dB) when it reaches the microphone 0-40 ms after the
 * speaker plays it with 30 ms here, 10-40 ms with 20 ms or less
 * (docs/benchmarks.md). */
#define ECHO_PROBE_DELAY (30 * GST_MSECOND)

/* The echo probe takes the latency upstream of it for the delay between
 * what it sees and what the microphone captures: webrtcdsp pairs the
 * microphone's 10 ms at running time t with what the speaker plays at
 * t + that delay, and tells the canceller that delay. What plays that late
 * has not reached the probe yet when the latency upstream (the peers'
 * jitter buffers, the mixer) is more than the speaker's own, and the
 * canceller gets silence and cancels nothing (0 dB with a jitter buffer of
 * 200 ms, docs/benchmarks.md). So the probe is told a delay that the
 * speaker's own latency covers, 10 ms to spare: it has seen what plays at
 * t + delay by the time the microphone's 10 ms at t is processed, whatever
 * the latency upstream. The pipeline's latency, which comes with the
 * LATENCY event just before the probe asks, is the upstream latency plus
 * the speaker's own. */
typedef struct
{
  gint latency_us; /* the pipeline's, -1 until known */
} EchoProbeLatency;

static GstPadProbeReturn
on_echo_probe_latency_event (GstPad *pad,
                             GstPadProbeInfo *info,
                             gpointer user_data)
{
  EchoProbeLatency *state = user_data;
  GstEvent *event = GST_PAD_PROBE_INFO_EVENT (info);
  GstClockTime latency;

  if (GST_EVENT_TYPE (event) == GST_EVENT_LATENCY)
    {
      gst_event_parse_latency (event, &latency);
      g_atomic_int_set (&state->latency_us, (gint) MIN (latency / GST_USECOND, G_MAXINT));
    }
  return GST_PAD_PROBE_OK;
}

static GstPadProbeReturn
on_echo_probe_latency_query (GstPad *pad,
                             GstPadProbeInfo *info,
                             gpointer user_data)
{
  EchoProbeLatency *state = user_data;
  GstQuery *query = GST_PAD_PROBE_INFO_QUERY (info);
  GstClockTime upstream, max, delay = 0;
  gint latency_us = g_atomic_int_get (&state->latency_us);
  GstClockTime latency = (GstClockTime) latency_us * GST_USECOND;
  gboolean live;

  if (GST_QUERY_TYPE (query) != GST_QUERY_LATENCY)
    return GST_PAD_PROBE_OK;
  gst_query_parse_latency (query, &live, &upstream, &max);
  if (latency_us >= 0 && latency > upstream + 10 * GST_MSECOND)
    delay = MIN (latency - upstream - 10 * GST_MSECOND, ECHO_PROBE_DELAY);
  gst_query_set_latency (query, live, delay, MAX (max, delay));
  return GST_PAD_PROBE_OK;
}

/* tee ! webrtcechoprobe ! fakesink, added to the pipeline: the tee's
 * first branch, the probe's, takes every buffer before the sink's does,
 * which may wait for its device. Returns the tee, to link the playback
 * to. */
static GstElement *
add_echo_probe (BlinkAudioPipeline *self,
                const char *name)
{
  GstElement *played = make ("tee", "played");
  GstElement *probe = make ("webrtcechoprobe", name);
  GstElement *sink = make ("fakesink", NULL);
  g_autoptr (GstPad) probe_sink = gst_element_get_static_pad (probe, "sink");
  g_autoptr (GstPad) probe_src = gst_element_get_static_pad (probe, "src");
  EchoProbeLatency *state = g_atomic_rc_box_new0 (EchoProbeLatency);

  state->latency_us = -1;
  g_object_set (sink, "sync", FALSE, "async", FALSE, "enable-last-sample", FALSE, NULL);
  gst_pad_add_probe (probe_src, GST_PAD_PROBE_TYPE_EVENT_UPSTREAM, on_echo_probe_latency_event,
                     g_atomic_rc_box_acquire (state), (GDestroyNotify) g_atomic_rc_box_release);
  gst_pad_add_probe (probe_sink, GST_PAD_PROBE_TYPE_QUERY_UPSTREAM | GST_PAD_PROBE_TYPE_PULL,
                     on_echo_probe_latency_query, state, (GDestroyNotify) g_atomic_rc_box_release);
  gst_bin_add_many (GST_BIN (self->pipeline), played, probe, sink, NULL);
  gst_element_link_many (played, probe, sink, NULL);
  return played;
}

/* The microphone's processing, to go after its convert and resample:
 * capsfilter(48 kHz) ! webrtcdsp ! audioconvert ! audioresample, added to
 * the pipeline; @played, the tee that feeds the echo probe and is to feed
 * the playback, or NULL without echo cancellation. Returns the first
 * element and sets @last. */
static GstElement *
add_processing (BlinkAudioPipeline *self,
                guint channels,
                GstElement **last,
                GstElement **played)
{
  GstElement *dsp_caps = make ("capsfilter", NULL);
  GstElement *dsp = make ("webrtcdsp", "processing");
  GstElement *convert = make ("audioconvert", NULL);
  GstElement *resample = make ("audioresample", NULL);
  g_autoptr (GstCaps) caps = NULL;
  gboolean echo = (self->processing & BLINK_AUDIO_PROCESSING_ECHO_CANCELLATION) != 0;

  caps = gst_caps_new_simple ("audio/x-raw", "format", G_TYPE_STRING, "S16LE", "layout",
                              G_TYPE_STRING, "interleaved", "rate", G_TYPE_INT, PROCESSING_RATE,
                              "channels", G_TYPE_INT, (int) channels, NULL);
  g_object_set (dsp_caps, "caps", caps, NULL);
  /* Timestamp mode, not delay-agnostic: it aligns the echo with what was
   * played from the buffers' times and the latencies the devices report. */
  g_object_set (dsp, "echo-cancel", echo, "noise-suppression",
                (self->processing & BLINK_AUDIO_PROCESSING_NOISE_SUPPRESSION) != 0, "gain-control",
                (self->processing & BLINK_AUDIO_PROCESSING_GAIN_CONTROL) != 0, "delay-agnostic",
                FALSE, NULL);
  *played = NULL;
  if (echo)
    {
      g_autofree char *name = echo_probe_name ();

      /* Made, and so registered, before the DSP starts and looks it up. */
      *played = add_echo_probe (self, name);
      g_object_set (dsp, "probe", name, NULL);
    }
  gst_bin_add_many (GST_BIN (self->pipeline), dsp_caps, dsp, convert, resample, NULL);
  gst_element_link_many (dsp_caps, dsp, convert, resample, NULL);
  *last = resample;
  return dsp_caps;
}

/**
 * blink_audio_pipeline_new:
 * @source: a gst-launch description of the capture, e.g. "autoaudiosrc" or
 *   "audiotestsrc is-live=true freq=440"
 * @sink: a description of the playback, e.g. "autoaudiosink"
 * @format: the call's format on the wire
 *
 * A pipeline whose capture is processed (echo cancellation, noise
 * suppression, gain control) if it is a device, not if it is synthetic:
 * blink_audio_pipeline_new_full() with %BLINK_AUDIO_PROCESSING_MODE_AUTO
 * and every part.
 *
 * Returns: (transfer full) (nullable): the pipeline, stopped
 */
BlinkAudioPipeline *
blink_audio_pipeline_new (const char *source,
                          const char *sink,
                          const BlinkAudioFormat *format,
                          GError **error)
{
  return blink_audio_pipeline_new_full (source, NULL, sink, NULL, format,
                                        BLINK_AUDIO_PROCESSING_MODE_AUTO, BLINK_AUDIO_PROCESSING_ALL,
                                        error);
}

/**
 * blink_audio_pipeline_new_full:
 * @microphone: (nullable): the device to capture from (of a
 *   #GstDeviceMonitor); NULL: @source
 * @speaker: (nullable): the device to play to; NULL: @sink
 * @processing_mode: when the capture is processed
 * @processing: the parts that may process it
 *
 * As blink_audio_pipeline_new(), with devices in place of the
 * descriptions, and the capture's processing chosen.
 *
 * Returns: (transfer full) (nullable): the pipeline, stopped
 */
BlinkAudioPipeline *
blink_audio_pipeline_new_full (const char *source,
                               GstDevice *microphone,
                               const char *sink,
                               GstDevice *speaker,
                               const BlinkAudioFormat *format,
                               BlinkAudioProcessingMode processing_mode,
                               BlinkAudioProcessing processing,
                               GError **error)
{
  g_autoptr (BlinkAudioPipeline) self = g_object_new (BLINK_TYPE_AUDIO_PIPELINE, NULL);
  GstElement *src, *convert, *resample, *capsfilter, *enc, *pay;
  GstElement *silence, *silence_caps, *out_convert, *out_resample, *playback;
  GstElement *processing_first = NULL, *processing_last = NULL, *played = NULL;
  g_autoptr (GstCaps) caps = NULL;
  g_autoptr (GstCaps) mix_caps = NULL;

  src = blink_audio_device_bin_new (microphone, source, GST_PAD_SRC, error);
  if (src == NULL)
    return NULL;
  playback = blink_audio_device_bin_new (speaker, sink, GST_PAD_SINK, error);
  if (playback == NULL)
    {
      gst_object_unref (src);
      return NULL;
    }
  make_sinks_not_async (playback);

  self->pipeline = GST_PIPELINE (gst_object_ref_sink (gst_pipeline_new ("blink-call")));

  convert = make ("audioconvert", NULL);
  resample = make ("audioresample", NULL);
  self->mute = make ("volume", "mute");
  self->level = make ("level", "self-level");
  blink_voice_activity_setup_level (self->level);
  capsfilter = make ("capsfilter", NULL);
  enc = self->encoder = make ("opusenc", NULL);
  pay = make ("rtpopuspay", NULL);
  self->tee = make ("tee", "send");
  caps = gst_caps_new_simple ("audio/x-raw", "rate", G_TYPE_INT, (int) format->rate, "channels",
                              G_TYPE_INT, (int) format->channels, NULL);
  g_object_set (capsfilter, "caps", caps, NULL);
  self->encoder = enc;
  watch_encoder_for_source_switches (self);
  g_object_set (enc, "inband-fec", TRUE, "packet-loss-percentage",
                BLINK_AUDIO_PIPELINE_EXPECTED_LOSS_MIN, "frame-size",
                format->frame_ms, "bitrate", format->bitrate, "audio-type", 2048 /* voice */,
                NULL);
  g_object_set (pay, "pt", 96, NULL);
  g_object_set (self->tee, "allow-not-linked", TRUE, NULL);
  {
    /* Shared by the tee's handlers and the encoder's probe: the rc box
     * goes with the last of them. */
    FrameChooser *chooser = g_atomic_rc_box_new0 (FrameChooser);
    g_autoptr (GstPad) encoder_sink = gst_element_get_static_pad (enc, "sink");

    chooser->call_frame_ms = chooser->used_ms = chooser->wanted_ms = (int) format->frame_ms;
    g_signal_connect_data (self->tee, "pad-added", G_CALLBACK (on_send_pads_changed),
                           g_atomic_rc_box_acquire (chooser),
                           (GClosureNotify) G_CALLBACK (g_atomic_rc_box_release), 0);
    g_signal_connect_data (self->tee, "pad-removed", G_CALLBACK (on_send_pads_changed),
                           g_atomic_rc_box_acquire (chooser),
                           (GClosureNotify) G_CALLBACK (g_atomic_rc_box_release), 0);
    gst_pad_add_probe (encoder_sink, GST_PAD_PROBE_TYPE_BUFFER, apply_frame_length, chooser,
                       g_atomic_rc_box_release);
  }

  silence = make ("audiotestsrc", NULL);
  g_object_set (silence, "wave", 4 /* silence */, "is-live", TRUE, NULL);
  silence_caps = make ("capsfilter", NULL);
  self->mixer = make ("audiomixer", "mixer");
  /* Its output starts with the first buffer in, not at running time 0 by
   * the clock: at the start of PLAYING the mixer has the clock before its
   * base time, and a clock wait then against a base time of 0 was over at
   * once, again and again: it ran ahead of the clock, and the peers' audio
   * came too late for it until the clock caught up (docs/engine.md, "The
   * mixer ahead of the clock"). Until its first buffer it waits for data,
   * not for the clock; the silence's first buffer comes once the sources
   * play, after every base time is set. GStreamer 1.26.2 fixed the
   * aggregator itself (MR 8897): this can go once we need that. */
  g_object_set (self->mixer, "start-time-selection", GST_AGGREGATOR_START_TIME_SELECTION_FIRST,
                NULL);
  /* Every input of the mixer has one format, fixed here: a peer that joins
   * later must not make the running mixer renegotiate. */
  mix_caps = gst_caps_new_simple ("audio/x-raw", "format", G_TYPE_STRING, "S16LE", "layout",
                                  G_TYPE_STRING, "interleaved", "rate", G_TYPE_INT, 48000,
                                  "channels", G_TYPE_INT, (int) format->channels, NULL);
  g_object_set (silence_caps, "caps", mix_caps, NULL);
  self->mix_caps = g_steal_pointer (&mix_caps);
  self->format = *format;
  self->deafen = make ("volume", "deafen");
  out_convert = make ("audioconvert", NULL);
  out_resample = make ("audioresample", NULL);

  gst_bin_add_many (GST_BIN (self->pipeline), src, convert, resample, self->mute, self->level,
                    capsfilter, enc, pay, self->tee, silence, silence_caps, self->mixer, self->deafen, out_convert,
                    out_resample, playback, NULL);
  self->source = src;
  self->playback = playback;
  self->processing = blink_audio_processing_resolve (processing_mode, processing, src);
  if (self->processing != BLINK_AUDIO_PROCESSING_NONE)
    processing_first = add_processing (self, format->channels, &processing_last, &played);
  if (!gst_element_link (src, convert) ||
      !gst_element_link (resample, processing_first != NULL ? processing_first : self->mute) ||
      (processing_last != NULL && !gst_element_link (processing_last, self->mute)) ||
      !gst_element_link (convert, resample) ||
      !gst_element_link_many (self->mute, self->level, capsfilter, enc, pay, self->tee,
                              NULL) ||
      !gst_element_link_many (silence, silence_caps, self->mixer, self->deafen, NULL) ||
      !gst_element_link (self->deafen, played != NULL ? played : out_convert) ||
      (played != NULL && !gst_element_link (played, out_convert)) ||
      !gst_element_link_many (out_convert, out_resample, playback, NULL))
    {
      g_set_error (error, BLINK_CALL_ERROR, BLINK_CALL_ERROR_DEVICE,
                   _("The audio devices cannot be linked to the call’s format"));
      return NULL;
    }

  return g_steal_pointer (&self);
}

gboolean
blink_audio_pipeline_start (BlinkAudioPipeline *self,
                            GError **error)
{
  g_autoptr (GstBus) bus = NULL;
  g_autoptr (GstMessage) message = NULL;
  g_autoptr (GError) device_error = NULL;

  if (gst_element_set_state (GST_ELEMENT (self->pipeline), GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE)
    return TRUE;

  /* What the device said, e.g. that a file source's file is gone: nobody
   * watches the bus yet. */
  bus = gst_element_get_bus (GST_ELEMENT (self->pipeline));
  message = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  if (message != NULL)
    gst_message_parse_error (message, &device_error, NULL);
  if (device_error != NULL)
    g_set_error (error, BLINK_CALL_ERROR, BLINK_CALL_ERROR_DEVICE,
                 _("The audio devices cannot be opened: %s"), device_error->message);
  else
    g_set_error_literal (error, BLINK_CALL_ERROR, BLINK_CALL_ERROR_DEVICE,
                         _("The audio devices cannot be opened"));
  return FALSE;
}

/* How long stopping waits for the playback to take its end of stream. */
#define END_OF_STREAM_WAIT_US (500 * G_TIME_SPAN_MILLISECOND)

typedef struct
{
  GMutex lock;
  GCond cond;
  gboolean done;
} EndOfStream;

static void
end_of_stream_clear (EndOfStream *eos)
{
  g_mutex_clear (&eos->lock);
  g_cond_clear (&eos->cond);
}

static void
end_of_stream_unref (gpointer eos)
{
  g_atomic_rc_box_release_full (eos, (GDestroyNotify) end_of_stream_clear);
}

/* On the mixer's streaming thread, in place of its next buffer. */
static GstPadProbeReturn
on_mixer_output_for_eos (GstPad *pad,
                         GstPadProbeInfo *info,
                         gpointer user_data)
{
  EndOfStream *eos = user_data;

  gst_pad_remove_probe (pad, GST_PAD_PROBE_INFO_ID (info));
  gst_pad_push_event (pad, gst_event_new_eos ());
  g_mutex_lock (&eos->lock);
  eos->done = TRUE;
  g_cond_signal (&eos->cond);
  g_mutex_unlock (&eos->lock);
  return GST_PAD_PROBE_DROP;
}

/* On a worker thread: the waits here must not hold up the main loop. */
static void
stop_in_thread (GTask *task,
                gpointer source,
                gpointer task_data,
                GCancellable *cancellable)
{
  BlinkAudioPipeline *self = source;
  GstState state;

  gst_element_get_state (GST_ELEMENT (self->pipeline), &state, NULL, 0);
  if (state == GST_STATE_PLAYING)
    {
      g_autoptr (GstPad) mixer_src = gst_element_get_static_pad (self->mixer, "src");
      EndOfStream *eos = g_atomic_rc_box_new0 (EndOfStream);
      gint64 deadline = g_get_monotonic_time () + END_OF_STREAM_WAIT_US;

      g_mutex_init (&eos->lock);
      g_cond_init (&eos->cond);
      gst_pad_add_probe (mixer_src, GST_PAD_PROBE_TYPE_BUFFER, on_mixer_output_for_eos,
                         g_atomic_rc_box_acquire (eos), end_of_stream_unref);
      g_mutex_lock (&eos->lock);
      while (!eos->done && g_cond_wait_until (&eos->cond, &eos->lock, deadline))
        ;
      g_mutex_unlock (&eos->lock);
      end_of_stream_unref (eos);
    }
  gst_element_set_state (GST_ELEMENT (self->pipeline), GST_STATE_NULL);
  g_task_return_boolean (task, TRUE);
}

/**
 * blink_audio_pipeline_stop_async:
 *
 * Ends the playback's stream before stopping, so that a sink writing a
 * file (e.g. "wavenc ! filesink") completes it, then stops the pipeline;
 * all of it off the calling thread. The end of stream goes down from the
 * mixer's own streaming thread (sent from elsewhere, it would wait for the
 * stream lock while the playback may wait on the sender); the wait for it
 * is bounded (500 ms).
 */
void
blink_audio_pipeline_stop_async (BlinkAudioPipeline *self,
                                 GAsyncReadyCallback callback,
                                 gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (self, NULL, callback, user_data);

  g_return_if_fail (BLINK_IS_AUDIO_PIPELINE (self));

  g_task_set_source_tag (task, blink_audio_pipeline_stop_async);
  g_task_run_in_thread (task, stop_in_thread);
}

gboolean
blink_audio_pipeline_stop_finish (BlinkAudioPipeline *self,
                                  GAsyncResult *result,
                                  GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

void
blink_audio_pipeline_set_muted (BlinkAudioPipeline *self,
                                gboolean muted)
{
  g_object_set (self->mute, "mute", muted, NULL);
}

void
blink_audio_pipeline_set_deafened (BlinkAudioPipeline *self,
                                   gboolean deafened)
{
  g_object_set (self->deafen, "mute", deafened, NULL);
}

/* ---- changing devices while the call runs ----
 *
 * Only the device's bin is replaced: whatever the pipeline has next to it
 * (the converter after the source, the element before the playback) is
 * found through the device's pad, and stays, and so do the encoder, the
 * payloader and every connection: the others notice nothing but the new
 * sound. */

/* Opens @device (NULL→READY) before anything changes: a device that
 * cannot open leaves the old one playing. */
static gboolean
open_new_device (GstElement *device,
                 GError **error)
{
  if (gst_element_set_state (device, GST_STATE_READY) != GST_STATE_CHANGE_FAILURE)
    return TRUE;
  gst_element_set_state (device, GST_STATE_NULL);
  g_set_error_literal (error, BLINK_CALL_ERROR, BLINK_CALL_ERROR_DEVICE,
                       _("The audio device cannot be opened"));
  return FALSE;
}

static void
retire_device (GstBin *pipeline,
               GstElement *device)
{
  gst_element_set_locked_state (device, TRUE);
  gst_element_set_state (device, GST_STATE_NULL);
  gst_bin_remove (pipeline, device);
}

/* ---- what the encoder held of the old source ----
 *
 * A new source's first events make the encoder send what it still held of
 * the old one, less than a frame padded to a whole one. When a call is
 * answered, the microphone takes the place of the silence it rang with,
 * and that padded remnant went out first: 10-20 ms of silence at the
 * start of what the caller hears (docs/benchmarks.md, "The answer's first
 * packet"). So what the encoder sends between a switch and the new
 * source's first buffer is dropped, by a probe on the encoder's output
 * that comes before any recording's. */
struct _SourceSwitch
{
  gint switches; /* made so far */
  gint starting; /* the switch whose source has sent nothing yet; 0: none */
};

/* A new source's probe: which switch it is. */
typedef struct
{
  SourceSwitch *source_switch;
  gint number;
} NewSource;

static void
source_switch_unref (gpointer data)
{
  g_atomic_rc_box_release (data);
}

static void
new_source_free (NewSource *new_source)
{
  source_switch_unref (new_source->source_switch);
  g_free (new_source);
}

static GstPadProbeReturn
on_new_source_data (GstPad *pad,
                    GstPadProbeInfo *info,
                    gpointer user_data)
{
  NewSource *new_source = user_data;

  /* Not a later switch's, whose source has sent nothing yet. */
  g_atomic_int_compare_and_exchange (&new_source->source_switch->starting, new_source->number, 0);
  return GST_PAD_PROBE_REMOVE;
}

static GstPadProbeReturn
drop_old_source_remnant (GstPad *pad,
                         GstPadProbeInfo *info,
                         gpointer user_data)
{
  SourceSwitch *source_switch = user_data;

  if (g_atomic_int_get (&source_switch->starting) == 0)
    return GST_PAD_PROBE_OK;
  GST_DEBUG_OBJECT (pad, "Dropping what the encoder held of the old source");
  return GST_PAD_PROBE_DROP;
}

static void
watch_encoder_for_source_switches (BlinkAudioPipeline *self)
{
  g_autoptr (GstPad) encoded = gst_element_get_static_pad (self->encoder, "src");

  self->source_switch = g_atomic_rc_box_new0 (SourceSwitch);
  gst_pad_add_probe (encoded, GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST,
                     drop_old_source_remnant, g_atomic_rc_box_acquire (self->source_switch),
                     source_switch_unref);
}

static void
begin_source_switch (BlinkAudioPipeline *self,
                     GstPad *new_source_pad)
{
  NewSource *new_source = g_new0 (NewSource, 1);

  new_source->source_switch = g_atomic_rc_box_acquire (self->source_switch);
  new_source->number = g_atomic_int_add (&self->source_switch->switches, 1) + 1;
  g_atomic_int_set (&self->source_switch->starting, new_source->number);
  gst_pad_add_probe (new_source_pad, GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST,
                     on_new_source_data, new_source, (GDestroyNotify) new_source_free);
}

/**
 * blink_audio_pipeline_set_source:
 * @device: (nullable): the microphone; NULL: @description
 *
 * Captures from @device (or @description) from now on, in place of the
 * current source; on error, the current source goes on.
 */
gboolean
blink_audio_pipeline_set_source (BlinkAudioPipeline *self,
                                 GstDevice *device,
                                 const char *description,
                                 GError **error)
{
  g_autoptr (GstPad) old_pad = NULL;
  g_autoptr (GstPad) new_pad = NULL;
  g_autoptr (GstPad) peer = NULL;
  g_autoptr (GstElement) old = NULL;
  GstElement *source;

  g_return_val_if_fail (BLINK_IS_AUDIO_PIPELINE (self), FALSE);

  source = blink_audio_device_bin_new (device, description, GST_PAD_SRC, error);
  if (source == NULL)
    return FALSE;
  gst_object_ref_sink (source);
  if (!open_new_device (source, error))
    {
      gst_object_unref (source);
      return FALSE;
    }
  /* The source is upstream of everything: stopping it from here waits for
   * its streaming thread to leave its push, and nothing is pushed after. */
  old = gst_object_ref (self->source);
  old_pad = gst_element_get_static_pad (old, "src");
  peer = gst_pad_get_peer (old_pad);
  retire_device (GST_BIN (self->pipeline), old);
  gst_bin_add (GST_BIN (self->pipeline), source);
  gst_object_unref (source);
  self->source = source;
  new_pad = gst_element_get_static_pad (source, "src");
  begin_source_switch (self, new_pad);
  if (peer == NULL || GST_PAD_LINK_FAILED (gst_pad_link (new_pad, peer)))
    {
      g_set_error_literal (error, BLINK_CALL_ERROR, BLINK_CALL_ERROR_DEVICE,
                           _("The audio source cannot be linked to the call"));
      return FALSE;
    }
  if (!gst_element_sync_state_with_parent (source))
    {
      g_set_error_literal (error, BLINK_CALL_ERROR, BLINK_CALL_ERROR_DEVICE,
                           _("The audio source cannot be started"));
      return FALSE;
    }
  return TRUE;
}

typedef struct
{
  GstBin *pipeline;
  GstElement *old;
  GstElement *new;
} PlaybackSwap;

static void
playback_swap_free (PlaybackSwap *swap)
{
  gst_object_unref (swap->pipeline);
  gst_object_unref (swap->old);
  gst_object_unref (swap->new);
  g_free (swap);
}

/* While nothing flows through @pad, the one before the playback: on the
 * mixer's streaming thread between two buffers, or at once on the
 * caller's. Stopping the old playback from upstream is safe; stopping it
 * while the mixer pushes into it would flush the mixer's task for good. */
static GstPadProbeReturn
on_playback_idle (GstPad *pad,
                  GstPadProbeInfo *info,
                  gpointer user_data)
{
  PlaybackSwap *swap = user_data;
  g_autoptr (GstPad) new_pad = gst_element_get_static_pad (swap->new, "sink");
  g_autoptr (GstPad) old_pad = gst_element_get_static_pad (swap->old, "sink");

  gst_pad_unlink (pad, old_pad);
  retire_device (swap->pipeline, swap->old);
  gst_bin_add (swap->pipeline, swap->new);
  if (GST_PAD_LINK_FAILED (gst_pad_link (pad, new_pad)) ||
      !gst_element_sync_state_with_parent (swap->new))
    GST_ELEMENT_ERROR (swap->new, RESOURCE, OPEN_WRITE,
                       (_("The audio sink cannot be started")), (NULL));
  return GST_PAD_PROBE_REMOVE;
}

/**
 * blink_audio_pipeline_set_playback:
 * @device: (nullable): the speaker; NULL: @description
 *
 * Plays to @device (or @description) from now on, in place of the current
 * playback. The new device is opened here: on error nothing changes. The
 * change itself happens as soon as no buffer is on its way to the
 * playback, perhaps after this returns.
 */
gboolean
blink_audio_pipeline_set_playback (BlinkAudioPipeline *self,
                                   GstDevice *device,
                                   const char *description,
                                   GError **error)
{
  g_autoptr (GstPad) old_pad = NULL;
  g_autoptr (GstPad) peer = NULL;
  PlaybackSwap *swap;
  GstElement *playback;

  g_return_val_if_fail (BLINK_IS_AUDIO_PIPELINE (self), FALSE);

  playback = blink_audio_device_bin_new (device, description, GST_PAD_SINK, error);
  if (playback == NULL)
    return FALSE;
  gst_object_ref_sink (playback);
  make_sinks_not_async (playback);
  if (!open_new_device (playback, error))
    {
      gst_object_unref (playback);
      return FALSE;
    }
  old_pad = gst_element_get_static_pad (self->playback, "sink");
  peer = gst_pad_get_peer (old_pad);
  if (peer == NULL)
    {
      gst_object_unref (playback);
      g_set_error_literal (error, BLINK_CALL_ERROR, BLINK_CALL_ERROR_DEVICE,
                           _("The audio sink cannot be linked to the call"));
      return FALSE;
    }
  swap = g_new0 (PlaybackSwap, 1);
  swap->pipeline = GST_BIN (gst_object_ref (self->pipeline));
  swap->old = gst_object_ref (self->playback);
  swap->new = gst_object_ref (playback);
  self->playback = playback; /* the pipeline holds it, as the old one, once added */
  gst_object_unref (playback);
  gst_pad_add_probe (peer, GST_PAD_PROBE_TYPE_IDLE, on_playback_idle, swap,
                     (GDestroyNotify) playback_swap_free);
  return TRUE;
}

/**
 * blink_audio_pipeline_set_expected_loss:
 * @percent: the share of packets the encoder expects to be lost
 *
 * Opus spends more of its bitrate on in-band FEC (a coarse copy of each
 * frame in the next packet) the more loss it expects; with 0 it sends none.
 */
void
blink_audio_pipeline_set_expected_loss (BlinkAudioPipeline *self,
                                        guint percent)
{
  g_return_if_fail (BLINK_IS_AUDIO_PIPELINE (self));

  g_object_set (self->encoder, "packet-loss-percentage", (int) MIN (percent, 100), NULL);
}

guint
blink_audio_pipeline_get_expected_loss (BlinkAudioPipeline *self)
{
  int percent = 0;

  g_return_val_if_fail (BLINK_IS_AUDIO_PIPELINE (self), 0);

  g_object_get (self->encoder, "packet-loss-percentage", &percent, NULL);
  return percent;
}

GstBin *
blink_audio_pipeline_get_bin (BlinkAudioPipeline *self)
{
  return GST_BIN (self->pipeline);
}

GstElement *
blink_audio_pipeline_get_tee (BlinkAudioPipeline *self)
{
  return self->tee;
}

/**
 * blink_audio_pipeline_is_self_level:
 *
 * Returns: whether @object is the `level` that measures what the user
 *   sends, after the mute
 */
gboolean
blink_audio_pipeline_is_self_level (BlinkAudioPipeline *self,
                                    GstObject *object)
{
  return object == GST_OBJECT (self->level);
}

/**
 * blink_audio_pipeline_get_encoded_pad:
 *
 * Returns: (transfer full): the pad that carries our voice as Opus packets,
 *   timestamped when captured, before the payloader: what a recording of
 *   it takes
 */
GstPad *
blink_audio_pipeline_get_encoded_pad (BlinkAudioPipeline *self)
{
  return gst_element_get_static_pad (self->encoder, "src");
}

GstElement *
blink_audio_pipeline_get_mixer (BlinkAudioPipeline *self)
{
  return self->mixer;
}

/**
 * blink_audio_pipeline_get_mix_caps:
 *
 * Returns: (transfer none): the one format of every mixer input: a peer
 *   that joins later must not make the running mixer renegotiate
 */
GstCaps *
blink_audio_pipeline_get_mix_caps (BlinkAudioPipeline *self)
{
  return self->mix_caps;
}

const BlinkAudioFormat *
blink_audio_pipeline_get_format (BlinkAudioPipeline *self)
{
  return &self->format;
}

/**
 * blink_audio_pipeline_get_processing:
 *
 * Returns: the parts that process the capture (none for a synthetic source
 *   unless forced on)
 */
BlinkAudioProcessing
blink_audio_pipeline_get_processing (BlinkAudioPipeline *self)
{
  return self->processing;
}

static void
blink_audio_pipeline_dispose (GObject *object)
{
  BlinkAudioPipeline *self = BLINK_AUDIO_PIPELINE (object);

  if (self->pipeline != NULL)
    gst_element_set_state (GST_ELEMENT (self->pipeline), GST_STATE_NULL);
  gst_clear_object (&self->pipeline);
  gst_clear_caps (&self->mix_caps);
  g_clear_pointer (&self->source_switch, source_switch_unref);

  G_OBJECT_CLASS (blink_audio_pipeline_parent_class)->dispose (object);
}

static void
blink_audio_pipeline_class_init (BlinkAudioPipelineClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = blink_audio_pipeline_dispose;
}

static void
blink_audio_pipeline_init (BlinkAudioPipeline *self)
{
}
