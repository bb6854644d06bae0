/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* How much of an echo the call pipeline's echo cancellation takes out
 * (ERLE, dB), in the engine's own pipeline (BlinkAudioPipeline) with a
 * simulated room (tests/blink-test-echo.c): a far end is played, comes
 * back into the microphone delayed and attenuated, and what is sent is
 * decoded and compared with the echo that went in, over a window after
 * the processing has had time to converge.
 *
 * Without options: a speech-like far end, echo 10 dB down, 4 s measured
 * after 4 s, at five delays, with echo cancellation alone, with all the
 * processing as it ships, and with none. The options change the far end,
 * the delays, the echo's level, the times, the parts, and set properties
 * of webrtcdsp, to map where and how well it cancels. */

#include "config.h"

#include "blink-test-echo.h"

#include <gst/gst.h>
#include <math.h>
#include <stdio.h>

static char *far_end_name = NULL;
static char *delays_text = NULL;
static char *processing_text = NULL;
static double echo_gain_db = -10;
static int skip_ms = 4000;
static int measure_ms = 4000;
static char **dsp_settings = NULL;
static gboolean per_second = FALSE;
static gboolean in_chunk = FALSE;
static int far_end_latency_ms = 40;
static int speaker_latency_ms = 110;

static const GOptionEntry entries[] = {
  { "far-end", 0, 0, G_OPTION_ARG_STRING, &far_end_name,
    "What the far end says: speech (generated, the default), tone, noise, or a file", "WHAT" },
  { "delays", 0, 0, G_OPTION_ARG_STRING, &delays_text,
    "Echo delays after playback, ms: a list (20,40) or FIRST:LAST:STEP", "LIST" },
  { "echo-gain", 0, 0, G_OPTION_ARG_DOUBLE, &echo_gain_db, "The echo's level, dB (-10)", "DB" },
  { "skip", 0, 0, G_OPTION_ARG_INT, &skip_ms, "Time to converge, not measured, ms (4000)", "MS" },
  { "measure", 0, 0, G_OPTION_ARG_INT, &measure_ms, "Time measured, ms (4000)", "MS" },
  { "processing", 0, 0, G_OPTION_ARG_STRING, &processing_text,
    "The parts, e.g. echo-cancellation,gain-control; none; or table (the default: echo "
    "cancellation alone, all, none)",
    "PARTS" },
  { "set", 0, 0, G_OPTION_ARG_STRING_ARRAY, &dsp_settings,
    "A property of webrtcdsp, e.g. delay-agnostic=true (repeatable)", "PROP=VALUE" },
  { "far-end-latency", 0, 0, G_OPTION_ARG_INT, &far_end_latency_ms,
    "The far end's latency, as a jitter buffer reports it, ms (40)", "MS" },
  { "speaker-latency", 0, 0, G_OPTION_ARG_INT, &speaker_latency_ms,
    "The speaker's own latency, as a sound card reports it, ms (110, pulsesink's)", "MS" },
  { "per-second", 0, 0, G_OPTION_ARG_NONE, &per_second, "The ERLE in every second of the run",
    NULL },
  { "in-chunk", 0, 0, G_OPTION_ARG_NONE, &in_chunk,
    "The ERLE by the millisecond of the microphone's 10 ms chunks", NULL },
  { NULL },
};

static BlinkTestFarEnd
far_end_kind (void)
{
  if (far_end_name == NULL || g_str_equal (far_end_name, "speech"))
    return BLINK_TEST_FAR_END_SPEECH;
  if (g_str_equal (far_end_name, "tone"))
    return BLINK_TEST_FAR_END_TONE;
  if (g_str_equal (far_end_name, "noise"))
    return BLINK_TEST_FAR_END_NOISE;
  return BLINK_TEST_FAR_END_FILE;
}

static double
erle (BlinkAudioProcessing processing,
      guint delay_ms,
      GstClockTime *latency)
{
  g_autoptr (BlinkTestEcho) echo =
      blink_test_echo_new (processing, far_end_kind (), delay_ms, echo_gain_db);
  g_autoptr (GError) error = NULL;
  g_autoptr (GstElement) dsp = gst_bin_get_by_name (
      blink_audio_pipeline_get_bin (blink_test_echo_get_pipeline (echo)), "processing");

  if (far_end_kind () == BLINK_TEST_FAR_END_FILE &&
      !blink_test_echo_load_far_end (echo, far_end_name, &error))
    g_error ("%s", error->message);
  for (guint i = 0; dsp != NULL && dsp_settings != NULL && dsp_settings[i] != NULL; i++)
    {
      g_auto (GStrv) pair = g_strsplit (dsp_settings[i], "=", 2);

      if (pair[1] == NULL)
        g_error ("--set %s: PROP=VALUE", dsp_settings[i]);
      gst_util_set_object_arg (G_OBJECT (dsp), pair[0], pair[1]);
    }
  blink_test_echo_set_latencies (echo, far_end_latency_ms * GST_MSECOND,
                                 speaker_latency_ms * GST_MSECOND);
  if (!blink_test_echo_run (echo, skip_ms, measure_ms))
    g_error ("the echo loop did not run");
  *latency = blink_test_echo_get_latency (echo);
  if (per_second)
    {
      g_print ("bench:   per second:");
      for (guint s = 0; s < (guint) (skip_ms + measure_ms) / 1000 && s < BLINK_TEST_ECHO_SECONDS;
           s++)
        g_print (" %.1f", blink_test_echo_erle_at (echo, s));
      g_print ("\n");
    }
  if (in_chunk)
    {
      g_print ("bench:   by ms of the 10 ms chunk:");
      for (guint ms = 0; ms < 10; ms++)
        g_print (" %.1f", blink_test_echo_erle_in_chunk (echo, ms));
      g_print ("\n");
    }
  return blink_test_echo_erle (echo);
}

static GArray *
parse_delays (void)
{
  GArray *delays = g_array_new (FALSE, FALSE, sizeof (guint));
  const guint defaults[] = { 20, 40, 60, 80, 120 };
  guint first, last, step;

  if (delays_text == NULL)
    g_array_append_vals (delays, defaults, G_N_ELEMENTS (defaults));
  else if (sscanf (delays_text, "%u:%u:%u", &first, &last, &step) == 3 && step > 0)
    for (guint d = first; d <= last; d += step)
      g_array_append_val (delays, d);
  else
    {
      g_auto (GStrv) items = g_strsplit (delays_text, ",", -1);

      for (guint i = 0; items[i] != NULL; i++)
        {
          guint d = (guint) g_ascii_strtoull (items[i], NULL, 10);

          g_array_append_val (delays, d);
        }
    }
  return delays;
}

static BlinkAudioProcessing
parse_processing (void)
{
  g_autoptr (GFlagsClass) flags = g_type_class_ref (BLINK_TYPE_AUDIO_PROCESSING);
  g_auto (GStrv) names = g_strsplit (processing_text, ",", -1);
  BlinkAudioProcessing processing = BLINK_AUDIO_PROCESSING_NONE;

  for (guint i = 0; names[i] != NULL; i++)
    {
      GFlagsValue *value = g_flags_get_value_by_nick (flags, names[i]);

      if (value == NULL)
        g_error ("--processing: no part %s", names[i]);
      processing |= value->value;
    }
  return processing;
}

int
main (int argc,
      char **argv)
{
  g_autoptr (GOptionContext) context = g_option_context_new ("- ERLE of the call pipeline");
  g_autoptr (GError) error = NULL;
  g_autoptr (GArray) delays = NULL;
  g_autofree char *settings = NULL;
  GstClockTime latency = GST_CLOCK_TIME_NONE;

  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_add_group (context, gst_init_get_option_group ());
  if (!g_option_context_parse (context, &argc, &argv, &error))
    g_error ("%s", error->message);
  delays = parse_delays ();
  settings = dsp_settings != NULL ? g_strjoinv (" ", dsp_settings) : g_strdup ("defaults");
  g_print ("bench: far end %s, echo %.0f dB, ERLE over %d ms after %d ms, webrtcdsp %s, "
           "latency of the far end %d ms, of the speaker %d ms\n",
           far_end_name != NULL ? far_end_name : "speech", echo_gain_db, measure_ms, skip_ms,
           settings, far_end_latency_ms, speaker_latency_ms);
  for (guint i = 0; i < delays->len; i++)
    {
      guint delay = g_array_index (delays, guint, i);

      if (processing_text == NULL || g_str_equal (processing_text, "table"))
        {
          double alone = erle (BLINK_AUDIO_PROCESSING_ECHO_CANCELLATION, delay, &latency);
          double all = erle (BLINK_AUDIO_PROCESSING_ALL, delay, &latency);
          double none = erle (BLINK_AUDIO_PROCESSING_NONE, delay, &latency);

          g_print ("bench: echo %3u ms after it is played: ERLE %5.1f dB echo cancellation "
                   "alone, %5.1f dB all processing, %4.1f dB none (latency %" G_GUINT64_FORMAT
                   " ms)\n",
                   delay, alone, all, none, latency / GST_MSECOND);
        }
      else
        {
          double value = erle (parse_processing (), delay, &latency);

          g_print ("bench: echo %3u ms after it is played: ERLE %5.1f dB %s (latency %"
                   G_GUINT64_FORMAT " ms)\n",
                   delay, value, processing_text, latency / GST_MSECOND);
        }
    }
  return 0;
}
