/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* A room around the engine's call pipeline: what its speaker plays comes
 * back into its microphone, delayed and attenuated, and what it sends is
 * decoded and measured. */

#include "blink-audio-pipeline.h"

G_BEGIN_DECLS

typedef struct _BlinkTestEcho BlinkTestEcho;

/**
 * BlinkTestFarEnd:
 * @BLINK_TEST_FAR_END_TONE: a steady 1 kHz sine
 * @BLINK_TEST_FAR_END_SPEECH: a deterministic speech-like signal: voiced
 *   syllables (a gliding pitch and its harmonics) with pauses and hiss
 * @BLINK_TEST_FAR_END_NOISE: white noise
 * @BLINK_TEST_FAR_END_FILE: a recording, blink_test_echo_load_far_end()
 */
typedef enum
{
  BLINK_TEST_FAR_END_TONE,
  BLINK_TEST_FAR_END_SPEECH,
  BLINK_TEST_FAR_END_NOISE,
  BLINK_TEST_FAR_END_FILE,
} BlinkTestFarEnd;

/* The measured power in 1 s steps of running time, from the start. */
#define BLINK_TEST_ECHO_SECONDS 64

BlinkTestEcho *blink_test_echo_new (BlinkAudioProcessing processing,
                                    BlinkTestFarEnd far_end,
                                    guint delay_ms,
                                    double echo_gain_db);
BlinkAudioPipeline *blink_test_echo_get_pipeline (BlinkTestEcho *self);
gboolean blink_test_echo_load_far_end (BlinkTestEcho *self,
                                       const char *path,
                                       GError **error);
void blink_test_echo_set_latencies (BlinkTestEcho *self,
                                    GstClockTime far_end,
                                    GstClockTime speaker);
GstClockTime blink_test_echo_get_latency (BlinkTestEcho *self);
double blink_test_echo_erle_at (BlinkTestEcho *self,
                                guint second);
double blink_test_echo_erle_in_chunk (BlinkTestEcho *self,
                                      guint ms);
gboolean blink_test_echo_run (BlinkTestEcho *self,
                              guint skip_ms,
                              guint measure_ms);
double blink_test_echo_erle (BlinkTestEcho *self);
double blink_test_echo_power_db (BlinkTestEcho *self,
                                 gboolean residual);
void blink_test_echo_free (BlinkTestEcho *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BlinkTestEcho, blink_test_echo_free)

G_END_DECLS
