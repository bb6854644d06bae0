/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "blink-signaller"

#include "config.h"

#include "blink-signaller.h"

#include "blink-context.h"
#include "blink-did.h"
#include "blink-enum.h"
#include "blink-envelope.h"
#include "blink-topic.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <sodium.h>
#include <string.h>

/**
 * BlinkSignaller:
 *
 * Blink's call signaling over IPFS pubsub (docs/protocol.md): it owns the
 * user's identity and a client of an IPFS node's RPC API, and carries every
 * message of a call, signed and encrypted, on the three kinds of topic (the
 * per-user offer topic, the per-call topic and the per-participant peer
 * topic). It keeps no media. The call engine calls it and listens to its
 * signals; the `blinksignaller` element wraps it for gst-launch.
 *
 * It runs on the thread-default #GMainContext of the thread that starts it,
 * and emits every signal there; that context must run. Its properties may
 * be set from any thread.
 */

#define DEFAULT_RINGING_TIMEOUT_S 60
#define DEFAULT_ANNOUNCE_INTERVAL_MS 3000
#define DEFAULT_REPLAY_WINDOW_MS BLINK_REPLAY_WINDOW_DEFAULT_MS
#define PUBLISH_ATTEMPTS 3
/* Incoming calls ringing at once. A flood of offers from throwaway
 * identities must neither grow memory nor lock the user out: each caller
 * rings once at most, and when all are taken the oldest stranger's offer
 * gives way to the new one. */
#define MAX_RINGING_CALLS 32
/* Offer-topic ids remembered, in all and per sender. A caller sends an
 * offer, its resends and a cancel with its resends per call, about ten:
 * 1,024 in the replay window is a call every 1.2 s, more than anyone places
 * by hand or by script;
 * one identity cannot take more than 1/64 of the room. When it is full,
 * new offers wait (fail closed) rather than forgetting ids that could
 * still be replayed. */
#define OFFER_GUARD_CAPACITY 65536
#define OFFER_GUARD_SENDER_CAPACITY 1024
/* Per pubsub peer, before any public-key work: this many messages a
 * second, after a burst of four seconds' worth. A call's busiest moment
 * (16 participants' SDP and candidates, repeated until connected) stays
 * under it; a flood from one peer does not. */
#define DEFAULT_PEER_RATE 100
#define PEER_RATE_BURST_S 4
#define MAX_RATED_PEERS 4096
/* Incoming calls that ended (declined, rang out, gave way, left) are not
 * rung again by a late resend of their offer for twice the replay window;
 * the memory is bounded, and what does not fit only loses that. */
#define MAX_ENDED_CALLS 4096
/* A cancel, decline or leave is said again 0.5, 1.5, 3.5, 7.5 and 15.5 s
 * after the first (a cancel or decline while the offer could still ring):
 * docs/protocol.md, "Last words". */
#define GOODBYE_RESEND_FIRST_MS 500
#define GOODBYE_RESENDS 5
#define GOODBYE_RESENDS_SPAN_MS 15500

enum
{
  PROP_0,
  PROP_IDENTITY,
  PROP_IPFS_API,
  PROP_REPLAY_WINDOW,
  PROP_RINGING_TIMEOUT,
  PROP_ANNOUNCE_INTERVAL,
  PROP_PEER_RATE,
  PROP_DID,
  PROP_IPFS_STATE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum
{
  SIGNAL_INCOMING_CALL,
  SIGNAL_OFFER_CANCELLED,
  SIGNAL_OFFER_EXPIRED,
  SIGNAL_PARTICIPANT_RINGING,
  SIGNAL_PARTICIPANT_CONNECTS_EARLY,
  SIGNAL_PARTICIPANT_JOINED,
  SIGNAL_PARTICIPANT_ANNOUNCED,
  SIGNAL_PARTICIPANT_DECLINED,
  SIGNAL_PARTICIPANT_LEFT,
  SIGNAL_PARTICIPANTS_ADDED,
  SIGNAL_SDP_RECEIVED,
  SIGNAL_ICE_CANDIDATE_RECEIVED,
  SIGNAL_RECONNECT_WANTED,
  SIGNAL_ERROR,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

struct _BlinkSignaller
{
  GObject parent_instance;

  /* Configuration, under the lock: set from any thread. */
  GMutex lock;
  char *identity_path;
  char *ipfs_api;
  guint64 replay_window_ms;
  guint ringing_timeout_s;
  guint announce_interval_ms;
  guint peer_rate;
  BlinkSignallerStats stats;

  /* From start on, used on the context only. */
  GMainContext *context;
  BlinkIdentity *identity;
  BlinkIpfsClient *client;
  BlinkReplayGuard *guard;         /* of the offer topic; calls have their own */
  BlinkReplayGuard *trusted_guard; /* of the offer topic, for trusted senders: room a flood
                                    * of strangers cannot take */
  char *offer_topic;
  GHashTable *calls;  /* id → BlinkSignallerCall* */
  GHashTable *topics; /* call and peer topic → BlinkSignallerCall*, owned by @calls */
  GHashTable *rates;  /* pubsub peer id → PeerRate* */
  GHashTable *trusted; /* DIDs whose offers never give way */
  GHashTable *known;   /* DIDs answered "ringing" when quiet to strangers */
  gboolean quiet;      /* no "ringing" to anyone else: it would tell them we are online */
  GHashTable *ended;   /* call id → when to forget it (Unix ms) */
  GPtrArray *goodbyes; /* Goodbye*: last words to say again */
};

G_DEFINE_FINAL_TYPE (BlinkSignaller, blink_signaller, G_TYPE_OBJECT)

static gint64
now_ms (void)
{
  return g_get_real_time () / 1000;
}

#define COUNT(self, field)         \
  G_STMT_START                     \
  {                                \
    g_mutex_lock (&(self)->lock);  \
    (self)->stats.field++;         \
    g_mutex_unlock (&(self)->lock); \
  }                                \
  G_STMT_END

/* ---- sending ---- */

typedef struct
{
  BlinkSignaller *self;
  char *call_id;
} Publish;

static void
publish_free (Publish *publish)
{
  g_object_unref (publish->self);
  g_free (publish->call_id);
  g_free (publish);
}

static void
on_published (GObject *source,
              GAsyncResult *result,
              gpointer user_data)
{
  Publish *publish = user_data;
  g_autoptr (GError) error = NULL;

  if (!blink_ipfs_client_publish_finish (BLINK_IPFS_CLIENT (source), result, &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      COUNT (publish->self, send_failures);
      g_debug ("Cannot publish: %s", error->message);
      g_signal_emit (publish->self, signals[SIGNAL_ERROR], 0, publish->call_id, error);
    }
  publish_free (publish);
}

static gboolean
send_message (BlinkSignaller *self,
              const char *call_id,
              const char *topic,
              const char *recipient,
              const guint8 *call_key,
              const BlinkMessage *message,
              GError **error)
{
  g_autoptr (GError) local_error = NULL;
  g_autoptr (GBytes) sealed = blink_envelope_seal (self->identity, topic, recipient, call_key,
                                                   message, &local_error);
  Publish *publish;

  if (sealed == NULL)
    {
      g_set_error (error, BLINK_SIGNALLER_ERROR, BLINK_SIGNALLER_ERROR_SEND,
                   "Cannot seal a %s message: %s", blink_message_kind_to_nick (message->kind),
                   local_error->message);
      return FALSE;
    }

  g_debug ("Sending %s on %s", blink_message_kind_to_nick (message->kind), topic);
  COUNT (self, sent);
  publish = g_new0 (Publish, 1);
  publish->self = g_object_ref (self);
  publish->call_id = g_strdup (call_id);
  blink_ipfs_client_publish_async (self->client, topic, sealed, PUBLISH_ATTEMPTS, NULL,
                                   on_published, publish);
  return TRUE;
}

static void
send_on_call (BlinkSignaller *self,
              BlinkSignallerCall *call,
              BlinkMessageKind kind)
{
  g_autoptr (BlinkMessage) message = blink_message_new (kind);
  g_autoptr (GError) error = NULL;

  if (kind == BLINK_MESSAGE_ANNOUNCE)
    blink_signaller_call_get_announced (call, &message->muted, &message->deafened,
                                        &message->recording);
  if (kind == BLINK_MESSAGE_ADD)
    message->participants = g_strdupv ((char **) blink_signaller_call_get_participants (call));
  if (!send_message (self, blink_signaller_call_get_id (call),
                     blink_signaller_call_get_call_topic (call), NULL,
                     blink_signaller_call_get_key (call), message, &error))
    g_warning ("%s", error->message);
}

/* Each resend is a new message (new id and time): the callee's replay guard
 * would drop a copy, and the callee answers every offer with "ringing". */
static void
send_offer (BlinkSignaller *self,
            BlinkSignallerCall *call,
            const char *did)
{
  g_autoptr (BlinkMessage) message = blink_message_new (BLINK_MESSAGE_OFFER);
  g_autofree char *topic = blink_topic_offer (did);
  g_autoptr (GError) error = NULL;

  message->call_id = g_strdup (blink_signaller_call_get_id (call));
  memcpy (message->call_key, blink_signaller_call_get_key (call), BLINK_CALL_KEY_BYTES);
  /* An invitation: the call id is derived from someone else's key. */
  if (!g_str_equal (blink_signaller_call_get_owner (call), blink_signaller_get_did (self)))
    message->caller = g_strdup (blink_signaller_call_get_owner (call));
  message->participants = g_strdupv ((char **) blink_signaller_call_get_participants (call));
  message->audio = *blink_signaller_call_get_audio (call);
  message->expires_ms = blink_signaller_call_get_expires (call);
  if (!send_message (self, message->call_id, topic, did, NULL, message, &error))
    g_warning ("%s", error->message);
}

static void
send_offers_to (BlinkSignaller *self,
                BlinkSignallerCall *call,
                BlinkMembership membership)
{
  g_autoptr (GPtrArray) dids = blink_signaller_call_members_in (call, membership);

  for (guint i = 0; i < dids->len; i++)
    send_offer (self, call, g_ptr_array_index (dids, i));
}

/* A last word about a call (a cancel to a callee, a decline or a leave on
 * the call's topic), said again. Pubsub loses a message now and then (a
 * node restarting, a burst it could not forward), and nothing answers
 * these: a lost one would leave a callee ringing, or a caller hearing it
 * ring, until the offer rings out, and a group keeping someone who left.
 * Each resend is a new message; a receiver that has heard it already
 * drops the copy. */
typedef struct
{
  BlinkSignaller *self; /* not owned: it frees its goodbyes */
  BlinkMessageKind kind;
  char *call_id;
  char *topic;
  char *recipient; /* a cancel is sealed to its callee; NULL on the call topic */
  guint8 key[BLINK_CALL_KEY_BYTES];
  gint64 until_ms; /* after the offer stops ringing anyway, for a cancel or decline */
  guint resends;
  guint delay_ms;
  GSource *timer;
} Goodbye;

static void
goodbye_free (Goodbye *goodbye)
{
  blink_clear_source (&goodbye->timer);
  sodium_memzero (goodbye->key, sizeof goodbye->key);
  g_free (goodbye->call_id);
  g_free (goodbye->topic);
  g_free (goodbye->recipient);
  g_free (goodbye);
}

static void
goodbye_send (Goodbye *goodbye)
{
  g_autoptr (BlinkMessage) message = blink_message_new (goodbye->kind);
  g_autoptr (GError) error = NULL;

  if (goodbye->kind == BLINK_MESSAGE_CANCEL)
    message->call_id = g_strdup (goodbye->call_id);
  if (!send_message (goodbye->self, goodbye->call_id, goodbye->topic, goodbye->recipient,
                     goodbye->recipient == NULL ? goodbye->key : NULL, message, &error))
    g_warning ("%s", error->message);
}

static gboolean
on_goodbye_due (gpointer user_data)
{
  Goodbye *goodbye = user_data;

  blink_clear_source (&goodbye->timer);
  if (now_ms () < goodbye->until_ms)
    {
      g_debug ("Saying %s again for call %s", blink_message_kind_to_nick (goodbye->kind),
               goodbye->call_id);
      goodbye_send (goodbye);
      if (++goodbye->resends < GOODBYE_RESENDS)
        {
          goodbye->delay_ms *= 2;
          goodbye->timer = blink_context_add_timeout (goodbye->self->context, goodbye->delay_ms,
                                                      on_goodbye_due, goodbye, NULL);
          return G_SOURCE_REMOVE;
        }
    }
  g_ptr_array_remove_fast (goodbye->self->goodbyes, goodbye);
  return G_SOURCE_REMOVE;
}

/* Sends @kind about @call, to @recipient on its offer topic (a cancel) or
 * on the call's topic, and again later. */
static void
say_goodbye (BlinkSignaller *self,
             BlinkSignallerCall *call,
             BlinkMessageKind kind,
             const char *recipient)
{
  Goodbye *goodbye = g_new0 (Goodbye, 1);

  goodbye->self = self;
  goodbye->kind = kind;
  goodbye->call_id = g_strdup (blink_signaller_call_get_id (call));
  goodbye->recipient = g_strdup (recipient);
  goodbye->topic = recipient != NULL ? blink_topic_offer (recipient)
                                     : g_strdup (blink_signaller_call_get_call_topic (call));
  memcpy (goodbye->key, blink_signaller_call_get_key (call), BLINK_CALL_KEY_BYTES);
  /* Past the offer's end by a resend's span: it may ring that much later
   * where it came late. */
  goodbye->until_ms = kind == BLINK_MESSAGE_LEAVE
                        ? G_MAXINT64
                        : blink_signaller_call_get_expires (call) + GOODBYE_RESENDS_SPAN_MS;
  goodbye_send (goodbye);
  goodbye->delay_ms = GOODBYE_RESEND_FIRST_MS;
  goodbye->timer = blink_context_add_timeout (self->context, goodbye->delay_ms, on_goodbye_due,
                                              goodbye, NULL);
  g_ptr_array_add (self->goodbyes, goodbye);
}

static void
withdraw_offer (BlinkSignaller *self,
                BlinkSignallerCall *call)
{
  g_autoptr (GPtrArray) invited = blink_signaller_call_members_in (call, BLINK_MEMBERSHIP_INVITED);
  g_autoptr (GPtrArray) ringing = blink_signaller_call_members_in (call, BLINK_MEMBERSHIP_RINGING);

  for (guint i = 0; i < invited->len; i++)
    say_goodbye (self, call, BLINK_MESSAGE_CANCEL, g_ptr_array_index (invited, i));
  for (guint i = 0; i < ringing->len; i++)
    say_goodbye (self, call, BLINK_MESSAGE_CANCEL, g_ptr_array_index (ringing, i));
}

/* ---- call lifetime ---- */

static void
remember_ended (BlinkSignaller *self,
                const char *id)
{
  gint64 now = now_ms ();

  if (g_hash_table_size (self->ended) >= MAX_ENDED_CALLS)
    {
      GHashTableIter iter;
      gpointer until;

      g_hash_table_iter_init (&iter, self->ended);
      while (g_hash_table_iter_next (&iter, NULL, &until))
        if (*(gint64 *) until < now)
          g_hash_table_iter_remove (&iter);
      if (g_hash_table_size (self->ended) >= MAX_ENDED_CALLS)
        return;
    }
  g_hash_table_insert (self->ended, g_strdup (id),
                       g_memdup2 (&(gint64){ now + 2 * blink_replay_guard_get_window (self->guard) },
                                  sizeof (gint64)));
}

static gboolean
call_ended (BlinkSignaller *self,
            const char *id)
{
  gint64 *until = g_hash_table_lookup (self->ended, id);

  return until != NULL && *until >= now_ms ();
}

/* Remembered in @ended for an offer withdrawn before it came. */
static char *
withdrawn_key (const char *sender,
               const char *id)
{
  return g_strconcat (sender, " ", id, NULL);
}

static void
call_forget (BlinkSignaller *self,
             BlinkSignallerCall *call)
{
  g_debug ("Forgetting call %s", blink_signaller_call_get_id (call));
  if (!blink_signaller_call_get_outgoing (call))
    remember_ended (self, blink_signaller_call_get_id (call));
  blink_ipfs_client_unsubscribe (self->client, blink_signaller_call_get_call_topic (call));
  g_hash_table_remove (self->topics, blink_signaller_call_get_call_topic (call));
  if (g_hash_table_remove (self->topics, blink_signaller_call_get_peer_topic (call)))
    blink_ipfs_client_unsubscribe (self->client, blink_signaller_call_get_peer_topic (call));
  g_signal_handlers_disconnect_by_data (call, self);
  g_hash_table_remove (self->calls, blink_signaller_call_get_id (call));
}

/* Whoever invited people says whom with every announce: someone who
 * missed it would refuse the newcomers' messages (docs/protocol.md,
 * "Invitations"). */
static void
on_announce_due (BlinkSignallerCall *call,
                 BlinkSignaller *self)
{
  send_on_call (self, call, BLINK_MESSAGE_ANNOUNCE);
  if (blink_signaller_call_get_invited (call))
    send_on_call (self, call, BLINK_MESSAGE_ADD);
}

static void
on_resend_due (BlinkSignallerCall *call,
               BlinkSignaller *self)
{
  g_debug ("Offer %s not acknowledged by everyone yet: resending",
           blink_signaller_call_get_id (call));
  send_offers_to (self, call, BLINK_MEMBERSHIP_INVITED);
  if (blink_signaller_call_get_invited (call))
    send_on_call (self, call, BLINK_MESSAGE_ADD);
}

static void
on_call_expired (BlinkSignallerCall *call,
                 BlinkSignaller *self)
{
  g_autofree char *id = g_strdup (blink_signaller_call_get_id (call));

  if (!blink_signaller_call_get_outgoing (call) && !blink_signaller_call_get_joined (call))
    {
      g_info ("Incoming call %s rang out", id);
      call_forget (self, call);
      g_signal_emit (self, signals[SIGNAL_OFFER_CANCELLED], 0, id, "expired");
      return;
    }

  if (blink_signaller_call_any_in (call, BLINK_MEMBERSHIP_INVITED) ||
      blink_signaller_call_any_in (call, BLINK_MEMBERSHIP_RINGING))
    {
      BlinkMembership unanswered[] = { BLINK_MEMBERSHIP_INVITED, BLINK_MEMBERSHIP_RINGING };

      g_info ("Offer %s rang out", id);
      blink_signaller_call_stop_resending (call);
      /* Who has not answered is out of the call, here as everywhere: a
       * later invitation does not ring them again, and what they send is
       * refused as from someone gone. */
      for (guint m = 0; m < G_N_ELEMENTS (unanswered); m++)
        {
          g_autoptr (GPtrArray) members = blink_signaller_call_members_in (call, unanswered[m]);

          for (guint i = 0; i < members->len; i++)
            blink_signaller_call_set_membership (call, g_ptr_array_index (members, i),
                                                 BLINK_MEMBERSHIP_LEFT);
        }
      g_signal_emit (self, signals[SIGNAL_OFFER_EXPIRED], 0, id);
    }
}

static BlinkSignallerCall *
call_add (BlinkSignaller *self,
          const char *id,
          const guint8 *key,
          const char *const *participants,
          const char *caller,
          const BlinkAudioFormat *audio,
          gint64 expires_ms)
{
  BlinkSignallerCall *call = blink_signaller_call_new (
    self->context, id, key, participants, caller, blink_signaller_get_did (self), audio,
    expires_ms, blink_replay_guard_get_window (self->guard));

  g_signal_connect (call, "announce-due", G_CALLBACK (on_announce_due), self);
  g_signal_connect (call, "resend-due", G_CALLBACK (on_resend_due), self);
  g_signal_connect (call, "expired", G_CALLBACK (on_call_expired), self);
  g_hash_table_insert (self->calls, g_strdup (id), call);
  g_hash_table_insert (self->topics, g_strdup (blink_signaller_call_get_call_topic (call)), call);
  blink_ipfs_client_subscribe (self->client, blink_signaller_call_get_call_topic (call));
  blink_signaller_call_schedule_expiry (call);
  return call;
}

/* What others send us alone in @call (SDPs, candidates) comes from now on:
 * we joined it, or connect while it rings. */
static void
listen_to_peers (BlinkSignaller *self,
                 BlinkSignallerCall *call)
{
  const char *topic = blink_signaller_call_get_peer_topic (call);

  if (g_hash_table_contains (self->topics, topic))
    return;
  g_hash_table_insert (self->topics, g_strdup (topic), call);
  blink_ipfs_client_subscribe (self->client, topic);
}

static void
call_join (BlinkSignaller *self,
           BlinkSignallerCall *call)
{
  guint interval;

  g_mutex_lock (&self->lock);
  interval = self->announce_interval_ms;
  g_mutex_unlock (&self->lock);

  listen_to_peers (self, call);
  blink_signaller_call_join (call, interval);
  send_on_call (self, call, BLINK_MESSAGE_ANNOUNCE);
}

/* Withdraws an offer nobody answered: the callees still ringing are told on
 * their offer topics, whoever answered meanwhile on the call topic. */
static void
call_cancel (BlinkSignaller *self,
             BlinkSignallerCall *call)
{
  withdraw_offer (self, call);
  say_goodbye (self, call, BLINK_MESSAGE_LEAVE, NULL);
  call_forget (self, call);
}

static gboolean
call_unanswered (BlinkSignallerCall *call)
{
  return blink_signaller_call_get_outgoing (call) &&
         !blink_signaller_call_any_in (call, BLINK_MEMBERSHIP_JOINED);
}

/* ---- receiving ---- */

static void
count_rejection (BlinkSignaller *self,
                 const char *topic,
                 const GError *error)
{
  g_return_if_fail (error->domain == BLINK_PROTOCOL_ERROR);

  g_mutex_lock (&self->lock);
  self->stats.rejected[error->code]++;
  g_mutex_unlock (&self->lock);
  g_debug ("Rejected a message on %s (%s): %s", topic,
           blink_protocol_error_to_nick (error->code), error->message);
}

static void
reject (BlinkSignaller *self,
        const char *topic,
        BlinkProtocolError code,
        const char *why)
{
  g_autoptr (GError) error = g_error_new_literal (BLINK_PROTOCOL_ERROR, code, why);

  count_rejection (self, topic, error);
}

static gboolean
call_is_ringing_here (BlinkSignallerCall *call)
{
  return !blink_signaller_call_get_outgoing (call) && !blink_signaller_call_get_joined (call);
}

/* An incoming call that is no more, because another took its place. */
static void
call_give_way (BlinkSignaller *self,
               BlinkSignallerCall *call,
               const char *reason)
{
  g_autofree char *id = g_strdup (blink_signaller_call_get_id (call));

  g_info ("Incoming call %s from %s: %s", id, blink_signaller_call_get_caller (call), reason);
  call_forget (self, call);
  g_signal_emit (self, signals[SIGNAL_OFFER_CANCELLED], 0, id, reason);
}

/* Whether every participant in @participants is us or @other. */
static gboolean
between_us_alone (BlinkSignaller *self,
                  const char *const *participants,
                  const char *other)
{
  for (guint i = 0; participants != NULL && participants[i] != NULL; i++)
    if (!g_str_equal (participants[i], blink_signaller_get_did (self)) &&
        !g_str_equal (participants[i], other))
      return FALSE;
  return TRUE;
}

/* Whether an offer to us alone from @caller crosses a call of ours to them
 * alone that they have not answered. The engine forgets such an offer or
 * answers it at once (docs/engine.md, "Crossed calls"), unless it comes
 * after the crossing window, as a call back that rings; either way there
 * is one at most per call of ours, since a caller's new offer replaces its
 * earlier one. */
static gboolean
crosses_our_call (BlinkSignaller *self,
                  const char *caller,
                  const char *const *participants)
{
  GHashTableIter iter;
  gpointer value;

  if (!between_us_alone (self, participants, caller))
    return FALSE;
  g_hash_table_iter_init (&iter, self->calls);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      BlinkSignallerCall *call = value;
      BlinkMembership membership;

      if (blink_signaller_call_get_outgoing (call) &&
          between_us_alone (self, blink_signaller_call_get_participants (call), caller) &&
          blink_signaller_call_lookup (call, caller, &membership) &&
          (membership == BLINK_MEMBERSHIP_INVITED || membership == BLINK_MEMBERSHIP_RINGING))
        return TRUE;
    }
  return FALSE;
}

/* Makes room for an offer from @caller: its own earlier call, still
 * ringing, is replaced; when all ringing places are taken, the oldest
 * stranger's call gives way, unless the offer crosses ours, which takes no
 * place from anyone. FALSE if no place can be had. */
static gboolean
make_room (BlinkSignaller *self,
           const char *caller,
           const char *const *participants)
{
  BlinkSignallerCall *oldest_stranger = NULL;
  BlinkSignallerCall *previous = NULL;
  GHashTableIter iter;
  gpointer value;
  guint ringing = 0;

  g_hash_table_iter_init (&iter, self->calls);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      BlinkSignallerCall *call = value;
      const char *from = blink_signaller_call_get_caller (call);

      if (!call_is_ringing_here (call))
        continue;
      ringing++;
      if (g_str_equal (from, caller))
        previous = call;
      else if (!g_hash_table_contains (self->trusted, from) &&
               (oldest_stranger == NULL || blink_signaller_call_get_created (call) <
                                             blink_signaller_call_get_created (oldest_stranger)))
        oldest_stranger = call;
    }

  if (previous != NULL)
    call_give_way (self, previous, "replaced");
  else if (ringing >= MAX_RINGING_CALLS && crosses_our_call (self, caller, participants))
    g_debug ("Offer from %s crosses ours: let in beyond the %u ringing", caller,
             MAX_RINGING_CALLS);
  else if (ringing >= MAX_RINGING_CALLS && oldest_stranger != NULL)
    call_give_way (self, oldest_stranger, "displaced");
  else if (ringing >= MAX_RINGING_CALLS)
    return FALSE;
  return TRUE;
}

static gboolean
answers_ringing (BlinkSignaller *self,
                 const char *sender)
{
  return !self->quiet || g_hash_table_contains (self->known, sender);
}

/**
 * blink_signaller_answers_ringing:
 *
 * Returns: whether an offer from @did is answered with "ringing", which
 *   tells them that we are online (blink_signaller_set_quiet())
 */
gboolean
blink_signaller_answers_ringing (BlinkSignaller *self,
                                 const char *did)
{
  g_return_val_if_fail (BLINK_IS_SIGNALLER (self), FALSE);

  return answers_ringing (self, did);
}

/* Until when a call rings here from now: the ringing timeout. */
static gint64
ringing_timeout_ms (BlinkSignaller *self)
{
  guint timeout_s;

  g_mutex_lock (&self->lock);
  timeout_s = self->ringing_timeout_s;
  g_mutex_unlock (&self->lock);
  return timeout_s * G_GINT64_CONSTANT (1000);
}

static gint64
ringing_deadline (BlinkSignaller *self)
{
  return now_ms () + ringing_timeout_ms (self);
}

static void
handle_offer (BlinkSignaller *self,
              BlinkMessage *message,
              const char *topic)
{
  BlinkSignallerCall *call = g_hash_table_lookup (self->calls, message->call_id);
  const char *id;

  if (call != NULL)
    {
      /* A resend (the id is the caller's own): acknowledge again, in case
       * our "ringing" was lost. */
      if (call_is_ringing_here (call) && answers_ringing (self, message->sender))
        {
          send_on_call (self, call, BLINK_MESSAGE_RINGING);
          if (blink_signaller_call_get_early (call))
            send_on_call (self, call, BLINK_MESSAGE_CONNECT);
        }
      return;
    }

  /* A late resend of a call that ended here rings no more, nor one its
   * caller withdrew before it came. */
  {
    g_autofree char *withdrawn = withdrawn_key (message->sender, message->call_id);

    if (call_ended (self, message->call_id) || call_ended (self, withdrawn))
      {
        COUNT (self, stale);
        return;
      }
  }

  if (!make_room (self, message->sender, (const char *const *) message->participants))
    {
      COUNT (self, refused_calls);
      g_warning ("Too many calls ringing: ignoring an offer from %s", message->sender);
      return;
    }

  /* The caller says how long it still rings, but never longer than we let
   * it. Its `expires` and `ts` are on its clock, which may differ from ours
   * by as much as the replay window: only their difference, counted from
   * now, means the same here. */
  call = call_add (self, message->call_id, message->call_key,
                   (const char *const *) message->participants, message->sender, &message->audio,
                   now_ms () + MIN (message->expires_ms - message->timestamp_ms,
                                    ringing_timeout_ms (self)));
  if (message->caller != NULL)
    blink_signaller_call_set_owner (call, message->caller);
  if (answers_ringing (self, message->sender))
    send_on_call (self, call, BLINK_MESSAGE_RINGING);
  else
    g_debug ("Quiet to %s: no ringing sent", message->sender);

  id = blink_signaller_call_get_id (call);
  g_info ("Incoming call %s from %s", id, message->sender);
  /* Held: a handler may forget the call (a crossed one) while the others
   * still read its format. */
  {
    g_autoptr (BlinkSignallerCall) held = g_object_ref (call);

    g_signal_emit (self, signals[SIGNAL_INCOMING_CALL], 0, id, message->sender,
                   blink_signaller_call_get_participants (held),
                   blink_signaller_call_get_audio (held));
  }
}

static void
handle_cancel (BlinkSignaller *self,
               BlinkMessage *message,
               const char *topic)
{
  BlinkSignallerCall *call = g_hash_table_lookup (self->calls, message->call_id);
  g_autofree char *id = NULL;

  /* A cancel that overtook its offer, or came after the call ended here:
   * that offer rings no more if it comes late. Keyed by its sender, so
   * that nobody but the caller can stop a call from ringing. */
  if (call == NULL)
    {
      g_autofree char *withdrawn = withdrawn_key (message->sender, message->call_id);

      remember_ended (self, withdrawn);
      return;
    }
  if (blink_signaller_call_get_outgoing (call))
    return;

  if (!g_str_equal (blink_signaller_call_get_caller (call), message->sender))
    {
      reject (self, topic, BLINK_PROTOCOL_ERROR_NOT_PARTICIPANT,
              "Only the caller may cancel an offer");
      return;
    }

  /* The caller withdrew before it saw us join (we answered at once, a
   * crossed call): it has left, though its leave on the call's topic may
   * have gone out before we listened there. */
  if (blink_signaller_call_get_joined (call))
    {
      if (blink_signaller_call_set_membership (call, message->sender, BLINK_MEMBERSHIP_LEFT))
        g_signal_emit (self, signals[SIGNAL_PARTICIPANT_LEFT], 0, message->call_id,
                       message->sender);
      return;
    }

  id = g_strdup (message->call_id);
  g_info ("Call %s cancelled by its caller", id);
  call_forget (self, call);
  g_signal_emit (self, signals[SIGNAL_OFFER_CANCELLED], 0, id, "cancelled");
}

/* Someone in the call invited people: they are in it, invited, and ring
 * here as long as they would if we had invited them. */
static void
handle_add (BlinkSignaller *self,
            BlinkSignallerCall *call,
            BlinkMessage *message)
{
  g_auto (GStrv) added =
    blink_signaller_call_add_participants (call, (const char *const *) message->participants);

  if (added == NULL)
    {
      reject (self, blink_signaller_call_get_call_topic (call),
              BLINK_PROTOCOL_ERROR_INVALID_VALUE, "The call would have too many participants");
      return;
    }
  if (added[0] == NULL)
    return;

  g_info ("%s added %u people to call %s", message->sender, g_strv_length (added),
          blink_signaller_call_get_id (call));
  if (blink_signaller_call_get_joined (call))
    blink_signaller_call_ring_until (call, ringing_deadline (self));
  g_signal_emit (self, signals[SIGNAL_PARTICIPANTS_ADDED], 0, blink_signaller_call_get_id (call),
                 message->sender, added);
}

static void
handle_call_message (BlinkSignaller *self,
                     BlinkSignallerCall *call,
                     BlinkMessage *message)
{
  g_autofree char *id = g_strdup (blink_signaller_call_get_id (call));
  const char *did = message->sender;
  BlinkMembership membership;

  blink_signaller_call_lookup (call, did, &membership);
  switch (message->kind)
    {
    case BLINK_MESSAGE_RINGING:
      if (membership == BLINK_MEMBERSHIP_INVITED)
        {
          blink_signaller_call_set_membership (call, did, BLINK_MEMBERSHIP_RINGING);
          g_signal_emit (self, signals[SIGNAL_PARTICIPANT_RINGING], 0, id, did);
        }
      return;

    case BLINK_MESSAGE_CONNECT:
      /* A callee that rings connects before it answers (docs/protocol.md,
       * "Connecting while ringing"); one who answered has no need to. */
      if (membership == BLINK_MEMBERSHIP_INVITED || membership == BLINK_MEMBERSHIP_RINGING)
        {
          if (blink_signaller_call_set_membership (call, did, BLINK_MEMBERSHIP_RINGING))
            g_signal_emit (self, signals[SIGNAL_PARTICIPANT_RINGING], 0, id, did);
          g_signal_emit (self, signals[SIGNAL_PARTICIPANT_CONNECTS_EARLY], 0, id, did);
        }
      return;

    case BLINK_MESSAGE_ANNOUNCE:
      /* The first announce is the join; the caller is in from the offer on. */
      if (blink_signaller_call_set_membership (call, did, BLINK_MEMBERSHIP_JOINED))
        g_signal_emit (self, signals[SIGNAL_PARTICIPANT_JOINED], 0, id, did);
      g_signal_emit (self, signals[SIGNAL_PARTICIPANT_ANNOUNCED], 0, id, did, message->muted,
                     message->deafened, message->recording);
      return;

    case BLINK_MESSAGE_DECLINE:
      if (membership != BLINK_MEMBERSHIP_DECLINED && membership != BLINK_MEMBERSHIP_LEFT)
        {
          blink_signaller_call_set_membership (call, did, BLINK_MEMBERSHIP_DECLINED);
          g_signal_emit (self, signals[SIGNAL_PARTICIPANT_DECLINED], 0, id, did);
        }
      return;

    case BLINK_MESSAGE_LEAVE:
      if (blink_signaller_call_set_membership (call, did, BLINK_MEMBERSHIP_LEFT))
        g_signal_emit (self, signals[SIGNAL_PARTICIPANT_LEFT], 0, id, did);
      return;

    case BLINK_MESSAGE_SDP_OFFER:
    case BLINK_MESSAGE_SDP_ANSWER:
      g_signal_emit (self, signals[SIGNAL_SDP_RECEIVED], 0, id, did,
                     message->kind == BLINK_MESSAGE_SDP_OFFER ? "offer" : "answer", message->sdp,
                     message->connection);
      return;

    case BLINK_MESSAGE_ICE_CANDIDATE:
      g_signal_emit (self, signals[SIGNAL_ICE_CANDIDATE_RECEIVED], 0, id, did, message->mline,
                     message->candidate, message->connection);
      return;

    case BLINK_MESSAGE_RECONNECT:
      g_signal_emit (self, signals[SIGNAL_RECONNECT_WANTED], 0, id, did, message->connection);
      return;

    case BLINK_MESSAGE_ADD:
      handle_add (self, call, message);
      return;

    case BLINK_MESSAGE_OFFER:
    case BLINK_MESSAGE_CANCEL:
      break;
    }

  g_assert_not_reached ();
}

/* ---- rate limits per pubsub peer ---- */

typedef struct
{
  double tokens;
  gint64 updated_us;
} PeerRate;

/* A token bucket per peer id. The table is bounded: when full, peers whose
 * bucket has refilled (they have been quiet) are forgotten, which loses
 * nothing since a forgotten peer starts again with a full bucket. */
static gboolean
peer_may_send (BlinkSignaller *self,
               const char *peer)
{
  gint64 now = g_get_monotonic_time ();
  double per_s, burst;
  PeerRate *rate;

  g_mutex_lock (&self->lock);
  per_s = self->peer_rate;
  g_mutex_unlock (&self->lock);
  burst = per_s * PEER_RATE_BURST_S;

  if (peer == NULL || peer[0] == '\0')
    peer = "";

  rate = g_hash_table_lookup (self->rates, peer);
  if (rate == NULL)
    {
      if (g_hash_table_size (self->rates) >= MAX_RATED_PEERS)
        {
          GHashTableIter iter;
          gpointer value;

          g_hash_table_iter_init (&iter, self->rates);
          while (g_hash_table_iter_next (&iter, NULL, &value))
            {
              PeerRate *old = value;

              if (old->tokens + (now - old->updated_us) * per_s / 1e6 >= burst)
                g_hash_table_iter_remove (&iter);
            }
          /* Everyone is busy: a flood from many peers at once. */
          if (g_hash_table_size (self->rates) >= MAX_RATED_PEERS)
            return FALSE;
        }
      rate = g_new (PeerRate, 1);
      rate->tokens = burst;
      rate->updated_us = now;
      g_hash_table_insert (self->rates, g_strdup (peer), rate);
    }

  rate->tokens = MIN (burst, rate->tokens + (now - rate->updated_us) * per_s / 1e6);
  rate->updated_us = now;
  if (rate->tokens < 1)
    return FALSE;
  rate->tokens -= 1;
  return TRUE;
}

/* The time window and replays, once everything else passed. On the offer
 * topic, people the user trusts have room of their own, which a flood of
 * strangers' offers cannot fill; an id is a replay in either. */
static gboolean
check_replay (BlinkSignaller *self,
              BlinkReplayGuard *call_guard,
              BlinkMessage *message,
              GError **error)
{
  guint8 sender_key[BLINK_ED25519_PUBLIC_KEY_BYTES];
  BlinkReplayGuard *guard = call_guard;

  /* The DID came from a verified key, so it converts back. */
  if (!blink_did_to_public_key (message->sender, sender_key, NULL))
    g_return_val_if_reached (FALSE);

  if (guard == NULL)
    {
      gboolean trusted = g_hash_table_contains (self->trusted, message->sender);
      BlinkReplayGuard *other = trusted ? self->guard : self->trusted_guard;

      guard = trusted ? self->trusted_guard : self->guard;
      if (blink_replay_guard_contains (other, sender_key, message->id))
        {
          g_set_error_literal (error, BLINK_PROTOCOL_ERROR, BLINK_PROTOCOL_ERROR_REPLAYED,
                               "The message was received before");
          return FALSE;
        }
    }

  return blink_replay_guard_check (guard, sender_key, message->id, message->timestamp_ms,
                                   now_ms (), error);
}

static void
on_client_message (BlinkIpfsClient *client,
                   const char *topic,
                   const char *from,
                   GBytes *data,
                   BlinkSignaller *self)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (BlinkMessage) message = NULL;
  g_autoptr (BlinkSignallerCall) call = NULL;
  BlinkMembership membership = BLINK_MEMBERSHIP_JOINED;
  BlinkReplayGuard *guard = NULL;
  guint64 window;

  if (!peer_may_send (self, from))
    {
      reject (self, topic, BLINK_PROTOCOL_ERROR_RATE_LIMITED,
              "The pubsub peer sends more than its share");
      return;
    }

  if (!g_str_equal (topic, self->offer_topic))
    {
      call = g_hash_table_lookup (self->topics, topic);
      if (call == NULL)
        {
          /* In flight when we left the call. */
          COUNT (self, stale);
          return;
        }
      /* A handler may forget the call while we still read it. */
      g_object_ref (call);
      guard = blink_signaller_call_get_guard (call);
    }

  g_mutex_lock (&self->lock);
  window = self->replay_window_ms;
  g_mutex_unlock (&self->lock);
  blink_replay_guard_set_window (self->guard, window);
  blink_replay_guard_set_window (self->trusted_guard, window);
  if (guard != NULL)
    blink_replay_guard_set_window (guard, window);

  /* The replay memory is checked last, by check_replay(): what is refused
   * for other reasons must not take its room. */
  message = blink_envelope_open (g_bytes_get_data (data, NULL), g_bytes_get_size (data), topic,
                                 self->identity,
                                 call != NULL ? blink_signaller_call_get_key (call) : NULL,
                                 call != NULL ? blink_signaller_call_get_id (call) : NULL, NULL,
                                 now_ms (), &error);
  if (message == NULL)
    {
      count_rejection (self, topic, error);
      return;
    }

  if (g_str_equal (message->sender, blink_signaller_get_did (self)))
    {
      COUNT (self, echoes);
      return;
    }

  if (call != NULL && !blink_signaller_call_lookup (call, message->sender, &membership))
    {
      reject (self, topic, BLINK_PROTOCOL_ERROR_NOT_PARTICIPANT,
              "The sender is not a participant of the call");
      return;
    }

  /* Whoever declined or left is out for good: no SDP, candidate or
   * announce of theirs may start a connection again. Their decline or
   * leave said again is no offence, only late. */
  if (call != NULL &&
      (membership == BLINK_MEMBERSHIP_DECLINED || membership == BLINK_MEMBERSHIP_LEFT))
    {
      if (message->kind == BLINK_MESSAGE_DECLINE || message->kind == BLINK_MESSAGE_LEAVE)
        {
          COUNT (self, stale);
          return;
        }
      reject (self, topic, BLINK_PROTOCOL_ERROR_GONE, "The sender declined or left the call");
      return;
    }

  if (message->kind == BLINK_MESSAGE_ADD && membership != BLINK_MEMBERSHIP_JOINED)
    {
      reject (self, topic, BLINK_PROTOCOL_ERROR_NOT_PARTICIPANT,
              "Only someone in the call may add people to it");
      return;
    }

  if (!check_replay (self, guard, message, &error))
    {
      count_rejection (self, topic, error);
      return;
    }

  COUNT (self, received);
  g_debug ("Received %s from %s on %s", blink_message_kind_to_nick (message->kind),
           message->sender, topic);

  if (message->kind == BLINK_MESSAGE_OFFER)
    handle_offer (self, message, topic);
  else if (message->kind == BLINK_MESSAGE_CANCEL)
    handle_cancel (self, message, topic);
  else
    handle_call_message (self, call, message);
}

static void
on_client_state (BlinkIpfsClient *client,
                 GParamSpec *pspec,
                 BlinkSignaller *self)
{
  g_info ("IPFS node: %s",
          blink_enum_nick (BLINK_TYPE_IPFS_STATE, blink_ipfs_client_get_state (client)));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_IPFS_STATE]);
}

/* ---- actions ---- */

static gboolean
check_started (BlinkSignaller *self,
               GError **error)
{
  if (self->client != NULL)
    return TRUE;
  g_set_error_literal (error, BLINK_SIGNALLER_ERROR, BLINK_SIGNALLER_ERROR_NOT_STARTED,
                       "The signaller is not started");
  return FALSE;
}

static BlinkSignallerCall *
lookup_call (BlinkSignaller *self,
             const char *call_id,
             GError **error)
{
  BlinkSignallerCall *call;

  if (!check_started (self, error))
    return NULL;

  call = call_id != NULL ? g_hash_table_lookup (self->calls, call_id) : NULL;
  if (call == NULL)
    g_set_error (error, BLINK_SIGNALLER_ERROR, BLINK_SIGNALLER_ERROR_NO_SUCH_CALL, "No call %s",
                 call_id);
  return call;
}

static gboolean
no_such_call (const char *call_id,
              const char *why,
              GError **error)
{
  g_set_error (error, BLINK_SIGNALLER_ERROR, BLINK_SIGNALLER_ERROR_NO_SUCH_CALL, "Call %s %s",
               call_id, why);
  return FALSE;
}

/* A call that rings here: neither ours nor joined. */
static BlinkSignallerCall *
lookup_ringing_call (BlinkSignaller *self,
                     const char *call_id,
                     GError **error)
{
  BlinkSignallerCall *call = lookup_call (self, call_id, error);

  if (call != NULL && !call_is_ringing_here (call))
    {
      no_such_call (call_id, "is not ringing here", error);
      return NULL;
    }
  return call;
}

/* Everyone in the call to offer, us first, each once; or why not. */
static GPtrArray *
offer_participants (BlinkSignaller *self,
                    const char *const *callees,
                    const BlinkAudioFormat *format,
                    GError **error)
{
  g_autoptr (GPtrArray) participants = g_ptr_array_new ();
  const char *me;

  if (!check_started (self, error))
    return NULL;

  me = blink_signaller_get_did (self);
  g_ptr_array_add (participants, (gpointer) me);
  for (guint i = 0; callees != NULL && callees[i] != NULL; i++)
    {
      if (!blink_did_is_valid (callees[i]))
        {
          g_set_error (error, BLINK_SIGNALLER_ERROR, BLINK_SIGNALLER_ERROR_BAD_DID,
                       "Not a valid DID: %s", callees[i]);
          return NULL;
        }
      if (g_str_equal (callees[i], me))
        {
          g_set_error_literal (error, BLINK_SIGNALLER_ERROR, BLINK_SIGNALLER_ERROR_BAD_DID,
                               "You cannot call yourself");
          return NULL;
        }
      if (!g_ptr_array_find_with_equal_func (participants, callees[i], g_str_equal, NULL))
        g_ptr_array_add (participants, (gpointer) callees[i]);
    }
  if (participants->len < 2 || participants->len > BLINK_MAX_PARTICIPANTS)
    {
      g_set_error (error, BLINK_SIGNALLER_ERROR, BLINK_SIGNALLER_ERROR_PARTICIPANTS,
                   "A call has 1 to %d other participants", BLINK_MAX_PARTICIPANTS - 1);
      return NULL;
    }
  if (!blink_audio_format_is_valid (format))
    {
      g_set_error (error, BLINK_SIGNALLER_ERROR, BLINK_SIGNALLER_ERROR_AUDIO_FORMAT,
                   "Unsupported audio format: %u Hz, %u channels, %u ms, %u bit/s", format->rate,
                   format->channels, format->frame_ms, format->bitrate);
      return NULL;
    }
  g_ptr_array_add (participants, NULL);
  return g_steal_pointer (&participants);
}

/**
 * blink_signaller_check_offer:
 * @audio: (nullable)
 *
 * Says whether blink_signaller_offer() would take these arguments,
 * without doing anything.
 */
gboolean
blink_signaller_check_offer (BlinkSignaller *self,
                             const char *const *callees,
                             const BlinkAudioFormat *audio,
                             GError **error)
{
  BlinkAudioFormat format = audio != NULL ? *audio : BLINK_AUDIO_FORMAT_DEFAULT;
  g_autoptr (GPtrArray) participants = NULL;

  g_return_val_if_fail (BLINK_IS_SIGNALLER (self), FALSE);

  participants = offer_participants (self, callees, &format, error);
  return participants != NULL;
}

/**
 * blink_signaller_offer:
 * @callees: whom to call; duplicates count once
 * @audio: (nullable): the call's format, %BLINK_AUDIO_FORMAT_DEFAULT if %NULL
 *
 * Offers a new call and joins it. Nothing changes when it fails.
 *
 * Returns: (transfer full): the new call's id, or %NULL
 */
char *
blink_signaller_offer (BlinkSignaller *self,
                       const char *const *callees,
                       const BlinkAudioFormat *audio,
                       GError **error)
{
  BlinkAudioFormat format = audio != NULL ? *audio : BLINK_AUDIO_FORMAT_DEFAULT;
  g_autoptr (GPtrArray) participants = NULL;
  guint8 key[BLINK_CALL_KEY_BYTES];
  g_autofree char *id = NULL;
  BlinkSignallerCall *call;

  g_return_val_if_fail (BLINK_IS_SIGNALLER (self), NULL);

  participants = offer_participants (self, callees, &format, error);
  if (participants == NULL)
    return NULL;

  randombytes_buf (key, sizeof key);
  id = blink_call_id_derive (key, blink_signaller_get_did (self));
  /* Listen before anyone can answer (call_add subscribes to the call
   * topic); the offers go out first, as they start the ringing, and our
   * announce after them. */
  call = call_add (self, id, key, (const char *const *) participants->pdata,
                   blink_signaller_get_did (self), &format, ringing_deadline (self));
  sodium_memzero (key, sizeof key);
  send_offers_to (self, call, BLINK_MEMBERSHIP_INVITED);
  call_join (self, call);
  blink_signaller_call_start_resending (call);

  g_info ("Offered call %s to %u participants", id, participants->len - 2);
  return g_steal_pointer (&id);
}

/**
 * blink_signaller_invite:
 * @dids: whom to add to the call
 *
 * Adds people to a call we are in: each is offered it (an invitation,
 * which names its caller), and everyone in it is told whom we added.
 * Nothing changes when it fails.
 *
 * Returns: whether they were invited
 */
gboolean
blink_signaller_invite (BlinkSignaller *self,
                        const char *call_id,
                        const char *const *dids,
                        GError **error)
{
  BlinkSignallerCall *call;
  g_auto (GStrv) added = NULL;
  const char *me;

  g_return_val_if_fail (BLINK_IS_SIGNALLER (self), FALSE);
  g_return_val_if_fail (dids != NULL, FALSE);

  call = lookup_call (self, call_id, error);
  if (call == NULL)
    return FALSE;
  if (!blink_signaller_call_get_joined (call))
    return no_such_call (call_id, "is not joined", error);

  me = blink_signaller_get_did (self);
  for (guint i = 0; dids[i] != NULL; i++)
    {
      if (!blink_did_is_valid (dids[i]) || g_str_equal (dids[i], me))
        {
          g_set_error (error, BLINK_SIGNALLER_ERROR, BLINK_SIGNALLER_ERROR_BAD_DID,
                       g_str_equal (dids[i], me) ? "You are in the call already"
                                                 : "Not a valid DID: %s",
                       dids[i]);
          return FALSE;
        }
    }

  added = blink_signaller_call_add_participants (call, dids);
  if (added == NULL || added[0] == NULL)
    {
      g_set_error (error, BLINK_SIGNALLER_ERROR, BLINK_SIGNALLER_ERROR_PARTICIPANTS,
                   added == NULL ? "A call has at most %d participants"
                                 : "Everybody named is in the call already",
                   BLINK_MAX_PARTICIPANTS);
      return FALSE;
    }

  blink_signaller_call_set_invited (call);
  blink_signaller_call_ring_until (call, ringing_deadline (self));
  for (guint i = 0; added[i] != NULL; i++)
    send_offer (self, call, added[i]);
  send_on_call (self, call, BLINK_MESSAGE_ADD);
  blink_signaller_call_start_resending (call);

  g_info ("Invited %u people to call %s", g_strv_length (added), call_id);
  g_signal_emit (self, signals[SIGNAL_PARTICIPANTS_ADDED], 0, call_id, me, added);
  return TRUE;
}

/**
 * blink_signaller_cancel:
 *
 * Withdraws an outgoing offer: it disappears from every callee's pending
 * calls.
 */
gboolean
blink_signaller_cancel (BlinkSignaller *self,
                        const char *call_id,
                        GError **error)
{
  BlinkSignallerCall *call;

  g_return_val_if_fail (BLINK_IS_SIGNALLER (self), FALSE);

  call = lookup_call (self, call_id, error);
  if (call == NULL)
    return FALSE;
  if (!blink_signaller_call_get_outgoing (call))
    return no_such_call (call_id, "is not ours to cancel", error);

  call_cancel (self, call);
  return TRUE;
}

/**
 * blink_signaller_join:
 *
 * Accepts a pending incoming call: announces us on its topic.
 */
gboolean
blink_signaller_join (BlinkSignaller *self,
                      const char *call_id,
                      GError **error)
{
  BlinkSignallerCall *call;

  g_return_val_if_fail (BLINK_IS_SIGNALLER (self), FALSE);

  call = lookup_call (self, call_id, error);
  if (call == NULL)
    return FALSE;
  if (blink_signaller_call_get_joined (call))
    return no_such_call (call_id, "is joined already", error);

  /* The ringing still ends when it would have: whoever else the offer
   * rang and who has not answered by then is out of the call here too. */
  call_join (self, call);
  return TRUE;
}

/* The ringing call @call_id, marked as connecting early or not. */
static BlinkSignallerCall *
mark_early (BlinkSignaller *self,
            const char *call_id,
            gboolean early,
            GError **error)
{
  BlinkSignallerCall *call = lookup_ringing_call (self, call_id, error);

  if (call != NULL)
    blink_signaller_call_set_early (call, early);
  return call;
}

/**
 * blink_signaller_connect_early:
 *
 * Tells the others in a call that rings here that we connect before
 * answering: they set up their connections to us, and send nothing on
 * them until we join. Said again whenever the caller's offer is.
 */
gboolean
blink_signaller_connect_early (BlinkSignaller *self,
                               const char *call_id,
                               GError **error)
{
  BlinkSignallerCall *call;

  g_return_val_if_fail (BLINK_IS_SIGNALLER (self), FALSE);

  call = mark_early (self, call_id, TRUE, error);
  if (call == NULL)
    return FALSE;

  listen_to_peers (self, call);
  send_on_call (self, call, BLINK_MESSAGE_CONNECT);
  return TRUE;
}

/**
 * blink_signaller_connect_later:
 *
 * Takes back blink_signaller_connect_early() for a call that rings on here
 * while another is taken: a resend of its offer is acknowledged with
 * `ringing` alone, and the call connects when it is answered. What others
 * send us alone in it still comes (the caller may hold a connection).
 */
gboolean
blink_signaller_connect_later (BlinkSignaller *self,
                               const char *call_id,
                               GError **error)
{
  g_return_val_if_fail (BLINK_IS_SIGNALLER (self), FALSE);

  return mark_early (self, call_id, FALSE, error) != NULL;
}

/**
 * blink_signaller_forget:
 *
 * Drops a call that rings here, sending nothing more (its caller had our
 * `ringing` on its arrival), as if its offer had never come: a resend of
 * it does not ring again. For an offer that
 * crossed one of ours to its caller, which both sides resolve alike: its
 * caller is about to withdraw it (docs/protocol.md, "Crossed calls").
 */
gboolean
blink_signaller_forget (BlinkSignaller *self,
                        const char *call_id,
                        GError **error)
{
  BlinkSignallerCall *call;

  g_return_val_if_fail (BLINK_IS_SIGNALLER (self), FALSE);

  call = lookup_ringing_call (self, call_id, error);
  if (call == NULL)
    return FALSE;

  call_forget (self, call);
  return TRUE;
}

gboolean
blink_signaller_decline (BlinkSignaller *self,
                         const char *call_id,
                         GError **error)
{
  BlinkSignallerCall *call;

  g_return_val_if_fail (BLINK_IS_SIGNALLER (self), FALSE);

  call = lookup_ringing_call (self, call_id, error);
  if (call == NULL)
    return FALSE;

  say_goodbye (self, call, BLINK_MESSAGE_DECLINE, NULL);
  call_forget (self, call);
  return TRUE;
}

/**
 * blink_signaller_leave:
 *
 * Leaves a call whatever its state: an unanswered offer is cancelled, a
 * ringing one declined, a joined one left.
 */
gboolean
blink_signaller_leave (BlinkSignaller *self,
                       const char *call_id,
                       GError **error)
{
  BlinkSignallerCall *call;

  g_return_val_if_fail (BLINK_IS_SIGNALLER (self), FALSE);

  call = lookup_call (self, call_id, error);
  if (call == NULL)
    return FALSE;

  if (call_unanswered (call))
    {
      call_cancel (self, call);
      return TRUE;
    }

  say_goodbye (self, call,
               blink_signaller_call_get_joined (call) ? BLINK_MESSAGE_LEAVE
                                                      : BLINK_MESSAGE_DECLINE,
               NULL);
  call_forget (self, call);
  return TRUE;
}

gboolean
blink_signaller_announce (BlinkSignaller *self,
                          const char *call_id,
                          gboolean muted,
                          gboolean deafened,
                          gboolean recording,
                          GError **error)
{
  BlinkSignallerCall *call;

  g_return_val_if_fail (BLINK_IS_SIGNALLER (self), FALSE);

  call = lookup_call (self, call_id, error);
  if (call == NULL)
    return FALSE;
  if (!blink_signaller_call_get_joined (call))
    return no_such_call (call_id, "is not joined", error);

  blink_signaller_call_set_announced (call, muted, deafened, recording);
  send_on_call (self, call, BLINK_MESSAGE_ANNOUNCE);
  return TRUE;
}

static gboolean
send_to_peer (BlinkSignaller *self,
              const char *call_id,
              const char *did,
              BlinkMessage *message,
              GError **error)
{
  BlinkSignallerCall *call = lookup_call (self, call_id, error);
  g_autofree char *topic = NULL;
  BlinkMembership membership;

  if (call == NULL)
    return FALSE;
  if (!blink_signaller_call_lookup (call, did, &membership) ||
      membership == BLINK_MEMBERSHIP_DECLINED || membership == BLINK_MEMBERSHIP_LEFT)
    {
      g_set_error (error, BLINK_SIGNALLER_ERROR, BLINK_SIGNALLER_ERROR_NOT_PARTICIPANT,
                   "%s is not (or no longer) a participant of call %s", did, call_id);
      return FALSE;
    }

  topic = blink_signaller_call_peer_topic_of (call, did);
  return send_message (self, call_id, topic, did, NULL, message, error);
}

/**
 * blink_signaller_send_sdp:
 * @connection: which connection to @did it is for, from 0 (docs/protocol.md,
 *   "Reconnecting")
 * @type: "offer" or "answer"
 */
gboolean
blink_signaller_send_sdp (BlinkSignaller *self,
                          const char *call_id,
                          const char *did,
                          guint connection,
                          const char *type,
                          const char *sdp,
                          GError **error)
{
  g_autoptr (BlinkMessage) message = NULL;

  g_return_val_if_fail (BLINK_IS_SIGNALLER (self), FALSE);

  if (g_strcmp0 (type, "offer") != 0 && g_strcmp0 (type, "answer") != 0)
    {
      g_set_error (error, BLINK_SIGNALLER_ERROR, BLINK_SIGNALLER_ERROR_INVALID,
                   "The SDP type is “offer” or “answer”, not %s", type);
      return FALSE;
    }
  if (sdp == NULL || !g_str_has_prefix (sdp, "v=0"))
    {
      g_set_error_literal (error, BLINK_SIGNALLER_ERROR, BLINK_SIGNALLER_ERROR_INVALID,
                           "Not an SDP");
      return FALSE;
    }

  message = blink_message_new (g_str_equal (type, "offer") ? BLINK_MESSAGE_SDP_OFFER
                                                            : BLINK_MESSAGE_SDP_ANSWER);
  message->sdp = g_strdup (sdp);
  message->connection = MIN (connection, BLINK_MESSAGE_MAX_CONNECTION);
  return send_to_peer (self, call_id, did, message, error);
}

/**
 * blink_signaller_send_reconnect:
 * @connection: our connection to @did that broke
 *
 * Asks @did, who makes the SDP offers of our pair, for a new connection.
 */
gboolean
blink_signaller_send_reconnect (BlinkSignaller *self,
                                const char *call_id,
                                const char *did,
                                guint connection,
                                GError **error)
{
  g_autoptr (BlinkMessage) message = blink_message_new (BLINK_MESSAGE_RECONNECT);

  g_return_val_if_fail (BLINK_IS_SIGNALLER (self), FALSE);

  message->connection = MIN (connection, BLINK_MESSAGE_MAX_CONNECTION);
  return send_to_peer (self, call_id, did, message, error);
}

/**
 * blink_signaller_send_ice_candidate:
 * @candidate: an a=candidate line's value, or "" at the end of candidates
 */
gboolean
blink_signaller_send_ice_candidate (BlinkSignaller *self,
                                    const char *call_id,
                                    const char *did,
                                    guint connection,
                                    guint mline,
                                    const char *candidate,
                                    GError **error)
{
  g_autoptr (BlinkMessage) message = NULL;

  g_return_val_if_fail (BLINK_IS_SIGNALLER (self), FALSE);

  if (candidate == NULL || mline > 255)
    {
      g_set_error_literal (error, BLINK_SIGNALLER_ERROR, BLINK_SIGNALLER_ERROR_INVALID,
                           "Not an ICE candidate");
      return FALSE;
    }

  message = blink_message_new (BLINK_MESSAGE_ICE_CANDIDATE);
  message->mline = mline;
  message->candidate = g_strdup (candidate);
  message->connection = MIN (connection, BLINK_MESSAGE_MAX_CONNECTION);
  return send_to_peer (self, call_id, did, message, error);
}

/* ---- starting and stopping ---- */

/* What we accepted on the offer topic before a restart must not ring
 * again after it: older messages are refused, and those dated after the
 * restart by a clock ahead of ours are kept in a state file. */
static BlinkReplayGuard *
offer_guard_new (const char *did,
                 const char *kind,
                 guint64 window_ms)
{
  BlinkReplayGuard *guard = blink_replay_guard_new (window_ms, OFFER_GUARD_CAPACITY);
  g_autofree char *digest = g_compute_checksum_for_string (G_CHECKSUM_SHA256, did, -1);
  g_autofree char *dir = g_build_filename (g_get_user_state_dir (), "blink", NULL);
  g_autofree char *name = g_strdup_printf ("%s-%.16s", kind, digest);
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr (GError) error = NULL;
  gint64 now = now_ms ();

  blink_replay_guard_set_sender_capacity (guard, OFFER_GUARD_SENDER_CAPACITY);
  blink_replay_guard_set_not_before (guard, now);
  if (g_mkdir_with_parents (dir, 0700) != 0 || g_chmod (dir, 0700) != 0)
    g_warning ("Cannot create %s: %s", dir, g_strerror (errno));
  else if (!blink_replay_guard_set_state_file (guard, path, now, &error))
    g_warning ("Cannot keep the offers seen in %s: %s", path, error->message);
  return guard;
}

/**
 * blink_signaller_start:
 *
 * Loads (or creates) the identity, connects to the IPFS node and listens to
 * the user's offer topic, on the calling thread's thread-default context.
 */
gboolean
blink_signaller_start (BlinkSignaller *self,
                       GError **error)
{
  g_autofree char *identity_path = NULL;
  g_autofree char *ipfs_api = NULL;
  g_autoptr (BlinkIdentity) identity = NULL;
  guint64 window;

  g_return_val_if_fail (BLINK_IS_SIGNALLER (self), FALSE);

  if (self->client != NULL)
    return TRUE;

  g_mutex_lock (&self->lock);
  identity_path = g_strdup (self->identity_path);
  ipfs_api = g_strdup (self->ipfs_api);
  window = self->replay_window_ms;
  g_mutex_unlock (&self->lock);

  identity = blink_identity_load_or_create (identity_path, error);
  if (identity == NULL)
    return FALSE;
  self->client = blink_ipfs_client_new (ipfs_api, error);
  if (self->client == NULL)
    return FALSE;

  self->identity = g_steal_pointer (&identity);
  self->context = g_main_context_ref_thread_default ();
  self->guard = offer_guard_new (blink_signaller_get_did (self), "seen-offers", window);
  self->trusted_guard =
    offer_guard_new (blink_signaller_get_did (self), "seen-offers-trusted", window);
  self->offer_topic = blink_topic_offer (blink_signaller_get_did (self));
  g_signal_connect (self->client, "message", G_CALLBACK (on_client_message), self);
  g_signal_connect (self->client, "notify::state", G_CALLBACK (on_client_state), self);
  blink_ipfs_client_subscribe (self->client, self->offer_topic);

  g_info ("Started as %s on %s", blink_signaller_get_did (self),
          blink_ipfs_client_get_api_url (self->client));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DID]);
  return TRUE;
}

/**
 * blink_signaller_stop:
 *
 * Leaves every call properly (pending offers are cancelled, joined calls
 * left) and disconnects; the messages still go out.
 */
void
blink_signaller_stop (BlinkSignaller *self)
{
  g_autoptr (GList) calls = NULL;

  g_return_if_fail (BLINK_IS_SIGNALLER (self));

  if (self->client == NULL)
    return;

  calls = g_hash_table_get_values (self->calls);
  for (GList *l = calls; l != NULL; l = l->next)
    {
      BlinkSignallerCall *call = l->data;

      if (call_unanswered (call))
        call_cancel (self, call);
      else if (blink_signaller_call_get_joined (call))
        {
          send_on_call (self, call, BLINK_MESSAGE_LEAVE);
          call_forget (self, call);
        }
      else
        call_forget (self, call);
    }

  /* The cancels just sent are the last: their resends would need us. */
  g_ptr_array_set_size (self->goodbyes, 0);
  g_signal_handlers_disconnect_by_data (self->client, self);
  /* Pending publishes keep the client alive until they are sent. */
  g_clear_object (&self->client);
  g_clear_object (&self->guard);
  g_clear_object (&self->trusted_guard);
  g_hash_table_remove_all (self->rates);
  g_clear_pointer (&self->offer_topic, g_free);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_clear_object (&self->identity);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_IPFS_STATE]);
}

typedef struct
{
  GSource *timeout;
  gboolean returned;
} Stopping;

static void
stopping_free (Stopping *stopping)
{
  g_clear_pointer (&stopping->timeout, g_source_unref);
  g_free (stopping);
}

static void
stopping_return (GTask *task)
{
  Stopping *stopping = g_task_get_task_data (task);

  if (stopping->returned)
    return;
  stopping->returned = TRUE;
  /* The timeout holds a ref on the task: gone with it. */
  if (stopping->timeout != NULL)
    g_source_destroy (stopping->timeout);
  g_task_return_boolean (task, TRUE);
}

static gboolean
on_stop_timeout (gpointer user_data)
{
  g_debug ("Stopped before the last messages were out");
  stopping_return (user_data);
  return G_SOURCE_REMOVE;
}

static void
on_flushed (GObject *source,
            GAsyncResult *result,
            gpointer user_data)
{
  g_autoptr (GTask) task = user_data;

  blink_ipfs_client_flush_finish (BLINK_IPFS_CLIENT (source), result, NULL);
  stopping_return (task);
}

/**
 * blink_signaller_stop_async:
 * @timeout_ms: how long to wait for the last messages at most
 *
 * Stops as blink_signaller_stop() does, and completes once the messages
 * that says goodbye with (leaves, cancels) are out, or @timeout_ms has
 * passed: a process that exits then loses none of them.
 */
void
blink_signaller_stop_async (BlinkSignaller *self,
                            guint timeout_ms,
                            GAsyncReadyCallback callback,
                            gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  g_autoptr (BlinkIpfsClient) client = NULL;
  Stopping *stopping;

  g_return_if_fail (BLINK_IS_SIGNALLER (self));

  task = g_task_new (self, NULL, callback, user_data);
  g_task_set_source_tag (task, blink_signaller_stop_async);
  stopping = g_new0 (Stopping, 1);
  g_task_set_task_data (task, stopping, (GDestroyNotify) stopping_free);
  if (self->client != NULL)
    client = g_object_ref (self->client);
  blink_signaller_stop (self);
  if (client == NULL)
    {
      stopping_return (task);
      return;
    }
  stopping->timeout = g_timeout_source_new (timeout_ms);
  g_task_attach_source (task, stopping->timeout, on_stop_timeout);
  blink_ipfs_client_flush_async (client, on_flushed, g_steal_pointer (&task));
}

gboolean
blink_signaller_stop_finish (BlinkSignaller *self,
                             GAsyncResult *result,
                             GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

gboolean
blink_signaller_is_started (BlinkSignaller *self)
{
  g_return_val_if_fail (BLINK_IS_SIGNALLER (self), FALSE);

  return self->client != NULL;
}

/**
 * blink_signaller_get_did:
 *
 * Returns: (nullable): the user's address, once started
 */
const char *
blink_signaller_get_did (BlinkSignaller *self)
{
  g_return_val_if_fail (BLINK_IS_SIGNALLER (self), NULL);

  return self->identity != NULL ? blink_identity_get_did (self->identity) : NULL;
}

BlinkIpfsState
blink_signaller_get_ipfs_state (BlinkSignaller *self)
{
  g_return_val_if_fail (BLINK_IS_SIGNALLER (self), BLINK_IPFS_STATE_CONNECTING);

  return self->client != NULL ? blink_ipfs_client_get_state (self->client)
                              : BLINK_IPFS_STATE_CONNECTING;
}

/**
 * blink_signaller_get_ipfs_api_url:
 *
 * Returns: (nullable): the node's RPC API URL, once started
 */
const char *
blink_signaller_get_ipfs_api_url (BlinkSignaller *self)
{
  g_return_val_if_fail (BLINK_IS_SIGNALLER (self), NULL);

  return self->client != NULL ? blink_ipfs_client_get_api_url (self->client) : NULL;
}

/**
 * blink_signaller_get_stats:
 *
 * Copies the counters; safe from any thread.
 */
void
blink_signaller_get_stats (BlinkSignaller *self,
                           BlinkSignallerStats *stats)
{
  g_return_if_fail (BLINK_IS_SIGNALLER (self));

  g_mutex_lock (&self->lock);
  *stats = self->stats;
  g_mutex_unlock (&self->lock);
}

/**
 * blink_signaller_find_call:
 *
 * Returns: (transfer none) (nullable): the signaling's view of a call:
 *   its participants, each one's membership, its audio format
 */
BlinkSignallerCall *
blink_signaller_find_call (BlinkSignaller *self,
                           const char *call_id)
{
  g_return_val_if_fail (BLINK_IS_SIGNALLER (self), NULL);

  return call_id != NULL ? g_hash_table_lookup (self->calls, call_id) : NULL;
}

/**
 * blink_signaller_set_trusted:
 * @dids: (nullable): people the user knows (verified, or contacts)
 *
 * Their offers never give way to a stranger's when too many calls ring.
 * Call on the signaller's context.
 */
void
blink_signaller_set_trusted (BlinkSignaller *self,
                             const char *const *dids)
{
  g_return_if_fail (BLINK_IS_SIGNALLER (self));

  g_hash_table_remove_all (self->trusted);
  for (guint i = 0; dids != NULL && dids[i] != NULL; i++)
    g_hash_table_add (self->trusted, g_strdup (dids[i]));
}

/**
 * blink_signaller_set_quiet:
 * @quiet: whether offers from people not in @known go unanswered
 * @known: (nullable): people whose offers are always answered (contacts)
 *
 * An offer is answered at once with "ringing" on its call topic, which
 * tells the caller that we are online. When @quiet, only @known callers
 * are told: the others' offers still come as #BlinkSignaller::incoming-call
 * but nothing is sent to them unless the call is accepted or declined.
 * Call on the signaller's context.
 */
void
blink_signaller_set_quiet (BlinkSignaller *self,
                           gboolean quiet,
                           const char *const *known)
{
  g_return_if_fail (BLINK_IS_SIGNALLER (self));

  self->quiet = quiet;
  g_hash_table_remove_all (self->known);
  for (guint i = 0; known != NULL && known[i] != NULL; i++)
    g_hash_table_add (self->known, g_strdup (known[i]));
}

/* ---- GObject ---- */

static void
blink_signaller_get_property (GObject *object,
                              guint prop_id,
                              GValue *value,
                              GParamSpec *pspec)
{
  BlinkSignaller *self = BLINK_SIGNALLER (object);

  g_mutex_lock (&self->lock);
  switch (prop_id)
    {
    case PROP_IDENTITY:
      g_value_set_string (value, self->identity_path);
      break;
    case PROP_IPFS_API:
      g_value_set_string (value, self->ipfs_api);
      break;
    case PROP_REPLAY_WINDOW:
      g_value_set_uint64 (value, self->replay_window_ms);
      break;
    case PROP_RINGING_TIMEOUT:
      g_value_set_uint (value, self->ringing_timeout_s);
      break;
    case PROP_ANNOUNCE_INTERVAL:
      g_value_set_uint (value, self->announce_interval_ms);
      break;
    case PROP_PEER_RATE:
      g_value_set_uint (value, self->peer_rate);
      break;
    case PROP_DID:
      g_value_set_string (value, blink_signaller_get_did (self));
      break;
    case PROP_IPFS_STATE:
      g_value_set_enum (value, blink_signaller_get_ipfs_state (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
  g_mutex_unlock (&self->lock);
}

static void
blink_signaller_set_property (GObject *object,
                              guint prop_id,
                              const GValue *value,
                              GParamSpec *pspec)
{
  BlinkSignaller *self = BLINK_SIGNALLER (object);

  g_mutex_lock (&self->lock);
  switch (prop_id)
    {
    case PROP_IDENTITY:
      g_free (self->identity_path);
      self->identity_path = g_value_dup_string (value);
      break;
    case PROP_IPFS_API:
      g_free (self->ipfs_api);
      self->ipfs_api = g_value_dup_string (value);
      break;
    case PROP_REPLAY_WINDOW:
      self->replay_window_ms = g_value_get_uint64 (value);
      break;
    case PROP_RINGING_TIMEOUT:
      self->ringing_timeout_s = g_value_get_uint (value);
      break;
    case PROP_ANNOUNCE_INTERVAL:
      self->announce_interval_ms = g_value_get_uint (value);
      break;
    case PROP_PEER_RATE:
      self->peer_rate = g_value_get_uint (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
  g_mutex_unlock (&self->lock);
}

static void
blink_signaller_dispose (GObject *object)
{
  BlinkSignaller *self = BLINK_SIGNALLER (object);

  blink_signaller_stop (self);

  G_OBJECT_CLASS (blink_signaller_parent_class)->dispose (object);
}

static void
blink_signaller_finalize (GObject *object)
{
  BlinkSignaller *self = BLINK_SIGNALLER (object);

  g_hash_table_unref (self->calls);
  g_hash_table_unref (self->topics);
  g_hash_table_unref (self->rates);
  g_hash_table_unref (self->trusted);
  g_hash_table_unref (self->known);
  g_hash_table_unref (self->ended);
  g_ptr_array_unref (self->goodbyes);
  g_free (self->identity_path);
  g_free (self->ipfs_api);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (blink_signaller_parent_class)->finalize (object);
}

static void
blink_signaller_class_init (BlinkSignallerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS;
  const GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS;
  const GType pair[] = { G_TYPE_STRING, G_TYPE_STRING };

  object_class->get_property = blink_signaller_get_property;
  object_class->set_property = blink_signaller_set_property;
  object_class->dispose = blink_signaller_dispose;
  object_class->finalize = blink_signaller_finalize;

  properties[PROP_IDENTITY] =
    g_param_spec_string ("identity", "Identity",
                         "Key file of the user's identity; unset for "
                         "$XDG_CONFIG_HOME/blink/identity.key (created on first use)",
                         NULL, rw);
  properties[PROP_IPFS_API] =
    g_param_spec_string ("ipfs-api", "IPFS API",
                         "RPC API of the IPFS node, as a multiaddr or URL; unset for "
                         "$BLINK_IPFS_API, $IPFS_API, $IPFS_PATH/api, then /ip4/127.0.0.1/tcp/5001",
                         NULL, rw);
  properties[PROP_REPLAY_WINDOW] =
    g_param_spec_uint64 ("replay-window", "Replay window",
                         "How far (ms) a message's timestamp may be from the local clock", 1000,
                         G_MAXUINT32, DEFAULT_REPLAY_WINDOW_MS, rw);
  properties[PROP_RINGING_TIMEOUT] =
    g_param_spec_uint ("ringing-timeout", "Ringing timeout",
                       "Seconds an offer rings before it expires, on both sides", 1, 3600,
                       DEFAULT_RINGING_TIMEOUT_S, rw);
  properties[PROP_ANNOUNCE_INTERVAL] =
    g_param_spec_uint ("announce-interval", "Announce interval",
                       "Milliseconds between re-announcements while in a call", 100, 60000,
                       DEFAULT_ANNOUNCE_INTERVAL_MS, rw);
  properties[PROP_PEER_RATE] =
    g_param_spec_uint ("peer-rate", "Peer rate",
                       "Messages a second accepted from one pubsub peer (after a burst of 4 s "
                       "worth); more are dropped before any decryption",
                       1, 100000, DEFAULT_PEER_RATE, rw);
  properties[PROP_DID] =
    g_param_spec_string ("did", "DID", "The user's public address, did:key:z6Mk… (once started)",
                         NULL, ro);
  properties[PROP_IPFS_STATE] =
    g_param_spec_enum ("ipfs-state", "IPFS state", "Connection to the IPFS node",
                       BLINK_TYPE_IPFS_STATE, BLINK_IPFS_STATE_CONNECTING, ro);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * BlinkSignaller::incoming-call:
   * @call_id: the call
   * @caller: who offers it
   * @participants: everyone in the call, us included
   * @audio: (type BlinkAudioFormat): the call's format
   */
  signals[SIGNAL_INCOMING_CALL] =
    g_signal_new ("incoming-call", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 4, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRV,
                  BLINK_TYPE_AUDIO_FORMAT | G_SIGNAL_TYPE_STATIC_SCOPE);
  /**
   * BlinkSignaller::offer-cancelled:
   * @reason: "cancelled" by its caller, or "expired" (rang out)
   *
   * A pending incoming call is gone.
   */
  signals[SIGNAL_OFFER_CANCELLED] =
    g_signal_newv ("offer-cancelled", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, NULL, NULL,
                   NULL, NULL, G_TYPE_NONE, 2, (GType *) pair);
  /**
   * BlinkSignaller::offer-expired:
   *
   * Our offer rang out with someone still not answering.
   */
  signals[SIGNAL_OFFER_EXPIRED] =
    g_signal_new ("offer-expired", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  /* Each of these: the call id, the participant's DID. */
  signals[SIGNAL_PARTICIPANT_RINGING] =
    g_signal_newv ("participant-ringing", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, NULL, NULL,
                   NULL, NULL, G_TYPE_NONE, 2, (GType *) pair);
  /* A ringing callee connects before answering (blink_signaller_connect_early()). */
  signals[SIGNAL_PARTICIPANT_CONNECTS_EARLY] =
    g_signal_newv ("participant-connects-early", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                   NULL, NULL, NULL, NULL, G_TYPE_NONE, 2, (GType *) pair);
  signals[SIGNAL_PARTICIPANT_JOINED] =
    g_signal_newv ("participant-joined", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, NULL, NULL,
                   NULL, NULL, G_TYPE_NONE, 2, (GType *) pair);
  signals[SIGNAL_PARTICIPANT_DECLINED] =
    g_signal_newv ("participant-declined", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, NULL,
                   NULL, NULL, NULL, G_TYPE_NONE, 2, (GType *) pair);
  signals[SIGNAL_PARTICIPANT_LEFT] =
    g_signal_newv ("participant-left", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, NULL, NULL,
                   NULL, NULL, G_TYPE_NONE, 2, (GType *) pair);
  /**
   * BlinkSignaller::participants-added:
   * @call_id: the call
   * @by: who invited them (us, for blink_signaller_invite())
   * @dids: those new to the call, invited
   */
  signals[SIGNAL_PARTICIPANTS_ADDED] =
    g_signal_new ("participants-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                  NULL, NULL, G_TYPE_NONE, 3, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRV);
  /**
   * BlinkSignaller::participant-announced:
   *
   * Every announce: call id, DID, muted, deafened, recording.
   */
  signals[SIGNAL_PARTICIPANT_ANNOUNCED] =
    g_signal_new ("participant-announced", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                  NULL, NULL, G_TYPE_NONE, 5, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_BOOLEAN,
                  G_TYPE_BOOLEAN, G_TYPE_BOOLEAN);
  /**
   * BlinkSignaller::sdp-received:
   *
   * Call id, DID, "offer" or "answer", the SDP, which connection of the
   * pair it is for.
   */
  signals[SIGNAL_SDP_RECEIVED] =
    g_signal_new ("sdp-received", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 5, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING,
                  G_TYPE_STRING, G_TYPE_UINT);
  /**
   * BlinkSignaller::ice-candidate-received:
   *
   * Call id, DID, m-line index, candidate ("" at the end), which connection
   * of the pair it is for.
   */
  signals[SIGNAL_ICE_CANDIDATE_RECEIVED] =
    g_signal_new ("ice-candidate-received", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                  NULL, NULL, G_TYPE_NONE, 5, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_UINT,
                  G_TYPE_STRING, G_TYPE_UINT);
  /**
   * BlinkSignaller::reconnect-wanted:
   *
   * Call id, DID, the connection of theirs to us that broke: they answer
   * our SDP offers, and want a new connection.
   */
  signals[SIGNAL_RECONNECT_WANTED] =
    g_signal_new ("reconnect-wanted", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 3, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_UINT);
  /**
   * BlinkSignaller::error:
   * @call_id: (nullable): the call concerned, if any
   * @error: what failed, e.g. a publish that failed after its retries
   */
  signals[SIGNAL_ERROR] =
    g_signal_new ("error", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_ERROR);
}

static void
blink_signaller_init (BlinkSignaller *self)
{
  g_mutex_init (&self->lock);
  self->replay_window_ms = DEFAULT_REPLAY_WINDOW_MS;
  self->ringing_timeout_s = DEFAULT_RINGING_TIMEOUT_S;
  self->announce_interval_ms = DEFAULT_ANNOUNCE_INTERVAL_MS;
  self->peer_rate = DEFAULT_PEER_RATE;
  self->calls = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  self->topics = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->rates = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->trusted = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->known = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->ended = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->goodbyes = g_ptr_array_new_with_free_func ((GDestroyNotify) goodbye_free);
}

BlinkSignaller *
blink_signaller_new (void)
{
  return g_object_new (BLINK_TYPE_SIGNALLER, NULL);
}
