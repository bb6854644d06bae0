/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gst/audio/gstaudiodecoder.h>

G_BEGIN_DECLS

#define BLINK_TYPE_OPUS_DECODER (blink_opus_decoder_get_type ())
G_DECLARE_FINAL_TYPE (BlinkOpusDecoder, blink_opus_decoder, BLINK, OPUS_DECODER, GstAudioDecoder)

GstElement *blink_opus_decoder_new (void);

guint64 blink_opus_decoder_get_recovered (BlinkOpusDecoder *self);
guint64 blink_opus_decoder_get_concealed (BlinkOpusDecoder *self);

G_END_DECLS
