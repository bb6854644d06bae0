/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* BlinkOpusDecoder: each packet decoded as it comes, a lost one rebuilt
 * from the next packet's FEC data, nothing added or left out. */

#include "config.h"

#include "blink-opus-decoder.h"

#include <gst/gst.h>
#include <math.h>
#include <string.h>

#define N_PACKETS 100
#define FRAME 960 /* 20 ms at 48 kHz */
#define MAX_LOST 4

typedef struct
{
  /* Set up by the case. */
  const char *wave;
  gboolean fec;              /* the encoder adds FEC data */
  guint lost[MAX_LOST];      /* packets (from 1) reported lost, 0 ends */
  guint garbage;             /* a packet (from 1) replaced by one that does not decode */
  gboolean with_opusdec;     /* opusdec instead, for comparison */
  gboolean opusdec_no_fec;   /* … concealing without the FEC data */
  /* Measured. */
  guint n_in;                /* packets that reached the decoder */
  guint n_out;
  guint most_behind;         /* the most packets in and not yet out as one comes out */
  guint n_payloaded;
  GArray *samples;           /* gint16, everything decoded */
  guint64 recovered, concealed;
} Run;

static gboolean
is_lost (Run *run,
         guint packet)
{
  for (guint i = 0; i < MAX_LOST && run->lost[i] != 0; i++)
    if (run->lost[i] == packet)
      return TRUE;
  return FALSE;
}

/* What the jitter buffer does for a packet that never came: a loss report
 * in its place, which the depayloader turns into a gap. */
static GstPadProbeReturn
on_payloaded (GstPad *pad,
              GstPadProbeInfo *info,
              gpointer user_data)
{
  Run *run = user_data;
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);
  guint packet = ++run->n_payloaded;

  if (is_lost (run, packet))
    {
      GstStructure *lost = gst_structure_new (
        "GstRTPPacketLost", "seqnum", G_TYPE_UINT, packet, "timestamp", G_TYPE_UINT64,
        GST_BUFFER_PTS (buffer), "duration", G_TYPE_UINT64, (guint64) 20 * GST_MSECOND, "retry",
        G_TYPE_UINT, 0, NULL);

      gst_pad_push_event (pad, gst_event_new_custom (GST_EVENT_CUSTOM_DOWNSTREAM, lost));
      return GST_PAD_PROBE_DROP;
    }
  return GST_PAD_PROBE_OK;
}

/* After the depayloader: a packet whose TOC says "several frames" and
 * whose count is 0, which no decoder takes. */
static GstPadProbeReturn
on_depayloaded (GstPad *pad,
                GstPadProbeInfo *info,
                gpointer user_data)
{
  Run *run = user_data;
  static const guint8 invalid[] = { 0x03, 0x00 };
  GstBuffer *packet = GST_PAD_PROBE_INFO_BUFFER (info);
  GstBuffer *replaced;

  if (++run->n_in != run->garbage)
    return GST_PAD_PROBE_OK;
  replaced = gst_buffer_new_memdup (invalid, sizeof invalid);
  gst_buffer_copy_into (replaced, packet, GST_BUFFER_COPY_METADATA, 0, -1);
  gst_buffer_unref (packet);
  GST_PAD_PROBE_INFO_DATA (info) = replaced;
  return GST_PAD_PROBE_OK;
}

static GstPadProbeReturn
on_decoded (GstPad *pad,
            GstPadProbeInfo *info,
            gpointer user_data)
{
  Run *run = user_data;
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);
  GstMapInfo map;

  run->n_out++;
  /* Packets in (lost ones are not): those not decoded yet. */
  if (run->n_in > run->n_out)
    run->most_behind = MAX (run->most_behind, run->n_in - run->n_out);
  gst_buffer_map (buffer, &map, GST_MAP_READ);
  g_array_append_vals (run->samples, map.data, map.size / 2);
  gst_buffer_unmap (buffer, &map);
  return GST_PAD_PROBE_OK;
}

static void
run_decoder (Run *run)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *description = g_strdup_printf (
    "audiotestsrc num-buffers=%d samplesperbuffer=%d wave=%s "
    "! audio/x-raw,rate=48000,channels=1 ! opusenc frame-size=20 audio-type=voice bitrate=24000 "
    "inband-fec=%s packet-loss-percentage=%d ! rtpopuspay name=pay ! rtpopusdepay name=depay",
    N_PACKETS, FRAME, run->wave, run->fec ? "true" : "false", run->fec ? 20 : 0);
  g_autoptr (GstElement) pipeline = gst_parse_launch (description, &error);
  GstElement *dec = run->with_opusdec ? gst_element_factory_make ("opusdec", NULL)
                                      : blink_opus_decoder_new ();
  GstElement *sink = gst_element_factory_make ("fakesink", NULL);
  g_autoptr (GstElement) pay = NULL;
  g_autoptr (GstElement) depay = NULL;
  g_autoptr (GstPad) pay_src = NULL;
  g_autoptr (GstPad) dec_sink = NULL;
  g_autoptr (GstPad) dec_src = NULL;
  g_autoptr (GstBus) bus = NULL;
  g_autoptr (GstMessage) message = NULL;

  g_assert_no_error (error);
  if (run->with_opusdec)
    g_object_set (dec, "plc", TRUE, "use-inband-fec", !run->opusdec_no_fec, NULL);
  gst_bin_add_many (GST_BIN (pipeline), dec, sink, NULL);
  depay = gst_bin_get_by_name (GST_BIN (pipeline), "depay");
  g_assert_true (gst_element_link_many (depay, dec, sink, NULL));
  pay = gst_bin_get_by_name (GST_BIN (pipeline), "pay");
  pay_src = gst_element_get_static_pad (pay, "src");
  dec_sink = gst_element_get_static_pad (dec, "sink");
  dec_src = gst_element_get_static_pad (dec, "src");
  run->samples = g_array_new (FALSE, FALSE, sizeof (gint16));
  gst_pad_add_probe (pay_src, GST_PAD_PROBE_TYPE_BUFFER, on_payloaded, run, NULL);
  gst_pad_add_probe (dec_sink, GST_PAD_PROBE_TYPE_BUFFER, on_depayloaded, run, NULL);
  gst_pad_add_probe (dec_src, GST_PAD_PROBE_TYPE_BUFFER, on_decoded, run, NULL);

  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  bus = gst_element_get_bus (pipeline);
  message = gst_bus_timed_pop_filtered (bus, 20 * GST_SECOND, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  g_assert_nonnull (message);
  g_assert_cmpint (GST_MESSAGE_TYPE (message), ==, GST_MESSAGE_EOS);
  if (!run->with_opusdec)
    {
      run->recovered = blink_opus_decoder_get_recovered (BLINK_OPUS_DECODER (dec));
      run->concealed = blink_opus_decoder_get_concealed (BLINK_OPUS_DECODER (dec));
    }
  gst_element_set_state (pipeline, GST_STATE_NULL);
}

static void
run_clear (Run *run)
{
  g_clear_pointer (&run->samples, g_array_unref);
}

/* Signal to error (dB) of @run's packet @packet (from 1) against @clean's. */
static double
frame_snr (Run *clean,
           Run *run,
           guint packet)
{
  double signal = 0, noise = 0;
  gsize start = (gsize) (packet - 1) * FRAME;

  g_assert_cmpuint (run->samples->len, >=, start + FRAME);
  for (gsize i = start; i < start + FRAME; i++)
    {
      double s = g_array_index (clean->samples, gint16, i);
      double d = s - g_array_index (run->samples, gint16, i);

      signal += s * s;
      noise += d * d;
    }
  return 10 * log10 (signal / MAX (noise, 1));
}

static void
test_decodes_at_once (void)
{
  Run ours = { .wave = "sine" };
  Run opusdec = { .wave = "sine", .fec = TRUE, .with_opusdec = TRUE };

  run_decoder (&ours);
  /* opusenc adds a packet at the end, with what its look-ahead held. */
  g_assert_cmpuint (ours.n_out, ==, ours.n_payloaded);
  g_assert_cmpuint (ours.samples->len, ==, ours.n_payloaded * FRAME);
  /* Each packet comes out before the next goes in. */
  g_assert_cmpuint (ours.most_behind, ==, 0);
  g_assert_cmpuint (ours.recovered + ours.concealed, ==, 0);
  /* What it replaces holds each one until the next. */
  run_decoder (&opusdec);
  g_assert_cmpuint (opusdec.most_behind, ==, 1);
  run_clear (&ours);
  run_clear (&opusdec);
}

/* A lost packet is rebuilt from the FEC data of the one after it: what
 * opusdec with FEC makes of the same stream, sample for sample, and not
 * what concealment alone makes; no sample added or lost. */
static void
test_lost_packet_rebuilt (void)
{
  Run clean = { .wave = "sine", .fec = TRUE };
  Run ours = { .wave = "sine", .fec = TRUE, .lost = { 30, 60 } };
  Run opusdec = { .wave = "sine", .fec = TRUE, .lost = { 30, 60 }, .with_opusdec = TRUE };
  Run concealed = { .wave = "sine", .fec = TRUE, .lost = { 30, 60 }, .with_opusdec = TRUE,
                    .opusdec_no_fec = TRUE };

  run_decoder (&clean);
  run_decoder (&ours);
  run_decoder (&opusdec);
  run_decoder (&concealed);
  g_assert_cmpuint (ours.samples->len, ==, ours.n_payloaded * FRAME);
  g_assert_cmpuint (ours.recovered, ==, 2);
  g_assert_cmpuint (ours.concealed, ==, 0);
  /* opusdec 1.22 never decodes the packet it holds at the end. */
  g_assert_cmpuint (opusdec.samples->len, ==, ours.samples->len - FRAME);
  g_assert_cmpmem (ours.samples->data, opusdec.samples->len * 2, opusdec.samples->data,
                   opusdec.samples->len * 2);
  g_assert_cmpuint (concealed.samples->len, ==, ours.samples->len);
  g_assert_true (memcmp (ours.samples->data + (gsize) 29 * FRAME * 2,
                         concealed.samples->data + (gsize) 29 * FRAME * 2, FRAME * 2) != 0);
  g_test_message ("lost frames 30 and 60 against the clean decode: rebuilt %.1f and %.1f dB, "
                  "concealed %.1f and %.1f dB", frame_snr (&clean, &ours, 30),
                  frame_snr (&clean, &ours, 60), frame_snr (&clean, &concealed, 30),
                  frame_snr (&clean, &concealed, 60));
  run_clear (&clean);
  run_clear (&ours);
  run_clear (&opusdec);
  run_clear (&concealed);
}

/* Two lost in a row: the first concealed (nothing carries it), the
 * second rebuilt; the last packet lost: concealed at the end. */
static void
test_losses_in_a_row_and_at_the_end (void)
{
  Run run = { .wave = "sine", .fec = TRUE, .lost = { 40, 41, N_PACKETS + 1 } };

  run_decoder (&run);
  g_assert_cmpuint (run.n_payloaded, ==, N_PACKETS + 1);
  g_assert_cmpuint (run.samples->len, ==, run.n_payloaded * FRAME);
  g_assert_cmpuint (run.recovered, ==, 1);
  g_assert_cmpuint (run.concealed, ==, 2);
  run_clear (&run);
}

/* A packet that does not decode is concealed, and the stream goes on. */
static void
test_undecodable_packet_concealed (void)
{
  Run run = { .wave = "sine", .fec = TRUE, .garbage = 50 };

  run_decoder (&run);
  g_assert_cmpuint (run.n_out, ==, run.n_payloaded);
  g_assert_cmpuint (run.samples->len, ==, run.n_payloaded * FRAME);
  g_assert_cmpuint (run.concealed, ==, 1);
  run_clear (&run);
}

int
main (int argc,
      char **argv)
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/blink/opus-decoder/decodes-at-once", test_decodes_at_once);
  g_test_add_func ("/blink/opus-decoder/lost-packet-rebuilt", test_lost_packet_rebuilt);
  g_test_add_func ("/blink/opus-decoder/losses-in-a-row-and-at-the-end",
                   test_losses_in_a_row_and_at_the_end);
  g_test_add_func ("/blink/opus-decoder/undecodable-packet", test_undecodable_packet_concealed);
  return g_test_run ();
}
