/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "blink-audio-pipeline.h"
#include "blink-peer.h"

G_BEGIN_DECLS

void blink_test_stop_pipeline (BlinkAudioPipeline *pipeline);
gboolean blink_test_close_peer (BlinkPeer *peer,
                                guint timeout_ms);
guint blink_test_count_elements (GstBin *bin,
                                 const char *factory);
gboolean blink_test_audio_format (BlinkAudioFormat *format);

G_END_DECLS
