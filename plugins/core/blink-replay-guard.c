/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "blink-replay-guard"

#include "config.h"

#include "blink-replay-guard.h"
#include "blink-errors.h"
#include "blink-identity.h"
#include "blink-message.h"

#include <string.h>

/* Remembers (sender, message id) pairs for as long as their timestamp is
 * inside the window: after that the window check rejects them anyway. Memory
 * is bounded by @capacity; when full, the oldest entries are forgotten first,
 * which can only let through a replay of a message that old and that many
 * messages back, of which the peer was already told. */

#define KEY_BYTES (BLINK_ED25519_PUBLIC_KEY_BYTES + BLINK_MESSAGE_ID_BYTES)

typedef struct
{
  guint8 key[KEY_BYTES];
  gint64 forget_after_ms;
} Entry;

struct _BlinkReplayGuard
{
  GObject parent_instance;

  gint64 window_ms;
  guint capacity;
  GHashTable *seen; /* Entry* → itself, owned by @order */
  GQueue order;     /* Entry*, oldest first */
};

G_DEFINE_FINAL_TYPE (BlinkReplayGuard, blink_replay_guard, G_TYPE_OBJECT)

static guint
entry_hash (gconstpointer p)
{
  const Entry *entry = p;
  guint hash;

  /* The key ends in a random message id: its bytes are a fine hash. */
  memcpy (&hash, entry->key + KEY_BYTES - sizeof hash, sizeof hash);
  return hash;
}

static gboolean
entry_equal (gconstpointer a,
             gconstpointer b)
{
  return memcmp (((const Entry *) a)->key, ((const Entry *) b)->key, KEY_BYTES) == 0;
}

static void
forget_oldest (BlinkReplayGuard *self)
{
  Entry *entry = g_queue_pop_head (&self->order);

  g_hash_table_remove (self->seen, entry);
  g_free (entry);
}

static void
forget_expired (BlinkReplayGuard *self,
                gint64 now_ms)
{
  Entry *head;

  while ((head = g_queue_peek_head (&self->order)) != NULL && head->forget_after_ms < now_ms)
    forget_oldest (self);
}

/**
 * blink_replay_guard_check:
 * @sender_key: the sender's Ed25519 public key (32 bytes)
 * @message_id: the message id (16 bytes)
 *
 * Accepts a message once: rejects it if its timestamp is more than the window
 * away from @now_ms (%BLINK_PROTOCOL_ERROR_EXPIRED) or if the same sender's
 * id was accepted before (%BLINK_PROTOCOL_ERROR_REPLAYED); otherwise records it.
 */
gboolean
blink_replay_guard_check (BlinkReplayGuard *self,
                          const guint8 *sender_key,
                          const guint8 *message_id,
                          gint64 timestamp_ms,
                          gint64 now_ms,
                          GError **error)
{
  Entry *entry;

  g_return_val_if_fail (BLINK_IS_REPLAY_GUARD (self), FALSE);
  g_return_val_if_fail (sender_key != NULL && message_id != NULL, FALSE);

  if (timestamp_ms < now_ms - self->window_ms || timestamp_ms > now_ms + self->window_ms)
    {
      g_set_error (error, BLINK_PROTOCOL_ERROR, BLINK_PROTOCOL_ERROR_EXPIRED,
                   "The message was sent %" G_GINT64_FORMAT " ms from now, outside the window of ±%"
                   G_GINT64_FORMAT " ms", timestamp_ms - now_ms, self->window_ms);
      return FALSE;
    }

  forget_expired (self, now_ms);

  entry = g_new (Entry, 1);
  memcpy (entry->key, sender_key, BLINK_ED25519_PUBLIC_KEY_BYTES);
  memcpy (entry->key + BLINK_ED25519_PUBLIC_KEY_BYTES, message_id, BLINK_MESSAGE_ID_BYTES);
  entry->forget_after_ms = timestamp_ms + self->window_ms;

  if (g_hash_table_contains (self->seen, entry))
    {
      g_free (entry);
      g_set_error (error, BLINK_PROTOCOL_ERROR, BLINK_PROTOCOL_ERROR_REPLAYED,
                   "The message was received before");
      return FALSE;
    }

  while (g_queue_get_length (&self->order) >= self->capacity)
    forget_oldest (self);

  g_hash_table_add (self->seen, entry);
  g_queue_push_tail (&self->order, entry);

  return TRUE;
}

gint64
blink_replay_guard_get_window (BlinkReplayGuard *self)
{
  g_return_val_if_fail (BLINK_IS_REPLAY_GUARD (self), 0);

  return self->window_ms;
}

void
blink_replay_guard_set_window (BlinkReplayGuard *self,
                               gint64 window_ms)
{
  g_return_if_fail (BLINK_IS_REPLAY_GUARD (self));
  g_return_if_fail (window_ms > 0);

  self->window_ms = window_ms;
}

guint
blink_replay_guard_get_size (BlinkReplayGuard *self)
{
  g_return_val_if_fail (BLINK_IS_REPLAY_GUARD (self), 0);

  return g_queue_get_length (&self->order);
}

static void
blink_replay_guard_finalize (GObject *object)
{
  BlinkReplayGuard *self = BLINK_REPLAY_GUARD (object);

  g_hash_table_unref (self->seen);
  g_queue_clear_full (&self->order, g_free);

  G_OBJECT_CLASS (blink_replay_guard_parent_class)->finalize (object);
}

static void
blink_replay_guard_class_init (BlinkReplayGuardClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = blink_replay_guard_finalize;
}

static void
blink_replay_guard_init (BlinkReplayGuard *self)
{
  self->seen = g_hash_table_new (entry_hash, entry_equal);
  g_queue_init (&self->order);
}

/**
 * blink_replay_guard_new:
 * @window_ms: how far a message's timestamp may be from the local clock
 * @capacity: how many message ids to remember at most
 *
 * Returns: (transfer full): a new guard
 */
BlinkReplayGuard *
blink_replay_guard_new (gint64 window_ms,
                        guint capacity)
{
  BlinkReplayGuard *self;

  g_return_val_if_fail (window_ms > 0, NULL);
  g_return_val_if_fail (capacity > 0, NULL);

  self = g_object_new (BLINK_TYPE_REPLAY_GUARD, NULL);
  self->window_ms = window_ms;
  self->capacity = capacity;

  return self;
}
