/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Listens to what a call plays: an appsink description to use as the call's
 * sink, and tone detection on what it receives. */

#include <gst/gst.h>

G_BEGIN_DECLS

typedef struct _BlinkTestEar BlinkTestEar;

#define BLINK_TEST_EAR_SINK(rate) \
  "appsink name=ear emit-signals=true sync=false caps=audio/x-raw,format=S16LE,channels=1,rate=" rate

BlinkTestEar *blink_test_ear_new (GstBin *pipeline,
                                  guint rate);
void blink_test_ear_free (BlinkTestEar *self);

double blink_test_ear_level (BlinkTestEar *self,
                             double frequency);
gboolean blink_test_ear_hears (BlinkTestEar *self,
                               double frequency);
gint64 blink_test_ear_first_sound (BlinkTestEar *self);
void blink_test_ear_reset (BlinkTestEar *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BlinkTestEar, blink_test_ear_free)

G_END_DECLS
