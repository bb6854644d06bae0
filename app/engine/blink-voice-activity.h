/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

/* Speaking starts above this RMS level (dBFS) held this long… */
#define BLINK_VOICE_ON_DB (-45.0)
#define BLINK_VOICE_ON_US (100 * G_TIME_SPAN_MILLISECOND)
/* …and stops below this one held this long. */
#define BLINK_VOICE_OFF_DB (-55.0)
#define BLINK_VOICE_OFF_US (400 * G_TIME_SPAN_MILLISECOND)
/* Two changes of one speaker are at least this far apart (at most four a
 * second reach a front end). */
#define BLINK_VOICE_MIN_CHANGE_US (250 * G_TIME_SPAN_MILLISECOND)

#define BLINK_TYPE_VOICE_ACTIVITY (blink_voice_activity_get_type ())
G_DECLARE_FINAL_TYPE (BlinkVoiceActivity, blink_voice_activity, BLINK, VOICE_ACTIVITY, GObject)

BlinkVoiceActivity *blink_voice_activity_new (void);

gboolean blink_voice_activity_get_speaking (BlinkVoiceActivity *self);
gboolean blink_voice_activity_push_level (BlinkVoiceActivity *self,
                                          double rms_db,
                                          GTimeSpan duration,
                                          gint64 now);

/* How much audio each level measures. */
#define BLINK_VOICE_LEVEL_INTERVAL_MS 50

void blink_voice_activity_setup_level (GstElement *level);
gboolean blink_voice_activity_parse_level (GstMessage *message,
                                           double *rms_db,
                                           GTimeSpan *duration);

G_END_DECLS
