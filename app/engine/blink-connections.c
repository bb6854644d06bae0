/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "blink-connections"

#include "config.h"

#include "blink-connections.h"

#include "blink-context.h"
#include "blink-engine-errors.h"
#include "blink-enum.h"
#include "blink-participant.h"

/* The WebRTC connections of the active call, one BlinkPeer per remote
 * participant, and those still closing (docs/engine.md):
 *
 * - the greater DID of a pair makes the SDP offer (no glare);
 * - only a participant of the active call who has not declined, left or
 *   failed gets a connection: sending an SDP is not enough to get our
 *   microphone; what the others send is dropped and counted;
 * - a new connection to a participant whose previous one is still closing
 *   waits, its SDP and candidates queued (bounded), until that one has closed;
 * - a participant that vanished (no announce for 10 s, or no RTP for 5 s
 *   once some came) is reported, since neither ICE nor webrtcbin notice.
 *
 * Everything runs on the context given at construction; BlinkPeer marshals
 * webrtcbin's events to it. */

#define WATCHDOG_INTERVAL_MS 1000
/* A participant is gone when no announce came for this long… */
#define ANNOUNCE_SILENCE_US (10 * G_USEC_PER_SEC)
/* …or no RTP, once some came, for this long. */
#define MEDIA_SILENCE_US (5 * G_USEC_PER_SEC)
/* What waits for the previous connection to a participant to close: while
 * it does (well under a second; the engine gives up after 5 s), the new
 * connection's offerer sends its description and candidates, and again
 * every 1.5 s. A repeat is kept once, a second description not at all (a
 * connection takes one), so one description and the candidates a
 * connection takes are all an honest peer can have waiting. */
#define MAX_DEFERRED_SIGNALS (1 + BLINK_PEER_MAX_REMOTE_CANDIDATES)

enum
{
  SIGNAL_LOCAL_DESCRIPTION,
  SIGNAL_LOCAL_CANDIDATE,
  SIGNAL_CONNECTED,
  SIGNAL_FAILED,
  SIGNAL_VANISHED,
  SIGNAL_CLOSED,
  SIGNAL_RECONNECT_WANTED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

typedef struct
{
  gboolean is_sdp;
  char *type;
  char *text;
  guint mline;
  guint connection;
} PendingSignal;

/* How many new connections to one participant may follow each other
 * without one of them coming up (docs/engine.md, "Reconnecting"). */
#define MAX_RECONNECTS 4
/* A connection not up this long after it was made is stuck (a description
 * lost for good, checks that never end) and made again. */
#define CONNECT_TIMEOUT_US (15 * G_USEC_PER_SEC)
/* How often, at most, the answerer asks for a new connection again. */
#define RECONNECT_REQUESTS 8
/* A connection made ahead is used when the call is answered within this
 * long; after that its server-reflexive address may have gone from the
 * NAT (an unanswered UDP mapping lasts 30 s on Linux) and it is made
 * again. */
#define AHEAD_FRESH_US (20 * G_USEC_PER_SEC)

struct _BlinkConnections
{
  GObject parent_instance;

  GMainContext *context;
  char *self_did;
  char **ice_addresses;
  char *stun_server;
  char **turn_servers;
  guint latency_ms;
  BlinkRelayPolicy relay;
  GHashTable *known; /* DIDs (owned) not relayed under BLINK_RELAY_STRANGERS */

  BlinkCall *call;            /* the active call: who may connect */
  gboolean held;              /* it rings here: connected, no audio either way */
  BlinkAudioPipeline *media;  /* where new peers go; NULL: no active call */
  GHashTable *peers;          /* did → BlinkPeer*, of the active call */
  GPtrArray *closing;         /* BlinkPeer* going down */
  GHashTable *deferred;       /* did → GPtrArray of PendingSignal*: waits for the old peer */
  GHashTable *last_announce;  /* did → gint64* monotonic µs */
  GHashTable *numbers;        /* did → guint: the current connection's number, absent 0 */
  GHashTable *reconnects;     /* did → guint: new connections since one came up */
  GHashTable *requests;       /* did → guint: "reconnect" sent, times; we answer their offers */
  GHashTable *dropped;        /* did → guint64*: signals dropped, per participant */
  GPtrArray *set_aside;       /* SetAside*, oldest first: calls that ring on, unconnected */
  GHashTable *renew;          /* DIDs (owned) whose next connection follows a set-aside one */
  GHashTable *were_up;        /* DIDs (owned) a connection to was up in this call */
  BlinkRecorder *recorder;    /* records the active call's peers; NULL: nobody */
  GSource *watchdog;
  guint64 certificate_mismatches;
  guint64 signals_dropped; /* all of them, participants or not */
};

G_DEFINE_FINAL_TYPE (BlinkConnections, blink_connections, G_TYPE_OBJECT)

/* A call whose connections were closed while it rang on, e.g. one that
 * connected while ringing and gave way to a call we placed: the other
 * side may still hold its connection as up. Should the call come back (we
 * answer it), each connection is made anew, numbered after the one it
 * had, which the other side takes in place of its own. */
typedef struct
{
  BlinkCall *call;
  GHashTable *numbers; /* did → guint: its connection's number when set aside */
} SetAside;

/* Early calls set aside at once: one connects early at a time, and a
 * call that rings long enough to come back is rare. */
#define MAX_SET_ASIDE 4

static void
set_aside_free (SetAside *set_aside)
{
  g_object_unref (set_aside->call);
  g_hash_table_unref (set_aside->numbers);
  g_free (set_aside);
}

static void
pending_signal_free (PendingSignal *p)
{
  g_free (p->type);
  g_free (p->text);
  g_free (p);
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

/* Only a participant of the active call whose part in it is not over gets a
 * connection: declined, left and failed are final (docs/engine.md). */
static gboolean
may_connect (BlinkConnections *self,
             const char *did)
{
  BlinkParticipant *participant =
    self->call != NULL ? blink_call_find_participant (self->call, did) : NULL;

  return participant != NULL &&
         !blink_participant_state_is_final (blink_participant_get_state (participant));
}

static void
count_dropped (BlinkConnections *self,
               const char *did,
               guint n,
               const char *why)
{
  guint64 *count;

  self->signals_dropped += n;
  /* Counted per participant only: a table keyed by whoever claims to send
   * would grow without bound. */
  if (self->call == NULL || blink_call_find_participant (self->call, did) == NULL)
    {
      g_debug ("Dropped %u signals from %s: not in the call", n, did);
      return;
    }
  count = g_hash_table_lookup (self->dropped, did);
  if (count == NULL)
    {
      g_message ("Dropping signals from %s: %s", did, why);
      count = g_new0 (guint64, 1);
      g_hash_table_insert (self->dropped, g_strdup (did), count);
    }
  *count += n;
}

/* Keeps @p until the previous connection to @did has closed, within
 * MAX_DEFERRED_SIGNALS; takes @p. */
static void
defer_signal (BlinkConnections *self,
              const char *did,
              GPtrArray *waiting,
              PendingSignal *p)
{
  for (guint i = 0; i < waiting->len; i++)
    {
      PendingSignal *q = g_ptr_array_index (waiting, i);

      /* A resend: once is enough. */
      if (q->is_sdp == p->is_sdp && g_strcmp0 (q->text, p->text) == 0)
        {
          pending_signal_free (p);
          return;
        }
      /* The connection would ignore a second, different description. */
      if (q->is_sdp && p->is_sdp)
        {
          count_dropped (self, did, 1, "a second description while its connection waits");
          pending_signal_free (p);
          return;
        }
    }
  if (waiting->len >= MAX_DEFERRED_SIGNALS)
    {
      count_dropped (self, did, 1, "too many signals while its connection waits");
      pending_signal_free (p);
      return;
    }
  g_ptr_array_add (waiting, p);
}

static void
note_time (GHashTable *table,
           const char *did)
{
  gint64 *when = g_new (gint64, 1);

  *when = g_get_monotonic_time ();
  g_hash_table_insert (table, g_strdup (did), when);
}

/* No audio goes to a participant who has not answered yet, and none
 * either way while the call only rings here (docs/engine.md, "Instant
 * answer"). */
static void
apply_hold (BlinkConnections *self,
            BlinkPeer *peer)
{
  BlinkParticipant *participant = blink_call_find_participant (self->call, blink_peer_get_did (peer));
  gboolean ringing = participant != NULL &&
                     blink_participant_get_state (participant) == BLINK_PARTICIPANT_STATE_RINGING;

  blink_peer_set_held (peer, self->held || ringing, self->held);
}

/* @did's count in @table (numbers, reconnects, requests): absent is 0.
 * In numbers, the current connection's (docs/engine.md, "Reconnecting"). */
static guint
get_number (GHashTable *table,
            const char *did)
{
  return GPOINTER_TO_UINT (g_hash_table_lookup (table, did));
}

static void
set_number (GHashTable *table,
            const char *did,
            guint n)
{
  g_hash_table_insert (table, g_strdup (did), GUINT_TO_POINTER (n));
}

/* ---- peer events ---- */

static gboolean
is_current (BlinkConnections *self,
            BlinkPeer *peer)
{
  return g_hash_table_lookup (self->peers, blink_peer_get_did (peer)) == peer;
}

static void
on_peer_description (BlinkPeer *peer,
                     const char *type,
                     const char *sdp,
                     BlinkConnections *self)
{
  const char *did = blink_peer_get_did (peer);

  if (is_current (self, peer))
    g_signal_emit (self, signals[SIGNAL_LOCAL_DESCRIPTION], 0, did,
                   get_number (self->numbers, did), type, sdp);
}

static void
on_peer_candidate (BlinkPeer *peer,
                   guint mline,
                   const char *candidate,
                   BlinkConnections *self)
{
  const char *did = blink_peer_get_did (peer);

  if (is_current (self, peer))
    g_signal_emit (self, signals[SIGNAL_LOCAL_CANDIDATE], 0, did,
                   get_number (self->numbers, did), mline, candidate);
}

/* The connection, not one closing, that @object is an element of. */
static BlinkPeer *
current_peer_containing (BlinkConnections *self,
                         GstObject *object)
{
  GHashTableIter iter;
  BlinkPeer *peer;

  g_hash_table_iter_init (&iter, self->peers);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &peer))
    if (blink_peer_contains (peer, object))
      return peer;
  return NULL;
}

/* A connection made ahead that fails goes quietly: nobody knew of it, its
 * participant has not failed, and it is made again when it is needed.
 * Returns whether @peer was such a one (and is closed now). */
static gboolean
close_if_unspoken (BlinkConnections *self,
                   BlinkPeer *peer,
                   const GError *failure)
{
  if (!blink_peer_is_quiet (peer))
    return FALSE;
  g_debug ("The connection to %s made ahead failed: %s", blink_peer_get_did (peer),
           failure->message);
  blink_connections_close (self, blink_peer_get_did (peer));
  return TRUE;
}

static void
on_peer_state (BlinkPeer *peer,
               GParamSpec *pspec,
               BlinkConnections *self)
{
  const char *did = blink_peer_get_did (peer);

  if (g_hash_table_lookup (self->peers, did) != peer)
    return;

  if (blink_peer_get_state (peer) == BLINK_PEER_STATE_CONNECTED)
    {
      g_autofree char *code = blink_peer_get_verification_code (peer, self->self_did);

      g_hash_table_remove (self->reconnects, did);
      g_hash_table_remove (self->requests, did);
      g_hash_table_add (self->were_up, g_strdup (did));
      g_signal_emit (self, signals[SIGNAL_CONNECTED], 0, did, code);
    }
  else if (blink_peer_get_state (peer) == BLINK_PEER_STATE_FAILED &&
           !close_if_unspoken (self, peer, blink_peer_get_failure (peer)))
    {
      if (blink_peer_get_failure (peer)->code == BLINK_CALL_ERROR_CERTIFICATE)
        self->certificate_mismatches++;
      g_signal_emit (self, signals[SIGNAL_FAILED], 0, did, blink_peer_get_failure (peer));
    }
}

static gboolean
peer_closing (BlinkConnections *self,
              const char *did)
{
  for (guint i = 0; i < self->closing->len; i++)
    if (g_str_equal (blink_peer_get_did (g_ptr_array_index (self->closing, i)), did))
      return TRUE;
  return FALSE;
}

static void
on_peer_closed (BlinkPeer *peer,
                BlinkConnections *self)
{
  g_autofree char *did = g_strdup (blink_peer_get_did (peer));
  g_autofree char *waiting_did = NULL;
  g_autoptr (GPtrArray) waiting = NULL;

  g_debug ("Connection to %s closed", did);
  g_signal_handlers_disconnect_by_data (peer, self);
  g_ptr_array_remove (self->closing, peer);

  /* A new connection to the same peer was waiting for this one to close. */
  if (!peer_closing (self, did) &&
      g_hash_table_steal_extended (self->deferred, did, (gpointer *) &waiting_did,
                                   (gpointer *) &waiting))
    {
      BlinkPeer *fresh;

      blink_connections_ensure (self, did);
      fresh = g_hash_table_lookup (self->peers, did);
      if (fresh == NULL)
        count_dropped (self, did, waiting->len, "it declined, left or failed");
      for (guint i = 0; fresh != NULL && i < waiting->len; i++)
        apply_signal (fresh, g_ptr_array_index (waiting, i));
    }

  g_signal_emit (self, signals[SIGNAL_CLOSED], 0, did);
}

/* ---- the watchdog ---- */

/* A "reconnect" may be lost as any message: asked again every second, a
 * few times; unanswered, the connection has failed. */
static void
resend_requests (BlinkConnections *self)
{
  g_autoptr (GPtrArray) dids = g_ptr_array_new_with_free_func (g_free);
  GHashTableIter iter;
  gpointer key;

  g_hash_table_iter_init (&iter, self->requests);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_ptr_array_add (dids, g_strdup (key));
  for (guint i = 0; i < dids->len; i++)
    {
      const char *did = g_ptr_array_index (dids, i);
      guint sent = get_number (self->requests, did);

      if (sent < RECONNECT_REQUESTS)
        {
          set_number (self->requests, did, sent + 1);
          g_signal_emit (self, signals[SIGNAL_RECONNECT_WANTED], 0, did,
                         get_number (self->numbers, did));
          continue;
        }
      {
        g_autoptr (GError) error = g_error_new (BLINK_CALL_ERROR, BLINK_CALL_ERROR_FAILED,
                                                "No new connection came after ours broke");

        g_hash_table_remove (self->requests, did);
        g_signal_emit (self, signals[SIGNAL_FAILED], 0, did, error);
      }
    }
}

static gboolean
on_watchdog (gpointer user_data)
{
  BlinkConnections *self = user_data;
  g_autoptr (GPtrArray) vanished = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) stuck = g_ptr_array_new_with_free_func (g_free);
  gint64 now = g_get_monotonic_time ();
  GHashTableIter iter;
  const char *did;
  BlinkPeer *peer;

  g_hash_table_iter_init (&iter, self->peers);
  while (g_hash_table_iter_next (&iter, (gpointer *) &did, (gpointer *) &peer))
    {
      gint64 *announced = g_hash_table_lookup (self->last_announce, did);
      gint64 media = blink_peer_get_last_media_time (peer);
      BlinkParticipant *participant = blink_call_find_participant (self->call, did);
      BlinkPeerTimeline timeline;

      blink_peer_get_timeline (peer, &timeline);
      if (blink_peer_get_state (peer) == BLINK_PEER_STATE_CONNECTING && timeline.speaking != 0 &&
          now - timeline.speaking > CONNECT_TIMEOUT_US)
        g_ptr_array_add (stuck, g_strdup (did));

      /* Who still rings announces nothing yet; and a call that only rings
       * here is not left for a late announce (it would be declined). */
      if (self->held || (participant != NULL && blink_participant_get_state (participant) ==
                                                   BLINK_PARTICIPANT_STATE_RINGING))
        {
          note_time (self->last_announce, did);
          continue;
        }
      if ((announced != NULL && now - *announced > ANNOUNCE_SILENCE_US) ||
          (media != 0 && now - media > MEDIA_SILENCE_US))
        g_ptr_array_add (vanished, g_strdup (did));
    }

  for (guint i = 0; i < vanished->len; i++)
    {
      g_debug ("%s vanished: no announce or media", (char *) g_ptr_array_index (vanished, i));
      g_signal_emit (self, signals[SIGNAL_VANISHED], 0, g_ptr_array_index (vanished, i));
    }

  for (guint i = 0; i < stuck->len; i++)
    {
      g_autoptr (GError) error =
        g_error_new (BLINK_CALL_ERROR, BLINK_CALL_ERROR_FAILED,
                     "The connection was not up %d s after it was made",
                     (int) (CONNECT_TIMEOUT_US / G_USEC_PER_SEC));

      g_signal_emit (self, signals[SIGNAL_FAILED], 0, g_ptr_array_index (stuck, i), error);
    }

  resend_requests (self);

  return G_SOURCE_CONTINUE;
}

/* ---- public API ---- */

/* @call comes back after it was set aside: its connections' numbers
 * too, and each is to be made anew. */
static void
take_back (BlinkConnections *self,
           BlinkCall *call)
{
  for (guint i = 0; call != NULL && i < self->set_aside->len; i++)
    {
      SetAside *set_aside = g_ptr_array_index (self->set_aside, i);
      GHashTableIter iter;
      gpointer did, number;

      if (set_aside->call != call)
        continue;
      g_hash_table_iter_init (&iter, set_aside->numbers);
      while (g_hash_table_iter_next (&iter, &did, &number))
        {
          set_number (self->numbers, did, GPOINTER_TO_UINT (number));
          g_hash_table_add (self->renew, g_strdup (did));
        }
      g_ptr_array_remove_index (self->set_aside, i);
      return;
    }
}

/**
 * blink_connections_set_call:
 * @call: (nullable): the active call, whose participants may connect;
 *   %NULL when there is none
 * @media: (nullable): its pipeline, where new connections go
 */
void
blink_connections_set_call (BlinkConnections *self,
                            BlinkCall *call,
                            BlinkAudioPipeline *media)
{
  g_return_if_fail (BLINK_IS_CONNECTIONS (self));
  g_return_if_fail ((call == NULL) == (media == NULL));

  if (call != self->call)
    {
      g_hash_table_remove_all (self->dropped);
      g_hash_table_remove_all (self->numbers);
      g_hash_table_remove_all (self->reconnects);
      g_hash_table_remove_all (self->requests);
      g_hash_table_remove_all (self->renew);
      g_hash_table_remove_all (self->were_up);
      self->held = FALSE;
      take_back (self, call);
    }
  g_set_object (&self->call, call);
  g_set_object (&self->media, media);
  if (media != NULL && self->watchdog == NULL)
    self->watchdog = blink_context_add_timeout (self->context, WATCHDOG_INTERVAL_MS, on_watchdog,
                                                self, NULL);
  else if (media == NULL)
    blink_clear_source (&self->watchdog);
}

/**
 * blink_connections_set_aside:
 *
 * Closes every connection, as blink_connections_close_all() does, of a
 * call that rings on: should blink_connections_set_call() give it back,
 * each connection is made anew, after the one closed here, which the other
 * side may still hold as up (docs/engine.md, "Instant answer").
 */
void
blink_connections_set_aside (BlinkConnections *self)
{
  SetAside *set_aside;
  GHashTableIter iter;
  gpointer did, number;

  g_return_if_fail (BLINK_IS_CONNECTIONS (self));

  if (self->call == NULL)
    return;
  set_aside = g_new0 (SetAside, 1);
  set_aside->call = g_object_ref (self->call);
  set_aside->numbers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_hash_table_iter_init (&iter, self->peers);
  while (g_hash_table_iter_next (&iter, &did, NULL))
    set_number (set_aside->numbers, did, get_number (self->numbers, did));
  g_hash_table_iter_init (&iter, self->numbers);
  while (g_hash_table_iter_next (&iter, &did, &number))
    set_number (set_aside->numbers, did, GPOINTER_TO_UINT (number));
  if (self->set_aside->len == MAX_SET_ASIDE)
    g_ptr_array_remove_index (self->set_aside, 0);
  g_ptr_array_add (self->set_aside, set_aside);
  blink_connections_close_all (self);
}

/**
 * blink_connections_set_held:
 * @held: whether the call only rings here
 *
 * While held, the call's connections are made and checked, but carry no
 * audio either way; releasing lets it through at once. A new call is not
 * held.
 */
void
blink_connections_set_held (BlinkConnections *self,
                            gboolean held)
{
  GHashTableIter iter;
  gpointer peer;

  g_return_if_fail (BLINK_IS_CONNECTIONS (self));

  self->held = held;
  g_hash_table_iter_init (&iter, self->peers);
  while (g_hash_table_iter_next (&iter, NULL, &peer))
    apply_hold (self, peer);
}

/**
 * blink_connections_set_recorder:
 * @recorder: (nullable): where every connection of the active call, also
 *   one made later, records what its peer sends; %NULL to stop
 */
void
blink_connections_set_recorder (BlinkConnections *self,
                                BlinkRecorder *recorder)
{
  GHashTableIter iter;
  gpointer peer;

  g_return_if_fail (BLINK_IS_CONNECTIONS (self));

  g_set_object (&self->recorder, recorder);
  g_hash_table_iter_init (&iter, self->peers);
  while (g_hash_table_iter_next (&iter, NULL, &peer))
    blink_peer_set_recorder (peer, recorder);
}

G_DEFINE_ENUM_TYPE (BlinkRelayPolicy,
                    blink_relay_policy,
                    G_DEFINE_ENUM_VALUE (BLINK_RELAY_NEVER, "never"),
                    G_DEFINE_ENUM_VALUE (BLINK_RELAY_STRANGERS, "strangers"),
                    G_DEFINE_ENUM_VALUE (BLINK_RELAY_ALWAYS, "always"))

/* "never", "strangers", "always": blinkd's --relay and Manager1.Relay. */
const char *
blink_relay_policy_to_string (BlinkRelayPolicy policy)
{
  return blink_enum_nick (BLINK_TYPE_RELAY_POLICY, policy);
}

gboolean
blink_relay_policy_from_string (const char *text,
                                BlinkRelayPolicy *policy)
{
  int value;

  if (!blink_enum_from_nick (BLINK_TYPE_RELAY_POLICY, text, &value))
    return FALSE;
  *policy = value;
  return TRUE;
}

/**
 * blink_connections_set_relay:
 * @known: (nullable): who is not a stranger (contacts)
 *
 * Which connections made from now on only use TURN relays. Those made
 * ahead, which have said nothing yet, are closed: made again when they
 * are needed, they follow it.
 */
void
blink_connections_set_relay (BlinkConnections *self,
                             BlinkRelayPolicy policy,
                             const char *const *known)
{
  g_return_if_fail (BLINK_IS_CONNECTIONS (self));

  g_autoptr (GPtrArray) quiet = g_ptr_array_new_with_free_func (g_free);
  GHashTableIter iter;
  const char *did;
  BlinkPeer *peer;

  self->relay = policy;
  g_hash_table_remove_all (self->known);
  for (guint i = 0; known != NULL && known[i] != NULL; i++)
    g_hash_table_add (self->known, g_strdup (known[i]));

  /* A connection made ahead has told nobody our addresses yet: made again
   * when it is needed, it follows the new policy. */
  g_hash_table_iter_init (&iter, self->peers);
  while (g_hash_table_iter_next (&iter, (gpointer *) &did, (gpointer *) &peer))
    if (blink_peer_is_quiet (peer))
      g_ptr_array_add (quiet, g_strdup (did));
  for (guint i = 0; i < quiet->len; i++)
    blink_connections_close (self, g_ptr_array_index (quiet, i));
}

/**
 * blink_connections_relays:
 *
 * Returns: whether a connection to @did made now only uses TURN relays
 */
gboolean
blink_connections_relays (BlinkConnections *self,
                          const char *did)
{
  g_return_val_if_fail (BLINK_IS_CONNECTIONS (self), FALSE);

  if (self->turn_servers == NULL || self->turn_servers[0] == NULL)
    return FALSE;
  return self->relay == BLINK_RELAY_ALWAYS ||
         (self->relay == BLINK_RELAY_STRANGERS && !g_hash_table_contains (self->known, did));
}

/* The greater DID of the pair makes the offer: no glare. */
static void
make_peer (BlinkConnections *self,
           const char *did,
           gboolean ahead)
{
  BlinkMediaConfig config = { self->ice_addresses, self->stun_server, self->turn_servers,
                              self->latency_ms, BLINK_PEER_ICE_PACING_MS,
                              blink_connections_relays (self, did) };
  gboolean offerer = g_strcmp0 (self->self_did, did) > 0;
  BlinkPeer *peer;

  peer = blink_peer_new (blink_audio_pipeline_get_bin (self->media),
                         blink_audio_pipeline_get_tee (self->media),
                         blink_audio_pipeline_get_mixer (self->media),
                         blink_audio_pipeline_get_mix_caps (self->media), did, offerer, &config);
  /* The volume the user chose is the participant's, not the connection's:
   * a new connection in the same call keeps it. */
  blink_peer_set_volume (peer, blink_participant_get_volume (
                                 blink_call_find_participant (self->call, did)));
  blink_peer_set_recorder (peer, self->recorder);
  g_signal_connect (peer, "local-description", G_CALLBACK (on_peer_description), self);
  g_signal_connect (peer, "local-candidate", G_CALLBACK (on_peer_candidate), self);
  g_signal_connect (peer, "notify::state", G_CALLBACK (on_peer_state), self);
  g_signal_connect (peer, "closed", G_CALLBACK (on_peer_closed), self);
  apply_hold (self, peer);
  g_hash_table_insert (self->peers, g_strdup (did), peer);
  note_time (self->last_announce, did);
  g_debug ("Connecting to %s as %s%s%s", did, offerer ? "offerer" : "answerer",
           config.relay_only ? ", through TURN relays only" : "",
           ahead ? ", made ahead: quiet until they answer or connect" : "");
  if (ahead)
    blink_peer_prepare (peer);
  else
    blink_peer_start (peer);
}

/**
 * blink_connections_ensure:
 *
 * Makes the connection to @did if there is none, unless @did may not
 * connect (not in the active call, or declined, left or failed) or the
 * previous connection to @did has not finished closing: then it waits for
 * that. A connection to someone who still rings sends no audio until it
 * is ensured again once they have answered; one made ahead
 * (blink_connections_prepare()) starts to send what it says.
 */
void
blink_connections_ensure (BlinkConnections *self,
                          const char *did)
{
  BlinkPeer *peer;

  g_return_if_fail (BLINK_IS_CONNECTIONS (self));

  if (self->media == NULL)
    return;
  if ((peer = g_hash_table_lookup (self->peers, did)) != NULL)
    {
      BlinkPeerTimeline timeline;

      blink_peer_get_timeline (peer, &timeline);
      /* Its offer made ahead too long ago: the addresses it names may be
       * gone from a NAT. (An answerer made ahead has gathered nothing.) */
      if (!blink_peer_is_quiet (peer) || timeline.local_description == 0 ||
          g_get_monotonic_time () - timeline.local_description <= AHEAD_FRESH_US)
        {
          apply_hold (self, peer);
          blink_peer_speak (peer);
          return;
        }
      g_debug ("The connection to %s made ahead is stale: made again", did);
      blink_connections_close (self, did);
    }

  if (!may_connect (self, did))
    {
      g_debug ("No connection to %s: not in the call, or no longer", did);
      return;
    }

  /* Numbered after the one set aside, which the other side may hold. */
  if (g_hash_table_remove (self->renew, did))
    {
      g_debug ("Connection to %s set aside: made anew", did);
      blink_connections_reconnect (self, did);
      return;
    }

  if (peer_closing (self, did))
    {
      if (!g_hash_table_contains (self->deferred, did))
        g_hash_table_insert (self->deferred, g_strdup (did),
                             g_ptr_array_new_with_free_func ((GDestroyNotify) pending_signal_free));
      g_debug ("Connection to %s waits for the previous one to close", did);
      return;
    }

  make_peer (self, did, FALSE);
}

/**
 * blink_connections_prepare:
 *
 * Makes the connection to @did ahead, while @did only rings: made, its
 * offer or its readiness for one done, its candidates gathered, but
 * nothing sent until blink_connections_ensure() (on their answer, or on
 * their "connect"). Nothing if there is a connection to @did already, or
 * one closing, or @did may not connect.
 */
void
blink_connections_prepare (BlinkConnections *self,
                           const char *did)
{
  g_return_if_fail (BLINK_IS_CONNECTIONS (self));

  if (self->media == NULL || g_hash_table_contains (self->peers, did) ||
      !may_connect (self, did) || peer_closing (self, did))
    return;
  make_peer (self, did, TRUE);
}

/* Whether @p is for the current connection to @did; one for a new
 * connection, from the offerer of the pair, makes it the current one and
 * takes the old one down. */
static gboolean
take_number (BlinkConnections *self,
             const char *did,
             PendingSignal *p)
{
  guint current = get_number (self->numbers, did);
  guint made = get_number (self->reconnects, did);

  /* The current connection broke, and a new one was asked for: what
   * still comes for the broken one would only make it again. */
  if (p->connection < current ||
      (p->connection == current && g_hash_table_contains (self->requests, did)))
    {
      count_dropped (self, did, 1, "for a connection that was replaced");
      return FALSE;
    }
  if (p->connection == current)
    return TRUE;
  /* Only the offerer of the pair starts a connection, and not without end. */
  if (g_strcmp0 (self->self_did, did) > 0 || made >= MAX_RECONNECTS)
    {
      count_dropped (self, did, 1, "a new connection that was not ours to take");
      return FALSE;
    }
  g_debug ("%s starts connection %u", did, p->connection);
  set_number (self->numbers, did, p->connection);
  g_hash_table_remove (self->renew, did);
  /* One we asked for was counted when we asked. */
  if (!g_hash_table_remove (self->requests, did))
    set_number (self->reconnects, did, made + 1);
  blink_connections_close (self, did);
  return TRUE;
}

static void
route_signal (BlinkConnections *self,
              const char *did,
              PendingSignal *p)
{
  GPtrArray *waiting;
  BlinkPeer *peer;

  if (!may_connect (self, did))
    {
      count_dropped (self, did, 1, "it declined, left or failed");
      pending_signal_free (p);
      return;
    }
  if (!take_number (self, did, p))
    {
      pending_signal_free (p);
      return;
    }

  blink_connections_ensure (self, did);
  waiting = g_hash_table_lookup (self->deferred, did);
  if (waiting != NULL)
    {
      defer_signal (self, did, waiting, p);
      return;
    }

  peer = g_hash_table_lookup (self->peers, did);
  if (peer != NULL)
    apply_signal (peer, p);
  pending_signal_free (p);
}

/**
 * blink_connections_set_remote_description:
 * @type: "offer" or "answer"
 *
 * Hands @did's SDP to its connection, made first if need be.
 */
void
blink_connections_set_remote_description (BlinkConnections *self,
                                          const char *did,
                                          guint connection,
                                          const char *type,
                                          const char *sdp)
{
  PendingSignal *p = g_new0 (PendingSignal, 1);

  g_return_if_fail (BLINK_IS_CONNECTIONS (self));

  p->connection = connection;
  p->is_sdp = TRUE;
  p->type = g_strdup (type);
  p->text = g_strdup (sdp);
  route_signal (self, did, p);
}

void
blink_connections_add_ice_candidate (BlinkConnections *self,
                                     const char *did,
                                     guint connection,
                                     guint mline,
                                     const char *candidate)
{
  PendingSignal *p = g_new0 (PendingSignal, 1);

  g_return_if_fail (BLINK_IS_CONNECTIONS (self));

  p->connection = connection;
  p->mline = mline;
  p->text = g_strdup (candidate);
  route_signal (self, did, p);
}

/**
 * blink_connections_note_announce:
 *
 * @did announced itself: it is still there.
 */
void
blink_connections_note_announce (BlinkConnections *self,
                                 const char *did)
{
  g_return_if_fail (BLINK_IS_CONNECTIONS (self));

  if (g_hash_table_contains (self->peers, did))
    note_time (self->last_announce, did);
}

/**
 * blink_connections_close:
 *
 * Takes the connection to @did down ("closed" follows) and forgets what
 * waited for it.
 */
void
blink_connections_close (BlinkConnections *self,
                         const char *did)
{
  BlinkPeer *peer;

  g_return_if_fail (BLINK_IS_CONNECTIONS (self));

  g_hash_table_remove (self->deferred, did);
  g_hash_table_remove (self->requests, did);
  peer = g_hash_table_lookup (self->peers, did);
  if (peer == NULL)
    return;

  g_ptr_array_add (self->closing, g_object_ref (peer));
  g_hash_table_remove (self->peers, did);
  blink_peer_close (peer);
}

/**
 * blink_connections_close_broken:
 * @element: the element that failed
 * @error: what it said
 *
 * An element of a connection failed: that connection is closed. An
 * element of one that is closing already changes nothing: the connection
 * waiting to replace it is still made.
 *
 * Returns: whether its participant is to know (it had spoken); %FALSE for
 *   one made ahead that said nothing yet, which goes quietly, and for an
 *   element of no current connection
 */
gboolean
blink_connections_close_broken (BlinkConnections *self,
                                GstObject *element,
                                const GError *error)
{
  BlinkPeer *broken;

  g_return_val_if_fail (BLINK_IS_CONNECTIONS (self), FALSE);
  g_return_val_if_fail (GST_IS_OBJECT (element), FALSE);
  g_return_val_if_fail (error != NULL, FALSE);

  broken = current_peer_containing (self, element);
  if (broken == NULL || close_if_unspoken (self, broken, error))
    return FALSE;
  blink_connections_close (self, blink_peer_get_did (broken));
  return TRUE;
}

/**
 * blink_connections_reconnect:
 *
 * The connection to @did broke (ICE failed, or the network changed) while
 * @did is still in the call: a new one is made, numbered one more, by the
 * offerer of the pair; the answerer closes its own and asks the offerer
 * for one ("reconnect-wanted"), again every second until it comes
 * (docs/engine.md, "Reconnecting").
 *
 * Returns: %FALSE when @did may not connect, or too many connections to
 *   them followed each other without one coming up: they have failed
 */
gboolean
blink_connections_reconnect (BlinkConnections *self,
                             const char *did)
{
  guint made;

  g_return_val_if_fail (BLINK_IS_CONNECTIONS (self), FALSE);

  made = get_number (self->reconnects, did);
  if (self->media == NULL || !may_connect (self, did) || made >= MAX_RECONNECTS)
    return FALSE;

  blink_connections_close (self, did);
  /* Counted whoever makes it: one asked for in vain fails in the end. */
  set_number (self->reconnects, did, made + 1);
  if (g_strcmp0 (self->self_did, did) > 0)
    {
      set_number (self->numbers, did, get_number (self->numbers, did) + 1);
      g_debug ("Making connection %u to %s", get_number (self->numbers, did), did);
      blink_connections_ensure (self, did);
    }
  else
    {
      set_number (self->requests, did, 1);
      g_debug ("Asking %s for a connection after %u", did, get_number (self->numbers, did));
      g_signal_emit (self, signals[SIGNAL_RECONNECT_WANTED], 0, did,
                     get_number (self->numbers, did));
    }
  return TRUE;
}

/**
 * blink_connections_was_up:
 *
 * Returns: whether a connection to @did has been up in this call
 */
gboolean
blink_connections_was_up (BlinkConnections *self,
                          const char *did)
{
  g_return_val_if_fail (BLINK_IS_CONNECTIONS (self), FALSE);

  return g_hash_table_contains (self->were_up, did);
}

/**
 * blink_connections_reconnect_wanted:
 * @connection: their connection to us that broke
 *
 * @did, who answers our offers, asks for a new connection: made if
 * @connection is our current one (an older one was replaced already).
 *
 * Returns: whether a new connection is being made
 */
gboolean
blink_connections_reconnect_wanted (BlinkConnections *self,
                                    const char *did,
                                    guint connection)
{
  g_return_val_if_fail (BLINK_IS_CONNECTIONS (self), FALSE);

  if (g_strcmp0 (self->self_did, did) <= 0)
    {
      count_dropped (self, did, 1, "a reconnect that was not ours to answer");
      return FALSE;
    }
  /* We made a newer one already (our network changed too). */
  if (connection != get_number (self->numbers, did))
    {
      g_debug ("%s asked for a connection after %u: made already", did, connection);
      return FALSE;
    }
  if (!blink_connections_reconnect (self, did))
    {
      g_debug ("No new connection to %s: not in the call, or too many", did);
      return FALSE;
    }
  return TRUE;
}

/**
 * blink_connections_close_all:
 *
 * The active call is over: every connection closes, no new one is made.
 */
void
blink_connections_close_all (BlinkConnections *self)
{
  GHashTableIter iter;
  BlinkPeer *peer;

  g_return_if_fail (BLINK_IS_CONNECTIONS (self));

  blink_connections_set_call (self, NULL, NULL);
  g_hash_table_iter_init (&iter, self->peers);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &peer))
    {
      g_ptr_array_add (self->closing, g_object_ref (peer));
      blink_peer_close (peer);
    }
  g_hash_table_remove_all (self->peers);
  g_hash_table_remove_all (self->deferred);
  g_hash_table_remove_all (self->last_announce);
}

/**
 * blink_connections_get_certificate_mismatches:
 *
 * Returns: how many connections failed because the peer's certificate was
 *   not the one its signed SDP names
 */
guint64
blink_connections_get_certificate_mismatches (BlinkConnections *self)
{
  g_return_val_if_fail (BLINK_IS_CONNECTIONS (self), 0);

  return self->certificate_mismatches;
}

/**
 * blink_connections_get_signals_dropped:
 *
 * Returns: how many SDPs and ICE candidates reached no connection: from
 *   someone not in the active call, or who declined, left or failed, or
 *   past what may wait for a connection that closes
 */
guint64
blink_connections_get_signals_dropped (BlinkConnections *self)
{
  g_return_val_if_fail (BLINK_IS_CONNECTIONS (self), 0);

  return self->signals_dropped;
}

guint
blink_connections_get_n_closing (BlinkConnections *self)
{
  g_return_val_if_fail (BLINK_IS_CONNECTIONS (self), 0);

  return self->closing->len;
}

/**
 * blink_connections_get_peer:
 *
 * Returns: (transfer none) (nullable): the connection to @did in the active
 *   call, not one that is closing
 */
BlinkPeer *
blink_connections_get_peer (BlinkConnections *self,
                            const char *did)
{
  g_return_val_if_fail (BLINK_IS_CONNECTIONS (self), NULL);

  return g_hash_table_lookup (self->peers, did);
}

/**
 * blink_connections_find_owner:
 * @object: an element, e.g. the source of a bus message
 *
 * Returns: (nullable): the DID whose connection @object belongs to
 */
const char *
blink_connections_find_owner (BlinkConnections *self,
                              GstObject *object)
{
  BlinkPeer *peer;

  g_return_val_if_fail (BLINK_IS_CONNECTIONS (self), NULL);

  if ((peer = current_peer_containing (self, object)) != NULL)
    return blink_peer_get_did (peer);
  for (guint i = 0; i < self->closing->len; i++)
    if (blink_peer_contains (g_ptr_array_index (self->closing, i), object))
      return blink_peer_get_did (g_ptr_array_index (self->closing, i));
  return NULL;
}

/* ---- statistics ---- */

typedef struct
{
  GHashTable *stats; /* did → BlinkConnectionStats* */
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
  BlinkConnections *self = g_task_get_source_object (task);
  StatsGathering *g = g_task_get_task_data (task);
  BlinkPeer *peer = BLINK_PEER (source);
  BlinkConnectionStats stats;

  /* A connection closing meanwhile has no figures: leave it out. */
  if (blink_peer_get_stats_finish (peer, result, &stats, NULL))
    {
      guint64 *dropped = g_hash_table_lookup (self->dropped, blink_peer_get_did (peer));

      stats.signals_dropped = dropped != NULL ? *dropped : 0;
      g_hash_table_insert (g->stats, g_strdup (blink_peer_get_did (peer)),
                           g_memdup2 (&stats, sizeof stats));
    }
  if (--g->waiting == 0)
    g_task_return_pointer (task, g_hash_table_ref (g->stats),
                           (GDestroyNotify) g_hash_table_unref);
}

/**
 * blink_connections_get_stats_async:
 *
 * Gathers the statistics of every connection of the active call, and of
 * the participants without one whose signals were dropped.
 */
void
blink_connections_get_stats_async (BlinkConnections *self,
                                   GAsyncReadyCallback callback,
                                   gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (self, NULL, callback, user_data);
  StatsGathering *g = g_new0 (StatsGathering, 1);
  GHashTableIter iter;
  gpointer peer, did, dropped;

  g_return_if_fail (BLINK_IS_CONNECTIONS (self));

  g_task_set_source_tag (task, blink_connections_get_stats_async);
  g->stats = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_task_set_task_data (task, g, (GDestroyNotify) stats_gathering_free);
  g_hash_table_iter_init (&iter, self->dropped);
  while (g_hash_table_iter_next (&iter, &did, &dropped))
    if (!g_hash_table_contains (self->peers, did))
      {
        BlinkConnectionStats *stats = g_new0 (BlinkConnectionStats, 1);

        stats->round_trip_time = -1;
        stats->remote_fraction_lost = -1;
        stats->play_delay = -1;
        stats->signals_dropped = *(guint64 *) dropped;
        g_hash_table_insert (g->stats, g_strdup (did), stats);
      }
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
 * blink_connections_get_stats_finish:
 *
 * Returns: (transfer full): did → BlinkConnectionStats*
 */
GHashTable *
blink_connections_get_stats_finish (BlinkConnections *self,
                                    GAsyncResult *result,
                                    GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- GObject ---- */

static void
blink_connections_dispose (GObject *object)
{
  BlinkConnections *self = BLINK_CONNECTIONS (object);
  GHashTableIter iter;
  gpointer peer;

  blink_clear_source (&self->watchdog);
  g_hash_table_iter_init (&iter, self->peers);
  while (g_hash_table_iter_next (&iter, NULL, &peer))
    g_signal_handlers_disconnect_by_data (peer, self);
  for (guint i = 0; i < self->closing->len; i++)
    g_signal_handlers_disconnect_by_data (g_ptr_array_index (self->closing, i), self);
  g_hash_table_remove_all (self->peers);
  g_ptr_array_set_size (self->closing, 0);
  g_clear_object (&self->media);
  g_clear_object (&self->call);
  g_clear_object (&self->recorder);

  G_OBJECT_CLASS (blink_connections_parent_class)->dispose (object);
}

static void
blink_connections_finalize (GObject *object)
{
  BlinkConnections *self = BLINK_CONNECTIONS (object);

  g_hash_table_unref (self->peers);
  g_ptr_array_unref (self->closing);
  g_hash_table_unref (self->deferred);
  g_hash_table_unref (self->last_announce);
  g_hash_table_unref (self->numbers);
  g_hash_table_unref (self->reconnects);
  g_hash_table_unref (self->requests);
  g_hash_table_unref (self->dropped);
  g_ptr_array_unref (self->set_aside);
  g_hash_table_unref (self->renew);
  g_hash_table_unref (self->were_up);
  g_hash_table_unref (self->known);
  g_main_context_unref (self->context);
  g_free (self->self_did);
  g_strfreev (self->ice_addresses);
  g_free (self->stun_server);
  g_strfreev (self->turn_servers);

  G_OBJECT_CLASS (blink_connections_parent_class)->finalize (object);
}

static void
blink_connections_class_init (BlinkConnectionsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = blink_connections_dispose;
  object_class->finalize = blink_connections_finalize;

  /* did, the connection's number, "offer" or "answer", the SDP to send to did */
  signals[SIGNAL_LOCAL_DESCRIPTION] =
    g_signal_new ("local-description", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 4, G_TYPE_STRING, G_TYPE_UINT, G_TYPE_STRING, G_TYPE_STRING);
  /* did, the connection's number, m-line, a candidate to send to did */
  signals[SIGNAL_LOCAL_CANDIDATE] =
    g_signal_new ("local-candidate", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 4, G_TYPE_STRING, G_TYPE_UINT, G_TYPE_UINT, G_TYPE_STRING);
  /* did, the number of our connection to did that broke: did makes the
   * offers, and is asked for a new one */
  signals[SIGNAL_RECONNECT_WANTED] =
    g_signal_new ("reconnect-wanted", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_UINT);
  /* did, the verification code: ICE, DTLS and the certificate check done */
  signals[SIGNAL_CONNECTED] = g_signal_new ("connected", G_TYPE_FROM_CLASS (klass),
                                            G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 2,
                                            G_TYPE_STRING, G_TYPE_STRING);
  /* did, why (BLINK_CALL_ERROR) */
  signals[SIGNAL_FAILED] = g_signal_new ("failed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                         NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING,
                                         G_TYPE_ERROR);
  signals[SIGNAL_VANISHED] = g_signal_new ("vanished", G_TYPE_FROM_CLASS (klass),
                                           G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 1,
                                           G_TYPE_STRING);
  /* A connection's webrtcbin reached NULL and left the pipeline. */
  signals[SIGNAL_CLOSED] = g_signal_new ("closed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                         NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
blink_connections_init (BlinkConnections *self)
{
  self->peers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  self->closing = g_ptr_array_new_with_free_func (g_object_unref);
  self->deferred = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                          (GDestroyNotify) g_ptr_array_unref);
  self->last_announce = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->numbers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->reconnects = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->requests = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->dropped = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->known = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->set_aside = g_ptr_array_new_with_free_func ((GDestroyNotify) set_aside_free);
  self->renew = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->were_up = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

/**
 * blink_connections_new:
 * @context: where everything runs
 * @self_did: our address, for who offers to whom
 * @config: how peers connect
 */
BlinkConnections *
blink_connections_new (GMainContext *context,
                       const char *self_did,
                       const BlinkMediaConfig *config)
{
  BlinkConnections *self = g_object_new (BLINK_TYPE_CONNECTIONS, NULL);

  self->context = g_main_context_ref (context);
  self->self_did = g_strdup (self_did);
  self->ice_addresses = g_strdupv (config->ice_addresses);
  self->stun_server = g_strdup (config->stun_server);
  self->turn_servers = g_strdupv (config->turn_servers);
  self->latency_ms = config->latency_ms;
  return self;
}
