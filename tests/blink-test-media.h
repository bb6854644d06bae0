/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "blink-audio-pipeline.h"

G_BEGIN_DECLS

void blink_test_stop_pipeline (BlinkAudioPipeline *pipeline);

G_END_DECLS
