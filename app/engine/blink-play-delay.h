/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

/* The most a peer's audio is played later than it arrived, whatever comes
 * late: past that a conversation is no longer one (ITU-T G.114's 400 ms
 * for the whole way, of which the network and the sender take part). Twice
 * the delay it starts at when that is more (a long jitter buffer). */
#define BLINK_PLAY_DELAY_MAX_MS 300

/* What is added beyond the lateness seen when audio comes late: enough
 * that the next such hiccup fits, not so much that the call feels slow. */
#define BLINK_PLAY_DELAY_STEP_MS 20

typedef struct _BlinkPlayDelay BlinkPlayDelay;

BlinkPlayDelay *blink_play_delay_attach (GstPad *branch_src,
                                         GstElement *mixer,
                                         GstClockTime initial);
void blink_play_delay_get_figures (BlinkPlayDelay *self,
                                   GstClockTime *delay,
                                   guint *raises,
                                   guint *lowerings,
                                   GstClockTime *late);
BlinkPlayDelay *blink_play_delay_ref (BlinkPlayDelay *self);
void blink_play_delay_unref (BlinkPlayDelay *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BlinkPlayDelay, blink_play_delay_unref)

G_END_DECLS
