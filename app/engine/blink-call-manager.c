/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "blink-call-manager"

#include "config.h"

#include "blink-call-manager.h"

#include "blink-audio-pipeline.h"
#include "blink-did.h"
#include "blink-ipfs-client.h"
#include "blink-peer.h"
#include "gstblinksignaller.h"

#include <glib/gi18n-lib.h>
#include <gst/gst.h>

/* Turns signaling into calls (docs/engine.md): many pending incoming calls,
 * at most one active call with one BlinkPeer per remote participant, and
 * the state machine of DESIGN §3. Everything here runs on the main context;
 * BlinkPeer marshals webrtcbin's events to it. */

#define DEFAULT_LATENCY_MS 40
#define WATCHDOG_INTERVAL_MS 1000
/* A participant is gone when no announce came for this long… */
#define ANNOUNCE_SILENCE_US (10 * G_USEC_PER_SEC)
/* …or no RTP, once some came, for this long. */
#define MEDIA_SILENCE_US (5 * G_USEC_PER_SEC)
/* How long hanging up waits for the peer connections to close. */
#define TEARDOWN_TIMEOUT_MS 5000

enum
{
  PROP_0,
  PROP_IDENTITY,
  PROP_IPFS_API,
  PROP_AUDIO_SOURCE,
  PROP_AUDIO_SINK,
  PROP_ICE_ADDRESSES,
  PROP_STUN_SERVER,
  PROP_TURN_SERVERS,
  PROP_LATENCY,
  PROP_RINGING_TIMEOUT,
  PROP_ANNOUNCE_INTERVAL,
  PROP_DID,
  PROP_ACTIVE_CALL,
  PROP_PIPELINE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum
{
  SIGNAL_CALL_ADDED,
  SIGNAL_CALL_REMOVED,
  SIGNAL_CONNECTION_CLOSED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

typedef struct
{
  gboolean is_sdp;
  char *type;
  char *text;
  guint mline;
} PendingSignal;

struct _BlinkCallManager
{
  GObject parent_instance;

  char *identity_path;
  char *ipfs_api;
  char *audio_source;
  char *audio_sink;
  char **ice_addresses;
  char *stun_server;
  char **turn_servers;
  guint latency_ms;
  guint ringing_timeout_s;
  guint announce_interval_ms;

  GstElement *signaller;
  char *did;
  GPtrArray *calls; /* BlinkCall*, not ended */
  BlinkCall *active;
  BlinkAudioPipeline *media;
  gboolean muted;
  gboolean deafened;

  GHashTable *peers;         /* did → BlinkPeer*, of the active call */
  GPtrArray *closing;        /* BlinkPeer* going down */
  GPtrArray *ending;         /* BlinkCall* waiting for their peers to close */
  GHashTable *deferred;      /* did → GPtrArray of PendingSignal*: waits for the old peer */
  GHashTable *last_announce; /* did → monotonic µs, as gint64 in a pointer */
  guint watchdog_id;
  guint teardown_id;
};

G_DEFINE_FINAL_TYPE (BlinkCallManager, blink_call_manager, G_TYPE_OBJECT)

static void check_call_end (BlinkCallManager *self, BlinkCall *call);
static void peer_ensure (BlinkCallManager *self, const char *did);

static void
pending_signal_free (PendingSignal *p)
{
  g_free (p->type);
  g_free (p->text);
  g_free (p);
}

static void
remove_call (BlinkCallManager *self,
             BlinkCall *call)
{
  g_autoptr (BlinkCall) keep = g_object_ref (call);

  blink_call_set_state (call, BLINK_CALL_STATE_ENDED);
  if (g_ptr_array_remove (self->calls, call))
    g_signal_emit (self, signals[SIGNAL_CALL_REMOVED], 0, call);
}

static void
set_active (BlinkCallManager *self,
            BlinkCall *call)
{
  if (self->active == call)
    return;
  g_set_object (&self->active, call);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ACTIVE_CALL]);
}

/* ---- media ---- */

static void
media_release_if_idle (BlinkCallManager *self)
{
  if (self->active != NULL || self->closing->len > 0 || self->media == NULL)
    return;

  g_debug ("No call and no connection: releasing the audio devices");
  blink_audio_pipeline_stop (self->media);
  g_clear_object (&self->media);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PIPELINE]);
}

static gboolean
media_ensure (BlinkCallManager *self,
              GError **error)
{
  BlinkAudioFormat format = BLINK_AUDIO_FORMAT_DEFAULT;

  if (self->media != NULL)
    return TRUE;

  self->media = blink_audio_pipeline_new (self->audio_source, self->audio_sink, &format, error);
  if (self->media == NULL)
    return FALSE;

  blink_audio_pipeline_set_muted (self->media, self->muted);
  blink_audio_pipeline_set_deafened (self->media, self->deafened);
  if (!blink_audio_pipeline_start (self->media, error))
    {
      g_clear_object (&self->media);
      return FALSE;
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PIPELINE]);
  return TRUE;
}

/* ---- ending ---- */

static void
finish_ending_calls (BlinkCallManager *self)
{
  g_autoptr (GPtrArray) ended = NULL;

  if (self->closing->len > 0 && self->teardown_id != 0)
    return;

  g_clear_handle_id (&self->teardown_id, g_source_remove);
  ended = g_steal_pointer (&self->ending);
  self->ending = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < ended->len; i++)
    remove_call (self, g_ptr_array_index (ended, i));

  media_release_if_idle (self);
}

static gboolean
on_teardown_timeout (gpointer user_data)
{
  BlinkCallManager *self = user_data;

  g_warning ("%u peer connections did not close in time", self->closing->len);
  self->teardown_id = 0;
  finish_ending_calls (self);
  return G_SOURCE_REMOVE;
}

static void
close_peer (BlinkCallManager *self,
            const char *did)
{
  BlinkPeer *peer = g_hash_table_lookup (self->peers, did);

  if (peer == NULL)
    return;

  g_ptr_array_add (self->closing, g_object_ref (peer));
  g_hash_table_remove (self->peers, did);
  blink_peer_close (peer);
}

/* Leaves @call: peers are told, connections closed; the call ends when
 * every connection has closed (bounded by TEARDOWN_TIMEOUT_MS). */
static void
end_call (BlinkCallManager *self,
          BlinkCall *call)
{
  gboolean done = FALSE;
  GHashTableIter iter;
  const char *did;

  if (blink_call_get_state (call) >= BLINK_CALL_STATE_ENDING)
    return;

  g_debug ("Leaving call %s", blink_call_get_id (call));
  g_signal_emit_by_name (self->signaller, "leave-call", blink_call_get_id (call), &done);
  blink_call_set_state (call, BLINK_CALL_STATE_ENDING);

  if (call != self->active)
    {
      remove_call (self, call);
      return;
    }

  g_hash_table_iter_init (&iter, self->peers);
  while (g_hash_table_iter_next (&iter, (gpointer *) &did, NULL))
    {
      BlinkPeer *peer = g_hash_table_lookup (self->peers, did);

      g_ptr_array_add (self->closing, g_object_ref (peer));
      blink_peer_close (peer);
    }
  g_hash_table_remove_all (self->peers);
  g_hash_table_remove_all (self->deferred);
  set_active (self, NULL);

  g_ptr_array_add (self->ending, g_object_ref (call));
  if (self->closing->len == 0)
    {
      finish_ending_calls (self);
      return;
    }
  if (self->teardown_id == 0)
    self->teardown_id = g_timeout_add (TEARDOWN_TIMEOUT_MS, on_teardown_timeout, self);
}

/* A call goes on while any remote participant is connected, connecting or
 * still ringing; 1:1 calls therefore end when the other side leaves. */
static void
check_call_end (BlinkCallManager *self,
                BlinkCall *call)
{
  if (blink_call_get_state (call) >= BLINK_CALL_STATE_ENDING)
    return;

  if (blink_call_has_participant_in (call, BLINK_PARTICIPANT_STATE_CONNECTED) ||
      blink_call_has_participant_in (call, BLINK_PARTICIPANT_STATE_CONNECTING) ||
      blink_call_has_participant_in (call, BLINK_PARTICIPANT_STATE_RINGING))
    return;

  g_debug ("Nobody left in call %s", blink_call_get_id (call));
  end_call (self, call);
}

static void
participant_gone (BlinkCallManager *self,
                  BlinkCall *call,
                  const char *did,
                  BlinkParticipantState state)
{
  BlinkParticipant *participant = blink_call_find_participant (call, did);

  if (participant == NULL)
    return;

  blink_participant_set_state (participant, state);
  if (call == self->active)
    {
      close_peer (self, did);
      g_hash_table_remove (self->deferred, did);
    }
  check_call_end (self, call);
}

/* ---- peers ---- */

static void
on_peer_description (BlinkPeer *peer,
                     const char *type,
                     const char *sdp,
                     BlinkCallManager *self)
{
  gboolean done = FALSE;

  if (self->active != NULL)
    g_signal_emit_by_name (self->signaller, "send-sdp", blink_call_get_id (self->active),
                           blink_peer_get_did (peer), type, sdp, &done);
}

static void
on_peer_candidate (BlinkPeer *peer,
                   guint mline,
                   const char *candidate,
                   BlinkCallManager *self)
{
  gboolean done = FALSE;

  if (self->active != NULL)
    g_signal_emit_by_name (self->signaller, "send-ice-candidate", blink_call_get_id (self->active),
                           blink_peer_get_did (peer), mline, candidate, &done);
}

static void
on_peer_state (BlinkPeer *peer,
               GParamSpec *pspec,
               BlinkCallManager *self)
{
  BlinkParticipant *participant;

  if (self->active == NULL || g_hash_table_lookup (self->peers, blink_peer_get_did (peer)) != peer)
    return;

  participant = blink_call_find_participant (self->active, blink_peer_get_did (peer));
  switch (blink_peer_get_state (peer))
    {
    case BLINK_PEER_STATE_CONNECTED:
      blink_participant_set_state (participant, BLINK_PARTICIPANT_STATE_CONNECTED);
      blink_call_set_state (self->active, BLINK_CALL_STATE_STARTED);
      break;
    case BLINK_PEER_STATE_FAILED:
      g_debug ("Connection to %s failed", blink_peer_get_did (peer));
      participant_gone (self, self->active, blink_peer_get_did (peer),
                        BLINK_PARTICIPANT_STATE_LEFT);
      break;
    default:
      break;
    }
}

static void
apply_signal (BlinkPeer *peer,
              PendingSignal *p)
{
  if (p->is_sdp)
    blink_peer_set_remote_description (peer, p->type, p->text);
  else
    blink_peer_add_ice_candidate (peer, p->mline, p->text);
}

static void
on_peer_closed (BlinkPeer *peer,
                BlinkCallManager *self)
{
  g_autofree char *did = g_strdup (blink_peer_get_did (peer));
  g_autoptr (GPtrArray) waiting = NULL;
  gboolean was_deferred;

  g_debug ("Connection to %s closed", did);
  g_signal_handlers_disconnect_by_data (peer, self);
  g_ptr_array_remove (self->closing, peer);
  g_signal_emit (self, signals[SIGNAL_CONNECTION_CLOSED], 0, did);

  /* A new connection to the same peer was waiting for this one to close. */
  was_deferred = g_hash_table_steal_extended (self->deferred, did, NULL, (gpointer *) &waiting);
  if (was_deferred && self->active != NULL)
    {
      BlinkPeer *fresh;

      peer_ensure (self, did);
      fresh = g_hash_table_lookup (self->peers, did);
      for (guint i = 0; fresh != NULL && i < waiting->len; i++)
        apply_signal (fresh, g_ptr_array_index (waiting, i));
    }

  if (self->closing->len == 0)
    finish_ending_calls (self);
}

static gboolean
peer_closing (BlinkCallManager *self,
              const char *did)
{
  for (guint i = 0; i < self->closing->len; i++)
    if (g_str_equal (blink_peer_get_did (g_ptr_array_index (self->closing, i)), did))
      return TRUE;
  return FALSE;
}

/* Makes the connection to @did in the active call, unless one exists or the
 * previous one to @did has not finished closing: then it waits. */
static void
peer_ensure (BlinkCallManager *self,
             const char *did)
{
  BlinkMediaConfig config = { self->ice_addresses, self->stun_server, self->turn_servers,
                              self->latency_ms };
  g_autoptr (GError) error = NULL;
  BlinkPeer *peer;

  if (self->active == NULL || g_hash_table_contains (self->peers, did))
    return;

  if (peer_closing (self, did))
    {
      if (!g_hash_table_contains (self->deferred, did))
        g_hash_table_insert (self->deferred, g_strdup (did),
                             g_ptr_array_new_with_free_func ((GDestroyNotify) pending_signal_free));
      g_debug ("Connection to %s waits for the previous one to close", did);
      return;
    }

  if (!media_ensure (self, &error))
    {
      g_warning ("Cannot open the audio devices: %s", error->message);
      return;
    }

  /* The greater DID of the pair makes the offer: no glare. */
  peer = blink_peer_new (blink_audio_pipeline_get_bin (self->media),
                         blink_audio_pipeline_get_tee (self->media),
                         blink_audio_pipeline_get_mixer (self->media), did,
                         g_strcmp0 (self->did, did) > 0, &config);
  g_signal_connect (peer, "local-description", G_CALLBACK (on_peer_description), self);
  g_signal_connect (peer, "local-candidate", G_CALLBACK (on_peer_candidate), self);
  g_signal_connect (peer, "notify::state", G_CALLBACK (on_peer_state), self);
  g_signal_connect (peer, "closed", G_CALLBACK (on_peer_closed), self);
  g_hash_table_insert (self->peers, g_strdup (did), peer);
  g_hash_table_insert (self->last_announce, g_strdup (did),
                       GSIZE_TO_POINTER ((gsize) g_get_monotonic_time ()));
  g_debug ("Connecting to %s as %s", did, g_strcmp0 (self->did, did) > 0 ? "offerer" : "answerer");
  blink_peer_start (peer);
}

static void
route_signal (BlinkCallManager *self,
              const char *call_id,
              const char *did,
              PendingSignal *p)
{
  GPtrArray *waiting;
  BlinkPeer *peer;

  if (self->active == NULL || g_strcmp0 (blink_call_get_id (self->active), call_id) != 0)
    {
      pending_signal_free (p);
      return;
    }

  peer_ensure (self, did);
  waiting = g_hash_table_lookup (self->deferred, did);
  if (waiting != NULL)
    {
      g_ptr_array_add (waiting, p);
      return;
    }

  peer = g_hash_table_lookup (self->peers, did);
  if (peer != NULL)
    apply_signal (peer, p);
  pending_signal_free (p);
}

/* ---- signaller events ---- */

static void
on_incoming_call (GstElement *signaller,
                  const char *id,
                  const char *caller,
                  GStrv participants,
                  GstStructure *audio,
                  BlinkCallManager *self)
{
  g_autoptr (BlinkCall) call = blink_call_new (id, TRUE, caller,
                                               (const char *const *) participants, self->did);

  g_ptr_array_add (self->calls, g_object_ref (call));
  g_signal_emit (self, signals[SIGNAL_CALL_ADDED], 0, call);
}

static void
on_offer_cancelled (GstElement *signaller,
                    const char *id,
                    const char *reason,
                    BlinkCallManager *self)
{
  BlinkCall *call = blink_call_manager_find_call (self, id);

  if (call != NULL && call != self->active)
    remove_call (self, call);
}

static void
on_offer_expired (GstElement *signaller,
                  const char *id,
                  BlinkCallManager *self)
{
  BlinkCall *call = blink_call_manager_find_call (self, id);
  GPtrArray *participants;

  if (call == NULL)
    return;

  /* Who never answered missed the call. */
  participants = blink_call_get_participants (call);
  for (guint i = 0; i < participants->len; i++)
    {
      BlinkParticipant *p = g_ptr_array_index (participants, i);

      if (blink_participant_get_state (p) == BLINK_PARTICIPANT_STATE_RINGING)
        blink_participant_set_state (p, BLINK_PARTICIPANT_STATE_LEFT);
    }
  check_call_end (self, call);
}

static void
on_participant_joined (GstElement *signaller,
                       const char *id,
                       const char *did,
                       BlinkCallManager *self)
{
  BlinkCall *call = blink_call_manager_find_call (self, id);
  BlinkParticipant *participant = call != NULL ? blink_call_find_participant (call, did) : NULL;

  if (participant == NULL)
    return;

  if (blink_participant_get_state (participant) < BLINK_PARTICIPANT_STATE_CONNECTING ||
      blink_participant_get_state (participant) == BLINK_PARTICIPANT_STATE_LEFT)
    blink_participant_set_state (participant, BLINK_PARTICIPANT_STATE_CONNECTING);

  if (call == self->active)
    peer_ensure (self, did);
}

static void
on_participant_announced (GstElement *signaller,
                          const char *id,
                          const char *did,
                          gboolean muted,
                          gboolean deafened,
                          gboolean recording,
                          BlinkCallManager *self)
{
  BlinkCall *call = blink_call_manager_find_call (self, id);
  BlinkParticipant *participant = call != NULL ? blink_call_find_participant (call, did) : NULL;

  if (participant == NULL)
    return;

  blink_participant_set_announced (participant, muted, deafened, recording);
  if (call == self->active)
    g_hash_table_insert (self->last_announce, g_strdup (did),
                         GSIZE_TO_POINTER ((gsize) g_get_monotonic_time ()));
}

static void
on_participant_declined (GstElement *signaller,
                         const char *id,
                         const char *did,
                         BlinkCallManager *self)
{
  BlinkCall *call = blink_call_manager_find_call (self, id);

  if (call != NULL)
    participant_gone (self, call, did, BLINK_PARTICIPANT_STATE_DECLINED);
}

static void
on_participant_left (GstElement *signaller,
                     const char *id,
                     const char *did,
                     BlinkCallManager *self)
{
  BlinkCall *call = blink_call_manager_find_call (self, id);

  if (call != NULL)
    participant_gone (self, call, did, BLINK_PARTICIPANT_STATE_LEFT);
}

static void
on_sdp_received (GstElement *signaller,
                 const char *id,
                 const char *did,
                 const char *type,
                 const char *sdp,
                 BlinkCallManager *self)
{
  PendingSignal *p = g_new0 (PendingSignal, 1);

  p->is_sdp = TRUE;
  p->type = g_strdup (type);
  p->text = g_strdup (sdp);
  route_signal (self, id, did, p);
}

static void
on_ice_candidate_received (GstElement *signaller,
                           const char *id,
                           const char *did,
                           guint mline,
                           const char *candidate,
                           BlinkCallManager *self)
{
  PendingSignal *p = g_new0 (PendingSignal, 1);

  p->mline = mline;
  p->text = g_strdup (candidate);
  route_signal (self, id, did, p);
}

/* Neither ICE nor webrtcbin notices a peer that vanished (process killed,
 * network gone): missing announces and missing media do. */
static gboolean
on_watchdog (gpointer user_data)
{
  BlinkCallManager *self = user_data;
  g_autoptr (GPtrArray) vanished = g_ptr_array_new_with_free_func (g_free);
  gint64 now = g_get_monotonic_time ();
  GHashTableIter iter;
  const char *did;
  BlinkPeer *peer;

  if (self->active == NULL)
    return G_SOURCE_CONTINUE;

  g_hash_table_iter_init (&iter, self->peers);
  while (g_hash_table_iter_next (&iter, (gpointer *) &did, (gpointer *) &peer))
    {
      gint64 announced = (gint64) GPOINTER_TO_SIZE (g_hash_table_lookup (self->last_announce, did));
      gint64 media = blink_peer_get_last_media_time (peer);

      if ((announced != 0 && now - announced > ANNOUNCE_SILENCE_US) ||
          (media != 0 && now - media > MEDIA_SILENCE_US))
        g_ptr_array_add (vanished, g_strdup (did));
    }

  for (guint i = 0; i < vanished->len && self->active != NULL; i++)
    {
      g_debug ("%s vanished: no announce or media", (char *) g_ptr_array_index (vanished, i));
      participant_gone (self, self->active, g_ptr_array_index (vanished, i),
                        BLINK_PARTICIPANT_STATE_LEFT);
    }

  return G_SOURCE_CONTINUE;
}

/* ---- public API ---- */

static gboolean
check_started (BlinkCallManager *self,
               GError **error)
{
  if (self->signaller != NULL)
    return TRUE;
  g_set_error (error, BLINK_CALL_ERROR, BLINK_CALL_ERROR_FAILED, "The call engine is not started");
  return FALSE;
}

/**
 * blink_call_manager_offer:
 * @dids: whom to call
 *
 * Calls @dids; the new call becomes the active one, after the previous
 * active call, if any, has been left properly.
 *
 * Returns: (transfer none) (nullable): the call
 */
BlinkCall *
blink_call_manager_offer (BlinkCallManager *self,
                          const char *const *dids,
                          GError **error)
{
  g_autoptr (GPtrArray) participants = g_ptr_array_new ();
  g_autofree char *id = NULL;
  g_autoptr (BlinkCall) call = NULL;
  BlinkIpfsState state;

  g_return_val_if_fail (BLINK_IS_CALL_MANAGER (self), NULL);

  if (!check_started (self, error))
    return NULL;

  if (dids == NULL || dids[0] == NULL)
    {
      g_set_error (error, BLINK_CALL_ERROR, BLINK_CALL_ERROR_BAD_DID, _("Whom to call?"));
      return NULL;
    }
  for (guint i = 0; dids[i] != NULL; i++)
    {
      g_autoptr (GError) did_error = NULL;
      guint8 key[BLINK_ED25519_PUBLIC_KEY_BYTES];

      if (!blink_did_to_public_key (dids[i], key, &did_error))
        {
          g_set_error (error, BLINK_CALL_ERROR, BLINK_CALL_ERROR_BAD_DID, "%s: %s", dids[i],
                       did_error->message);
          return NULL;
        }
      if (g_str_equal (dids[i], self->did))
        {
          g_set_error (error, BLINK_CALL_ERROR, BLINK_CALL_ERROR_BAD_DID,
                       _("You cannot call yourself"));
          return NULL;
        }
    }

  g_object_get (self->signaller, "ipfs-state", &state, NULL);
  if (state != BLINK_IPFS_STATE_CONNECTED)
    {
      g_autofree char *api = NULL;

      g_object_get (self->signaller, "ipfs-api", &api, NULL);
      g_set_error (error, BLINK_CALL_ERROR, BLINK_CALL_ERROR_NO_IPFS_NODE,
                   _("No IPFS node is reachable. Start Kubo with pubsub on: “ipfs config "
                     "--json Pubsub.Enabled true”, then “ipfs daemon”; or set BLINK_IPFS_API "
                     "to its API address."));
      return NULL;
    }

  if (!media_ensure (self, error))
    return NULL;

  if (self->active != NULL)
    end_call (self, self->active);

  g_signal_emit_by_name (self->signaller, "offer-call", dids, NULL, &id);
  if (id == NULL)
    {
      g_set_error (error, BLINK_CALL_ERROR, BLINK_CALL_ERROR_FAILED, "The call cannot be offered");
      return NULL;
    }

  g_ptr_array_add (participants, self->did);
  for (guint i = 0; dids[i] != NULL; i++)
    g_ptr_array_add (participants, (gpointer) dids[i]);
  g_ptr_array_add (participants, NULL);

  call = blink_call_new (id, FALSE, self->did, (const char *const *) participants->pdata,
                         self->did);
  g_ptr_array_add (self->calls, g_object_ref (call));
  set_active (self, call);
  g_signal_emit (self, signals[SIGNAL_CALL_ADDED], 0, call);
  return call;
}

static gboolean
check_pending (BlinkCallManager *self,
               BlinkCall *call,
               GError **error)
{
  if (!check_started (self, error))
    return FALSE;

  if (call == NULL || !g_ptr_array_find (self->calls, call, NULL) || call == self->active ||
      !blink_call_get_incoming (call) || blink_call_get_state (call) != BLINK_CALL_STATE_RINGING)
    {
      g_set_error (error, BLINK_CALL_ERROR, BLINK_CALL_ERROR_NO_SUCH_CALL,
                   _("There is no such incoming call"));
      return FALSE;
    }
  return TRUE;
}

/**
 * blink_call_manager_accept:
 *
 * Answers a pending incoming call, which becomes the active one (the
 * previous active call, if any, is left properly first).
 */
gboolean
blink_call_manager_accept (BlinkCallManager *self,
                           BlinkCall *call,
                           GError **error)
{
  gboolean done = FALSE;
  GPtrArray *participants;

  g_return_val_if_fail (BLINK_IS_CALL_MANAGER (self), FALSE);

  if (!check_pending (self, call, error) || !media_ensure (self, error))
    return FALSE;

  if (self->active != NULL)
    end_call (self, self->active);

  g_signal_emit_by_name (self->signaller, "join-call", blink_call_get_id (call), &done);
  if (!done)
    {
      g_set_error (error, BLINK_CALL_ERROR, BLINK_CALL_ERROR_NO_SUCH_CALL,
                   _("The call is no longer there"));
      remove_call (self, call);
      return FALSE;
    }

  set_active (self, call);
  /* Connect to everyone who is in already: the caller, and whoever joined. */
  participants = blink_call_get_participants (call);
  for (guint i = 0; i < participants->len; i++)
    {
      BlinkParticipant *p = g_ptr_array_index (participants, i);

      if (blink_participant_get_state (p) == BLINK_PARTICIPANT_STATE_CONNECTING)
        peer_ensure (self, blink_participant_get_did (p));
    }
  return TRUE;
}

gboolean
blink_call_manager_decline (BlinkCallManager *self,
                            BlinkCall *call,
                            GError **error)
{
  gboolean done = FALSE;

  g_return_val_if_fail (BLINK_IS_CALL_MANAGER (self), FALSE);

  if (!check_pending (self, call, error))
    return FALSE;

  g_signal_emit_by_name (self->signaller, "decline-call", blink_call_get_id (call), &done);
  remove_call (self, call);
  return TRUE;
}

/**
 * blink_call_manager_hang_up:
 *
 * Leaves the active call (or withdraws it, if nobody answered yet).
 */
gboolean
blink_call_manager_hang_up (BlinkCallManager *self,
                            GError **error)
{
  g_return_val_if_fail (BLINK_IS_CALL_MANAGER (self), FALSE);

  if (!check_started (self, error))
    return FALSE;

  if (self->active == NULL)
    {
      g_set_error (error, BLINK_CALL_ERROR, BLINK_CALL_ERROR_NO_SUCH_CALL, _("There is no call"));
      return FALSE;
    }

  end_call (self, self->active);
  return TRUE;
}

void
blink_call_manager_set_muted (BlinkCallManager *self,
                              gboolean muted)
{
  gboolean done;

  self->muted = muted;
  if (self->media != NULL)
    blink_audio_pipeline_set_muted (self->media, muted);
  if (self->active != NULL)
    g_signal_emit_by_name (self->signaller, "announce", blink_call_get_id (self->active), muted,
                           self->deafened, FALSE, &done);
}

void
blink_call_manager_set_deafened (BlinkCallManager *self,
                                 gboolean deafened)
{
  gboolean done;

  self->deafened = deafened;
  if (self->media != NULL)
    blink_audio_pipeline_set_deafened (self->media, deafened);
  if (self->active != NULL)
    g_signal_emit_by_name (self->signaller, "announce", blink_call_get_id (self->active),
                           self->muted, deafened, FALSE, &done);
}

const char *
blink_call_manager_get_did (BlinkCallManager *self)
{
  return self->did;
}

BlinkCall *
blink_call_manager_get_active_call (BlinkCallManager *self)
{
  return self->active;
}

/**
 * blink_call_manager_get_calls:
 *
 * Returns: (transfer none) (element-type BlinkCall): the calls not ended:
 *   pending incoming ones and the active one
 */
GPtrArray *
blink_call_manager_get_calls (BlinkCallManager *self)
{
  return self->calls;
}

BlinkCall *
blink_call_manager_find_call (BlinkCallManager *self,
                              const char *id)
{
  for (guint i = 0; i < self->calls->len; i++)
    {
      BlinkCall *call = g_ptr_array_index (self->calls, i);

      if (g_strcmp0 (blink_call_get_id (call), id) == 0)
        return call;
    }
  return NULL;
}

/* ---- statistics ---- */

typedef struct
{
  GHashTable *stats; /* did → BlinkPeerStats* */
  guint waiting;
} StatsGathering;

static void
stats_gathering_free (StatsGathering *g)
{
  g_hash_table_unref (g->stats);
  g_free (g);
}

static void
on_peer_stats (GObject *source,
               GAsyncResult *result,
               gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  StatsGathering *g = g_task_get_task_data (task);
  BlinkPeer *peer = BLINK_PEER (source);
  BlinkPeerStats stats;

  /* A connection closing meanwhile has no figures: leave it out. */
  if (blink_peer_get_stats_finish (peer, result, &stats, NULL))
    g_hash_table_insert (g->stats, g_strdup (blink_peer_get_did (peer)),
                         g_memdup2 (&stats, sizeof stats));
  if (--g->waiting == 0)
    g_task_return_pointer (task, g_hash_table_ref (g->stats),
                           (GDestroyNotify) g_hash_table_unref);
}

/**
 * blink_call_manager_get_stats_async:
 *
 * Gathers the statistics of every connection of the active call.
 */
void
blink_call_manager_get_stats_async (BlinkCallManager *self,
                                    GAsyncReadyCallback callback,
                                    gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (self, NULL, callback, user_data);
  StatsGathering *g = g_new0 (StatsGathering, 1);
  GHashTableIter iter;
  gpointer peer;

  g_return_if_fail (BLINK_IS_CALL_MANAGER (self));

  g_task_set_source_tag (task, blink_call_manager_get_stats_async);
  g->stats = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_task_set_task_data (task, g, (GDestroyNotify) stats_gathering_free);
  g->waiting = g_hash_table_size (self->peers);
  if (g->waiting == 0)
    {
      g_task_return_pointer (task, g_hash_table_ref (g->stats),
                             (GDestroyNotify) g_hash_table_unref);
      return;
    }
  g_hash_table_iter_init (&iter, self->peers);
  while (g_hash_table_iter_next (&iter, NULL, &peer))
    blink_peer_get_stats_async (peer, on_peer_stats, g_object_ref (task));
}

/**
 * blink_call_manager_get_stats_finish:
 *
 * Returns: (transfer full): did → BlinkPeerStats*
 */
GHashTable *
blink_call_manager_get_stats_finish (BlinkCallManager *self,
                                     GAsyncResult *result,
                                     GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * blink_call_manager_start:
 *
 * Loads the identity and connects to the IPFS node; incoming calls are
 * heard from then on.
 */
gboolean
blink_call_manager_start (BlinkCallManager *self,
                          GError **error)
{
  g_return_val_if_fail (BLINK_IS_CALL_MANAGER (self), FALSE);

  if (self->signaller != NULL)
    return TRUE;

  if (gst_element_factory_find ("blinksignaller") == NULL)
    GST_ELEMENT_REGISTER (blinksignaller, NULL);

  self->signaller = gst_object_ref_sink (gst_element_factory_make ("blinksignaller", NULL));
  g_object_set (self->signaller, "identity", self->identity_path, "ipfs-api", self->ipfs_api,
                "ringing-timeout", self->ringing_timeout_s, "announce-interval",
                self->announce_interval_ms, NULL);
  if (gst_element_set_state (self->signaller, GST_STATE_READY) == GST_STATE_CHANGE_FAILURE)
    {
      g_set_error (error, BLINK_CALL_ERROR, BLINK_CALL_ERROR_FAILED,
                   _("Cannot start: the identity or the IPFS API address cannot be used"));
      gst_clear_object (&self->signaller);
      return FALSE;
    }

  g_object_get (self->signaller, "did", &self->did, NULL);
  g_signal_connect (self->signaller, "incoming-call", G_CALLBACK (on_incoming_call), self);
  g_signal_connect (self->signaller, "offer-cancelled", G_CALLBACK (on_offer_cancelled), self);
  g_signal_connect (self->signaller, "offer-expired", G_CALLBACK (on_offer_expired), self);
  g_signal_connect (self->signaller, "participant-joined", G_CALLBACK (on_participant_joined),
                    self);
  g_signal_connect (self->signaller, "participant-announced",
                    G_CALLBACK (on_participant_announced), self);
  g_signal_connect (self->signaller, "participant-declined", G_CALLBACK (on_participant_declined),
                    self);
  g_signal_connect (self->signaller, "participant-left", G_CALLBACK (on_participant_left), self);
  g_signal_connect (self->signaller, "sdp-received", G_CALLBACK (on_sdp_received), self);
  g_signal_connect (self->signaller, "ice-candidate-received",
                    G_CALLBACK (on_ice_candidate_received), self);
  self->watchdog_id = g_timeout_add (WATCHDOG_INTERVAL_MS, on_watchdog, self);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DID]);
  return TRUE;
}

/**
 * blink_call_manager_stop:
 *
 * Leaves every call properly (peers are told) and disconnects.
 */
void
blink_call_manager_stop (BlinkCallManager *self)
{
  g_return_if_fail (BLINK_IS_CALL_MANAGER (self));

  if (self->signaller == NULL)
    return;

  if (self->active != NULL)
    end_call (self, self->active);
  while (self->calls->len > 0)
    {
      BlinkCall *call = g_ptr_array_index (self->calls, 0);

      if (blink_call_get_state (call) == BLINK_CALL_STATE_ENDING)
        remove_call (self, call);
      else
        end_call (self, call);
    }

  /* The pipeline must not stop under connections that are still closing:
   * their streaming threads would wait on the stopped mixer while the
   * closing waits on them. Wait for them, as long as a hang-up may. */
  {
    gint64 deadline = g_get_monotonic_time () + TEARDOWN_TIMEOUT_MS * 1000;

    while (self->closing->len > 0 && g_get_monotonic_time () < deadline)
      if (!g_main_context_iteration (NULL, FALSE))
        g_usleep (1000);
  }

  g_clear_handle_id (&self->watchdog_id, g_source_remove);
  g_signal_handlers_disconnect_by_data (self->signaller, self);
  /* NULL sends the leaves; the IPFS client lives until they are out. */
  gst_element_set_state (self->signaller, GST_STATE_NULL);
  gst_clear_object (&self->signaller);
}

/* ---- GObject ---- */

static void
blink_call_manager_get_property (GObject *object,
                                 guint prop_id,
                                 GValue *value,
                                 GParamSpec *pspec)
{
  BlinkCallManager *self = BLINK_CALL_MANAGER (object);

  switch (prop_id)
    {
    case PROP_IDENTITY:
      g_value_set_string (value, self->identity_path);
      break;
    case PROP_IPFS_API:
      g_value_set_string (value, self->ipfs_api);
      break;
    case PROP_AUDIO_SOURCE:
      g_value_set_string (value, self->audio_source);
      break;
    case PROP_AUDIO_SINK:
      g_value_set_string (value, self->audio_sink);
      break;
    case PROP_ICE_ADDRESSES:
      g_value_set_boxed (value, self->ice_addresses);
      break;
    case PROP_STUN_SERVER:
      g_value_set_string (value, self->stun_server);
      break;
    case PROP_TURN_SERVERS:
      g_value_set_boxed (value, self->turn_servers);
      break;
    case PROP_LATENCY:
      g_value_set_uint (value, self->latency_ms);
      break;
    case PROP_RINGING_TIMEOUT:
      g_value_set_uint (value, self->ringing_timeout_s);
      break;
    case PROP_ANNOUNCE_INTERVAL:
      g_value_set_uint (value, self->announce_interval_ms);
      break;
    case PROP_DID:
      g_value_set_string (value, self->did);
      break;
    case PROP_ACTIVE_CALL:
      g_value_set_object (value, self->active);
      break;
    case PROP_PIPELINE:
      g_value_set_object (value,
                          self->media != NULL ? blink_audio_pipeline_get_bin (self->media) : NULL);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
blink_call_manager_set_property (GObject *object,
                                 guint prop_id,
                                 const GValue *value,
                                 GParamSpec *pspec)
{
  BlinkCallManager *self = BLINK_CALL_MANAGER (object);

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
    case PROP_AUDIO_SOURCE:
      g_free (self->audio_source);
      self->audio_source = g_value_dup_string (value);
      break;
    case PROP_AUDIO_SINK:
      g_free (self->audio_sink);
      self->audio_sink = g_value_dup_string (value);
      break;
    case PROP_ICE_ADDRESSES:
      g_strfreev (self->ice_addresses);
      self->ice_addresses = g_value_dup_boxed (value);
      break;
    case PROP_STUN_SERVER:
      g_free (self->stun_server);
      self->stun_server = g_value_dup_string (value);
      break;
    case PROP_TURN_SERVERS:
      g_strfreev (self->turn_servers);
      self->turn_servers = g_value_dup_boxed (value);
      break;
    case PROP_LATENCY:
      self->latency_ms = g_value_get_uint (value);
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
}

static void
blink_call_manager_dispose (GObject *object)
{
  BlinkCallManager *self = BLINK_CALL_MANAGER (object);

  blink_call_manager_stop (self);
  g_clear_handle_id (&self->teardown_id, g_source_remove);
  g_clear_object (&self->active);
  if (self->media != NULL)
    blink_audio_pipeline_stop (self->media);
  g_clear_object (&self->media);

  G_OBJECT_CLASS (blink_call_manager_parent_class)->dispose (object);
}

static void
blink_call_manager_finalize (GObject *object)
{
  BlinkCallManager *self = BLINK_CALL_MANAGER (object);

  g_ptr_array_unref (self->calls);
  g_ptr_array_unref (self->closing);
  g_ptr_array_unref (self->ending);
  g_hash_table_unref (self->peers);
  g_hash_table_unref (self->deferred);
  g_hash_table_unref (self->last_announce);
  g_free (self->identity_path);
  g_free (self->ipfs_api);
  g_free (self->audio_source);
  g_free (self->audio_sink);
  g_strfreev (self->ice_addresses);
  g_free (self->stun_server);
  g_strfreev (self->turn_servers);
  g_free (self->did);

  G_OBJECT_CLASS (blink_call_manager_parent_class)->finalize (object);
}

static void
blink_call_manager_class_init (BlinkCallManagerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS;

  object_class->get_property = blink_call_manager_get_property;
  object_class->set_property = blink_call_manager_set_property;
  object_class->dispose = blink_call_manager_dispose;
  object_class->finalize = blink_call_manager_finalize;

  properties[PROP_IDENTITY] =
    g_param_spec_string ("identity", "Identity", "Key file; unset for the user's", NULL, rw);
  properties[PROP_IPFS_API] =
    g_param_spec_string ("ipfs-api", "IPFS API", "The node's RPC API; unset to find it", NULL, rw);
  properties[PROP_AUDIO_SOURCE] =
    g_param_spec_string ("audio-source", "Audio source", "gst-launch description of the capture",
                         BLINK_AUDIO_SOURCE_DEFAULT, rw);
  properties[PROP_AUDIO_SINK] =
    g_param_spec_string ("audio-sink", "Audio sink", "gst-launch description of the playback",
                         BLINK_AUDIO_SINK_DEFAULT, rw);
  properties[PROP_ICE_ADDRESSES] =
    g_param_spec_boxed ("ice-addresses", "ICE addresses",
                        "Local addresses ICE may use; all when unset", G_TYPE_STRV, rw);
  properties[PROP_STUN_SERVER] =
    g_param_spec_string ("stun-server", "STUN server", "stun://host:port", NULL, rw);
  properties[PROP_TURN_SERVERS] =
    g_param_spec_boxed ("turn-servers", "TURN servers", "turn(s)://user:password@host:port",
                        G_TYPE_STRV, rw);
  properties[PROP_LATENCY] =
    g_param_spec_uint ("latency", "Latency", "Jitter buffer, ms", 10, 1000, DEFAULT_LATENCY_MS, rw);
  properties[PROP_RINGING_TIMEOUT] =
    g_param_spec_uint ("ringing-timeout", "Ringing timeout", "Seconds an offer rings", 1, 3600, 60,
                       rw);
  properties[PROP_ANNOUNCE_INTERVAL] =
    g_param_spec_uint ("announce-interval", "Announce interval", "ms between re-announces", 100,
                       60000, 3000, rw);
  properties[PROP_DID] = g_param_spec_string ("did", "DID", "The user's address", NULL,
                                              G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_ACTIVE_CALL] =
    g_param_spec_object ("active-call", "Active call", "The call with media, if any",
                         BLINK_TYPE_CALL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_PIPELINE] =
    g_param_spec_object ("pipeline", "Pipeline",
                         "The audio pipeline while calls need it, for meters and recorders",
                         GST_TYPE_PIPELINE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[SIGNAL_CALL_ADDED] = g_signal_new ("call-added", G_TYPE_FROM_CLASS (klass),
                                             G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE,
                                             1, BLINK_TYPE_CALL);
  signals[SIGNAL_CALL_REMOVED] = g_signal_new ("call-removed", G_TYPE_FROM_CLASS (klass),
                                               G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE,
                                               1, BLINK_TYPE_CALL);
  /**
   * BlinkCallManager::connection-closed:
   * @did: the participant
   *
   * A connection to @did has closed: its webrtcbin reached NULL and left
   * the pipeline (the engine's "closed", see docs/engine.md).
   */
  signals[SIGNAL_CONNECTION_CLOSED] =
    g_signal_new ("connection-closed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
blink_call_manager_init (BlinkCallManager *self)
{
  self->audio_source = g_strdup (BLINK_AUDIO_SOURCE_DEFAULT);
  self->audio_sink = g_strdup (BLINK_AUDIO_SINK_DEFAULT);
  self->latency_ms = DEFAULT_LATENCY_MS;
  self->ringing_timeout_s = 60;
  self->announce_interval_ms = 3000;
  self->calls = g_ptr_array_new_with_free_func (g_object_unref);
  self->closing = g_ptr_array_new_with_free_func (g_object_unref);
  self->ending = g_ptr_array_new_with_free_func (g_object_unref);
  self->peers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  self->deferred = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                          (GDestroyNotify) g_ptr_array_unref);
  self->last_announce = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

BlinkCallManager *
blink_call_manager_new (void)
{
  return g_object_new (BLINK_TYPE_CALL_MANAGER, NULL);
}
