/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>
#include <gst/gst.h>

G_BEGIN_DECLS

/* The test sound's frequency, Hz: the tone on the speaker. */
#define BLINK_AUDIO_TEST_TONE_HZ 880

#define BLINK_TYPE_AUDIO_TEST (blink_audio_test_get_type ())
G_DECLARE_FINAL_TYPE (BlinkAudioTest, blink_audio_test, BLINK, AUDIO_TEST, GObject)

BlinkAudioTest *blink_audio_test_new (void);
gboolean blink_audio_test_start (BlinkAudioTest *self,
                                 GstDevice *microphone,
                                 const char *source,
                                 GstDevice *speaker,
                                 const char *sink,
                                 GError **error);
void blink_audio_test_stop (BlinkAudioTest *self);
gboolean blink_audio_test_get_running (BlinkAudioTest *self);

G_END_DECLS
