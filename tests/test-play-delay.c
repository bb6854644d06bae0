/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* BlinkPlayDelay: a branch of a live mixer whose thread stalls (a starved
 * decoding branch) must have its audio played late, not dropped, and the
 * delay come down again in a pause once the stalls are over. */

#include "config.h"

#include "blink-play-delay.h"

#include <gst/gst.h>
#include <string.h>

#define N_BUFFERS 50
#define SAMPLES_PER_BUFFER 960 /* 20 ms at 48 kHz */
#define STALL_AT 10
#define INITIAL_DELAY (40 * GST_MSECOND)

typedef struct
{
  GstClockTime stall;
  gboolean unguarded;
  guint n_buffers;   /* N_BUFFERS when 0 */
  guint quiet_from;  /* buffers [quiet_from, quiet_to) are silence */
  guint quiet_to;
  GstClockTime initial; /* INITIAL_DELAY when 0 */
  guint samples;        /* per buffer, SAMPLES_PER_BUFFER when 0 */

  guint n_in;
  guint64 tone_out; /* samples of the tone the mixer played */
  gboolean ended;   /* the tone's end of stream reached the mixer */

  /* The guard's figures at the end. */
  GstClockTime delay;
  guint raises;
  guint lowerings;
  GstClockTime late;
} Run;

/* In the branch's streaming thread, as a starved machine would. */
static GstPadProbeReturn
on_tone (GstPad *pad,
         GstPadProbeInfo *info,
         gpointer user_data)
{
  Run *run = user_data;

  if (++run->n_in == STALL_AT)
    g_usleep (run->stall / GST_USECOND);
  if (run->n_in > run->quiet_from && run->n_in <= run->quiet_to)
    {
      GstBuffer *buffer = gst_buffer_make_writable (GST_PAD_PROBE_INFO_BUFFER (info));
      GstMapInfo map;

      gst_buffer_map (buffer, &map, GST_MAP_WRITE);
      memset (map.data, 0, map.size);
      gst_buffer_unmap (buffer, &map);
      GST_PAD_PROBE_INFO_DATA (info) = buffer;
    }
  return GST_PAD_PROBE_OK;
}

static GstPadProbeReturn
on_branch_end (GstPad *pad,
               GstPadProbeInfo *info,
               gpointer user_data)
{
  if (GST_EVENT_TYPE (GST_PAD_PROBE_INFO_EVENT (info)) == GST_EVENT_EOS)
    g_atomic_int_set (&((Run *) user_data)->ended, TRUE);
  return GST_PAD_PROBE_OK;
}

/* The silence is zeros and the tone a square wave, never zero: every
 * sample out that is not zero is one of the tone's. */
static GstPadProbeReturn
on_mixed (GstPad *pad,
          GstPadProbeInfo *info,
          gpointer user_data)
{
  Run *run = user_data;
  GstMapInfo map;
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);

  if (!gst_buffer_map (buffer, &map, GST_MAP_READ))
    return GST_PAD_PROBE_OK;
  for (gsize i = 0; i + 1 < map.size; i += 2)
    if (map.data[i] != 0 || map.data[i + 1] != 0)
      run->tone_out++;
  gst_buffer_unmap (buffer, &map);
  return GST_PAD_PROBE_OK;
}

static void
run_mixer (Run *run)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GstElement) pipeline = NULL;
  g_autoptr (GstElement) mixer = NULL;
  g_autoptr (GstElement) tone = NULL;
  g_autoptr (GstElement) branch = NULL;
  g_autoptr (GstPad) tone_src = NULL;
  g_autoptr (GstPad) branch_src = NULL;
  g_autoptr (GstPad) mixer_src = NULL;
  g_autoptr (BlinkPlayDelay) delay = NULL;
  g_autofree char *description = NULL;
  gint64 deadline;

  if (run->n_buffers == 0)
    run->n_buffers = N_BUFFERS;
  if (run->initial == 0)
    run->initial = INITIAL_DELAY;
  if (run->samples == 0)
    run->samples = SAMPLES_PER_BUFFER;
  description = g_strdup_printf (
    "audiotestsrc wave=silence is-live=true samplesperbuffer=1024"
    " ! audio/x-raw,format=S16LE,rate=48000,channels=1 ! audiomixer name=mixer"
    " ! fakesink sync=true "
    "audiotestsrc name=tone wave=square volume=0.5 is-live=true num-buffers=%u"
    " samplesperbuffer=%u ! audio/x-raw,format=S16LE,rate=48000,channels=1"
    " ! volume name=branch ! mixer.",
    run->n_buffers, run->samples);
  pipeline = gst_parse_launch (description, &error);
  g_assert_no_error (error);
  mixer = gst_bin_get_by_name (GST_BIN (pipeline), "mixer");
  tone = gst_bin_get_by_name (GST_BIN (pipeline), "tone");
  branch = gst_bin_get_by_name (GST_BIN (pipeline), "branch");
  tone_src = gst_element_get_static_pad (tone, "src");
  branch_src = gst_element_get_static_pad (branch, "src");
  mixer_src = gst_element_get_static_pad (mixer, "src");

  gst_pad_add_probe (tone_src, GST_PAD_PROBE_TYPE_BUFFER, on_tone, run, NULL);
  gst_pad_add_probe (branch_src, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, on_branch_end, run, NULL);
  gst_pad_add_probe (mixer_src, GST_PAD_PROBE_TYPE_BUFFER, on_mixed, run, NULL);
  if (run->unguarded)
    gst_pad_set_offset (branch_src, run->initial);
  else
    delay = blink_play_delay_attach (branch_src, mixer, run->initial);

  g_assert_cmpint (gst_element_set_state (pipeline, GST_STATE_PLAYING), !=,
                   GST_STATE_CHANGE_FAILURE);
  deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while (!g_atomic_int_get (&run->ended))
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (10 * 1000);
    }
  /* Until the mixer has played the tone's end at the longest delay. */
  g_usleep ((BLINK_PLAY_DELAY_MAX_MS + 200) * 1000);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  if (delay == NULL)
    {
      g_test_message ("unguarded: %" G_GUINT64_FORMAT " samples of the tone played",
                      run->tone_out);
      return;
    }
  blink_play_delay_get_figures (delay, &run->delay, &run->raises, &run->lowerings, &run->late);
  g_test_message ("%" G_GUINT64_FORMAT " samples of the tone played; delay %.0f ms after %u "
                  "raises and %u lowerings, %.0f ms late", run->tone_out,
                  (double) run->delay / GST_MSECOND, run->raises, run->lowerings,
                  (double) run->late / GST_MSECOND);
}

static void
test_stall_without_guard (void)
{
  Run run = { .stall = 150 * GST_MSECOND, .unguarded = TRUE };

  run_mixer (&run);
  /* The scene the guard is for: with a fixed delay the mixer drops what
   * the stall made late (about the stall less the delay and the mixer's
   * latency). */
  g_assert_cmpuint (run.tone_out, <, run.n_buffers * run.samples - 48 * 40);
}

static void
test_stall (void)
{
  Run run = { .stall = 150 * GST_MSECOND };

  run_mixer (&run);

  g_assert_cmpuint (run.tone_out, ==, run.n_buffers * run.samples);
  g_assert_cmpuint (run.raises, >=, 1);
  g_assert_cmpuint (run.delay, >, INITIAL_DELAY);
  g_assert_cmpuint (run.delay, <=, BLINK_PLAY_DELAY_MAX_MS * GST_MSECOND);
  g_assert_cmpuint (run.late, ==, 0);
}

static void
test_stall_then_pause (void)
{
  /* A stall, then 2.6 s of audio in time, a pause of 4 s (the delay
   * comes down in 2 s if nothing else comes late), audio again. */
  Run run = { .stall = 150 * GST_MSECOND, .n_buffers = 380, .quiet_from = 140,
              .quiet_to = 340 };
  guint tone;

  run_mixer (&run);
  tone = (run.n_buffers - (run.quiet_to - run.quiet_from)) * run.samples;

  /* Back where it started, with nothing of the tone dropped: only the
   * pause was cut. */
  g_assert_cmpuint (run.raises, >=, 1);
  g_assert_cmpuint (run.lowerings, >=, 1);
  g_assert_cmpuint (run.delay, ==, INITIAL_DELAY);
  g_assert_cmpuint (run.tone_out, ==, tone);
}

static void
test_stall_then_no_pause (void)
{
  Run run = { .stall = 150 * GST_MSECOND, .n_buffers = 200 };

  run_mixer (&run);

  /* Room to spare, but never a pause to cut: the delay stays up. */
  g_assert_cmpuint (run.lowerings, ==, 0);
  g_assert_cmpuint (run.delay, >, INITIAL_DELAY);
  g_assert_cmpuint (run.tone_out, ==, run.n_buffers * run.samples);
}

static void
test_no_stall (void)
{
  /* The mixer takes two buffers ahead, and the branch waits while it has
   * them: with 100 ms buffers and a delay as long, only a hiccup of 200 ms
   * of the test machine would make audio late. */
  Run run = { .stall = 0, .n_buffers = 10, .samples = 4800, .initial = 200 * GST_MSECOND };

  run_mixer (&run);

  /* Audio in time leaves the delay alone. */
  g_assert_cmpuint (run.tone_out, ==, run.n_buffers * run.samples);
  g_assert_cmpuint (run.raises, ==, 0);
  g_assert_cmpuint (run.delay, ==, run.initial);
}

static void
test_stall_long_delay (void)
{
  /* A long jitter buffer's delay still has room to grow: up to twice it. */
  Run run = { .stall = 200 * GST_MSECOND, .initial = 200 * GST_MSECOND };

  run_mixer (&run);

  g_assert_cmpuint (run.raises, >=, 1);
  g_assert_cmpuint (run.delay, >, BLINK_PLAY_DELAY_MAX_MS * GST_MSECOND);
  g_assert_cmpuint (run.delay, <=, 2 * run.initial);
  g_assert_cmpuint (run.late, ==, 0);
  g_assert_cmpuint (run.tone_out, ==, run.n_buffers * run.samples);
}

static void
test_stall_past_the_most (void)
{
  Run run = { .stall = (BLINK_PLAY_DELAY_MAX_MS + 200) * GST_MSECOND };

  run_mixer (&run);

  /* Past the most the delay goes, what is still late is dropped, and
   * counted. */
  g_assert_cmpuint (run.delay, ==, BLINK_PLAY_DELAY_MAX_MS * GST_MSECOND);
  g_assert_cmpuint (run.late, >, 0);
  g_assert_cmpuint (run.tone_out, <, run.n_buffers * run.samples);
  g_assert_cmpuint (run.tone_out, >, run.n_buffers * run.samples / 2);
}

int
main (int argc,
      char **argv)
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/blink/play-delay/no-stall", test_no_stall);
  g_test_add_func ("/blink/play-delay/stall-without-guard", test_stall_without_guard);
  g_test_add_func ("/blink/play-delay/stall", test_stall);
  g_test_add_func ("/blink/play-delay/stall-past-the-most", test_stall_past_the_most);
  g_test_add_func ("/blink/play-delay/stall-long-delay", test_stall_long_delay);
  g_test_add_func ("/blink/play-delay/stall-then-pause", test_stall_then_pause);
  g_test_add_func ("/blink/play-delay/stall-then-no-pause", test_stall_then_no_pause);
  return g_test_run ();
}
