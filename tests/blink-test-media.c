/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "blink-test-media.h"

static void
on_stopped (GObject *source,
            GAsyncResult *result,
            gpointer user_data)
{
  gboolean *stopped = user_data;

  *stopped = blink_audio_pipeline_stop_finish (BLINK_AUDIO_PIPELINE (source), result, NULL);
}

/**
 * blink_test_stop_pipeline:
 *
 * Stops @pipeline as the engine does, iterating the thread-default context
 * until it has.
 */
void
blink_test_stop_pipeline (BlinkAudioPipeline *pipeline)
{
  gboolean stopped = FALSE;

  blink_audio_pipeline_stop_async (pipeline, on_stopped, &stopped);
  while (!stopped)
    g_main_context_iteration (NULL, TRUE);
}
