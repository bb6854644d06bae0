/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib-object.h>

#include "blink-audio-pipeline.h"

G_BEGIN_DECLS

/* Opus's in-band FEC protects one lost packet in a row: expecting more loss
 * than this only takes bitrate from the speech. */
#define BLINK_LOSS_ADAPTER_EXPECTED_LOSS_MAX 40

#define BLINK_TYPE_LOSS_ADAPTER (blink_loss_adapter_get_type ())
G_DECLARE_FINAL_TYPE (BlinkLossAdapter, blink_loss_adapter, BLINK, LOSS_ADAPTER, GObject)

BlinkLossAdapter *blink_loss_adapter_new (void);
void blink_loss_adapter_set_media (BlinkLossAdapter *self,
                                   BlinkAudioPipeline *media);
void blink_loss_adapter_push_stats (BlinkLossAdapter *self,
                                    GHashTable *stats);
guint blink_loss_adapter_next (guint expected,
                               double worst_fraction_lost);

G_END_DECLS
