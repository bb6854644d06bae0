/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * BlinkCallError:
 * Why the call engine cannot do what it was asked.
 */
typedef enum
{
  BLINK_CALL_ERROR_NO_IPFS_NODE,        /* no IPFS node answers */
  BLINK_CALL_ERROR_BAD_DID,             /* not a valid did:key */
  BLINK_CALL_ERROR_NO_SUCH_CALL,        /* no such call, or not in a state for this */
  BLINK_CALL_ERROR_CALL_ACTIVE,         /* a call is active already */
  BLINK_CALL_ERROR_DEVICE,              /* an audio device is missing or unusable */
  BLINK_CALL_ERROR_CERTIFICATE,         /* a peer's DTLS certificate is not the one its
                                           signed SDP names */
  BLINK_CALL_ERROR_NO_SUCH_PARTICIPANT, /* that address is not in the call */
  BLINK_CALL_ERROR_INVALID_ARGUMENT,    /* a value out of its range */
  BLINK_CALL_ERROR_FAILED,              /* anything else */
  BLINK_CALL_ERROR_NO_SUCH_DEVICE,      /* no microphone or speaker of that name, or more
                                           than one */
  BLINK_CALL_ERROR_NO_SUCH_CONTACT,     /* that address is not a contact */
  BLINK_CALL_ERROR_NO_RELAY,            /* a connection that may only use TURN relays got
                                           none from the TURN server */
} BlinkCallError;

#define BLINK_CALL_ERROR (blink_call_error_quark ())
GQuark blink_call_error_quark (void);

G_END_DECLS
