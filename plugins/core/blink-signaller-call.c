/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "blink-signaller-call"

#include "config.h"

#include "blink-signaller-call.h"

#include "blink-context.h"
#include "blink-topic.h"

#include <sodium.h>
#include <string.h>

/* The signaling's bookkeeping of one call (docs/protocol.md): its key and
 * participants, where each participant stands, and the three timers of the
 * protocol: resending the offer to callees that have not acknowledged it,
 * re-announcing ourselves while joined, and the ringing timeout. The
 * timers run on the signaller's context; when one is due the call emits
 * a signal and the signaller sends. */

#define OFFER_RESEND_FIRST_MS 500
#define OFFER_RESEND_MAX_MS 4000
/* Ids a call's messages are remembered by: 16 participants at most, each
 * with a quota far above what a call sends in the replay window (announces
 * every 3 s, SDP and candidates repeated until connected). */
#define GUARD_SENDER_CAPACITY 1024
#define GUARD_CAPACITY (BLINK_MAX_PARTICIPANTS * GUARD_SENDER_CAPACITY)

enum
{
  SIGNAL_RESEND_DUE,
  SIGNAL_ANNOUNCE_DUE,
  SIGNAL_EXPIRED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

struct _BlinkSignallerCall
{
  GObject parent_instance;

  GMainContext *context;
  char *id;
  guint8 key[BLINK_CALL_KEY_BYTES];
  char **participants; /* everyone, us included, no duplicates */
  char *caller;        /* who rang us (an inviter), or us */
  char *owner;         /* whose key the call id is derived from */
  gboolean invited;    /* we invited people into it */
  gboolean early;      /* ringing here, connecting before it is answered */
  BlinkAudioFormat audio;
  gint64 expires_ms;
  gboolean outgoing;
  gboolean joined;
  gboolean muted, deafened, recording;
  GHashTable *members; /* did → BlinkMembership, everyone but us */
  char *call_topic;
  char *peer_topic; /* ours, inside this call */
  BlinkReplayGuard *guard; /* of the call and peer topics */
  gint64 created_us;       /* monotonic: which of two calls came first */

  GSource *resend;
  guint resend_ms;
  GSource *announce;
  GSource *expire;
};

G_DEFINE_FINAL_TYPE (BlinkSignallerCall, blink_signaller_call, G_TYPE_OBJECT)

G_DEFINE_ENUM_TYPE (BlinkMembership, blink_membership,
                    G_DEFINE_ENUM_VALUE (BLINK_MEMBERSHIP_INVITED, "invited"),
                    G_DEFINE_ENUM_VALUE (BLINK_MEMBERSHIP_RINGING, "ringing"),
                    G_DEFINE_ENUM_VALUE (BLINK_MEMBERSHIP_JOINED, "joined"),
                    G_DEFINE_ENUM_VALUE (BLINK_MEMBERSHIP_DECLINED, "declined"),
                    G_DEFINE_ENUM_VALUE (BLINK_MEMBERSHIP_LEFT, "left"))

static gint64
now_ms (void)
{
  return g_get_real_time () / 1000;
}

static gboolean
on_announce_due (gpointer user_data)
{
  g_signal_emit (user_data, signals[SIGNAL_ANNOUNCE_DUE], 0);
  return G_SOURCE_CONTINUE;
}

static gboolean
on_resend_due (gpointer user_data)
{
  BlinkSignallerCall *self = user_data;

  blink_clear_source (&self->resend);
  if (now_ms () >= self->expires_ms || !blink_signaller_call_any_in (self, BLINK_MEMBERSHIP_INVITED))
    return G_SOURCE_REMOVE;

  self->resend_ms = MIN (self->resend_ms * 2, OFFER_RESEND_MAX_MS);
  self->resend = blink_context_add_timeout (self->context, self->resend_ms, on_resend_due, self,
                                            NULL);
  g_signal_emit (self, signals[SIGNAL_RESEND_DUE], 0);
  return G_SOURCE_REMOVE;
}

static gboolean
on_expired (gpointer user_data)
{
  BlinkSignallerCall *self = user_data;

  blink_clear_source (&self->expire);
  g_signal_emit (self, signals[SIGNAL_EXPIRED], 0);
  return G_SOURCE_REMOVE;
}

static void
blink_signaller_call_dispose (GObject *object)
{
  BlinkSignallerCall *self = BLINK_SIGNALLER_CALL (object);

  blink_clear_source (&self->resend);
  blink_clear_source (&self->announce);
  blink_clear_source (&self->expire);

  G_OBJECT_CLASS (blink_signaller_call_parent_class)->dispose (object);
}

static void
blink_signaller_call_finalize (GObject *object)
{
  BlinkSignallerCall *self = BLINK_SIGNALLER_CALL (object);

  sodium_memzero (self->key, sizeof self->key);
  g_main_context_unref (self->context);
  g_free (self->id);
  g_strfreev (self->participants);
  g_free (self->caller);
  g_free (self->owner);
  g_hash_table_unref (self->members);
  g_free (self->call_topic);
  g_free (self->peer_topic);
  g_clear_object (&self->guard);

  G_OBJECT_CLASS (blink_signaller_call_parent_class)->finalize (object);
}

static void
blink_signaller_call_class_init (BlinkSignallerCallClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = blink_signaller_call_dispose;
  object_class->finalize = blink_signaller_call_finalize;

  /* The offer should go again to the callees still invited. */
  signals[SIGNAL_RESEND_DUE] = g_signal_new ("resend-due", G_TYPE_FROM_CLASS (klass),
                                             G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE,
                                             0);
  /* We should announce ourselves again. */
  signals[SIGNAL_ANNOUNCE_DUE] = g_signal_new ("announce-due", G_TYPE_FROM_CLASS (klass),
                                               G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                               G_TYPE_NONE, 0);
  /* The ringing time is over. */
  signals[SIGNAL_EXPIRED] = g_signal_new ("expired", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                          0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
blink_signaller_call_init (BlinkSignallerCall *self)
{
  self->members = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->resend_ms = OFFER_RESEND_FIRST_MS;
}

/**
 * blink_signaller_call_new:
 * @context: where the call's timers run
 * @key: the call's symmetric key, %BLINK_CALL_KEY_BYTES
 * @participants: everyone in the call, @self_did and @caller included;
 *   duplicates count once
 * @expires_ms: when the offer rings out (Unix ms)
 * @window_ms: the replay window of its messages
 *
 * Returns: (transfer full): the call; outgoing when @caller is @self_did
 */
BlinkSignallerCall *
blink_signaller_call_new (GMainContext *context,
                          const char *id,
                          const guint8 *key,
                          const char *const *participants,
                          const char *caller,
                          const char *self_did,
                          const BlinkAudioFormat *audio,
                          gint64 expires_ms,
                          gint64 window_ms)
{
  BlinkSignallerCall *self = g_object_new (BLINK_TYPE_SIGNALLER_CALL, NULL);
  g_autoptr (GStrvBuilder) everyone = g_strv_builder_new ();
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  self->context = g_main_context_ref (context);
  self->id = g_strdup (id);
  memcpy (self->key, key, sizeof self->key);
  self->caller = g_strdup (caller);
  self->owner = g_strdup (caller);
  self->outgoing = g_str_equal (caller, self_did);
  self->audio = *audio;
  self->expires_ms = expires_ms;
  self->call_topic = blink_topic_call (id, key);
  self->peer_topic = blink_topic_peer (id, key, self_did);
  self->created_us = g_get_monotonic_time ();
  self->guard = blink_replay_guard_new (window_ms, GUARD_CAPACITY);
  blink_replay_guard_set_sender_capacity (self->guard, GUARD_SENDER_CAPACITY);

  for (guint i = 0; participants[i] != NULL; i++)
    {
      if (!g_hash_table_add (seen, (gpointer) participants[i]))
        continue;
      g_strv_builder_add (everyone, participants[i]);
      if (g_str_equal (participants[i], self_did))
        continue;
      /* The caller is in the call from the start. */
      g_hash_table_insert (self->members, g_strdup (participants[i]),
                           GINT_TO_POINTER (g_str_equal (participants[i], caller)
                                              ? BLINK_MEMBERSHIP_JOINED
                                              : BLINK_MEMBERSHIP_INVITED));
    }
  self->participants = g_strv_builder_end (everyone);

  return self;
}

const char *
blink_signaller_call_get_id (BlinkSignallerCall *self)
{
  return self->id;
}

const guint8 *
blink_signaller_call_get_key (BlinkSignallerCall *self)
{
  return self->key;
}

/**
 * blink_signaller_call_get_participants:
 *
 * Returns: (transfer none): everyone in the call, us included, each once
 */
const char *const *
blink_signaller_call_get_participants (BlinkSignallerCall *self)
{
  return (const char *const *) self->participants;
}

const char *
blink_signaller_call_get_caller (BlinkSignallerCall *self)
{
  return self->caller;
}

/**
 * blink_signaller_call_get_owner:
 *
 * Returns: the caller whose key the call id is derived from: the caller,
 *   unless an invitation brought us in
 */
const char *
blink_signaller_call_get_owner (BlinkSignallerCall *self)
{
  return self->owner;
}

void
blink_signaller_call_set_owner (BlinkSignallerCall *self,
                                const char *owner)
{
  g_free (self->owner);
  self->owner = g_strdup (owner);
}

/**
 * blink_signaller_call_add_participants:
 * @dids: people to add, some perhaps in the call already
 *
 * Adds the new ones, invited; nothing when the call would have more than
 * %BLINK_MAX_PARTICIPANTS.
 *
 * Returns: (transfer full) (nullable): the DIDs added (%NULL-terminated,
 *   perhaps empty), or %NULL when there would be too many
 */
char **
blink_signaller_call_add_participants (BlinkSignallerCall *self,
                                       const char *const *dids)
{
  g_autoptr (GStrvBuilder) added = g_strv_builder_new ();
  g_autoptr (GStrvBuilder) everyone = g_strv_builder_new ();
  g_auto (GStrv) fresh = NULL;
  guint n = g_strv_length (self->participants);

  for (guint i = 0; dids[i] != NULL; i++)
    {
      gboolean again = FALSE;

      for (guint j = 0; j < i && !again; j++)
        again = g_str_equal (dids[i], dids[j]);
      if (again || g_strv_contains ((const char *const *) self->participants, dids[i]))
        continue;
      g_strv_builder_add (added, dids[i]);
      n++;
    }
  if (n > BLINK_MAX_PARTICIPANTS)
    return NULL;

  fresh = g_strv_builder_end (added);
  g_strv_builder_addv (everyone, (const char **) self->participants);
  g_strv_builder_addv (everyone, (const char **) fresh);
  g_strfreev (self->participants);
  self->participants = g_strv_builder_end (everyone);
  for (guint i = 0; fresh[i] != NULL; i++)
    g_hash_table_insert (self->members, g_strdup (fresh[i]),
                         GINT_TO_POINTER (BLINK_MEMBERSHIP_INVITED));
  return g_steal_pointer (&fresh);
}

gboolean
blink_signaller_call_get_invited (BlinkSignallerCall *self)
{
  return self->invited;
}

void
blink_signaller_call_set_invited (BlinkSignallerCall *self)
{
  self->invited = TRUE;
}

gboolean
blink_signaller_call_get_early (BlinkSignallerCall *self)
{
  return self->early;
}

void
blink_signaller_call_set_early (BlinkSignallerCall *self,
                                gboolean early)
{
  self->early = early;
}

/**
 * blink_signaller_call_ring_until:
 *
 * Those invited now ring until @expires_ms (Unix ms), "expired" then.
 */
void
blink_signaller_call_ring_until (BlinkSignallerCall *self,
                                 gint64 expires_ms)
{
  self->expires_ms = expires_ms;
  blink_signaller_call_schedule_expiry (self);
}

const BlinkAudioFormat *
blink_signaller_call_get_audio (BlinkSignallerCall *self)
{
  return &self->audio;
}

gint64
blink_signaller_call_get_expires (BlinkSignallerCall *self)
{
  return self->expires_ms;
}

gboolean
blink_signaller_call_get_outgoing (BlinkSignallerCall *self)
{
  return self->outgoing;
}

gboolean
blink_signaller_call_get_joined (BlinkSignallerCall *self)
{
  return self->joined;
}

const char *
blink_signaller_call_get_call_topic (BlinkSignallerCall *self)
{
  return self->call_topic;
}

const char *
blink_signaller_call_get_peer_topic (BlinkSignallerCall *self)
{
  return self->peer_topic;
}

/**
 * blink_signaller_call_peer_topic_of:
 *
 * Returns: (transfer full): where to send to @did inside this call
 */
char *
blink_signaller_call_peer_topic_of (BlinkSignallerCall *self,
                                    const char *did)
{
  return blink_topic_peer (self->id, self->key, did);
}

BlinkReplayGuard *
blink_signaller_call_get_guard (BlinkSignallerCall *self)
{
  return self->guard;
}

gint64
blink_signaller_call_get_created (BlinkSignallerCall *self)
{
  return self->created_us;
}

/**
 * blink_signaller_call_lookup:
 * @membership: (out) (optional)
 *
 * Returns: whether @did is a remote participant of the call
 */
gboolean
blink_signaller_call_lookup (BlinkSignallerCall *self,
                             const char *did,
                             BlinkMembership *membership)
{
  gpointer value;

  if (did == NULL || !g_hash_table_lookup_extended (self->members, did, NULL, &value))
    return FALSE;
  if (membership != NULL)
    *membership = GPOINTER_TO_INT (value);
  return TRUE;
}

/**
 * blink_signaller_call_set_membership:
 *
 * Returns: whether @did's membership changed
 */
gboolean
blink_signaller_call_set_membership (BlinkSignallerCall *self,
                                     const char *did,
                                     BlinkMembership membership)
{
  BlinkMembership old;

  /* Declining and leaving are final: nothing brings the participant back. */
  if (!blink_signaller_call_lookup (self, did, &old) || old == membership ||
      old == BLINK_MEMBERSHIP_DECLINED || old == BLINK_MEMBERSHIP_LEFT)
    return FALSE;
  g_hash_table_insert (self->members, g_strdup (did), GINT_TO_POINTER (membership));
  return TRUE;
}

gboolean
blink_signaller_call_any_in (BlinkSignallerCall *self,
                             BlinkMembership membership)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->members);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (GPOINTER_TO_INT (value) == (int) membership)
      return TRUE;
  return FALSE;
}

/**
 * blink_signaller_call_members_in:
 *
 * Returns: (transfer container) (element-type utf8): the DIDs in @membership
 */
GPtrArray *
blink_signaller_call_members_in (BlinkSignallerCall *self,
                                 BlinkMembership membership)
{
  GPtrArray *dids = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer did, value;

  g_hash_table_iter_init (&iter, self->members);
  while (g_hash_table_iter_next (&iter, &did, &value))
    if (GPOINTER_TO_INT (value) == (int) membership)
      g_ptr_array_add (dids, did);
  return dids;
}

void
blink_signaller_call_set_announced (BlinkSignallerCall *self,
                                    gboolean muted,
                                    gboolean deafened,
                                    gboolean recording)
{
  self->muted = muted;
  self->deafened = deafened;
  self->recording = recording;
}

void
blink_signaller_call_get_announced (BlinkSignallerCall *self,
                                    gboolean *muted,
                                    gboolean *deafened,
                                    gboolean *recording)
{
  *muted = self->muted;
  *deafened = self->deafened;
  *recording = self->recording;
}

/**
 * blink_signaller_call_join:
 *
 * We are in the call: "announce-due" every @announce_interval_ms from now.
 */
void
blink_signaller_call_join (BlinkSignallerCall *self,
                           guint announce_interval_ms)
{
  self->joined = TRUE;
  blink_clear_source (&self->announce);
  self->announce = blink_context_add_timeout (self->context, announce_interval_ms,
                                              on_announce_due, self, NULL);
}

/**
 * blink_signaller_call_start_resending:
 *
 * "resend-due" after 0.5 s, 1 s, 2 s, then every 4 s, while a callee is
 * still invited and the offer has not rung out.
 */
void
blink_signaller_call_start_resending (BlinkSignallerCall *self)
{
  blink_clear_source (&self->resend);
  self->resend_ms = OFFER_RESEND_FIRST_MS;
  self->resend = blink_context_add_timeout (self->context, self->resend_ms, on_resend_due, self,
                                            NULL);
}

void
blink_signaller_call_stop_resending (BlinkSignallerCall *self)
{
  blink_clear_source (&self->resend);
}

/**
 * blink_signaller_call_schedule_expiry:
 *
 * "expired" when the offer rings out.
 */
void
blink_signaller_call_schedule_expiry (BlinkSignallerCall *self)
{
  gint64 left = MAX (self->expires_ms - now_ms (), 0);

  blink_clear_source (&self->expire);
  self->expire = blink_context_add_timeout (self->context, (guint) MIN (left, G_MAXUINT),
                                            on_expired, self, NULL);
}

void
blink_signaller_call_cancel_expiry (BlinkSignallerCall *self)
{
  blink_clear_source (&self->expire);
}
