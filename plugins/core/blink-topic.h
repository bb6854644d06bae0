/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A call id is 16 bytes written as 32 lowercase hex digits, derived from the
 * call's key and its caller (docs/protocol.md, "Calls and topics"). */
#define BLINK_CALL_ID_BYTES 16
#define BLINK_CALL_ID_LENGTH (2 * BLINK_CALL_ID_BYTES)

typedef enum
{
  BLINK_TOPIC_INVALID,
  BLINK_TOPIC_OFFER, /* blink/2/offer/<hash of the addressee> */
  BLINK_TOPIC_CALL,  /* blink/2/call/<hash of the call key and id> */
  BLINK_TOPIC_PEER,  /* blink/2/peer/<hash of the call key, id and addressee> */
} BlinkTopicKind;

char *blink_topic_offer (const char *did);
char *blink_topic_call (const char *call_id,
                        const guint8 *call_key);
char *blink_topic_peer (const char *call_id,
                        const guint8 *call_key,
                        const char *did);
BlinkTopicKind blink_topic_kind (const char *topic);

char *blink_call_id_derive (const guint8 *call_key,
                            const char *caller_did);
gboolean blink_call_id_is_valid (const char *call_id);

G_END_DECLS
