/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "blink-audio-test"

#include "config.h"

#include "blink-audio-test.h"

#include "blink-audio-pipeline.h"
#include "blink-engine-errors.h"

#include <glib/gi18n-lib.h>

/* "Can they hear me?" before a call: the microphone's level ten times a
 * second, and a test tone on the speaker, with the devices a call would
 * use:
 *
 *   microphone ! level(100 ms) ! fakesink
 *   audiotestsrc(BLINK_AUDIO_TEST_TONE_HZ, -20 dBFS) ! speaker
 */

enum
{
  PROP_0,
  PROP_RUNNING,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum
{
  SIGNAL_LEVEL,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

struct _BlinkAudioTest
{
  GObject parent_instance;

  GstElement *pipeline;
  GSource *bus_watch;
};

G_DEFINE_FINAL_TYPE (BlinkAudioTest, blink_audio_test, G_TYPE_OBJECT)

/* The loudest channel's RMS level, dBFS. */
static gboolean
level_of (const GstStructure *structure,
          double *level)
{
  const GValue *rms = gst_structure_get_value (structure, "rms");
  GValueArray *channels;

  /* level posts a GValueArray, deprecated but what 1.22 gives. */
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  if (rms == NULL || !G_VALUE_HOLDS (rms, g_value_array_get_type ()))
    return FALSE;
  channels = g_value_get_boxed (rms);
  *level = -G_MAXDOUBLE;
  for (guint i = 0; i < channels->n_values; i++)
    *level = MAX (*level, g_value_get_double (g_value_array_get_nth (channels, i)));
  G_GNUC_END_IGNORE_DEPRECATIONS
  return channels->n_values > 0;
}

static gboolean
on_bus_message (GstBus *bus,
                GstMessage *message,
                gpointer user_data)
{
  BlinkAudioTest *self = user_data;
  const GstStructure *structure = gst_message_get_structure (message);
  double level;

  if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_ELEMENT &&
      gst_structure_has_name (structure, "level") && level_of (structure, &level))
    {
      /* Digital silence is -inf: a number D-Bus and JSON can carry. */
      g_signal_emit (self, signals[SIGNAL_LEVEL], 0, MAX (level, -120.0));
    }
  else if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_ERROR)
    {
      g_autoptr (GError) error = NULL;

      gst_message_parse_error (message, &error, NULL);
      g_warning ("The audio test stopped: %s", error->message);
      blink_audio_test_stop (self);
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

static void
blink_audio_test_get_property (GObject *object,
                               guint prop_id,
                               GValue *value,
                               GParamSpec *pspec)
{
  BlinkAudioTest *self = BLINK_AUDIO_TEST (object);

  switch (prop_id)
    {
    case PROP_RUNNING:
      g_value_set_boolean (value, blink_audio_test_get_running (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
blink_audio_test_dispose (GObject *object)
{
  BlinkAudioTest *self = BLINK_AUDIO_TEST (object);

  blink_audio_test_stop (self);

  G_OBJECT_CLASS (blink_audio_test_parent_class)->dispose (object);
}

static void
blink_audio_test_class_init (BlinkAudioTestClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = blink_audio_test_get_property;
  object_class->dispose = blink_audio_test_dispose;

  properties[PROP_RUNNING] =
    g_param_spec_boolean ("running", "Running", "Whether the test plays and listens", FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * BlinkAudioTest::level:
   * @level: the microphone's RMS level over the last 100 ms, dBFS (-120:
   *   digital silence)
   */
  signals[SIGNAL_LEVEL] = g_signal_new ("level", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                        0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_DOUBLE);
}

static void
blink_audio_test_init (BlinkAudioTest *self)
{
}

BlinkAudioTest *
blink_audio_test_new (void)
{
  return g_object_new (BLINK_TYPE_AUDIO_TEST, NULL);
}

/**
 * blink_audio_test_start:
 * @microphone: (nullable): the device to listen to; NULL: @source
 * @speaker: (nullable): the device to play the tone on; NULL: @sink
 *
 * Starts again with these devices when it runs already. Its bus messages
 * come on the calling thread's default main context.
 */
gboolean
blink_audio_test_start (BlinkAudioTest *self,
                        GstDevice *microphone,
                        const char *source,
                        GstDevice *speaker,
                        const char *sink,
                        GError **error)
{
  g_autoptr (GstBus) bus = NULL;
  g_autoptr (GstElement) pipeline = NULL;
  GstElement *mic, *level, *fakesink, *tone, *playback;

  g_return_val_if_fail (BLINK_IS_AUDIO_TEST (self), FALSE);

  blink_audio_test_stop (self);
  mic = blink_audio_device_bin_new (microphone, source, GST_PAD_SRC, error);
  if (mic == NULL)
    return FALSE;
  playback = blink_audio_device_bin_new (speaker, sink, GST_PAD_SINK, error);
  if (playback == NULL)
    {
      gst_object_unref (gst_object_ref_sink (mic));
      return FALSE;
    }
  pipeline = gst_object_ref_sink (gst_pipeline_new ("blink-audio-test"));
  level = gst_element_factory_make ("level", NULL);
  fakesink = gst_element_factory_make ("fakesink", NULL);
  tone = gst_element_factory_make ("audiotestsrc", NULL);
  g_object_set (level, "interval", 100 * GST_MSECOND, "post-messages", TRUE, NULL);
  g_object_set (fakesink, "sync", FALSE, "async", FALSE, NULL);
  g_object_set (tone, "is-live", TRUE, "freq", (double) BLINK_AUDIO_TEST_TONE_HZ, "volume", 0.1,
                NULL);
  gst_bin_add_many (GST_BIN (pipeline), mic, level, fakesink, tone, playback, NULL);
  if (!gst_element_link_many (mic, level, fakesink, NULL) ||
      !gst_element_link (tone, playback))
    {
      g_set_error_literal (error, BLINK_CALL_ERROR, BLINK_CALL_ERROR_DEVICE,
                           _("The audio devices cannot be linked to the audio test"));
      return FALSE;
    }
  bus = gst_element_get_bus (pipeline);
  if (gst_element_set_state (pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE)
    {
      g_autoptr (GstMessage) message = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
      g_autoptr (GError) device_error = NULL;

      if (message != NULL)
        gst_message_parse_error (message, &device_error, NULL);
      gst_element_set_state (pipeline, GST_STATE_NULL);
      g_set_error (error, BLINK_CALL_ERROR, BLINK_CALL_ERROR_DEVICE,
                   _("The audio devices cannot be opened: %s"),
                   device_error != NULL ? device_error->message : _("no reason given"));
      return FALSE;
    }
  self->bus_watch = gst_bus_create_watch (bus);
  g_source_set_callback (self->bus_watch, (GSourceFunc) G_CALLBACK (on_bus_message), self, NULL);
  g_source_attach (self->bus_watch, g_main_context_get_thread_default ());
  self->pipeline = g_steal_pointer (&pipeline);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);
  return TRUE;
}

void
blink_audio_test_stop (BlinkAudioTest *self)
{
  g_return_if_fail (BLINK_IS_AUDIO_TEST (self));

  if (self->pipeline == NULL)
    return;
  if (self->bus_watch != NULL)
    g_source_destroy (self->bus_watch);
  g_clear_pointer (&self->bus_watch, g_source_unref);
  gst_element_set_state (self->pipeline, GST_STATE_NULL);
  gst_clear_object (&self->pipeline);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);
}

gboolean
blink_audio_test_get_running (BlinkAudioTest *self)
{
  g_return_val_if_fail (BLINK_IS_AUDIO_TEST (self), FALSE);

  return self->pipeline != NULL;
}
