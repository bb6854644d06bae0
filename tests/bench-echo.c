/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* How much of an echo the call pipeline's echo cancellation takes out
 * (ERLE, dB), in the engine's own pipeline (BlinkAudioPipeline) with a
 * simulated room (tests/blink-test-echo.c): a speech-like far end is
 * played, comes back into the microphone delayed and 10 dB down, and what
 * is sent is decoded and compared with the echo that went in, over 4 s
 * after 4 s to converge. Echo cancellation alone, then with noise
 * suppression and gain control as they ship. */

#include "config.h"

#include "blink-test-echo.h"

#include <gst/gst.h>

#define ECHO_GAIN_DB -10
#define SKIP_MS 4000
#define MEASURE_MS 4000

static double
erle (BlinkAudioProcessing processing,
      guint delay_ms)
{
  g_autoptr (BlinkTestEcho) echo =
    blink_test_echo_new (processing, BLINK_TEST_FAR_END_SPEECH, delay_ms, ECHO_GAIN_DB);

  if (!blink_test_echo_run (echo, SKIP_MS, MEASURE_MS))
    g_error ("the echo loop did not run");
  return blink_test_echo_erle (echo);
}

int
main (int argc,
      char **argv)
{
  const guint delays[] = { 20, 40, 60, 80, 120 };

  gst_init (&argc, &argv);
  g_print ("bench: echo %d dB, speech-like far end, ERLE over %u ms after %u ms\n",
           ECHO_GAIN_DB, MEASURE_MS, SKIP_MS);
  for (guint i = 0; i < G_N_ELEMENTS (delays); i++)
    {
      double alone = erle (BLINK_AUDIO_PROCESSING_ECHO_CANCELLATION, delays[i]);
      double all = erle (BLINK_AUDIO_PROCESSING_ALL, delays[i]);
      double none = erle (BLINK_AUDIO_PROCESSING_NONE, delays[i]);

      g_print ("bench: echo %3u ms after it is played: ERLE %5.1f dB echo cancellation alone, "
               "%5.1f dB all processing, %4.1f dB none\n",
               delays[i], alone, all, none);
    }
  return 0;
}
