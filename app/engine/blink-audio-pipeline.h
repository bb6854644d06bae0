/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>
#include <gst/gst.h>

#include "blink-audio-processing.h"
#include "blink-message.h"

G_BEGIN_DECLS

#define BLINK_AUDIO_SOURCE_DEFAULT "autoaudiosrc"
#define BLINK_AUDIO_SINK_DEFAULT "autoaudiosink"
/* The encoder's expected loss (percent) before any peer reported loss. */
#define BLINK_AUDIO_PIPELINE_EXPECTED_LOSS_MIN 5

#define BLINK_TYPE_AUDIO_PIPELINE (blink_audio_pipeline_get_type ())
G_DECLARE_FINAL_TYPE (BlinkAudioPipeline, blink_audio_pipeline, BLINK, AUDIO_PIPELINE, GObject)

BlinkAudioPipeline *blink_audio_pipeline_new (const char *source,
                                              const char *sink,
                                              const BlinkAudioFormat *format,
                                              GError **error);
BlinkAudioPipeline *blink_audio_pipeline_new_full (const char *source,
                                                   GstDevice *microphone,
                                                   const char *sink,
                                                   GstDevice *speaker,
                                                   const BlinkAudioFormat *format,
                                                   BlinkAudioProcessingMode processing_mode,
                                                   BlinkAudioProcessing processing,
                                                   GError **error);

GstElement *blink_audio_device_bin_new (GstDevice *device,
                                        const char *description,
                                        GstPadDirection direction,
                                        GError **error);

GstBin *blink_audio_pipeline_get_bin (BlinkAudioPipeline *self);
GstElement *blink_audio_pipeline_get_tee (BlinkAudioPipeline *self);
guint blink_audio_pipeline_frame_ms_for (const BlinkAudioFormat *format,
                                         guint peers);
GstPad *blink_audio_pipeline_get_encoded_pad (BlinkAudioPipeline *self);
GstElement *blink_audio_pipeline_get_mixer (BlinkAudioPipeline *self);
gboolean blink_audio_pipeline_is_self_level (BlinkAudioPipeline *self,
                                             GstObject *object);
GstCaps *blink_audio_pipeline_get_mix_caps (BlinkAudioPipeline *self);
const BlinkAudioFormat *blink_audio_pipeline_get_format (BlinkAudioPipeline *self);
BlinkAudioProcessing blink_audio_pipeline_get_processing (BlinkAudioPipeline *self);

gboolean blink_audio_pipeline_start (BlinkAudioPipeline *self,
                                     GError **error);
void blink_audio_pipeline_stop_async (BlinkAudioPipeline *self,
                                      GAsyncReadyCallback callback,
                                      gpointer user_data);
gboolean blink_audio_pipeline_stop_finish (BlinkAudioPipeline *self,
                                           GAsyncResult *result,
                                           GError **error);
void blink_audio_pipeline_set_muted (BlinkAudioPipeline *self,
                                     gboolean muted);
void blink_audio_pipeline_set_deafened (BlinkAudioPipeline *self,
                                        gboolean deafened);
gboolean blink_audio_pipeline_set_source (BlinkAudioPipeline *self,
                                          GstDevice *device,
                                          const char *description,
                                          GError **error);
gboolean blink_audio_pipeline_set_playback (BlinkAudioPipeline *self,
                                            GstDevice *device,
                                            const char *description,
                                            GError **error);
void blink_audio_pipeline_set_expected_loss (BlinkAudioPipeline *self,
                                             guint percent);
guint blink_audio_pipeline_get_expected_loss (BlinkAudioPipeline *self);

G_END_DECLS
