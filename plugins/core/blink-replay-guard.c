/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "blink-replay-guard"

#include "config.h"

#include "blink-replay-guard.h"
#include "blink-errors.h"
#include "blink-identity.h"
#include "blink-message.h"

#include <errno.h>
#include <sodium.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Remembers (sender, message id) pairs for as long as their message could
 * still be accepted, i.e. until its timestamp leaves the window; it never
 * forgets one earlier. Memory is bounded by refusing instead: when @capacity
 * ids are remembered, or a sender's quota, new messages are rejected
 * (%BLINK_PROTOCOL_ERROR_OVERLOADED) until old ones expire. The quota keeps
 * one noisy sender from filling the guard for everyone else.
 *
 * Across restarts: messages timestamped before @not_before are refused (set
 * it to the time the process started listening), so whatever was captured
 * before a restart cannot be replayed after it. That leaves messages a
 * sender with a clock ahead of ours dated after the restart although they
 * were accepted before it; with a state file, exactly those (timestamp
 * ahead of the local clock when accepted) are written down and read back. */

#define KEY_BYTES (BLINK_ED25519_PUBLIC_KEY_BYTES + BLINK_MESSAGE_ID_BYTES)
#define DEFAULT_SENDER_CAPACITY 1024
/* A record of the state file: key, then the timestamp (little endian). */
#define RECORD_BYTES (KEY_BYTES + 8)
#define STATE_MAGIC "blink-seen-v1\n"

typedef struct
{
  guint8 key[KEY_BYTES];
  gint64 timestamp_ms;
} Entry;

typedef struct
{
  guint8 key[BLINK_ED25519_PUBLIC_KEY_BYTES];
  guint count;
} Sender;

struct _BlinkReplayGuard
{
  GObject parent_instance;

  gint64 window_ms;
  gint64 not_before_ms;
  guint capacity;
  guint sender_capacity;
  GHashTable *seen;    /* Entry* → itself, owned by @expiry */
  GPtrArray *expiry;   /* Entry*, a binary min-heap on timestamp_ms */
  GHashTable *senders; /* Sender* → itself */

  char *state_path;
  guint state_records; /* how many records the file holds, live or not */
};

G_DEFINE_FINAL_TYPE (BlinkReplayGuard, blink_replay_guard, G_TYPE_OBJECT)

/* Senders choose their message ids and keys: a keyed hash (SipHash, a
 * random key per process) keeps them from filling one bucket. */
static guint
keyed_hash (const guint8 *data,
            gsize len)
{
  static guint8 hash_key[crypto_shorthash_KEYBYTES];
  static gsize initialised;
  guint8 out[crypto_shorthash_BYTES];
  guint hash;

  if (g_once_init_enter (&initialised))
    {
      if (sodium_init () < 0)
        g_error ("libsodium cannot be initialised");
      randombytes_buf (hash_key, sizeof hash_key);
      g_once_init_leave (&initialised, 1);
    }
  crypto_shorthash (out, data, len, hash_key);
  memcpy (&hash, out, sizeof hash);
  return hash;
}

static guint
key_hash (gconstpointer p)
{
  return keyed_hash (p, KEY_BYTES);
}

static gboolean
key_equal (gconstpointer a,
           gconstpointer b)
{
  return memcmp (a, b, KEY_BYTES) == 0;
}

static guint
sender_hash (gconstpointer p)
{
  return keyed_hash (p, BLINK_ED25519_PUBLIC_KEY_BYTES);
}

static gboolean
sender_equal (gconstpointer a,
              gconstpointer b)
{
  return memcmp (a, b, BLINK_ED25519_PUBLIC_KEY_BYTES) == 0;
}

/* ---- the heap ---- */

#define HEAP(self, i) ((Entry *) g_ptr_array_index ((self)->expiry, (i)))

static void
heap_swap (BlinkReplayGuard *self,
           guint a,
           guint b)
{
  gpointer t = self->expiry->pdata[a];

  self->expiry->pdata[a] = self->expiry->pdata[b];
  self->expiry->pdata[b] = t;
}

static void
heap_push (BlinkReplayGuard *self,
           Entry *entry)
{
  guint i = self->expiry->len;

  g_ptr_array_add (self->expiry, entry);
  while (i > 0 && HEAP (self, (i - 1) / 2)->timestamp_ms > HEAP (self, i)->timestamp_ms)
    {
      heap_swap (self, i, (i - 1) / 2);
      i = (i - 1) / 2;
    }
}

static Entry *
heap_pop (BlinkReplayGuard *self)
{
  Entry *top = HEAP (self, 0);
  Entry *last = g_ptr_array_steal_index (self->expiry, self->expiry->len - 1);
  guint i = 0;

  if (self->expiry->len == 0)
    return top;
  self->expiry->pdata[0] = last;
  for (;;)
    {
      guint smallest = i, left = 2 * i + 1, right = 2 * i + 2;

      if (left < self->expiry->len && HEAP (self, left)->timestamp_ms < HEAP (self, smallest)->timestamp_ms)
        smallest = left;
      if (right < self->expiry->len && HEAP (self, right)->timestamp_ms < HEAP (self, smallest)->timestamp_ms)
        smallest = right;
      if (smallest == i)
        break;
      heap_swap (self, i, smallest);
      i = smallest;
    }
  return top;
}

/* ---- remembering ---- */

static Sender *
sender_lookup (BlinkReplayGuard *self,
               const guint8 *key,
               gboolean create)
{
  Sender *sender = g_hash_table_lookup (self->senders, key);

  if (sender == NULL && create)
    {
      sender = g_new0 (Sender, 1);
      memcpy (sender->key, key, sizeof sender->key);
      g_hash_table_add (self->senders, sender);
    }
  return sender;
}

static void
forget_expired (BlinkReplayGuard *self,
                gint64 now_ms)
{
  while (self->expiry->len > 0 && HEAP (self, 0)->timestamp_ms + self->window_ms < now_ms)
    {
      Entry *entry = heap_pop (self);
      Sender *sender = sender_lookup (self, entry->key, FALSE);

      if (sender != NULL && --sender->count == 0)
        g_hash_table_remove (self->senders, sender);
      g_hash_table_remove (self->seen, entry);
      g_free (entry);
    }
}

static void
remember (BlinkReplayGuard *self,
          const guint8 *key,
          gint64 timestamp_ms)
{
  Entry *entry = g_new (Entry, 1);

  memcpy (entry->key, key, KEY_BYTES);
  entry->timestamp_ms = timestamp_ms;
  g_hash_table_add (self->seen, entry);
  heap_push (self, entry);
  sender_lookup (self, key, TRUE)->count++;
}

/* ---- the state file ---- */

static void
record_encode (const guint8 *key,
               gint64 timestamp_ms,
               guint8 record[RECORD_BYTES])
{
  guint64 ts = GUINT64_TO_LE ((guint64) timestamp_ms);

  memcpy (record, key, KEY_BYTES);
  memcpy (record + KEY_BYTES, &ts, sizeof ts);
}

/* Rewrites the file with the entries that may matter after a restart. */
static gboolean
state_compact (BlinkReplayGuard *self,
               gint64 now_ms,
               GError **error)
{
  g_autoptr (GByteArray) data = g_byte_array_new ();
  guint8 record[RECORD_BYTES];

  g_byte_array_append (data, (const guint8 *) STATE_MAGIC, sizeof STATE_MAGIC - 1);
  self->state_records = 0;
  for (guint i = 0; i < self->expiry->len; i++)
    {
      Entry *entry = HEAP (self, i);

      if (entry->timestamp_ms <= now_ms)
        continue;
      record_encode (entry->key, entry->timestamp_ms, record);
      g_byte_array_append (data, record, sizeof record);
      self->state_records++;
    }
  return g_file_set_contents_full (self->state_path, (const char *) data->data, data->len,
                                   G_FILE_SET_CONTENTS_CONSISTENT, 0600, error);
}

static void
state_append (BlinkReplayGuard *self,
              const guint8 *key,
              gint64 timestamp_ms,
              gint64 now_ms)
{
  g_autoptr (GError) error = NULL;
  guint8 record[RECORD_BYTES];
  int fd;

  /* Appends are never more than the live entries plus one capacity's worth. */
  if (self->state_records >= 2 * self->capacity)
    {
      if (!state_compact (self, now_ms, &error))
        g_warning ("Cannot write %s: %s", self->state_path, error->message);
      return;
    }

  record_encode (key, timestamp_ms, record);
  fd = g_open (self->state_path, O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0 || write (fd, record, sizeof record) != sizeof record)
    g_warning ("Cannot write %s: %s", self->state_path, g_strerror (errno));
  else
    self->state_records++;
  if (fd >= 0)
    close (fd);
}

/* The file's bytes, if it is a regular file (not a link) of at most
 * @max_len bytes; a larger one is someone else's and read as empty. NULL
 * without @error when there is none. */
static char *
state_read (const char *path,
            gsize max_len,
            gsize *len,
            GError **error)
{
  g_autofree char *contents = NULL;
  struct stat st;
  gssize got;
  int fd = g_open (path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW, 0);

  *len = 0;
  if (fd < 0 && errno == ENOENT)
    return NULL;
  if (fd < 0 || fstat (fd, &st) != 0 || !S_ISREG (st.st_mode))
    {
      int saved = fd < 0 ? errno : EINVAL;

      if (fd >= 0)
        close (fd);
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved), "Cannot read %s: %s",
                   path, fd < 0 ? g_strerror (saved) : "not a regular file");
      return NULL;
    }
  if ((gsize) st.st_size > max_len)
    {
      close (fd);
      g_warning ("%s is larger than any state file Blink writes: starting it again", path);
      return g_strdup ("");
    }
  contents = g_malloc ((gsize) st.st_size + 1);
  got = read (fd, contents, (gsize) st.st_size);
  close (fd);
  if (got < 0)
    {
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errno), "Cannot read %s: %s",
                   path, g_strerror (errno));
      return NULL;
    }
  *len = (gsize) got;
  return g_steal_pointer (&contents);
}

/**
 * blink_replay_guard_set_state_file:
 * @path: where to keep what must outlive the process; its folder must exist
 * @now_ms: the local clock
 *
 * Reads back the ids a previous process wrote to @path and keeps writing
 * there the ids whose timestamp is ahead of the local clock when accepted:
 * those are the only ones blink_replay_guard_set_not_before() lets through
 * after a restart. A missing file is an empty one; a corrupt one is
 * replaced.
 */
gboolean
blink_replay_guard_set_state_file (BlinkReplayGuard *self,
                                   const char *path,
                                   gint64 now_ms,
                                   GError **error)
{
  g_autofree char *contents = NULL;
  g_autoptr (GError) local_error = NULL;
  gsize len = 0;

  g_return_val_if_fail (BLINK_IS_REPLAY_GUARD (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  g_clear_pointer (&self->state_path, g_free);
  contents = state_read (path, (sizeof STATE_MAGIC - 1) + 2 * (gsize) self->capacity * RECORD_BYTES,
                         &len, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  if (contents != NULL && len >= sizeof STATE_MAGIC - 1 &&
      memcmp (contents, STATE_MAGIC, sizeof STATE_MAGIC - 1) == 0)
    {
      for (gsize at = sizeof STATE_MAGIC - 1; at + RECORD_BYTES <= len; at += RECORD_BYTES)
        {
          const guint8 *record = (const guint8 *) contents + at;
          guint64 ts;

          memcpy (&ts, record + KEY_BYTES, sizeof ts);
          ts = GUINT64_FROM_LE (ts);
          /* Only what could still be accepted: inside the window. */
          if (ts <= (guint64) (now_ms + self->window_ms) &&
              (gint64) ts >= now_ms - self->window_ms &&
              !g_hash_table_contains (self->seen, record) &&
              g_hash_table_size (self->seen) < self->capacity)
            remember (self, record, (gint64) ts);
        }
    }
  else if (contents != NULL && len > 0)
    g_warning ("%s is not a Blink state file: starting it again", path);

  self->state_path = g_strdup (path);
  if (!state_compact (self, now_ms, error))
    {
      g_clear_pointer (&self->state_path, g_free);
      return FALSE;
    }
  return TRUE;
}

/**
 * blink_replay_guard_check:
 * @sender_key: the sender's Ed25519 public key (32 bytes)
 * @message_id: the message id (16 bytes)
 *
 * Accepts a message once: rejects it if its timestamp is more than the window
 * away from @now_ms or before the guard's start
 * (%BLINK_PROTOCOL_ERROR_EXPIRED), if the same sender's id was accepted
 * before (%BLINK_PROTOCOL_ERROR_REPLAYED), or if the guard cannot remember
 * one more (%BLINK_PROTOCOL_ERROR_OVERLOADED); otherwise records it.
 */
gboolean
blink_replay_guard_check (BlinkReplayGuard *self,
                          const guint8 *sender_key,
                          const guint8 *message_id,
                          gint64 timestamp_ms,
                          gint64 now_ms,
                          GError **error)
{
  guint8 key[KEY_BYTES];
  Sender *sender;

  g_return_val_if_fail (BLINK_IS_REPLAY_GUARD (self), FALSE);
  g_return_val_if_fail (sender_key != NULL && message_id != NULL, FALSE);

  if (timestamp_ms < now_ms - self->window_ms || timestamp_ms > now_ms + self->window_ms)
    {
      g_set_error (error, BLINK_PROTOCOL_ERROR, BLINK_PROTOCOL_ERROR_EXPIRED,
                   "The message was sent %" G_GINT64_FORMAT " ms from now, outside the window of ±%"
                   G_GINT64_FORMAT " ms", timestamp_ms - now_ms, self->window_ms);
      return FALSE;
    }
  /* The clock stepped back since the start: what was accepted before the
   * start is dated later than now, outside the window, so the start can
   * follow the clock down. */
  if (now_ms < self->not_before_ms)
    self->not_before_ms = now_ms;
  if (timestamp_ms < self->not_before_ms)
    {
      g_set_error (error, BLINK_PROTOCOL_ERROR, BLINK_PROTOCOL_ERROR_EXPIRED,
                   "The message was sent %" G_GINT64_FORMAT " ms before this receiver started",
                   self->not_before_ms - timestamp_ms);
      return FALSE;
    }

  forget_expired (self, now_ms);

  memcpy (key, sender_key, BLINK_ED25519_PUBLIC_KEY_BYTES);
  memcpy (key + BLINK_ED25519_PUBLIC_KEY_BYTES, message_id, BLINK_MESSAGE_ID_BYTES);
  if (g_hash_table_contains (self->seen, key))
    {
      g_set_error (error, BLINK_PROTOCOL_ERROR, BLINK_PROTOCOL_ERROR_REPLAYED,
                   "The message was received before");
      return FALSE;
    }

  sender = sender_lookup (self, sender_key, FALSE);
  if (g_hash_table_size (self->seen) >= self->capacity ||
      (sender != NULL && sender->count >= self->sender_capacity))
    {
      g_set_error (error, BLINK_PROTOCOL_ERROR, BLINK_PROTOCOL_ERROR_OVERLOADED,
                   "Too many messages %s inside the window",
                   sender != NULL && sender->count >= self->sender_capacity ? "from this sender"
                                                                            : "from everyone");
      return FALSE;
    }

  remember (self, key, timestamp_ms);
  if (self->state_path != NULL && timestamp_ms > now_ms)
    state_append (self, key, timestamp_ms, now_ms);

  return TRUE;
}

/**
 * blink_replay_guard_contains:
 *
 * Returns: whether the guard remembers this message, without recording it
 */
gboolean
blink_replay_guard_contains (BlinkReplayGuard *self,
                             const guint8 *sender_key,
                             const guint8 *message_id)
{
  guint8 key[KEY_BYTES];

  g_return_val_if_fail (BLINK_IS_REPLAY_GUARD (self), FALSE);

  memcpy (key, sender_key, BLINK_ED25519_PUBLIC_KEY_BYTES);
  memcpy (key + BLINK_ED25519_PUBLIC_KEY_BYTES, message_id, BLINK_MESSAGE_ID_BYTES);
  return g_hash_table_contains (self->seen, key);
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

/**
 * blink_replay_guard_set_sender_capacity:
 *
 * How many ids of one sender are remembered at most; more messages from
 * that sender are refused while the window holds that many.
 */
void
blink_replay_guard_set_sender_capacity (BlinkReplayGuard *self,
                                        guint capacity)
{
  g_return_if_fail (BLINK_IS_REPLAY_GUARD (self));
  g_return_if_fail (capacity > 0);

  self->sender_capacity = capacity;
}

/**
 * blink_replay_guard_set_not_before:
 * @not_before_ms: messages timestamped earlier are refused
 *
 * Set it to when the receiver started listening: what it accepted before a
 * restart, it does not remember, so it must not accept it again.
 */
void
blink_replay_guard_set_not_before (BlinkReplayGuard *self,
                                   gint64 not_before_ms)
{
  g_return_if_fail (BLINK_IS_REPLAY_GUARD (self));

  self->not_before_ms = not_before_ms;
}

guint
blink_replay_guard_get_size (BlinkReplayGuard *self)
{
  g_return_val_if_fail (BLINK_IS_REPLAY_GUARD (self), 0);

  return g_hash_table_size (self->seen);
}

static void
blink_replay_guard_finalize (GObject *object)
{
  BlinkReplayGuard *self = BLINK_REPLAY_GUARD (object);

  g_hash_table_unref (self->seen);
  g_ptr_array_unref (self->expiry);
  g_hash_table_unref (self->senders);
  g_free (self->state_path);

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
  self->seen = g_hash_table_new (key_hash, key_equal);
  self->expiry = g_ptr_array_new_with_free_func (g_free);
  self->senders = g_hash_table_new_full (sender_hash, sender_equal, g_free, NULL);
  self->sender_capacity = DEFAULT_SENDER_CAPACITY;
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
