/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* An Opus decoder that decodes each packet as it comes, and waits for the
 * next packet only after one was lost.
 *
 * opusdec (GStreamer 1.22) with in-band FEC decodes every packet one
 * packet late, so that it has the next packet at hand if one is lost: a
 * whole frame (20 ms) of delay on every packet, loss or not. Here a lost
 * packet is rebuilt from the FEC data of the packet after it, which the
 * jitter buffer sends right after reporting the loss (it held that packet
 * while it waited for the lost one); a packet that follows none lost is
 * decoded at once (docs/engine.md, "The decoder"). */
#define G_LOG_DOMAIN "blink-opus-decoder"

#include "config.h"

#include "blink-opus-decoder.h"

#include <gst/audio/audio.h>
#include <opus.h>

#define RATE 48000
/* The longest Opus packet: 120 ms. */
#define MAX_SAMPLES (RATE * 120 / 1000)
/* Opus conceals in steps of 2.5 ms. */
#define STEP_SAMPLES (RATE / 400)

struct _BlinkOpusDecoder
{
  GstAudioDecoder parent;

  OpusDecoder *state;
  int channels;
  /* Samples of the last packet decoded: the length of a lost one. */
  int packet_samples;
  /* A loss reported and not yet filled (samples; 0: none): filled from
   * the next packet's FEC data, or concealed if another loss comes first. */
  int missing;
  /* Under the object lock. */
  guint64 recovered;
  guint64 concealed;
};

G_DEFINE_FINAL_TYPE (BlinkOpusDecoder, blink_opus_decoder, GST_TYPE_AUDIO_DECODER)

GST_DEBUG_CATEGORY_STATIC (blink_opus_decoder_debug);
#define GST_CAT_DEFAULT blink_opus_decoder_debug

static GstStaticPadTemplate sink_template =
  GST_STATIC_PAD_TEMPLATE ("sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS ("audio/x-opus"));

static GstStaticPadTemplate src_template =
  GST_STATIC_PAD_TEMPLATE ("src", GST_PAD_SRC, GST_PAD_ALWAYS,
                           GST_STATIC_CAPS ("audio/x-raw, format = (string) " GST_AUDIO_NE (S16)
                                            ", layout = (string) interleaved, rate = (int) 48000, "
                                            "channels = (int) [ 1, 2 ]"));

static void
count (BlinkOpusDecoder *self,
       guint64 *counter)
{
  GST_OBJECT_LOCK (self);
  (*counter)++;
  GST_OBJECT_UNLOCK (self);
}

static gboolean
blink_opus_decoder_start (GstAudioDecoder *decoder)
{
  BlinkOpusDecoder *self = BLINK_OPUS_DECODER (decoder);

  self->missing = 0;
  self->packet_samples = RATE / 50;
  gst_audio_decoder_set_plc_aware (decoder, TRUE);
  return TRUE;
}

static gboolean
blink_opus_decoder_stop (GstAudioDecoder *decoder)
{
  BlinkOpusDecoder *self = BLINK_OPUS_DECODER (decoder);

  g_clear_pointer (&self->state, opus_decoder_destroy);
  self->missing = 0;
  return TRUE;
}

static gboolean
blink_opus_decoder_set_format (GstAudioDecoder *decoder,
                               GstCaps *caps)
{
  BlinkOpusDecoder *self = BLINK_OPUS_DECODER (decoder);
  GstStructure *s = gst_caps_get_structure (caps, 0);
  GstAudioInfo info;
  int channels = 2;
  int error = OPUS_OK;

  /* Without a number in the caps, two, as opusdec: a mono stream decodes
   * into both. */
  if (gst_structure_get_int (s, "channels", &channels) && (channels < 1 || channels > 2))
    {
      GST_ELEMENT_ERROR (self, STREAM, FORMAT, (NULL), ("%d channels: only 1 or 2", channels));
      return FALSE;
    }
  if (self->state == NULL || channels != self->channels)
    {
      g_clear_pointer (&self->state, opus_decoder_destroy);
      self->state = opus_decoder_create (RATE, channels, &error);
      if (self->state == NULL)
        {
          GST_ELEMENT_ERROR (self, LIBRARY, INIT, (NULL), ("opus_decoder_create: %s",
                                                           opus_strerror (error)));
          return FALSE;
        }
      self->channels = channels;
      self->missing = 0;
    }
  gst_audio_info_init (&info);
  gst_audio_info_set_format (&info, GST_AUDIO_FORMAT_S16, RATE, channels, NULL);
  return gst_audio_decoder_set_output_format (decoder, &info);
}

/* Finishes one input frame with the @samples of @out (none: no output). */
static GstFlowReturn
finish (BlinkOpusDecoder *self,
        GstBuffer *out,
        int samples)
{
  if (samples <= 0)
    {
      gst_buffer_unref (out);
      return gst_audio_decoder_finish_frame (GST_AUDIO_DECODER (self), NULL, 1);
    }
  gst_buffer_set_size (out, (gsize) samples * 2 * self->channels);
  return gst_audio_decoder_finish_frame (GST_AUDIO_DECODER (self), out, 1);
}

/* Decodes @size bytes of @data (NULL: conceals) into @samples samples, FEC
 * data with @fec; finishes one input frame with what came out. */
static GstFlowReturn
decode_and_finish (BlinkOpusDecoder *self,
                   const guint8 *data,
                   gsize size,
                   int samples,
                   gboolean fec)
{
  GstAudioDecoder *decoder = GST_AUDIO_DECODER (self);
  GstBuffer *out = gst_audio_decoder_allocate_output_buffer (decoder, (gsize) samples * 2 *
                                                                      self->channels);
  GstMapInfo map;
  int n;

  if (out == NULL)
    return GST_FLOW_ERROR;
  gst_buffer_map (out, &map, GST_MAP_WRITE);
  n = opus_decode (self->state, data, (opus_int32) size, (opus_int16 *) map.data, samples, fec);
  gst_buffer_unmap (out, &map);
  if (n < 0 && data != NULL)
    {
      /* A packet that does not decode is taken for a lost one. */
      GST_DEBUG_OBJECT (self, "Packet of %" G_GSIZE_FORMAT " bytes: %s, concealed", size,
                        opus_strerror (n));
      gst_buffer_map (out, &map, GST_MAP_WRITE);
      n = opus_decode (self->state, NULL, 0, (opus_int16 *) map.data, self->packet_samples, 0);
      gst_buffer_unmap (out, &map);
      count (self, &self->concealed);
    }
  return finish (self, out, n);
}

/* Conceals @samples, part of a frame lost, before FEC data fills the rest:
 * its output joins the lost frame's (one input frame, one output). */
static int
conceal_into (BlinkOpusDecoder *self,
              opus_int16 *pcm,
              int samples)
{
  int n = opus_decode (self->state, NULL, 0, pcm, samples, 0);

  return MAX (n, 0);
}

/* The lost frame that waited, filled from @data's FEC data (NULL: another
 * loss came first, it is concealed). */
static GstFlowReturn
fill_missing (BlinkOpusDecoder *self,
              const guint8 *data,
              gsize size)
{
  GstAudioDecoder *decoder = GST_AUDIO_DECODER (self);
  int missing = self->missing;
  int carried = 0;
  GstBuffer *out;
  GstMapInfo map;
  int n = 0;

  self->missing = 0;
  if (data != NULL)
    {
      /* FEC data rebuilds the frame just before the packet, as long as the
       * packet's own frames; a longer loss is concealed first. */
      carried = opus_packet_get_nb_samples (data, (opus_int32) size, RATE);
      if (carried <= 0)
        data = NULL;
    }
  out = gst_audio_decoder_allocate_output_buffer (decoder, (gsize) missing * 2 * self->channels);
  if (out == NULL)
    return GST_FLOW_ERROR;
  gst_buffer_map (out, &map, GST_MAP_WRITE);
  if (data == NULL)
    {
      n = conceal_into (self, (opus_int16 *) map.data, missing);
      count (self, &self->concealed);
    }
  else
    {
      int fec = MIN (carried, missing);
      int before = missing - fec;
      int got;

      if (before > 0)
        n = conceal_into (self, (opus_int16 *) map.data, before);
      got = opus_decode (self->state, data, (opus_int32) size,
                         (opus_int16 *) map.data + (gsize) n * self->channels, fec, 1);
      count (self, got > 0 ? &self->recovered : &self->concealed);
      if (got <= 0)
        got = conceal_into (self, (opus_int16 *) map.data + (gsize) n * self->channels, fec);
      n += got;
    }
  gst_buffer_unmap (out, &map);
  return finish (self, out, n);
}

static GstFlowReturn
blink_opus_decoder_handle_frame (GstAudioDecoder *decoder,
                                 GstBuffer *buffer)
{
  BlinkOpusDecoder *self = BLINK_OPUS_DECODER (decoder);
  GstFlowReturn ret = GST_FLOW_OK;
  GstMapInfo map;
  int samples;

  if (self->state == NULL)
    {
      GST_ELEMENT_ERROR (self, CORE, NEGOTIATION, (NULL), ("No format before the first packet"));
      return GST_FLOW_NOT_NEGOTIATED;
    }
  /* Draining: nothing comes after a loss that waits. */
  if (buffer == NULL)
    return self->missing > 0 ? fill_missing (self, NULL, 0) : GST_FLOW_OK;

  if (gst_buffer_get_size (buffer) == 0)
    {
      GstClockTime duration = GST_BUFFER_DURATION (buffer);
      int lost = GST_CLOCK_TIME_IS_VALID (duration)
                   ? (int) gst_util_uint64_scale_round (duration, RATE, GST_SECOND)
                   : self->packet_samples;

      /* Opus conceals whole steps of 2.5 ms, up to a packet's most. */
      lost = MIN ((lost + STEP_SAMPLES / 2) / STEP_SAMPLES * STEP_SAMPLES, MAX_SAMPLES);
      if (self->missing > 0)
        ret = fill_missing (self, NULL, 0);
      if (lost == 0)
        return ret == GST_FLOW_OK ? gst_audio_decoder_finish_frame (decoder, NULL, 1) : ret;
      self->missing = lost;
      return ret;
    }

  /* Finishing the frame releases the base class's reference. */
  buffer = gst_buffer_ref (buffer);
  gst_buffer_map (buffer, &map, GST_MAP_READ);
  if (self->missing > 0)
    ret = fill_missing (self, map.data, map.size);
  samples = opus_packet_get_nb_samples (map.data, (opus_int32) map.size, RATE);
  if (samples > 0)
    self->packet_samples = MIN (samples, MAX_SAMPLES);
  if (ret == GST_FLOW_OK)
    ret = decode_and_finish (self, map.data, map.size, MAX_SAMPLES, FALSE);
  gst_buffer_unmap (buffer, &map);
  gst_buffer_unref (buffer);
  return ret;
}

static void
blink_opus_decoder_flush (GstAudioDecoder *decoder,
                          gboolean hard)
{
  BlinkOpusDecoder *self = BLINK_OPUS_DECODER (decoder);

  self->missing = 0;
  if (self->state != NULL)
    opus_decoder_ctl (self->state, OPUS_RESET_STATE);
}

static void
blink_opus_decoder_class_init (BlinkOpusDecoderClass *klass)
{
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstAudioDecoderClass *decoder_class = GST_AUDIO_DECODER_CLASS (klass);

  decoder_class->start = blink_opus_decoder_start;
  decoder_class->stop = blink_opus_decoder_stop;
  decoder_class->set_format = blink_opus_decoder_set_format;
  decoder_class->handle_frame = blink_opus_decoder_handle_frame;
  decoder_class->flush = blink_opus_decoder_flush;

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class, "Blink Opus decoder",
                                         "Codec/Decoder/Audio",
                                         "Decodes Opus at once, with in-band FEC for lost packets",
                                         "Blink");
  GST_DEBUG_CATEGORY_INIT (blink_opus_decoder_debug, "blinkopusdec", 0, "Blink Opus decoder");
}

static void
blink_opus_decoder_init (BlinkOpusDecoder *self)
{
  GstAudioDecoder *decoder = GST_AUDIO_DECODER (self);

  gst_audio_decoder_set_needs_format (decoder, TRUE);
  gst_audio_decoder_set_use_default_pad_acceptcaps (decoder, TRUE);
  GST_PAD_SET_ACCEPT_TEMPLATE (GST_AUDIO_DECODER_SINK_PAD (decoder));
  /* Concealing is what it is for: on unless told otherwise. */
  gst_audio_decoder_set_plc (decoder, TRUE);
}

/**
 * blink_opus_decoder_new:
 *
 * Returns: (transfer floating): a decoder for one Opus stream, concealing
 *   lost packets (the #GstAudioDecoder:plc property), with in-band FEC
 *   where the next packet has it
 */
GstElement *
blink_opus_decoder_new (void)
{
  return g_object_new (BLINK_TYPE_OPUS_DECODER, NULL);
}

/**
 * blink_opus_decoder_get_recovered:
 *
 * Returns: how many lost packets the next packet's FEC data rebuilt
 */
guint64
blink_opus_decoder_get_recovered (BlinkOpusDecoder *self)
{
  guint64 n;

  g_return_val_if_fail (BLINK_IS_OPUS_DECODER (self), 0);

  GST_OBJECT_LOCK (self);
  n = self->recovered;
  GST_OBJECT_UNLOCK (self);
  return n;
}

/**
 * blink_opus_decoder_get_concealed:
 *
 * Returns: how many lost or undecodable packets were concealed without FEC
 *   data
 */
guint64
blink_opus_decoder_get_concealed (BlinkOpusDecoder *self)
{
  guint64 n;

  g_return_val_if_fail (BLINK_IS_OPUS_DECODER (self), 0);

  GST_OBJECT_LOCK (self);
  n = self->concealed;
  GST_OBJECT_UNLOCK (self);
  return n;
}
