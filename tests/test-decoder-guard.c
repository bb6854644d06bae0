/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* blink_peer_guard_decoder: loss reports shorter than an Opus frame must
 * not silence the decoder; real losses must still reach its concealment. */

#include "config.h"

#include "blink-peer.h"

#include <gst/gst.h>

#define N_BUFFERS 100
#define LOSS_AFTER 10

typedef struct
{
  GstClockTime loss_duration;
  guint n_losses;
  gboolean unguarded;
  guint n_in;
  guint n_out;
  guint n_gaps;
  guint64 samples_out;
} Run;

/* Imitates what the jitter buffer does when a late first packet is
 * followed by a jump in sequence numbers: n_losses loss reports, then the
 * stream goes on marked discontinuous. */
static GstPadProbeReturn
on_payloaded (GstPad *pad,
              GstPadProbeInfo *info,
              gpointer user_data)
{
  Run *run = user_data;
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);

  if (++run->n_in != LOSS_AFTER)
    return GST_PAD_PROBE_OK;

  for (guint i = 1; i <= run->n_losses; i++)
    {
      GstStructure *lost = gst_structure_new (
        "GstRTPPacketLost", "seqnum", G_TYPE_UINT, 1000 + i, "timestamp", G_TYPE_UINT64,
        GST_BUFFER_PTS (buffer) + (i - 1) * run->loss_duration, "duration", G_TYPE_UINT64,
        run->loss_duration, "retry", G_TYPE_UINT, 0, NULL);

      gst_pad_push_event (pad, gst_event_new_custom (GST_EVENT_CUSTOM_DOWNSTREAM, lost));
    }
  buffer = gst_buffer_make_writable (buffer);
  GST_BUFFER_FLAG_SET (buffer, GST_BUFFER_FLAG_DISCONT);
  GST_PAD_PROBE_INFO_DATA (info) = buffer;
  return GST_PAD_PROBE_OK;
}

static GstPadProbeReturn
on_decoded (GstPad *pad,
            GstPadProbeInfo *info,
            gpointer user_data)
{
  Run *run = user_data;

  g_atomic_int_inc (&run->n_out);
  /* S16 mono, one streaming thread. */
  run->samples_out += gst_buffer_get_size (GST_PAD_PROBE_INFO_BUFFER (info)) / 2;
  return GST_PAD_PROBE_OK;
}

static GstPadProbeReturn
on_decoder_event (GstPad *pad,
                  GstPadProbeInfo *info,
                  gpointer user_data)
{
  if (GST_EVENT_TYPE (GST_PAD_PROBE_INFO_EVENT (info)) == GST_EVENT_GAP)
    g_atomic_int_inc (&((Run *) user_data)->n_gaps);
  return GST_PAD_PROBE_OK;
}

static void
run_decoder (Run *run)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GstElement) pipeline = gst_parse_launch (
    "audiotestsrc num-buffers=" G_STRINGIFY (N_BUFFERS) " samplesperbuffer=960 "
    "! audio/x-raw,rate=48000,channels=1 ! opusenc frame-size=20 ! rtpopuspay name=pay "
    "! rtpopusdepay name=depay ! opusdec plc=true use-inband-fec=true name=dec ! fakesink",
    &error);
  g_autoptr (GstElement) pay = NULL;
  g_autoptr (GstElement) depay = NULL;
  g_autoptr (GstElement) dec = NULL;
  g_autoptr (GstPad) pay_src = NULL;
  g_autoptr (GstPad) depay_sink = NULL;
  g_autoptr (GstPad) dec_sink = NULL;
  g_autoptr (GstPad) dec_src = NULL;
  g_autoptr (GstBus) bus = NULL;
  g_autoptr (GstMessage) message = NULL;

  g_assert_no_error (error);
  pay = gst_bin_get_by_name (GST_BIN (pipeline), "pay");
  depay = gst_bin_get_by_name (GST_BIN (pipeline), "depay");
  dec = gst_bin_get_by_name (GST_BIN (pipeline), "dec");
  pay_src = gst_element_get_static_pad (pay, "src");
  depay_sink = gst_element_get_static_pad (depay, "sink");
  dec_sink = gst_element_get_static_pad (dec, "sink");
  dec_src = gst_element_get_static_pad (dec, "src");

  gst_pad_add_probe (pay_src, GST_PAD_PROBE_TYPE_BUFFER, on_payloaded, run, NULL);
  gst_pad_add_probe (dec_src, GST_PAD_PROBE_TYPE_BUFFER, on_decoded, run, NULL);
  gst_pad_add_probe (dec_sink, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, on_decoder_event, run, NULL);
  if (!run->unguarded)
    blink_peer_guard_decoder (depay_sink);

  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  bus = gst_element_get_bus (pipeline);
  message = gst_bus_timed_pop_filtered (bus, 20 * GST_SECOND, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  g_assert_nonnull (message);
  g_assert_cmpint (GST_MESSAGE_TYPE (message), ==, GST_MESSAGE_EOS);
  gst_element_set_state (pipeline, GST_STATE_NULL);
}

static void
test_tiny_losses_keep_the_decoder_going (void)
{
  /* Unguarded, opusdec 1.22 decodes 9 of these 100 packets (and leaks the
   * frames it holds), see docs/engine.md. */
  Run guarded = { .loss_duration = 328, .n_losses = 51 };

  run_decoder (&guarded);
  g_assert_cmpuint (guarded.n_in, >=, N_BUFFERS);
  g_assert_cmpuint (guarded.n_gaps, ==, 0);
  g_assert_cmpuint (guarded.n_out, >=, N_BUFFERS - 1);
}

static void
test_real_losses_are_concealed (void)
{
  Run run = { .loss_duration = 20 * GST_MSECOND, .n_losses = 3 };

  run_decoder (&run);
  g_assert_cmpuint (run.n_gaps, ==, 3);
  /* Every packet decoded, plus concealment for the three lost ones. */
  g_assert_cmpuint (run.n_out, >=, N_BUFFERS + 2);
}

/* The jitter buffer reports one lost packet of 20 ms as lost for the time
 * between the packets around it as they arrived; with jitter 22.5 ms, say.
 * Concealed as reported, each adds (or takes out) audio, and moves all
 * that follows: with the guard each conceals one packet. */
static void
test_jittered_losses_conceal_one_packet (void)
{
  Run guarded = { .loss_duration = 22500 * GST_USECOND, .n_losses = 4 };
  Run unguarded = { .loss_duration = 22500 * GST_USECOND, .n_losses = 4, .unguarded = TRUE };
  Run shorter = { .loss_duration = 17500 * GST_USECOND, .n_losses = 4 };

  run_decoder (&guarded);
  g_assert_cmpuint (guarded.n_gaps, ==, 4);
  g_assert_cmpuint (guarded.samples_out, ==, (N_BUFFERS + 4) * 960);
  run_decoder (&shorter);
  g_assert_cmpuint (shorter.samples_out, ==, (N_BUFFERS + 4) * 960);
  /* What the guard is for: opusdec 1.22 conceals 22.5 ms for each. */
  run_decoder (&unguarded);
  g_assert_cmpuint (unguarded.samples_out, >, (N_BUFFERS + 4) * 960);
}

int
main (int argc,
      char **argv)
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/blink/decoder-guard/tiny-losses", test_tiny_losses_keep_the_decoder_going);
  g_test_add_func ("/blink/decoder-guard/real-losses", test_real_losses_are_concealed);
  g_test_add_func ("/blink/decoder-guard/jittered-losses", test_jittered_losses_conceal_one_packet);
  return g_test_run ();
}
