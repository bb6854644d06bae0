/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A call id is 16 random bytes written as 32 lowercase hex digits. */
#define BLINK_CALL_ID_BYTES 16
#define BLINK_CALL_ID_LENGTH (2 * BLINK_CALL_ID_BYTES)

typedef enum
{
  BLINK_TOPIC_INVALID,
  BLINK_TOPIC_OFFER, /* blink/1/offer/<did> */
  BLINK_TOPIC_CALL,  /* blink/1/call/<call-id> */
  BLINK_TOPIC_PEER,  /* blink/1/call/<call-id>/<did> */
} BlinkTopicKind;

char *blink_topic_offer (const char *did);
char *blink_topic_call (const char *call_id);
char *blink_topic_peer (const char *call_id,
                        const char *did);

BlinkTopicKind blink_topic_parse (const char *topic,
                                  char **out_call_id,
                                  char **out_did);

char *blink_call_id_new (void);
gboolean blink_call_id_is_valid (const char *call_id);

G_END_DECLS
