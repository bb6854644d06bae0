/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "blink-errors.h"

G_DEFINE_QUARK (blink-did-error-quark, blink_did_error)
G_DEFINE_QUARK (blink-identity-error-quark, blink_identity_error)
G_DEFINE_QUARK (blink-protocol-error-quark, blink_protocol_error)
G_DEFINE_QUARK (blink-ipfs-error-quark, blink_ipfs_error)
G_DEFINE_QUARK (blink-signaller-error-quark, blink_signaller_error)

/**
 * blink_protocol_error_to_nick:
 *
 * Returns: a stable short name for @code, used as the key of rejection
 * counters in statistics and in docs/protocol.md.
 */
const char *
blink_protocol_error_to_nick (BlinkProtocolError code)
{
  static const char *const nicks[BLINK_PROTOCOL_ERROR_N_CODES] = {
    [BLINK_PROTOCOL_ERROR_TOO_LARGE] = "too-large",
    [BLINK_PROTOCOL_ERROR_MALFORMED] = "malformed",
    [BLINK_PROTOCOL_ERROR_UNSUPPORTED_VERSION] = "unsupported-version",
    [BLINK_PROTOCOL_ERROR_UNKNOWN_KIND] = "unknown-kind",
    [BLINK_PROTOCOL_ERROR_MISSING_FIELD] = "missing-field",
    [BLINK_PROTOCOL_ERROR_WRONG_TYPE] = "wrong-type",
    [BLINK_PROTOCOL_ERROR_INVALID_VALUE] = "invalid-value",
    [BLINK_PROTOCOL_ERROR_BAD_BASE64] = "bad-base64",
    [BLINK_PROTOCOL_ERROR_WRONG_KEY] = "wrong-key",
    [BLINK_PROTOCOL_ERROR_BAD_SIGNATURE] = "bad-signature",
    [BLINK_PROTOCOL_ERROR_EXPIRED] = "expired",
    [BLINK_PROTOCOL_ERROR_REPLAYED] = "replayed",
    [BLINK_PROTOCOL_ERROR_WRONG_TOPIC] = "wrong-topic",
    [BLINK_PROTOCOL_ERROR_NOT_PARTICIPANT] = "not-participant",
    [BLINK_PROTOCOL_ERROR_OVERLOADED] = "overloaded",
    [BLINK_PROTOCOL_ERROR_RATE_LIMITED] = "rate-limited",
    [BLINK_PROTOCOL_ERROR_GONE] = "gone",
    [BLINK_PROTOCOL_ERROR_FORGED_CALL_ID] = "forged-call-id",
  };

  g_return_val_if_fail ((guint) code < G_N_ELEMENTS (nicks), "unknown");

  return nicks[code];
}
