/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Feeds hostile bytes to both decoders: the first byte chooses the outer
 * envelope (as received from pubsub) or the inner message JSON (as it is
 * after decryption, which random input could never reach). */
#include "config.h"

#include <string.h>

#include "blink-envelope.h"
#include "blink-topic.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

static BlinkIdentity *recipient;
static BlinkReplayGuard *guard;
static char *topics[3];
static guint8 call_key[32];

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t size)
{
  g_autoptr (GError) error = NULL;
  BlinkMessage *message;

  if (recipient == NULL)
    {
      guint8 seed[32] = { 7 };

      g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
      recipient = blink_identity_new_from_seed (seed);
      guard = blink_replay_guard_new (BLINK_REPLAY_WINDOW_DEFAULT_MS, 1024);
      topics[0] = blink_topic_offer (blink_identity_get_did (recipient));
      topics[1] = blink_topic_call ("000102030405060708090a0b0c0d0e0f");
      topics[2] = blink_topic_peer ("000102030405060708090a0b0c0d0e0f",
                                    blink_identity_get_did (recipient));
    }

  if (size < 1)
    return 0;

  if (data[0] & 0x80)
    message = blink_message_parse ((const char *) data + 1, size - 1, &error);
  else
    message = blink_envelope_open (data + 1, size - 1, topics[data[0] % 3], recipient, call_key,
                                   guard, 1764000000000, &error);

  g_assert ((message == NULL) == (error != NULL));
  if (message != NULL)
    blink_message_unref (message);

  return 0;
}
