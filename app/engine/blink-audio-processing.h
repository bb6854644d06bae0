/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

/**
 * BlinkAudioProcessing:
 * @BLINK_AUDIO_PROCESSING_ECHO_CANCELLATION: what the speaker plays is taken
 *   out of what the microphone hears
 * @BLINK_AUDIO_PROCESSING_NOISE_SUPPRESSION: steady background noise is
 *   taken out
 * @BLINK_AUDIO_PROCESSING_GAIN_CONTROL: the voice is brought to one level
 *
 * The parts of the microphone's processing (webrtcdsp), each of which can
 * be turned off on its own.
 */
typedef enum /*< flags >*/
{
  BLINK_AUDIO_PROCESSING_NONE = 0,
  BLINK_AUDIO_PROCESSING_ECHO_CANCELLATION = 1 << 0,
  BLINK_AUDIO_PROCESSING_NOISE_SUPPRESSION = 1 << 1,
  BLINK_AUDIO_PROCESSING_GAIN_CONTROL = 1 << 2,
} BlinkAudioProcessing;

#define BLINK_AUDIO_PROCESSING_ALL                                                                 \
  (BLINK_AUDIO_PROCESSING_ECHO_CANCELLATION | BLINK_AUDIO_PROCESSING_NOISE_SUPPRESSION |           \
   BLINK_AUDIO_PROCESSING_GAIN_CONTROL)

#define BLINK_TYPE_AUDIO_PROCESSING (blink_audio_processing_get_type ())
GType blink_audio_processing_get_type (void);

/**
 * BlinkAudioProcessingMode:
 * @BLINK_AUDIO_PROCESSING_MODE_AUTO: the wanted parts process a capture
 *   device, nothing processes a synthetic source (a test tone, silence, a
 *   file, an appsrc), where it would only cost CPU and change the sound
 * @BLINK_AUDIO_PROCESSING_MODE_ON: the wanted parts process any source
 * @BLINK_AUDIO_PROCESSING_MODE_OFF: nothing is processed
 */
typedef enum
{
  BLINK_AUDIO_PROCESSING_MODE_AUTO,
  BLINK_AUDIO_PROCESSING_MODE_ON,
  BLINK_AUDIO_PROCESSING_MODE_OFF,
} BlinkAudioProcessingMode;

#define BLINK_TYPE_AUDIO_PROCESSING_MODE (blink_audio_processing_mode_get_type ())
GType blink_audio_processing_mode_get_type (void);

gboolean blink_audio_processing_is_synthetic_source (GstElement *source);
BlinkAudioProcessing blink_audio_processing_resolve (BlinkAudioProcessingMode mode,
                                                     BlinkAudioProcessing wanted,
                                                     GstElement *source);
BlinkAudioProcessing blink_audio_processing_for_description (BlinkAudioProcessingMode mode,
                                                             BlinkAudioProcessing wanted,
                                                             const char *source);
char **blink_audio_processing_to_strv (BlinkAudioProcessing processing);
gboolean blink_audio_processing_from_strv (const char *const *parts,
                                           BlinkAudioProcessing *processing);
gboolean blink_audio_processing_mode_from_string (const char *text,
                                                  BlinkAudioProcessingMode *mode);

G_END_DECLS
