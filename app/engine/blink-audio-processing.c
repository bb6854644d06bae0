/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "blink-audio-processing"

#include "config.h"

#include "blink-audio-processing.h"
#include "blink-enum.h"

G_DEFINE_FLAGS_TYPE (BlinkAudioProcessing,
                     blink_audio_processing,
                     G_DEFINE_ENUM_VALUE (BLINK_AUDIO_PROCESSING_NONE, "none"),
                     G_DEFINE_ENUM_VALUE (BLINK_AUDIO_PROCESSING_ECHO_CANCELLATION,
                                          "echo-cancellation"),
                     G_DEFINE_ENUM_VALUE (BLINK_AUDIO_PROCESSING_NOISE_SUPPRESSION,
                                          "noise-suppression"),
                     G_DEFINE_ENUM_VALUE (BLINK_AUDIO_PROCESSING_GAIN_CONTROL, "gain-control"))

G_DEFINE_ENUM_TYPE (BlinkAudioProcessingMode,
                    blink_audio_processing_mode,
                    G_DEFINE_ENUM_VALUE (BLINK_AUDIO_PROCESSING_MODE_AUTO, "auto"),
                    G_DEFINE_ENUM_VALUE (BLINK_AUDIO_PROCESSING_MODE_ON, "on"),
                    G_DEFINE_ENUM_VALUE (BLINK_AUDIO_PROCESSING_MODE_OFF, "off"))

/* Sources that make their sound rather than hear a room: no echo, no
 * noise, no level to correct. Everything else (autoaudiosrc, pulsesrc,
 * alsasrc, pipewiresrc, …) is taken for a microphone. */
static const char *const synthetic_factories[] = {
  "audiotestsrc", "appsrc", "filesrc", "fdsrc", "multifilesrc", "giosrc", NULL,
};

static gboolean
is_synthetic (GstElement *element)
{
  GstElementFactory *factory = gst_element_get_factory (element);

  return factory != NULL && g_strv_contains (synthetic_factories, GST_OBJECT_NAME (factory));
}

/* A bin of the description itself ("( … )"), not an element that happens
 * to be a bin: autoaudiosrc holds an audiotestsrc until it finds a device. */
static gboolean
is_plain_bin (GstElement *element)
{
  GstElementFactory *factory = gst_element_get_factory (element);

  return GST_IS_BIN (element) &&
         (factory == NULL || g_str_equal (GST_OBJECT_NAME (factory), "bin"));
}

/**
 * blink_audio_processing_is_synthetic_source:
 * @source: a source element or a bin of them, as gst_parse_bin_from_description()
 *   makes it
 *
 * Returns: whether @source, or an element in it, makes its sound (a test
 *   tone, silence, a file, an appsrc) rather than capturing a room
 */
gboolean
blink_audio_processing_is_synthetic_source (GstElement *source)
{
  g_autoptr (GstIterator) elements = NULL;
  GValue item = G_VALUE_INIT;
  gboolean synthetic = FALSE;

  g_return_val_if_fail (GST_IS_ELEMENT (source), FALSE);

  if (!is_plain_bin (source))
    return is_synthetic (source);
  elements = gst_bin_iterate_elements (GST_BIN (source));
  while (!synthetic && gst_iterator_next (elements, &item) == GST_ITERATOR_OK)
    {
      synthetic = blink_audio_processing_is_synthetic_source (g_value_get_object (&item));
      g_value_reset (&item);
    }
  g_value_unset (&item);
  return synthetic;
}

/**
 * blink_audio_processing_resolve:
 * @mode: when to process
 * @wanted: the parts not turned off
 * @source: the capture, as the pipeline has it
 *
 * Returns: the parts that process @source
 */
BlinkAudioProcessing
blink_audio_processing_resolve (BlinkAudioProcessingMode mode,
                                BlinkAudioProcessing wanted,
                                GstElement *source)
{
  switch (mode)
    {
    case BLINK_AUDIO_PROCESSING_MODE_ON:
      return wanted;
    case BLINK_AUDIO_PROCESSING_MODE_OFF:
      return BLINK_AUDIO_PROCESSING_NONE;
    case BLINK_AUDIO_PROCESSING_MODE_AUTO:
    default:
      return blink_audio_processing_is_synthetic_source (source) ? BLINK_AUDIO_PROCESSING_NONE
                                                                 : wanted;
    }
}

/**
 * blink_audio_processing_for_description:
 * @source: a gst-launch description of the capture
 *
 * What blink_audio_processing_resolve() says for @source, without opening
 * it: the description is parsed, never started. A description that does
 * not parse is processed as a device would be; the pipeline refuses it
 * later with the reason.
 */
BlinkAudioProcessing
blink_audio_processing_for_description (BlinkAudioProcessingMode mode,
                                        BlinkAudioProcessing wanted,
                                        const char *source)
{
  g_autoptr (GstElement) bin = NULL;

  if (mode != BLINK_AUDIO_PROCESSING_MODE_AUTO)
    return blink_audio_processing_resolve (mode, wanted, NULL);
  bin = gst_parse_bin_from_description (source, FALSE, NULL);
  if (bin == NULL)
    return wanted;
  gst_object_ref_sink (bin);
  return blink_audio_processing_resolve (mode, wanted, bin);
}

/**
 * blink_audio_processing_to_strv:
 *
 * Returns: (transfer full): the nicks of the parts in @processing, e.g.
 *   "echo-cancellation", in the order of the flags
 */
char **
blink_audio_processing_to_strv (BlinkAudioProcessing processing)
{
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
  g_autoptr (GFlagsClass) flags = g_type_class_ref (BLINK_TYPE_AUDIO_PROCESSING);

  for (guint i = 0; i < flags->n_values; i++)
    {
      if (flags->values[i].value != 0 &&
          (processing & flags->values[i].value) == flags->values[i].value)
        g_strv_builder_add (builder, flags->values[i].value_nick);
    }
  return g_strv_builder_end (builder);
}

/**
 * blink_audio_processing_from_strv:
 * @parts: nicks of parts, as blink_audio_processing_to_strv() gives them
 *
 * Returns: whether every one of @parts names a part; @processing is set
 *   only then, to the parts named
 */
gboolean
blink_audio_processing_from_strv (const char *const *parts,
                                  BlinkAudioProcessing *processing)
{
  g_autoptr (GFlagsClass) flags = g_type_class_ref (BLINK_TYPE_AUDIO_PROCESSING);
  BlinkAudioProcessing named = BLINK_AUDIO_PROCESSING_NONE;

  for (guint i = 0; parts != NULL && parts[i] != NULL; i++)
    {
      GFlagsValue *value = g_flags_get_value_by_nick (flags, parts[i]);

      if (value == NULL || value->value == 0)
        return FALSE;
      named |= value->value;
    }
  *processing = named;
  return TRUE;
}

/**
 * blink_audio_processing_mode_from_string:
 * @text: "auto", "on" or "off"
 *
 * Returns: whether @text names a mode; @mode is set only then
 */
gboolean
blink_audio_processing_mode_from_string (const char *text,
                                         BlinkAudioProcessingMode *mode)
{
  int value;

  if (!blink_enum_from_nick (BLINK_TYPE_AUDIO_PROCESSING_MODE, text, &value))
    return FALSE;
  *mode = value;
  return TRUE;
}
