/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Feeds hostile bytes to both decoders: the first byte chooses the outer
 * envelope (as received from pubsub) or the inner message JSON (as it is
 * after decryption, which random input could never reach). The keys are
 * those of tests/vectors/protocol-v2.json, received as Bob, so the seeds
 * made from the vectors open all the way. */
#include "config.h"

#include <string.h>

#include "blink-envelope.h"
#include "blink-topic.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

#define VECTORS_NOW_MS 1764000000000

static BlinkIdentity *recipient;
static char *call_id;
static char *topics[3];
static guint8 call_key[32];

static void
set_up (void)
{
  g_autoptr (BlinkIdentity) alice = NULL;
  guint8 seed[32];

  g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
  for (guint i = 0; i < 32; i++)
    {
      seed[i] = i;
      call_key[i] = 0x40 + i;
    }
  alice = blink_identity_new_from_seed (seed);
  for (guint i = 0; i < 32; i++)
    seed[i] = 0x20 + i;
  recipient = blink_identity_new_from_seed (seed);
  call_id = blink_call_id_derive (call_key, blink_identity_get_did (alice));
  topics[0] = blink_topic_offer (blink_identity_get_did (recipient));
  topics[1] = blink_topic_call (call_id, call_key);
  topics[2] = blink_topic_peer (call_id, call_key, blink_identity_get_did (recipient));
}

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t size)
{
  g_autoptr (GError) error = NULL;
  BlinkMessage *message;

  if (recipient == NULL)
    set_up ();

  if (size < 1)
    return 0;

  if (data[0] & 0x80)
    message = blink_message_parse ((const char *) data + 1, size - 1, &error);
  else
    {
      /* A fresh guard each time: a full one would refuse what should be
       * explored. */
      g_autoptr (BlinkReplayGuard) guard =
        blink_replay_guard_new (BLINK_REPLAY_WINDOW_DEFAULT_MS, 64);

      message = blink_envelope_open (data + 1, size - 1, topics[data[0] % 3], recipient, call_key,
                                     call_id, guard, VECTORS_NOW_MS, &error);
    }

  g_assert ((message == NULL) == (error != NULL));
  if (message != NULL)
    blink_message_unref (message);

  return 0;
}
