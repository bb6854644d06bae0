/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * BlinkDidError:
 * Why a string is not a valid `did:key` naming an Ed25519 key.
 */
typedef enum
{
  BLINK_DID_ERROR_PREFIX,     /* does not start with "did:key:" */
  BLINK_DID_ERROR_MULTIBASE,  /* multibase prefix is not "z" (base58btc) */
  BLINK_DID_ERROR_BASE58,     /* a character outside the base58btc alphabet */
  BLINK_DID_ERROR_LENGTH,     /* decodes to the wrong number of bytes */
  BLINK_DID_ERROR_MULTICODEC, /* not the ed25519-pub multicodec (0xed01) */
  BLINK_DID_ERROR_KEY,        /* the 32 bytes are not a usable Ed25519 point */
} BlinkDidError;

#define BLINK_DID_ERROR (blink_did_error_quark ())
GQuark blink_did_error_quark (void);

/**
 * BlinkIdentityError:
 * Why the user's key file cannot be used.
 */
typedef enum
{
  BLINK_IDENTITY_ERROR_IO,          /* cannot read, create or write the file */
  BLINK_IDENTITY_ERROR_PERMISSIONS, /* the file or its folder is open to other users */
  BLINK_IDENTITY_ERROR_CORRUPT,     /* the file does not hold a key */
} BlinkIdentityError;

#define BLINK_IDENTITY_ERROR (blink_identity_error_quark ())
GQuark blink_identity_error_quark (void);

/**
 * BlinkProtocolError:
 * Why a signaling message was rejected. Each code is counted separately by
 * the signaller; docs/protocol.md says what each one means.
 */
typedef enum
{
  BLINK_PROTOCOL_ERROR_TOO_LARGE,           /* over the 64 KiB cap, checked before parsing */
  BLINK_PROTOCOL_ERROR_MALFORMED,           /* not a JSON object, or bad inner framing */
  BLINK_PROTOCOL_ERROR_UNSUPPORTED_VERSION, /* "v" is not 1 */
  BLINK_PROTOCOL_ERROR_UNKNOWN_KIND,        /* unknown message kind or seal */
  BLINK_PROTOCOL_ERROR_MISSING_FIELD,       /* a required field is absent */
  BLINK_PROTOCOL_ERROR_WRONG_TYPE,          /* a field has the wrong JSON type */
  BLINK_PROTOCOL_ERROR_INVALID_VALUE,       /* a field is well typed but out of range */
  BLINK_PROTOCOL_ERROR_BAD_BASE64,          /* a binary field is not strict base64 */
  BLINK_PROTOCOL_ERROR_WRONG_KEY,           /* decryption failed: not for us, or tampered */
  BLINK_PROTOCOL_ERROR_BAD_SIGNATURE,       /* the Ed25519 signature does not verify */
  BLINK_PROTOCOL_ERROR_EXPIRED,             /* timestamp outside the replay window */
  BLINK_PROTOCOL_ERROR_REPLAYED,            /* message id seen before */
  BLINK_PROTOCOL_ERROR_WRONG_TOPIC,         /* kind or call id does not belong on this topic */
  BLINK_PROTOCOL_ERROR_NOT_PARTICIPANT,     /* sender is not a participant of the call */
  BLINK_PROTOCOL_ERROR_OVERLOADED,          /* the replay guard is full for this sender or all */
  BLINK_PROTOCOL_ERROR_RATE_LIMITED,        /* the pubsub peer sent too much, before any crypto */
  BLINK_PROTOCOL_ERROR_GONE,                /* the sender declined or left: final for the call */
  BLINK_PROTOCOL_ERROR_FORGED_CALL_ID,      /* the call id is not the caller's for this key */
} BlinkProtocolError;

#define BLINK_PROTOCOL_ERROR_N_CODES (BLINK_PROTOCOL_ERROR_FORGED_CALL_ID + 1)

#define BLINK_PROTOCOL_ERROR (blink_protocol_error_quark ())
GQuark blink_protocol_error_quark (void);

const char *blink_protocol_error_to_nick (BlinkProtocolError code);

/**
 * BlinkIpfsError:
 * Why the IPFS node could not be used.
 */
typedef enum
{
  BLINK_IPFS_ERROR_BAD_ADDRESS, /* the API address is neither a URL nor a TCP multiaddr */
  BLINK_IPFS_ERROR_UNREACHABLE, /* no node answers at the address */
  BLINK_IPFS_ERROR_NODE,        /* the node answered with an error */
  BLINK_IPFS_ERROR_MALFORMED,   /* the node's answer cannot be understood */
  BLINK_IPFS_ERROR_STREAM,      /* a subscription stream reported an error */
  BLINK_IPFS_ERROR_PUBSUB_OFF,  /* the node answers, but its pubsub is turned off */
} BlinkIpfsError;

#define BLINK_IPFS_ERROR (blink_ipfs_error_quark ())
GQuark blink_ipfs_error_quark (void);

/**
 * BlinkSignallerError:
 * Why the signaller refused what it was asked.
 */
typedef enum
{
  BLINK_SIGNALLER_ERROR_NOT_STARTED,  /* blink_signaller_start() has not succeeded */
  BLINK_SIGNALLER_ERROR_BAD_DID,      /* not a did:key, or our own */
  BLINK_SIGNALLER_ERROR_PARTICIPANTS, /* too few or too many participants */
  BLINK_SIGNALLER_ERROR_AUDIO_FORMAT, /* a format Blink does not send */
  BLINK_SIGNALLER_ERROR_NO_SUCH_CALL, /* unknown call, or not in a state for this */
  BLINK_SIGNALLER_ERROR_NOT_PARTICIPANT, /* the DID is not in the call */
  BLINK_SIGNALLER_ERROR_INVALID,      /* a malformed argument (SDP, candidate) */
  BLINK_SIGNALLER_ERROR_SEND,         /* a message could not be sealed or published */
} BlinkSignallerError;

#define BLINK_SIGNALLER_ERROR (blink_signaller_error_quark ())
GQuark blink_signaller_error_quark (void);

G_END_DECLS
