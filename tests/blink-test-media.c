/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "blink-test-media.h"

#include "blink-test-ipfs-network.h"

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

static void
on_closed (BlinkPeer *peer,
           gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
}

static gboolean
flag_set (gpointer user_data)
{
  return *(gboolean *) user_data;
}

/**
 * blink_test_close_peer:
 *
 * Closes @peer and waits until it has ("closed"), as the engine does before
 * it stops a pipeline: the pipeline must not stop under a closing peer.
 *
 * Returns: whether it closed within @timeout_ms
 */
gboolean
blink_test_close_peer (BlinkPeer *peer,
                       guint timeout_ms)
{
  gboolean closed = blink_peer_get_state (peer) == BLINK_PEER_STATE_CLOSED;
  gulong id;
  gboolean done;

  if (closed)
    return TRUE;
  id = g_signal_connect (peer, "closed", G_CALLBACK (on_closed), &closed);
  blink_peer_close (peer);
  done = blink_test_wait_until (flag_set, &closed, timeout_ms);
  g_signal_handler_disconnect (peer, id);
  return done;
}

/**
 * blink_test_count_elements:
 *
 * Returns: how many elements made by @factory are in @bin, at any depth
 */
guint
blink_test_count_elements (GstBin *bin,
                           const char *factory)
{
  g_autoptr (GstIterator) it = gst_bin_iterate_all_by_element_factory_name (bin, factory);
  g_auto (GValue) item = G_VALUE_INIT;
  guint n = 0;

  while (gst_iterator_next (it, &item) == GST_ITERATOR_OK)
    {
      n++;
      g_value_reset (&item);
    }
  return n;
}

/**
 * blink_test_audio_format:
 * @format: (out): the test parties' call format
 *
 * The format the test parties' calls use: the default, with the frame
 * length BLINK_TEST_FRAME_MS sets (the benchmarks' comparison of lengths,
 * docs/benchmarks.md).
 *
 * Returns: whether BLINK_TEST_FRAME_MS is set
 */
gboolean
blink_test_audio_format (BlinkAudioFormat *format)
{
  const char *frame_ms = g_getenv ("BLINK_TEST_FRAME_MS");

  *format = BLINK_AUDIO_FORMAT_DEFAULT;
  if (frame_ms == NULL)
    return FALSE;
  format->frame_ms = (guint) g_ascii_strtoull (frame_ms, NULL, 10);
  return TRUE;
}
