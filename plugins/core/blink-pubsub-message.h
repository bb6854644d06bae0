/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * BlinkPubsubMessage:
 * One message of a Kubo `pubsub/sub` stream, decoded.
 */
typedef struct
{
  char *from;   /* the publishing node's peer id (not a Blink identity) */
  GBytes *data;
  GBytes *seqno;
  char **topics;
} BlinkPubsubMessage;

/* How deep a line of the stream may nest, the top-level object counting as
 * one. Kubo writes depth 2 (the message → "topicIDs"); the format is Kubo's,
 * not Blink's, so one level more lets a later Kubo add a member without
 * cutting every subscription off. */
#define BLINK_PUBSUB_MESSAGE_MAX_DEPTH 3

BlinkPubsubMessage *blink_pubsub_message_parse (const char *line,
                                                gsize len,
                                                GError **error);
void blink_pubsub_message_free (BlinkPubsubMessage *message);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BlinkPubsubMessage, blink_pubsub_message_free)

G_END_DECLS
