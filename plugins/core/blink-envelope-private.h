/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "blink-envelope.h"

G_BEGIN_DECLS

/* blink_envelope_seal() with its randomness given, for test vectors. */
GBytes *blink_envelope_seal_with (BlinkIdentity *sender,
                                  const char *topic,
                                  const char *recipient_did,
                                  const guint8 *call_key,
                                  const BlinkMessage *message,
                                  const guint8 *ephemeral_secret,
                                  const guint8 *nonce,
                                  GError **error);

G_END_DECLS
