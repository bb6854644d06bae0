/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * SECTION:element-blinksignaller
 * @title: blinksignaller
 *
 * Blink's call signaling over IPFS pubsub, as an element: it owns the user's
 * identity and a client of an IPFS node's RPC API, and carries every
 * signaling message of a call, signed and encrypted (docs/protocol.md), on
 * the three kinds of topic: the per-user offer topic, the per-call topic and
 * the per-participant peer topic. It has no pads and keeps no media: an
 * application (Blink's call engine) drives it with action signals and reacts
 * to its signals. Every event is also posted on the bus as an element
 * message named `blink-<signal name>`.
 *
 * The element works on the thread-default #GMainContext of the thread that
 * sets it to READY, and emits its signals there; that context must run.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 -m blinksignaller ipfs-api=/ip4/127.0.0.1/tcp/5001
 * ]| Prints the user's DID (in the `did` property) and shows incoming
 * offers and every other event of calls as bus messages.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstblinksignaller.h"

#include "blink-enum.h"
#include "blink-envelope.h"
#include "blink-errors.h"
#include "blink-ipfs-client.h"
#include "blink-topic.h"

#include <sodium.h>
#include <string.h>

GST_DEBUG_CATEGORY_STATIC (gst_blink_signaller_debug);
#define GST_CAT_DEFAULT gst_blink_signaller_debug

#define DEFAULT_RINGING_TIMEOUT_S 60
#define DEFAULT_ANNOUNCE_INTERVAL_MS 3000
#define DEFAULT_REPLAY_WINDOW_MS BLINK_REPLAY_WINDOW_DEFAULT_MS
#define OFFER_RESEND_FIRST_MS 500
#define OFFER_RESEND_MAX_MS 4000
#define PUBLISH_ATTEMPTS 3
/* More pending offers than this are refused: a flood of offers from valid
 * identities must not grow memory without bound. */
#define MAX_INCOMING_CALLS 32

enum
{
  PROP_0,
  PROP_IDENTITY,
  PROP_DID,
  PROP_IPFS_API,
  PROP_IPFS_STATE,
  PROP_REPLAY_WINDOW,
  PROP_RINGING_TIMEOUT,
  PROP_ANNOUNCE_INTERVAL,
  PROP_STATS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum
{
  /* actions */
  SIGNAL_OFFER_CALL,
  SIGNAL_CANCEL_CALL,
  SIGNAL_JOIN_CALL,
  SIGNAL_DECLINE_CALL,
  SIGNAL_LEAVE_CALL,
  SIGNAL_ANNOUNCE,
  SIGNAL_SEND_SDP,
  SIGNAL_SEND_ICE_CANDIDATE,
  /* events */
  SIGNAL_INCOMING_CALL,
  SIGNAL_OFFER_CANCELLED,
  SIGNAL_OFFER_EXPIRED,
  SIGNAL_PARTICIPANT_RINGING,
  SIGNAL_PARTICIPANT_JOINED,
  SIGNAL_PARTICIPANT_ANNOUNCED,
  SIGNAL_PARTICIPANT_DECLINED,
  SIGNAL_PARTICIPANT_LEFT,
  SIGNAL_SDP_RECEIVED,
  SIGNAL_ICE_CANDIDATE_RECEIVED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

typedef enum
{
  PEER_INVITED,  /* offered, not heard from */
  PEER_RINGING,  /* got the offer */
  PEER_JOINED,   /* announced */
  PEER_DECLINED,
  PEER_LEFT,
} PeerStatus;

typedef struct
{
  char *did;
  PeerStatus status;
} Peer;

typedef struct
{
  char *id;
  guint8 key[BLINK_CALL_KEY_BYTES];
  char **participants;
  char *caller;
  BlinkAudioFormat audio;
  gint64 expires_ms;
  gboolean outgoing;
  gboolean joined;
  gboolean muted, deafened, recording;
  GHashTable *peers; /* did → Peer*, everyone but us */
  char *call_topic;
  char *peer_topic; /* ours, inside this call */
  gboolean peer_topic_subscribed;
  guint resend_id;
  guint resend_ms;
  guint announce_id;
  guint expire_id;
} Call;

typedef struct
{
  guint64 sent;
  guint64 received;
  guint64 echoes;
  guint64 stale;
  guint64 send_failures;
  guint64 refused_calls;
  guint64 rejected[BLINK_PROTOCOL_ERROR_N_CODES];
} Stats;

struct _GstBlinkSignaller
{
  GstElement parent;

  /* properties, under the object lock */
  char *identity_path;
  char *ipfs_api;
  guint64 replay_window_ms;
  guint ringing_timeout_s;
  guint announce_interval_ms;

  /* from READY on, used on the main context only */
  BlinkIdentity *identity;
  BlinkIpfsClient *client;
  BlinkReplayGuard *guard;
  char *offer_topic;
  GHashTable *calls; /* id → Call* */
  Stats stats;
};

G_DEFINE_FINAL_TYPE (GstBlinkSignaller, gst_blink_signaller, GST_TYPE_ELEMENT)
GST_ELEMENT_REGISTER_DEFINE (blinksignaller, "blinksignaller", GST_RANK_NONE,
                             GST_TYPE_BLINK_SIGNALLER);

static gint64
now_ms (void)
{
  return g_get_real_time () / 1000;
}

static void
peer_free (Peer *peer)
{
  g_free (peer->did);
  g_free (peer);
}

static void
call_free (Call *call)
{
  sodium_memzero (call->key, sizeof call->key);
  g_free (call->id);
  g_strfreev (call->participants);
  g_free (call->caller);
  g_hash_table_unref (call->peers);
  g_free (call->call_topic);
  g_free (call->peer_topic);
  g_clear_handle_id (&call->resend_id, g_source_remove);
  g_clear_handle_id (&call->announce_id, g_source_remove);
  g_clear_handle_id (&call->expire_id, g_source_remove);
  g_free (call);
}

static Call *
call_new (GstBlinkSignaller *self,
          const char *id,
          const char *const *participants,
          const char *caller,
          const BlinkAudioFormat *audio,
          gint64 expires_ms)
{
  Call *call = g_new0 (Call, 1);
  const char *me = blink_identity_get_did (self->identity);

  call->id = g_strdup (id);
  call->participants = g_strdupv ((char **) participants);
  call->caller = g_strdup (caller);
  call->audio = *audio;
  call->expires_ms = expires_ms;
  call->peers = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) peer_free);
  call->call_topic = blink_topic_call (id);
  call->peer_topic = blink_topic_peer (id, me);
  call->resend_ms = OFFER_RESEND_FIRST_MS;

  for (guint i = 0; participants[i] != NULL; i++)
    {
      Peer *peer;

      if (g_str_equal (participants[i], me))
        continue;
      peer = g_new0 (Peer, 1);
      peer->did = g_strdup (participants[i]);
      /* The caller is in the call from the start. */
      peer->status = g_str_equal (participants[i], caller) ? PEER_JOINED : PEER_INVITED;
      g_hash_table_insert (call->peers, peer->did, peer);
    }

  g_hash_table_insert (self->calls, call->id, call);
  return call;
}

static GstStructure *
audio_to_structure (const BlinkAudioFormat *audio)
{
  return gst_structure_new ("audio/x-opus", "rate", G_TYPE_INT, (int) audio->rate, "channels",
                            G_TYPE_INT, (int) audio->channels, "frame-ms", G_TYPE_INT,
                            (int) audio->frame_ms, "bitrate", G_TYPE_INT, (int) audio->bitrate,
                            NULL);
}

static gboolean
audio_from_structure (const GstStructure *s,
                      BlinkAudioFormat *audio)
{
  int rate = audio->rate, channels = audio->channels, frame_ms = audio->frame_ms,
      bitrate = audio->bitrate;

  gst_structure_get_int (s, "rate", &rate);
  gst_structure_get_int (s, "channels", &channels);
  gst_structure_get_int (s, "frame-ms", &frame_ms);
  gst_structure_get_int (s, "bitrate", &bitrate);
  if (rate < 0 || channels < 0 || frame_ms < 0 || bitrate < 0)
    return FALSE;

  *audio = (BlinkAudioFormat){ rate, channels, frame_ms, bitrate };
  return blink_audio_format_is_valid (audio);
}

/* Posts @s (taking it) as an element message, for gst-launch-1.0 -m and apps
 * that prefer the bus. */
static void
post_event (GstBlinkSignaller *self,
            GstStructure *s)
{
  gst_element_post_message (GST_ELEMENT (self), gst_message_new_element (GST_OBJECT (self), s));
}

static void
post_call_event (GstBlinkSignaller *self,
                 const char *name,
                 const char *call_id,
                 const char *did)
{
  GstStructure *s = gst_structure_new (name, "call-id", G_TYPE_STRING, call_id, NULL);

  if (did != NULL)
    gst_structure_set (s, "participant", G_TYPE_STRING, did, NULL);
  post_event (self, s);
}

/* ---- sending ---- */

static void
on_published (GObject *source,
              GAsyncResult *result,
              gpointer user_data)
{
  g_autoptr (GstBlinkSignaller) self = user_data;
  g_autoptr (GError) error = NULL;

  if (!blink_ipfs_client_publish_finish (BLINK_IPFS_CLIENT (source), result, &error))
    {
      GST_OBJECT_LOCK (self);
      self->stats.send_failures++;
      GST_OBJECT_UNLOCK (self);
      GST_WARNING_OBJECT (self, "Cannot publish: %s", error->message);
    }
}

static gboolean
send_message (GstBlinkSignaller *self,
              const char *topic,
              const guint8 *call_key,
              const BlinkMessage *message)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) sealed = blink_envelope_seal (self->identity, topic, call_key, message, &error);

  if (sealed == NULL)
    {
      GST_WARNING_OBJECT (self, "Cannot seal a %s message: %s",
                          blink_message_kind_to_nick (message->kind), error->message);
      return FALSE;
    }

  GST_DEBUG_OBJECT (self, "Sending %s on %s", blink_message_kind_to_nick (message->kind), topic);
  GST_OBJECT_LOCK (self);
  self->stats.sent++;
  GST_OBJECT_UNLOCK (self);
  blink_ipfs_client_publish_async (self->client, topic, sealed, PUBLISH_ATTEMPTS, NULL,
                                   on_published, g_object_ref (self));
  return TRUE;
}

static void
send_on_call (GstBlinkSignaller *self,
              Call *call,
              BlinkMessageKind kind)
{
  g_autoptr (BlinkMessage) message = blink_message_new (kind);

  if (kind == BLINK_MESSAGE_ANNOUNCE)
    {
      message->muted = call->muted;
      message->deafened = call->deafened;
      message->recording = call->recording;
    }
  send_message (self, call->call_topic, call->key, message);
}

/* Each resend is a new message (new id and time): the callee's replay guard
 * would drop a copy, and the callee answers every offer with "ringing". */
static void
send_offer (GstBlinkSignaller *self,
            Call *call,
            const char *did,
            BlinkMessageKind kind)
{
  g_autoptr (BlinkMessage) message = blink_message_new (kind);
  g_autofree char *topic = blink_topic_offer (did);

  message->call_id = g_strdup (call->id);
  if (kind == BLINK_MESSAGE_OFFER)
    {
      memcpy (message->call_key, call->key, sizeof call->key);
      message->participants = g_strdupv (call->participants);
      message->audio = call->audio;
      message->expires_ms = call->expires_ms;
    }
  send_message (self, topic, NULL, message);
}

/* ---- call lifetime ---- */

static void
call_remove (GstBlinkSignaller *self,
             Call *call)
{
  GST_DEBUG_OBJECT (self, "Forgetting call %s", call->id);
  blink_ipfs_client_unsubscribe (self->client, call->call_topic);
  if (call->peer_topic_subscribed)
    blink_ipfs_client_unsubscribe (self->client, call->peer_topic);
  g_hash_table_remove (self->calls, call->id);
}

typedef struct
{
  GstBlinkSignaller *self; /* unowned: the timer dies with the call */
  char *call_id;
} CallTimer;

static void
call_timer_free (CallTimer *timer)
{
  g_free (timer->call_id);
  g_free (timer);
}

static guint
call_timer_add (GstBlinkSignaller *self,
                Call *call,
                guint interval_ms,
                GSourceFunc func)
{
  CallTimer *timer = g_new0 (CallTimer, 1);

  timer->self = self;
  timer->call_id = g_strdup (call->id);
  return g_timeout_add_full (G_PRIORITY_DEFAULT, interval_ms, func, timer,
                             (GDestroyNotify) call_timer_free);
}

static Call *
timer_call (CallTimer *timer)
{
  return g_hash_table_lookup (timer->self->calls, timer->call_id);
}

static gboolean
on_reannounce (gpointer user_data)
{
  CallTimer *timer = user_data;
  Call *call = timer_call (timer);

  send_on_call (timer->self, call, BLINK_MESSAGE_ANNOUNCE);
  return G_SOURCE_CONTINUE;
}

static gboolean
any_peer_in (Call *call,
             PeerStatus status)
{
  GHashTableIter iter;
  Peer *peer;

  g_hash_table_iter_init (&iter, call->peers);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &peer))
    if (peer->status == status)
      return TRUE;

  return FALSE;
}

static gboolean
on_resend_offer (gpointer user_data)
{
  CallTimer *timer = user_data;
  GstBlinkSignaller *self = timer->self;
  Call *call = timer_call (timer);
  GHashTableIter iter;
  Peer *peer;

  call->resend_id = 0;
  if (now_ms () >= call->expires_ms || !any_peer_in (call, PEER_INVITED))
    return G_SOURCE_REMOVE;

  g_hash_table_iter_init (&iter, call->peers);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &peer))
    if (peer->status == PEER_INVITED)
      {
        GST_DEBUG_OBJECT (self, "Offer %s not acknowledged by %s yet: resending", call->id,
                          peer->did);
        send_offer (self, call, peer->did, BLINK_MESSAGE_OFFER);
      }

  call->resend_ms = MIN (call->resend_ms * 2, OFFER_RESEND_MAX_MS);
  call->resend_id = call_timer_add (self, call, call->resend_ms, on_resend_offer);
  return G_SOURCE_REMOVE;
}

static gboolean
on_call_expired (gpointer user_data)
{
  CallTimer *timer = user_data;
  GstBlinkSignaller *self = timer->self;
  Call *call = timer_call (timer);
  g_autofree char *id = g_strdup (call->id);

  call->expire_id = 0;
  if (call->joined && !call->outgoing)
    return G_SOURCE_REMOVE;

  if (!call->outgoing)
    {
      GST_INFO_OBJECT (self, "Incoming call %s rang out", id);
      call_remove (self, call);
      post_call_event (self, "blink-offer-cancelled", id, NULL);
      g_signal_emit (self, signals[SIGNAL_OFFER_CANCELLED], 0, id, "expired");
      return G_SOURCE_REMOVE;
    }

  if (any_peer_in (call, PEER_INVITED) || any_peer_in (call, PEER_RINGING))
    {
      GST_INFO_OBJECT (self, "Offer %s rang out", id);
      g_clear_handle_id (&call->resend_id, g_source_remove);
      post_call_event (self, "blink-offer-expired", id, NULL);
      g_signal_emit (self, signals[SIGNAL_OFFER_EXPIRED], 0, id);
    }

  return G_SOURCE_REMOVE;
}

static void
call_schedule_expiry (GstBlinkSignaller *self,
                      Call *call)
{
  gint64 left = MAX (call->expires_ms - now_ms (), 0);

  call->expire_id = call_timer_add (self, call, (guint) MIN (left, G_MAXUINT), on_call_expired);
}

static void
call_join (GstBlinkSignaller *self,
           Call *call)
{
  guint interval;

  call->joined = TRUE;
  if (!call->peer_topic_subscribed)
    {
      blink_ipfs_client_subscribe (self->client, call->peer_topic);
      call->peer_topic_subscribed = TRUE;
    }

  GST_OBJECT_LOCK (self);
  interval = self->announce_interval_ms;
  GST_OBJECT_UNLOCK (self);

  send_on_call (self, call, BLINK_MESSAGE_ANNOUNCE);
  g_clear_handle_id (&call->announce_id, g_source_remove);
  call->announce_id = call_timer_add (self, call, interval, on_reannounce);
}

/* ---- receiving ---- */

static void
count_rejection (GstBlinkSignaller *self,
                 const char *topic,
                 const GError *error)
{
  g_return_if_fail (error->domain == BLINK_PROTOCOL_ERROR);

  GST_OBJECT_LOCK (self);
  self->stats.rejected[error->code]++;
  GST_OBJECT_UNLOCK (self);
  GST_DEBUG_OBJECT (self, "Rejected a message on %s (%s): %s", topic,
                    blink_protocol_error_to_nick (error->code), error->message);
}

static void
handle_offer (GstBlinkSignaller *self,
              BlinkMessage *message,
              const char *topic)
{
  g_autoptr (GstStructure) audio = NULL;
  Call *call = g_hash_table_lookup (self->calls, message->call_id);

  if (call != NULL)
    {
      /* A resend: acknowledge again, in case our "ringing" was lost. */
      if (!call->outgoing && g_str_equal (call->caller, message->sender) && !call->joined)
        send_on_call (self, call, BLINK_MESSAGE_RINGING);
      return;
    }

  if (message->expires_ms <= now_ms ())
    {
      g_autoptr (GError) error = g_error_new (BLINK_PROTOCOL_ERROR, BLINK_PROTOCOL_ERROR_EXPIRED,
                                              "The offer has rung out already");
      count_rejection (self, topic, error);
      return;
    }

  if (g_hash_table_size (self->calls) >= MAX_INCOMING_CALLS)
    {
      GST_OBJECT_LOCK (self);
      self->stats.refused_calls++;
      GST_OBJECT_UNLOCK (self);
      GST_WARNING_OBJECT (self, "Too many calls: ignoring an offer from %s", message->sender);
      return;
    }

  call = call_new (self, message->call_id, (const char *const *) message->participants,
                   message->sender, &message->audio, message->expires_ms);
  memcpy (call->key, message->call_key, sizeof call->key);
  blink_ipfs_client_subscribe (self->client, call->call_topic);
  call_schedule_expiry (self, call);
  send_on_call (self, call, BLINK_MESSAGE_RINGING);

  GST_INFO_OBJECT (self, "Incoming call %s from %s", call->id, call->caller);
  audio = audio_to_structure (&call->audio);
  {
    GstStructure *s = gst_structure_new ("blink-incoming-call", "call-id", G_TYPE_STRING, call->id,
                                         "caller", G_TYPE_STRING, call->caller, "participants",
                                         G_TYPE_STRV, call->participants, "audio",
                                         GST_TYPE_STRUCTURE, audio, NULL);
    post_event (self, s);
  }
  g_signal_emit (self, signals[SIGNAL_INCOMING_CALL], 0, call->id, call->caller,
                 call->participants, audio);
}

static void
handle_cancel (GstBlinkSignaller *self,
               BlinkMessage *message,
               const char *topic)
{
  Call *call = g_hash_table_lookup (self->calls, message->call_id);
  g_autofree char *id = NULL;

  if (call == NULL || call->outgoing || call->joined)
    return;

  if (!g_str_equal (call->caller, message->sender))
    {
      g_autoptr (GError) error = g_error_new (BLINK_PROTOCOL_ERROR,
                                              BLINK_PROTOCOL_ERROR_NOT_PARTICIPANT,
                                              "Only the caller may cancel an offer");
      count_rejection (self, topic, error);
      return;
    }

  id = g_strdup (call->id);
  GST_INFO_OBJECT (self, "Call %s cancelled by its caller", id);
  call_remove (self, call);
  post_call_event (self, "blink-offer-cancelled", id, NULL);
  g_signal_emit (self, signals[SIGNAL_OFFER_CANCELLED], 0, id, "cancelled");
}

static void
handle_call_message (GstBlinkSignaller *self,
                     Call *call,
                     BlinkMessage *message)
{
  Peer *peer = g_hash_table_lookup (call->peers, message->sender);
  g_autofree char *id = g_strdup (call->id);
  g_autofree char *did = g_strdup (message->sender);

  switch (message->kind)
    {
    case BLINK_MESSAGE_RINGING:
      if (peer->status != PEER_INVITED)
        return;
      peer->status = PEER_RINGING;
      post_call_event (self, "blink-participant-ringing", id, did);
      g_signal_emit (self, signals[SIGNAL_PARTICIPANT_RINGING], 0, id, did);
      return;

    case BLINK_MESSAGE_ANNOUNCE:
      /* The first announce is the join; the caller is in from the offer on. */
      if (peer->status != PEER_JOINED)
        {
          peer->status = PEER_JOINED;
          post_call_event (self, "blink-participant-joined", id, did);
          g_signal_emit (self, signals[SIGNAL_PARTICIPANT_JOINED], 0, id, did);
        }
      post_event (self, gst_structure_new ("blink-participant-announced", "call-id",
                                           G_TYPE_STRING, id, "participant", G_TYPE_STRING, did,
                                           "muted", G_TYPE_BOOLEAN, message->muted, "deafened",
                                           G_TYPE_BOOLEAN, message->deafened, "recording",
                                           G_TYPE_BOOLEAN, message->recording, NULL));
      g_signal_emit (self, signals[SIGNAL_PARTICIPANT_ANNOUNCED], 0, id, did, message->muted,
                     message->deafened, message->recording);
      return;

    case BLINK_MESSAGE_DECLINE:
      if (peer->status == PEER_DECLINED || peer->status == PEER_LEFT)
        return;
      peer->status = PEER_DECLINED;
      post_call_event (self, "blink-participant-declined", id, did);
      g_signal_emit (self, signals[SIGNAL_PARTICIPANT_DECLINED], 0, id, did);
      return;

    case BLINK_MESSAGE_LEAVE:
      if (peer->status == PEER_LEFT)
        return;
      peer->status = PEER_LEFT;
      post_call_event (self, "blink-participant-left", id, did);
      g_signal_emit (self, signals[SIGNAL_PARTICIPANT_LEFT], 0, id, did);
      return;

    case BLINK_MESSAGE_SDP_OFFER:
    case BLINK_MESSAGE_SDP_ANSWER:
      {
        const char *type = message->kind == BLINK_MESSAGE_SDP_OFFER ? "offer" : "answer";

        post_event (self, gst_structure_new ("blink-sdp-received", "call-id", G_TYPE_STRING, id,
                                             "participant", G_TYPE_STRING, did, "type",
                                             G_TYPE_STRING, type, "sdp", G_TYPE_STRING,
                                             message->sdp, NULL));
        g_signal_emit (self, signals[SIGNAL_SDP_RECEIVED], 0, id, did, type, message->sdp);
        return;
      }

    case BLINK_MESSAGE_ICE_CANDIDATE:
      post_event (self, gst_structure_new ("blink-ice-candidate-received", "call-id",
                                           G_TYPE_STRING, id, "participant", G_TYPE_STRING, did,
                                           "mline", G_TYPE_UINT, message->mline, "candidate",
                                           G_TYPE_STRING, message->candidate, NULL));
      g_signal_emit (self, signals[SIGNAL_ICE_CANDIDATE_RECEIVED], 0, id, did, message->mline,
                     message->candidate);
      return;

    case BLINK_MESSAGE_OFFER:
    case BLINK_MESSAGE_CANCEL:
      break;
    }

  g_assert_not_reached ();
}

static void
on_client_message (BlinkIpfsClient *client,
                   const char *topic,
                   const char *from,
                   GBytes *data,
                   GstBlinkSignaller *self)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (BlinkMessage) message = NULL;
  g_autofree char *call_id = NULL;
  guint64 window;
  Call *call = NULL;

  switch (blink_topic_parse (topic, &call_id, NULL))
    {
    case BLINK_TOPIC_OFFER:
      break;
    case BLINK_TOPIC_CALL:
    case BLINK_TOPIC_PEER:
      call = g_hash_table_lookup (self->calls, call_id);
      if (call == NULL)
        {
          /* In flight when we left the call. */
          GST_OBJECT_LOCK (self);
          self->stats.stale++;
          GST_OBJECT_UNLOCK (self);
          return;
        }
      break;
    case BLINK_TOPIC_INVALID:
      g_return_if_reached ();
    }

  GST_OBJECT_LOCK (self);
  window = self->replay_window_ms;
  GST_OBJECT_UNLOCK (self);
  blink_replay_guard_set_window (self->guard, window);

  message = blink_envelope_open (g_bytes_get_data (data, NULL), g_bytes_get_size (data), topic,
                                 self->identity, call != NULL ? call->key : NULL, self->guard,
                                 now_ms (), &error);
  if (message == NULL)
    {
      count_rejection (self, topic, error);
      return;
    }

  if (g_str_equal (message->sender, blink_identity_get_did (self->identity)))
    {
      GST_OBJECT_LOCK (self);
      self->stats.echoes++;
      GST_OBJECT_UNLOCK (self);
      return;
    }

  if (call != NULL && g_hash_table_lookup (call->peers, message->sender) == NULL)
    {
      g_autoptr (GError) outsider = g_error_new (BLINK_PROTOCOL_ERROR,
                                                 BLINK_PROTOCOL_ERROR_NOT_PARTICIPANT,
                                                 "The sender is not a participant of the call");
      count_rejection (self, topic, outsider);
      return;
    }

  GST_OBJECT_LOCK (self);
  self->stats.received++;
  GST_OBJECT_UNLOCK (self);
  GST_DEBUG_OBJECT (self, "Received %s from %s on %s", blink_message_kind_to_nick (message->kind),
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
                 GstBlinkSignaller *self)
{
  BlinkIpfsState state = blink_ipfs_client_get_state (client);

  GST_INFO_OBJECT (self, "IPFS node: %s", blink_enum_nick (BLINK_TYPE_IPFS_STATE, state));
  post_event (self, gst_structure_new ("blink-ipfs-state-changed", "state", BLINK_TYPE_IPFS_STATE,
                                       state, NULL));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_IPFS_STATE]);
}

/* ---- actions ---- */

static gboolean
check_started (GstBlinkSignaller *self)
{
  if (self->client != NULL)
    return TRUE;

  GST_WARNING_OBJECT (self, "Not started: set the element to READY first");
  return FALSE;
}

static Call *
find_call (GstBlinkSignaller *self,
           const char *call_id)
{
  Call *call;

  if (!check_started (self) || call_id == NULL)
    return NULL;

  call = g_hash_table_lookup (self->calls, call_id);
  if (call == NULL)
    GST_WARNING_OBJECT (self, "No call %s", call_id);
  return call;
}

static char *
gst_blink_signaller_offer_call (GstBlinkSignaller *self,
                                const char *const *callees,
                                const GstStructure *audio_structure)
{
  g_autoptr (GPtrArray) participants = g_ptr_array_new ();
  g_autofree char *id = NULL;
  BlinkAudioFormat audio = BLINK_AUDIO_FORMAT_DEFAULT;
  const char *me;
  guint timeout_s;
  Call *call;

  if (!check_started (self))
    return NULL;

  me = blink_identity_get_did (self->identity);
  g_ptr_array_add (participants, (gpointer) me);
  for (guint i = 0; callees != NULL && callees[i] != NULL; i++)
    {
      if (!blink_did_is_valid (callees[i]))
        {
          GST_WARNING_OBJECT (self, "Not a valid DID: %s", callees[i]);
          return NULL;
        }
      if (!g_ptr_array_find_with_equal_func (participants, callees[i], g_str_equal, NULL))
        g_ptr_array_add (participants, (gpointer) callees[i]);
    }
  g_ptr_array_add (participants, NULL);

  if (participants->len < 3 || participants->len > BLINK_MAX_PARTICIPANTS + 1)
    {
      GST_WARNING_OBJECT (self, "A call has 1 to %d other participants",
                          BLINK_MAX_PARTICIPANTS - 1);
      return NULL;
    }
  if (audio_structure != NULL && !audio_from_structure (audio_structure, &audio))
    {
      GST_WARNING_OBJECT (self, "Unsupported audio format %" GST_PTR_FORMAT, audio_structure);
      return NULL;
    }

  GST_OBJECT_LOCK (self);
  timeout_s = self->ringing_timeout_s;
  GST_OBJECT_UNLOCK (self);

  id = blink_call_id_new ();
  call = call_new (self, id, (const char *const *) participants->pdata, me, &audio,
                   now_ms () + timeout_s * G_GINT64_CONSTANT (1000));
  call->outgoing = TRUE;
  randombytes_buf (call->key, sizeof call->key);

  /* Listen before anyone can answer; the offers go out first, as they
   * start the ringing, and our announce after them. */
  blink_ipfs_client_subscribe (self->client, call->call_topic);
  for (guint i = 1; i < participants->len - 1; i++)
    send_offer (self, call, participants->pdata[i], BLINK_MESSAGE_OFFER);
  call_join (self, call);
  call->resend_id = call_timer_add (self, call, call->resend_ms, on_resend_offer);
  call_schedule_expiry (self, call);

  GST_INFO_OBJECT (self, "Offered call %s to %u participants", id, participants->len - 2);
  return g_steal_pointer (&id);
}

static gboolean
gst_blink_signaller_cancel_call (GstBlinkSignaller *self,
                                 const char *call_id)
{
  Call *call = find_call (self, call_id);
  GHashTableIter iter;
  Peer *peer;

  if (call == NULL || !call->outgoing)
    return FALSE;

  g_hash_table_iter_init (&iter, call->peers);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &peer))
    if (peer->status == PEER_INVITED || peer->status == PEER_RINGING)
      send_offer (self, call, peer->did, BLINK_MESSAGE_CANCEL);
  /* Whoever answered already is told on the call topic. */
  send_on_call (self, call, BLINK_MESSAGE_LEAVE);

  call_remove (self, call);
  return TRUE;
}

static gboolean
gst_blink_signaller_join_call (GstBlinkSignaller *self,
                               const char *call_id)
{
  Call *call = find_call (self, call_id);

  if (call == NULL || call->joined)
    return FALSE;

  g_clear_handle_id (&call->expire_id, g_source_remove);
  call_join (self, call);
  return TRUE;
}

static gboolean
gst_blink_signaller_decline_call (GstBlinkSignaller *self,
                                  const char *call_id)
{
  Call *call = find_call (self, call_id);

  if (call == NULL || call->outgoing || call->joined)
    return FALSE;

  send_on_call (self, call, BLINK_MESSAGE_DECLINE);
  call_remove (self, call);
  return TRUE;
}

static gboolean
gst_blink_signaller_leave_call (GstBlinkSignaller *self,
                                const char *call_id)
{
  Call *call = find_call (self, call_id);

  if (call == NULL)
    return FALSE;

  if (call->outgoing && !any_peer_in (call, PEER_JOINED))
    return gst_blink_signaller_cancel_call (self, call_id);

  send_on_call (self, call, call->joined ? BLINK_MESSAGE_LEAVE : BLINK_MESSAGE_DECLINE);
  call_remove (self, call);
  return TRUE;
}

static gboolean
gst_blink_signaller_announce (GstBlinkSignaller *self,
                              const char *call_id,
                              gboolean muted,
                              gboolean deafened,
                              gboolean recording)
{
  Call *call = find_call (self, call_id);

  if (call == NULL || !call->joined)
    return FALSE;

  call->muted = muted;
  call->deafened = deafened;
  call->recording = recording;
  send_on_call (self, call, BLINK_MESSAGE_ANNOUNCE);
  return TRUE;
}

static gboolean
send_to_peer (GstBlinkSignaller *self,
              const char *call_id,
              const char *did,
              BlinkMessage *message)
{
  Call *call = find_call (self, call_id);
  g_autofree char *topic = NULL;

  if (call == NULL || did == NULL || g_hash_table_lookup (call->peers, did) == NULL)
    {
      GST_WARNING_OBJECT (self, "%s is not a participant of call %s", did, call_id);
      return FALSE;
    }

  topic = blink_topic_peer (call->id, did);
  return send_message (self, topic, NULL, message);
}

static gboolean
gst_blink_signaller_send_sdp (GstBlinkSignaller *self,
                              const char *call_id,
                              const char *did,
                              const char *type,
                              const char *sdp)
{
  g_autoptr (BlinkMessage) message = NULL;

  if (g_strcmp0 (type, "offer") != 0 && g_strcmp0 (type, "answer") != 0)
    {
      GST_WARNING_OBJECT (self, "The SDP type is “offer” or “answer”, not %s", type);
      return FALSE;
    }
  if (sdp == NULL || !g_str_has_prefix (sdp, "v=0"))
    {
      GST_WARNING_OBJECT (self, "Not an SDP");
      return FALSE;
    }

  message = blink_message_new (g_str_equal (type, "offer") ? BLINK_MESSAGE_SDP_OFFER
                                                            : BLINK_MESSAGE_SDP_ANSWER);
  message->sdp = g_strdup (sdp);
  return send_to_peer (self, call_id, did, message);
}

static gboolean
gst_blink_signaller_send_ice_candidate (GstBlinkSignaller *self,
                                        const char *call_id,
                                        const char *did,
                                        guint mline,
                                        const char *candidate)
{
  g_autoptr (BlinkMessage) message = blink_message_new (BLINK_MESSAGE_ICE_CANDIDATE);

  if (candidate == NULL || mline > 255)
    return FALSE;

  message->mline = mline;
  message->candidate = g_strdup (candidate);
  return send_to_peer (self, call_id, did, message);
}

/* ---- element ---- */

static gboolean
start (GstBlinkSignaller *self)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *identity_path = NULL;
  g_autofree char *ipfs_api = NULL;
  guint64 window;

  GST_OBJECT_LOCK (self);
  identity_path = g_strdup (self->identity_path);
  ipfs_api = g_strdup (self->ipfs_api);
  window = self->replay_window_ms;
  GST_OBJECT_UNLOCK (self);

  self->identity = blink_identity_load_or_create (identity_path, &error);
  if (self->identity == NULL)
    {
      GST_ELEMENT_ERROR (self, RESOURCE, OPEN_READ, ("Cannot use the Blink identity."),
                         ("%s", error->message));
      return FALSE;
    }

  self->client = blink_ipfs_client_new (ipfs_api, &error);
  if (self->client == NULL)
    {
      GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS, ("Bad IPFS API address."), ("%s", error->message));
      g_clear_object (&self->identity);
      return FALSE;
    }

  self->guard = blink_replay_guard_new (window, BLINK_REPLAY_GUARD_DEFAULT_CAPACITY);
  self->offer_topic = blink_topic_offer (blink_identity_get_did (self->identity));
  g_signal_connect (self->client, "message", G_CALLBACK (on_client_message), self);
  g_signal_connect (self->client, "notify::state", G_CALLBACK (on_client_state), self);
  blink_ipfs_client_subscribe (self->client, self->offer_topic);

  GST_INFO_OBJECT (self, "Started as %s on %s", blink_identity_get_did (self->identity),
                   blink_ipfs_client_get_api_url (self->client));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DID]);
  return TRUE;
}

static void
stop (GstBlinkSignaller *self)
{
  GHashTableIter iter;
  Call *call;

  if (self->client == NULL)
    return;

  /* Leave properly: peers are told, pending offers withdrawn. */
  g_hash_table_iter_init (&iter, self->calls);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &call))
    {
      if (call->outgoing && !any_peer_in (call, PEER_JOINED))
        {
          GHashTableIter peers;
          Peer *peer;

          g_hash_table_iter_init (&peers, call->peers);
          while (g_hash_table_iter_next (&peers, NULL, (gpointer *) &peer))
            if (peer->status == PEER_INVITED || peer->status == PEER_RINGING)
              send_offer (self, call, peer->did, BLINK_MESSAGE_CANCEL);
        }
      if (call->joined)
        send_on_call (self, call, BLINK_MESSAGE_LEAVE);
    }
  g_hash_table_remove_all (self->calls);

  g_signal_handlers_disconnect_by_data (self->client, self);
  /* Pending publishes keep the client alive until they are sent. */
  g_clear_object (&self->client);
  g_clear_object (&self->guard);
  g_clear_pointer (&self->offer_topic, g_free);
}

static GstStateChangeReturn
gst_blink_signaller_change_state (GstElement *element,
                                  GstStateChange transition)
{
  GstBlinkSignaller *self = GST_BLINK_SIGNALLER (element);
  GstStateChangeReturn ret;

  if (transition == GST_STATE_CHANGE_NULL_TO_READY && !start (self))
    return GST_STATE_CHANGE_FAILURE;

  ret = GST_ELEMENT_CLASS (gst_blink_signaller_parent_class)->change_state (element, transition);

  if (transition == GST_STATE_CHANGE_READY_TO_NULL)
    {
      stop (self);
      g_clear_object (&self->identity);
    }

  return ret;
}

static GstStructure *
stats_structure (GstBlinkSignaller *self)
{
  GstStructure *s;
  Stats stats;
  guint64 rejected = 0;

  GST_OBJECT_LOCK (self);
  stats = self->stats;
  GST_OBJECT_UNLOCK (self);

  s = gst_structure_new ("blink-signaller-stats", "sent", G_TYPE_UINT64, stats.sent, "received",
                         G_TYPE_UINT64, stats.received, "echoes", G_TYPE_UINT64, stats.echoes,
                         "stale", G_TYPE_UINT64, stats.stale, "send-failures", G_TYPE_UINT64,
                         stats.send_failures, "refused-calls", G_TYPE_UINT64, stats.refused_calls,
                         NULL);
  for (guint i = 0; i < BLINK_PROTOCOL_ERROR_N_CODES; i++)
    {
      g_autofree char *name = g_strdup_printf ("rejected-%s", blink_protocol_error_to_nick (i));

      gst_structure_set (s, name, G_TYPE_UINT64, stats.rejected[i], NULL);
      rejected += stats.rejected[i];
    }
  gst_structure_set (s, "rejected", G_TYPE_UINT64, rejected, NULL);

  return s;
}

static void
gst_blink_signaller_get_property (GObject *object,
                                  guint prop_id,
                                  GValue *value,
                                  GParamSpec *pspec)
{
  GstBlinkSignaller *self = GST_BLINK_SIGNALLER (object);

  switch (prop_id)
    {
    case PROP_IDENTITY:
      GST_OBJECT_LOCK (self);
      g_value_set_string (value, self->identity_path);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_DID:
      g_value_set_string (value, self->identity != NULL ? blink_identity_get_did (self->identity)
                                                        : NULL);
      break;
    case PROP_IPFS_API:
      GST_OBJECT_LOCK (self);
      g_value_set_string (value, self->ipfs_api);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_IPFS_STATE:
      g_value_set_enum (value, self->client != NULL ? blink_ipfs_client_get_state (self->client)
                                                    : BLINK_IPFS_STATE_CONNECTING);
      break;
    case PROP_REPLAY_WINDOW:
      GST_OBJECT_LOCK (self);
      g_value_set_uint64 (value, self->replay_window_ms);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_RINGING_TIMEOUT:
      GST_OBJECT_LOCK (self);
      g_value_set_uint (value, self->ringing_timeout_s);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_ANNOUNCE_INTERVAL:
      GST_OBJECT_LOCK (self);
      g_value_set_uint (value, self->announce_interval_ms);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_STATS:
      g_value_take_boxed (value, stats_structure (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gst_blink_signaller_set_property (GObject *object,
                                  guint prop_id,
                                  const GValue *value,
                                  GParamSpec *pspec)
{
  GstBlinkSignaller *self = GST_BLINK_SIGNALLER (object);

  GST_OBJECT_LOCK (self);
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
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_blink_signaller_dispose (GObject *object)
{
  GstBlinkSignaller *self = GST_BLINK_SIGNALLER (object);

  stop (self);
  g_clear_object (&self->identity);

  G_OBJECT_CLASS (gst_blink_signaller_parent_class)->dispose (object);
}

static void
gst_blink_signaller_finalize (GObject *object)
{
  GstBlinkSignaller *self = GST_BLINK_SIGNALLER (object);

  g_hash_table_unref (self->calls);
  g_free (self->identity_path);
  g_free (self->ipfs_api);

  G_OBJECT_CLASS (gst_blink_signaller_parent_class)->finalize (object);
}

static void
gst_blink_signaller_class_init (GstBlinkSignallerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  const GType call_args[] = { G_TYPE_STRING, G_TYPE_STRING };

  object_class->get_property = gst_blink_signaller_get_property;
  object_class->set_property = gst_blink_signaller_set_property;
  object_class->dispose = gst_blink_signaller_dispose;
  object_class->finalize = gst_blink_signaller_finalize;
  element_class->change_state = gst_blink_signaller_change_state;

  gst_element_class_set_static_metadata (element_class, "Blink signaller", "Network/Signaling",
                                         "Encrypted call signaling over IPFS pubsub, addressed by "
                                         "did:key identities",
                                         "The Blink developers");

  properties[PROP_IDENTITY] =
    g_param_spec_string ("identity", "Identity",
                         "Key file of the user's identity; unset for "
                         "$XDG_CONFIG_HOME/blink/identity.key (created on first use)",
                         NULL,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY);
  properties[PROP_DID] =
    g_param_spec_string ("did", "DID", "The user's public address, did:key:z6Mk… (from READY on)",
                         NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_IPFS_API] =
    g_param_spec_string ("ipfs-api", "IPFS API",
                         "RPC API of the IPFS node, as a multiaddr or URL; unset for "
                         "$BLINK_IPFS_API, $IPFS_API, $IPFS_PATH/api, then /ip4/127.0.0.1/tcp/5001",
                         NULL,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY);
  properties[PROP_IPFS_STATE] =
    g_param_spec_enum ("ipfs-state", "IPFS state", "Connection to the IPFS node",
                       BLINK_TYPE_IPFS_STATE, BLINK_IPFS_STATE_CONNECTING,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_REPLAY_WINDOW] =
    g_param_spec_uint64 ("replay-window", "Replay window",
                         "How far (ms) a message's timestamp may be from the local clock", 1000,
                         G_MAXUINT32, DEFAULT_REPLAY_WINDOW_MS,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING);
  properties[PROP_RINGING_TIMEOUT] =
    g_param_spec_uint ("ringing-timeout", "Ringing timeout",
                       "Seconds an offer rings before it expires, on both sides", 1, 3600,
                       DEFAULT_RINGING_TIMEOUT_S,
                       G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING);
  properties[PROP_ANNOUNCE_INTERVAL] =
    g_param_spec_uint ("announce-interval", "Announce interval",
                       "Milliseconds between re-announcements while in a call", 100, 60000,
                       DEFAULT_ANNOUNCE_INTERVAL_MS,
                       G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING);
  properties[PROP_STATS] =
    g_param_spec_boxed ("stats", "Statistics",
                        "Messages sent, received, ignored (echoes, stale), and rejected by reason",
                        GST_TYPE_STRUCTURE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * GstBlinkSignaller::offer-call:
   * @callees: the DIDs to call
   * @audio: (nullable): the call's format, `audio/x-opus, rate=48000,
   *   channels=1, frame-ms=20, bitrate=32000` by default
   *
   * Returns: (transfer full) (nullable): the new call's id
   */
  signals[SIGNAL_OFFER_CALL] =
    g_signal_new_class_handler ("offer-call", G_TYPE_FROM_CLASS (klass),
                                G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION,
                                G_CALLBACK (gst_blink_signaller_offer_call), NULL, NULL, NULL,
                                G_TYPE_STRING, 2, G_TYPE_STRV, GST_TYPE_STRUCTURE);
  /* Each of these takes a call id and says whether it was done. */
  signals[SIGNAL_CANCEL_CALL] =
    g_signal_new_class_handler ("cancel-call", G_TYPE_FROM_CLASS (klass),
                                G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION,
                                G_CALLBACK (gst_blink_signaller_cancel_call), NULL, NULL, NULL,
                                G_TYPE_BOOLEAN, 1, G_TYPE_STRING);
  signals[SIGNAL_JOIN_CALL] =
    g_signal_new_class_handler ("join-call", G_TYPE_FROM_CLASS (klass),
                                G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION,
                                G_CALLBACK (gst_blink_signaller_join_call), NULL, NULL, NULL,
                                G_TYPE_BOOLEAN, 1, G_TYPE_STRING);
  signals[SIGNAL_DECLINE_CALL] =
    g_signal_new_class_handler ("decline-call", G_TYPE_FROM_CLASS (klass),
                                G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION,
                                G_CALLBACK (gst_blink_signaller_decline_call), NULL, NULL, NULL,
                                G_TYPE_BOOLEAN, 1, G_TYPE_STRING);
  signals[SIGNAL_LEAVE_CALL] =
    g_signal_new_class_handler ("leave-call", G_TYPE_FROM_CLASS (klass),
                                G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION,
                                G_CALLBACK (gst_blink_signaller_leave_call), NULL, NULL, NULL,
                                G_TYPE_BOOLEAN, 1, G_TYPE_STRING);
  signals[SIGNAL_ANNOUNCE] =
    g_signal_new_class_handler ("announce", G_TYPE_FROM_CLASS (klass),
                                G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION,
                                G_CALLBACK (gst_blink_signaller_announce), NULL, NULL, NULL,
                                G_TYPE_BOOLEAN, 4, G_TYPE_STRING, G_TYPE_BOOLEAN, G_TYPE_BOOLEAN,
                                G_TYPE_BOOLEAN);
  signals[SIGNAL_SEND_SDP] =
    g_signal_new_class_handler ("send-sdp", G_TYPE_FROM_CLASS (klass),
                                G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION,
                                G_CALLBACK (gst_blink_signaller_send_sdp), NULL, NULL, NULL,
                                G_TYPE_BOOLEAN, 4, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING,
                                G_TYPE_STRING);
  signals[SIGNAL_SEND_ICE_CANDIDATE] =
    g_signal_new_class_handler ("send-ice-candidate", G_TYPE_FROM_CLASS (klass),
                                G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION,
                                G_CALLBACK (gst_blink_signaller_send_ice_candidate), NULL, NULL,
                                NULL, G_TYPE_BOOLEAN, 4, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_UINT,
                                G_TYPE_STRING);

  signals[SIGNAL_INCOMING_CALL] =
    g_signal_new ("incoming-call", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 4, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRV,
                  GST_TYPE_STRUCTURE);
  signals[SIGNAL_OFFER_CANCELLED] =
    g_signal_new ("offer-cancelled", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);
  signals[SIGNAL_OFFER_EXPIRED] =
    g_signal_new ("offer-expired", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  signals[SIGNAL_PARTICIPANT_RINGING] =
    g_signal_newv ("participant-ringing", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, NULL, NULL,
                   NULL, NULL, G_TYPE_NONE, 2, (GType *) call_args);
  signals[SIGNAL_PARTICIPANT_JOINED] =
    g_signal_newv ("participant-joined", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, NULL, NULL,
                   NULL, NULL, G_TYPE_NONE, 2, (GType *) call_args);
  signals[SIGNAL_PARTICIPANT_ANNOUNCED] =
    g_signal_new ("participant-announced", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                  NULL, NULL, G_TYPE_NONE, 5, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_BOOLEAN,
                  G_TYPE_BOOLEAN, G_TYPE_BOOLEAN);
  signals[SIGNAL_PARTICIPANT_DECLINED] =
    g_signal_newv ("participant-declined", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, NULL,
                   NULL, NULL, NULL, G_TYPE_NONE, 2, (GType *) call_args);
  signals[SIGNAL_PARTICIPANT_LEFT] =
    g_signal_newv ("participant-left", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, NULL, NULL,
                   NULL, NULL, G_TYPE_NONE, 2, (GType *) call_args);
  signals[SIGNAL_SDP_RECEIVED] =
    g_signal_new ("sdp-received", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 4, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING,
                  G_TYPE_STRING);
  signals[SIGNAL_ICE_CANDIDATE_RECEIVED] =
    g_signal_new ("ice-candidate-received", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                  NULL, NULL, G_TYPE_NONE, 4, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_UINT,
                  G_TYPE_STRING);

  gst_type_mark_as_plugin_api (BLINK_TYPE_IPFS_STATE, 0);
  GST_DEBUG_CATEGORY_INIT (gst_blink_signaller_debug, "blinksignaller", 0,
                           "Blink call signaling over IPFS");
}

static void
gst_blink_signaller_init (GstBlinkSignaller *self)
{
  self->replay_window_ms = DEFAULT_REPLAY_WINDOW_MS;
  self->ringing_timeout_s = DEFAULT_RINGING_TIMEOUT_S;
  self->announce_interval_ms = DEFAULT_ANNOUNCE_INTERVAL_MS;
  self->calls = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) call_free);
}
