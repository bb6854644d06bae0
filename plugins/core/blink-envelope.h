/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "blink-identity.h"
#include "blink-message.h"
#include "blink-replay-guard.h"

G_BEGIN_DECLS

/* Nothing larger is parsed, let alone decrypted. */
#define BLINK_ENVELOPE_MAX_BYTES (64 * 1024)

#define BLINK_ENVELOPE_NONCE_BYTES 24

GBytes *blink_envelope_seal (BlinkIdentity *sender,
                             const char *topic,
                             const char *recipient_did,
                             const guint8 *call_key,
                             const BlinkMessage *message,
                             GError **error);

BlinkMessage *blink_envelope_open (const guint8 *data,
                                   gsize len,
                                   const char *topic,
                                   BlinkIdentity *recipient,
                                   const guint8 *call_key,
                                   const char *call_id,
                                   BlinkReplayGuard *guard,
                                   gint64 now_ms,
                                   GError **error);

G_END_DECLS
