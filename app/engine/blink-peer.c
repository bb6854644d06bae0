/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "blink-peer"

#include "config.h"

#include "blink-peer.h"

#include "blink-context.h"
#include "blink-engine-errors.h"
#include "blink-enum.h"
#include "blink-fingerprint.h"
#include "blink-play-delay.h"
#include "blink-voice-activity.h"

#include <gio/gio.h>

#define GST_USE_UNSTABLE_API
#include <gst/sdp/sdp.h>
#include <gst/webrtc/webrtc.h>

/* One WebRTC connection to one remote participant: a queue fed by the shared
 * encoded-audio tee, a webrtcbin, and for what arrives a depayloader, a
 * decoder and a volume into the shared mixer.
 *
 * webrtcbin calls back from its streaming threads; everything that changes
 * state is handed to the main context the peer was made on first.
 *
 * "Closed" is ours to define: on GStreamer 1.22 a webrtcbin going to NULL
 * notifies no ICE state at all. A peer is closed when its elements have
 * reached NULL (done on a worker thread, never a streaming thread) and
 * have left the pipeline; "closed" is emitted then, on the main context. */

enum
{
  PROP_0,
  PROP_DID,
  PROP_STATE,
  PROP_FAILURE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum
{
  SIGNAL_LOCAL_DESCRIPTION,
  SIGNAL_LOCAL_CANDIDATE,
  SIGNAL_CLOSED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

typedef struct
{
  guint mline;
  char *candidate;
} Candidate;

struct _BlinkPeer
{
  GObject parent_instance;

  GMainContext *context;
  GstBin *pipeline;
  GstElement *tee;
  GstElement *mixer;
  GstCaps *mix_caps;
  char *did;
  gboolean offerer;
  BlinkPeerState state;

  GstElement *queue;
  GstElement *webrtc;
  /* The tee's pad is requested while the tee's feed is idle (a pad added
   * between the segment and the next buffer would miss the segment): on
   * its streaming thread, while the main thread may be closing. */
  GMutex send_lock;
  GstPad *tee_pad;
  GstPad *tee_feed;    /* the pad that feeds the tee, while the probe waits */
  gulong tee_probe;    /* the idle probe on it, 0 once run or removed */
  gboolean send_closed;
  /* Atomic: the send queue has passed its segment on (see queue_primed). */
  int send_primed;
  /* Streaming threads add receive branches while a worker thread may be
   * closing: the lock keeps a branch from appearing after the close set
   * the others to NULL (it would be removed, and disposed, PLAYING). */
  GMutex receive_lock;
  gboolean receive_closed;
  GPtrArray *receive_elements;
  GPtrArray *mixer_pads;
  /* What the peer sends, as Opus packets, and who records it: both under
   * receive_lock, since the pad appears on a streaming thread. */
  GstPad *depayloaded;
  BlinkRecorder *recorder;

  /* The receive branch's volume and play delay appear on a streaming
   * thread while the main thread may set the level or ask for statistics:
   * all under the lock. */
  GMutex volume_lock;
  GstElement *volume;
  double volume_level;
  BlinkPlayDelay *delay;

  gboolean remote_set;
  char *remote_sdp;        /* as received: a copy of it is a resend */
  GQueue early_candidates; /* Candidate*, until the remote description is set */
  /* Every candidate taken, queued or applied: the offerer repeats them all
   * until connected, and a peer must not make us keep or check without
   * end (BLINK_PEER_MAX_REMOTE_CANDIDATES; the early ones count too). */
  GHashTable *remote_candidates; /* candidate text, owned */
  guint64 candidates_dropped;

  /* Pubsub may lose a message (Kubo drops one overtaken by the next from
   * the same peer): until connected, the offerer sends its description and
   * candidates again, and the answerer answers a repeated offer again. */
  char *local_type;
  char *local_sdp;
  GPtrArray *local_candidates; /* Candidate* */
  GSource *resend;
  GSource *offer_retry;
  /* Made ahead, while the participant only rings: what it says is kept
   * until blink_peer_speak() (docs/engine.md, "Connections made ahead"). */
  gboolean quiet;
  gboolean relay_only; /* ICE may only use TURN relays */
  GSource *relay_grace;
  guint empty_offers;
  guint resends;
  guint answers_repeated;

  GMutex media_lock;    /* a streaming thread writes, the main thread reads */
  gint64 last_media_us; /* monotonic, when the last RTP packet came */
  /* The setup's steps; first_media and ice_connected are written by other
   * threads, under media_lock, the rest on the main thread. */
  BlinkPeerTimeline timeline;

  /* The remote certificate must be the one the signed SDP names before
   * any audio flows either way (docs/security.md). The gate probes drop
   * media until media_open; the check runs on the DTLS transport's thread,
   * hence the lock around what it reads. */
  GMutex verify_lock;
  char *expected_algorithm; /* from the remote SDP */
  char *expected;           /* its fingerprint */
  char *local_fingerprint;  /* "sha-256 AB:…", from our SDP */
  int media_open;           /* atomic */
  /* The running time at which the media opened, written before media_open
   * is set: what arrived earlier waited in webrtcbin for the handshake. */
  GstClockTime opened_at;
  guint stale_dropped; /* the receive gate's streaming thread only */
  /* How much later than it arrived what the peer sends is played at
   * first; more when it comes late (the BlinkPlayDelay above). */
  GstClockTimeDiff play_delay;
  int checked;              /* atomic: the check ran */
  /* Held (atomic): connected, but no audio that way yet: a call that rings
   * is connected before it is answered (docs/engine.md, "Instant answer"). */
  int send_held;
  int receive_held;
  GstWebRTCDTLSTransport *dtls;
  gboolean ice_connected;
  gboolean verified;
  GError *failure;

  /* Statistics asked of webrtcbin and not answered yet: it gathers them on
   * its own thread, and GStreamer 1.22 must not take the connection down
   * meanwhile (its rtpsession empties the table of sources being walked,
   * and webrtcbin frees the pending request unanswered). */
  GMutex stats_lock;
  GCond stats_answered;
  guint stats_pending;

  /* Every promise handed to webrtcbin, until it is down (hold_promise). */
  GMutex promises_lock;
  GPtrArray *promises;
};

/* The send queue holds at most this much: old audio is worse than lost. */
#define SEND_QUEUE_MAX_TIME (200 * GST_MSECOND)

/* How often, and how many times, the offerer says it all again while not
 * connected. */
#define RESEND_INTERVAL_MS 1500
#define RESEND_MAX 8
/* webrtcbin leaves a transceiver out of an offer while it has no caps yet,
 * which a loaded machine can hit when negotiation is first needed: such an
 * offer names no certificate, and the peer refuses it. It is made again a
 * moment later instead, this many times at most. */
#define EMPTY_OFFER_RETRY_MS 20
#define EMPTY_OFFER_RETRIES 100
/* A relay-only connection without a relay when gathering says it is over
 * gets this long for one to come: webrtcbin may say so before the TURN
 * allocation's candidate is out (seen on a sanitized build). */
#define RELAY_GRACE_MS 5000

/* How long closing waits for statistics being gathered. */
#define STATS_WAIT_US (5 * G_USEC_PER_SEC)

G_DEFINE_FINAL_TYPE (BlinkPeer, blink_peer, G_TYPE_OBJECT)

G_DEFINE_ENUM_TYPE (BlinkPeerState, blink_peer_state,
                    G_DEFINE_ENUM_VALUE (BLINK_PEER_STATE_CONNECTING, "connecting"),
                    G_DEFINE_ENUM_VALUE (BLINK_PEER_STATE_CONNECTED, "connected"),
                    G_DEFINE_ENUM_VALUE (BLINK_PEER_STATE_FAILED, "failed"),
                    G_DEFINE_ENUM_VALUE (BLINK_PEER_STATE_CLOSING, "closing"),
                    G_DEFINE_ENUM_VALUE (BLINK_PEER_STATE_CLOSED, "closed"))

static void
candidate_free (Candidate *c)
{
  g_free (c->candidate);
  g_free (c);
}

static Candidate *
candidate_copy (const Candidate *c)
{
  Candidate *copy = g_new0 (Candidate, 1);

  copy->mline = c->mline;
  copy->candidate = g_strdup (c->candidate);
  return copy;
}

static void
set_state (BlinkPeer *self,
           BlinkPeerState state)
{
  if (self->state == state)
    return;

  /* Closing and closed are final. */
  if (self->state >= BLINK_PEER_STATE_CLOSING && state < self->state)
    return;

  g_debug ("Peer %s: %s", self->did, blink_enum_nick (BLINK_TYPE_PEER_STATE, state));
  self->state = state;
  if (state == BLINK_PEER_STATE_CONNECTED && self->timeline.connected == 0)
    self->timeline.connected = g_get_monotonic_time ();
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

/* ---- promises ---- */

/* webrtcbin (1.22) drops the tasks still queued when it goes down, and
 * with them its reference to their promises, unanswered: were that the
 * last one, the promise would be freed pending (a warning; in the tests,
 * fatal). So the peer keeps one to each promise it hands webrtcbin, and
 * once webrtcbin is down interrupts them (interrupting one answered
 * changes nothing): their change functions run, and are told. */
static GstPromise *
hold_promise (BlinkPeer *self,
              GstPromise *promise)
{
  g_mutex_lock (&self->promises_lock);
  g_ptr_array_add (self->promises, gst_promise_ref (promise));
  g_mutex_unlock (&self->promises_lock);
  return promise;
}

/* From a change function: answered, the promise is webrtcbin's no more.
 * Statistics are asked every second, so holding answered ones would pile
 * them up for the whole call. */
static void
let_go_promise (BlinkPeer *self,
                GstPromise *promise)
{
  g_mutex_lock (&self->promises_lock);
  g_ptr_array_remove_fast (self->promises, promise);
  g_mutex_unlock (&self->promises_lock);
}

static void
interrupt_promises (BlinkPeer *self)
{
  g_autoptr (GPtrArray) promises = NULL;

  g_mutex_lock (&self->promises_lock);
  promises = g_steal_pointer (&self->promises);
  self->promises = g_ptr_array_new_with_free_func ((GDestroyNotify) gst_promise_unref);
  g_mutex_unlock (&self->promises_lock);
  for (guint i = 0; i < promises->len; i++)
    gst_promise_interrupt (g_ptr_array_index (promises, i));
}

/* ---- marshalling from streaming threads ---- */

typedef void (*PeerFunc) (BlinkPeer *self, gpointer data);

typedef struct
{
  BlinkPeer *self;
  PeerFunc func;
  gpointer data;
  GDestroyNotify free_data;
} Call;

static gboolean
run_call (gpointer user_data)
{
  Call *call = user_data;

  call->func (call->self, call->data);
  return G_SOURCE_REMOVE;
}

static void
call_free (Call *call)
{
  if (call->free_data != NULL)
    call->free_data (call->data);
  g_object_unref (call->self);
  g_free (call);
}

static void
on_main (BlinkPeer *self,
         PeerFunc func,
         gpointer data,
         GDestroyNotify free_data)
{
  Call *call = g_new0 (Call, 1);

  call->self = g_object_ref (self);
  call->func = func;
  call->data = data;
  call->free_data = free_data;
  blink_context_invoke (self->context, run_call, call, (GDestroyNotify) call_free);
}

static void
fail (BlinkPeer *self,
      BlinkCallError code,
      const char *why)
{
  if (self->state >= BLINK_PEER_STATE_FAILED)
    return;
  g_message ("Peer %s failed: %s", self->did, why);
  g_clear_error (&self->failure);
  self->failure = g_error_new_literal (BLINK_CALL_ERROR, code, why);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FAILURE]);
  set_state (self, BLINK_PEER_STATE_FAILED);
}

/* ---- binding the media to the signed SDP ---- */

static void
apply_verified (BlinkPeer *self,
                gpointer data)
{
  self->verified = TRUE;
  if (self->ice_connected)
    set_state (self, BLINK_PEER_STATE_CONNECTED);
}

static void
apply_mismatch (BlinkPeer *self,
                gpointer data)
{
  fail (self, BLINK_CALL_ERROR_CERTIFICATE,
        "The peer's DTLS certificate is not the one in its signed SDP: someone on the network "
        "path may be in the middle");
}

/* What the peer sent is played from now on (the receive gate drops what
 * is stamped earlier); written before the gate opens. */
static void
note_opened (BlinkPeer *self)
{
  g_autoptr (GstClock) clock = gst_element_get_clock (self->webrtc);

  if (clock != NULL)
    self->opened_at = gst_clock_get_time (clock) - gst_element_get_base_time (self->webrtc);
}

/* On the DTLS transport's thread. GStreamer 1.22 does not compare the
 * certificate with a=fingerprint at all; this does, once, as soon as the
 * handshake is done, before the gates let any audio through. */
static void
on_dtls_state (GstWebRTCDTLSTransport *dtls,
               GParamSpec *pspec,
               BlinkPeer *self)
{
  GstWebRTCDTLSTransportState state;
  g_autofree char *pem = NULL;
  g_autofree char *actual = NULL;
  g_autoptr (GError) error = NULL;
  gboolean match;

  g_object_get (dtls, "state", &state, NULL);
  if (state != GST_WEBRTC_DTLS_TRANSPORT_STATE_CONNECTED || !g_atomic_int_compare_and_exchange (&self->checked, 0, 1))
    return;

  g_object_get (dtls, "remote-certificate", &pem, NULL);
  g_mutex_lock (&self->verify_lock);
  if (self->expected_algorithm != NULL)
    actual = blink_fingerprint_of_pem (pem, self->expected_algorithm, &error);
  match = actual != NULL && blink_fingerprint_equal (actual, self->expected);
  g_mutex_unlock (&self->verify_lock);

  if (match)
    {
      note_opened (self);
      g_atomic_int_set (&self->media_open, 1);
      on_main (self, apply_verified, NULL, NULL);
    }
  else
    on_main (self, apply_mismatch, NULL, NULL);
}

/* The DTLS transport exists once both descriptions are in place. */
static void
watch_dtls (BlinkPeer *self)
{
  g_autoptr (GstWebRTCRTPTransceiver) transceiver = NULL;
  g_autoptr (GstWebRTCRTPSender) sender = NULL;

  if (self->dtls != NULL || self->state >= BLINK_PEER_STATE_FAILED)
    return;
  g_signal_emit_by_name (self->webrtc, "get-transceiver", 0, &transceiver);
  if (transceiver == NULL)
    return;
  g_object_get (transceiver, "sender", &sender, NULL);
  if (sender != NULL)
    g_object_get (sender, "transport", &self->dtls, NULL);
  if (self->dtls == NULL)
    return;
  g_signal_connect (self->dtls, "notify::state", G_CALLBACK (on_dtls_state), self);
  on_dtls_state (self->dtls, NULL, self);
}

/* Until the certificate is checked, nothing is sent or played. */
static GstPadProbeReturn
gate (GstPad *pad,
      GstPadProbeInfo *info,
      gpointer user_data)
{
  BlinkPeer *self = user_data;

  return g_atomic_int_get (&self->media_open) && !g_atomic_int_get (&self->send_held)
           ? GST_PAD_PROBE_OK
           : GST_PAD_PROBE_DROP;
}

/* A queue measures how full it is from the running time of what came in
 * to that of what went out, and counts what went out from zero until its
 * own thread has passed the segment on (GStreamer 1.22). A peer joins a
 * call whose running time is seconds or hours: its first buffer made the
 * queue look full, and the leaky queue dropped everything it held, its
 * sticky events stored on its source pad while its thread could be
 * storing an earlier one ("Sticky event misordering, got 'caps' before
 * 'stream-start'", fatal under G_DEBUG=fatal-warnings). So no buffer goes
 * in before the segment has gone out; the gate drops them anyway until
 * the connection is up. */
static GstPadProbeReturn
queue_primed (GstPad *pad,
              GstPadProbeInfo *info,
              gpointer user_data)
{
  BlinkPeer *self = user_data;

  /* Once primed, off the path of every packet. */
  return g_atomic_int_get (&self->send_primed) ? GST_PAD_PROBE_REMOVE : GST_PAD_PROBE_DROP;
}

/* Until its first buffer has gone out, the queue still counts what went
 * out from the segment's start: the first buffer in made it look seconds
 * full, and a second one that came before its thread had sent the first
 * on (a loaded machine) was an overrun, the first buffer dropped. So it
 * has no limit until then (a few buffers at most), and 200 ms from then. */
static GstPadProbeReturn
queue_measures (GstPad *pad,
                GstPadProbeInfo *info,
                gpointer user_data)
{
  BlinkPeer *self = user_data;

  g_object_set (self->queue, "max-size-time", SEND_QUEUE_MAX_TIME, NULL);
  return GST_PAD_PROBE_REMOVE;
}

static GstPadProbeReturn
on_queue_segment (GstPad *pad,
                  GstPadProbeInfo *info,
                  gpointer user_data)
{
  BlinkPeer *self = user_data;

  if (GST_EVENT_TYPE (GST_PAD_PROBE_INFO_EVENT (info)) != GST_EVENT_SEGMENT)
    return GST_PAD_PROBE_OK;
  g_atomic_int_set (&self->send_primed, TRUE);
  return GST_PAD_PROBE_REMOVE;
}

/* What arrives, gated as above; and what arrived before the media opened
 * is dropped too. webrtcbin holds the peer's packets until its DTLS
 * handshake is done, and then lets them go at once, stamped with the time
 * they arrived: by then older than what the mixer is playing, so the mixer
 * drops some and plays the others late, and about a second later skips
 * forward by how late they were (docs/engine.md, "The start of a call").
 * That audio was said before the connection was up; from the first packet
 * that came after, everything is played in order. */
static GstPadProbeReturn
receive_gate (GstPad *pad,
              GstPadProbeInfo *info,
              gpointer user_data)
{
  BlinkPeer *self = user_data;
  GstBuffer *buffer;

  if (!g_atomic_int_get (&self->media_open) || g_atomic_int_get (&self->receive_held))
    return GST_PAD_PROBE_DROP;
  if (self->opened_at == GST_CLOCK_TIME_NONE)
    return GST_PAD_PROBE_OK;
  buffer = (info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST)
             ? gst_buffer_list_get (GST_PAD_PROBE_INFO_BUFFER_LIST (info), 0)
             : GST_PAD_PROBE_INFO_BUFFER (info);
  if (buffer != NULL && GST_BUFFER_PTS_IS_VALID (buffer) &&
      GST_BUFFER_PTS (buffer) < self->opened_at)
    {
      self->stale_dropped++;
      return GST_PAD_PROBE_DROP;
    }
  /* Only the first packets can be stale: from the first fresh one on,
   * the stream is the peer's, in order. */
  if (self->stale_dropped > 0)
    g_debug ("Peer %s: %u packets that came before the connection was up dropped", self->did,
             self->stale_dropped);
  self->opened_at = GST_CLOCK_TIME_NONE;
  return GST_PAD_PROBE_OK;
}

/* An SDP's fingerprint attribute, from the media section or the session. */
static const char *
sdp_fingerprint (const GstSDPMessage *sdp)
{
  const char *attribute = NULL;

  if (gst_sdp_message_medias_len (sdp) > 0)
    attribute = gst_sdp_media_get_attribute_val (gst_sdp_message_get_media (sdp, 0),
                                                 "fingerprint");
  if (attribute == NULL)
    attribute = gst_sdp_message_get_attribute_val (sdp, "fingerprint");
  return attribute;
}

static gboolean
expect_fingerprint (BlinkPeer *self,
                    const GstSDPMessage *sdp)
{
  g_autofree char *algorithm = NULL;
  g_autofree char *fingerprint = NULL;

  if (!blink_fingerprint_parse (sdp_fingerprint (sdp), &algorithm, &fingerprint))
    return FALSE;

  g_mutex_lock (&self->verify_lock);
  g_free (self->expected_algorithm);
  self->expected_algorithm = g_steal_pointer (&algorithm);
  g_free (self->expected);
  self->expected = g_steal_pointer (&fingerprint);
  g_mutex_unlock (&self->verify_lock);
  return TRUE;
}


/**
 * blink_peer_get_verification_code:
 * @self_did: our address
 *
 * Returns: (transfer full) (nullable): the code both sides read to each
 *   other, once the peer's certificate was checked
 */
char *
blink_peer_get_verification_code (BlinkPeer *self,
                                  const char *self_did)
{
  g_autofree char *remote = NULL;

  g_return_val_if_fail (BLINK_IS_PEER (self), NULL);

  if (!self->verified || self->local_fingerprint == NULL)
    return NULL;
  g_mutex_lock (&self->verify_lock);
  remote = g_strdup_printf ("%s %s", self->expected_algorithm, self->expected);
  g_mutex_unlock (&self->verify_lock);
  return blink_verification_code (self_did, self->local_fingerprint, self->did, remote);
}

/* ---- negotiation ---- */

static const char *
sdp_type_name (GstWebRTCSDPType type)
{
  return type == GST_WEBRTC_SDP_TYPE_OFFER ? "offer" : "answer";
}

/* Our description and every candidate so far, sent. */
static void
say_local (BlinkPeer *self)
{
  g_autoptr (GPtrArray) candidates = NULL;

  /* A handler may close the peer: keep what is iterated. */
  candidates = g_ptr_array_ref (self->local_candidates);
  g_signal_emit (self, signals[SIGNAL_LOCAL_DESCRIPTION], 0, self->local_type, self->local_sdp);
  for (guint i = 0; i < candidates->len && self->state < BLINK_PEER_STATE_CLOSING; i++)
    {
      Candidate *c = g_ptr_array_index (candidates, i);

      g_signal_emit (self, signals[SIGNAL_LOCAL_CANDIDATE], 0, c->mline, c->candidate);
    }
}

/* What this side said, said again. */
static void
repeat_local (BlinkPeer *self)
{
  if (self->local_sdp == NULL || self->state >= BLINK_PEER_STATE_CONNECTED)
    return;
  g_debug ("Peer %s: not connected yet, sending our %s and %u candidates again", self->did,
           self->local_type, self->local_candidates->len);
  say_local (self);
}

/* The offerer repeats its offer because it did not hear our answer. An
 * honest one does so at most RESEND_MAX times: answering more often would
 * let a peer make us send without end by repeating its offer. */
static void
answer_again (BlinkPeer *self)
{
  if (self->local_sdp == NULL || self->state >= BLINK_PEER_STATE_CONNECTED)
    return;
  if (self->answers_repeated >= RESEND_MAX)
    {
      g_debug ("Peer %s: its offer came again, answered %u times already: ignoring it", self->did,
               self->answers_repeated);
      return;
    }
  self->answers_repeated++;
  repeat_local (self);
}

static gboolean
on_resend (gpointer user_data)
{
  BlinkPeer *self = user_data;

  if (self->state >= BLINK_PEER_STATE_CONNECTED || ++self->resends > RESEND_MAX)
    {
      blink_clear_source (&self->resend);
      return G_SOURCE_REMOVE;
    }
  repeat_local (self);
  return G_SOURCE_CONTINUE;
}

/* The offerer says it all again until connected: from when it first speaks. */
static void
start_resending (BlinkPeer *self)
{
  if (self->offerer && self->resend == NULL)
    self->resend = blink_context_add_timeout (self->context, RESEND_INTERVAL_MS, on_resend,
                                              self, NULL);
}

static void
emit_local_description (BlinkPeer *self,
                        gpointer data)
{
  GstWebRTCSessionDescription *desc = data;
  g_autofree char *text = NULL;

  if (self->state >= BLINK_PEER_STATE_CLOSING)
    return;

  text = gst_sdp_message_as_text (desc->sdp);
  g_free (self->local_fingerprint);
  self->local_fingerprint = g_strdup (sdp_fingerprint (desc->sdp));
  watch_dtls (self);
  g_free (self->local_type);
  self->local_type = g_strdup (sdp_type_name (desc->type));
  g_free (self->local_sdp);
  self->local_sdp = g_strdup (text);
  self->timeline.local_description = g_get_monotonic_time ();
  if (self->quiet)
    return;
  start_resending (self);
  g_signal_emit (self, signals[SIGNAL_LOCAL_DESCRIPTION], 0, self->local_type, text);
}

static void create_description (BlinkPeer *self,
                                gpointer data);

static gboolean
on_offer_retry (gpointer user_data)
{
  BlinkPeer *self = user_data;

  blink_clear_source (&self->offer_retry);
  create_description (self, NULL);
  return G_SOURCE_REMOVE;
}

/* An offer that names no certificate (no media yet): the peer could only
 * refuse it. Made again instead of sent. */
static void
retry_empty_offer (BlinkPeer *self,
                   gpointer data)
{
  if (self->state >= BLINK_PEER_STATE_CLOSING || self->offer_retry != NULL)
    return;
  if (++self->empty_offers > EMPTY_OFFER_RETRIES)
    {
      g_warning ("Peer %s: webrtcbin keeps making offers without a certificate", self->did);
      return;
    }
  g_debug ("Peer %s: offer without a certificate, made again in %d ms", self->did,
           EMPTY_OFFER_RETRY_MS);
  self->offer_retry = blink_context_add_timeout (self->context, EMPTY_OFFER_RETRY_MS,
                                                 on_offer_retry, self, NULL);
}

static void
on_description_created (GstPromise *promise,
                        gpointer user_data)
{
  BlinkPeer *self = user_data;
  /* Interrupted (interrupt_promises): there is no reply to get. */
  const GstStructure *reply = gst_promise_wait (promise) == GST_PROMISE_RESULT_REPLIED
                                ? gst_promise_get_reply (promise)
                                : NULL;
  GstWebRTCSessionDescription *desc = NULL;
  GstPromise *applied;
  const char *field = self->offerer ? "offer" : "answer";

  let_go_promise (self, promise);
  if (reply == NULL && self->state >= BLINK_PEER_STATE_CLOSING)
    {
      gst_promise_unref (promise);
      return;
    }
  if (reply == NULL || !gst_structure_get (reply, field, GST_TYPE_WEBRTC_SESSION_DESCRIPTION, &desc,
                                           NULL))
    {
      g_warning ("Peer %s: webrtcbin made no %s", self->did, field);
      gst_promise_unref (promise);
      return;
    }
  gst_promise_unref (promise);

  if (self->offerer && sdp_fingerprint (desc->sdp) == NULL)
    {
      gst_webrtc_session_description_free (desc);
      on_main (self, retry_empty_offer, NULL, NULL);
      return;
    }

  /* With a promise: a webrtcbin closed meanwhile (a connection made ahead,
   * closed as soon as it was made) replies with an error, which GStreamer
   * 1.22 leaks when there is no promise to take it. */
  applied = hold_promise (self, gst_promise_new ());
  g_signal_emit_by_name (self->webrtc, "set-local-description", desc, applied);
  gst_promise_unref (applied);
  on_main (self, emit_local_description, desc,
           (GDestroyNotify) gst_webrtc_session_description_free);
}

static void
create_description (BlinkPeer *self,
                    gpointer data)
{
  GstPromise *promise;

  if (self->state >= BLINK_PEER_STATE_CLOSING)
    return;

  promise = hold_promise (self, gst_promise_new_with_change_func (on_description_created,
                                                                g_object_ref (self),
                                                                g_object_unref));
  g_signal_emit_by_name (self->webrtc, self->offerer ? "create-offer" : "create-answer", NULL,
                         promise);
}

static void
on_negotiation_needed (GstElement *webrtc,
                       BlinkPeer *self)
{
  /* Only the offerer (the greater DID of the pair) makes offers: no glare. */
  if (self->offerer)
    on_main (self, create_description, NULL, NULL);
}

static void
flush_candidates (BlinkPeer *self,
                  gpointer data)
{
  Candidate *c;

  self->remote_set = TRUE;
  watch_dtls (self);
  while ((c = g_queue_pop_head (&self->early_candidates)) != NULL)
    {
      g_signal_emit_by_name (self->webrtc, "add-ice-candidate", c->mline, c->candidate);
      candidate_free (c);
    }

  if (!self->offerer)
    create_description (self, NULL);
}

static void
remote_description_applied (BlinkPeer *self,
                            gpointer data)
{
  self->timeline.remote_description = g_get_monotonic_time ();
  flush_candidates (self, data);
}

static void
on_remote_description_set (GstPromise *promise,
                           gpointer user_data)
{
  BlinkPeer *self = user_data;
  gboolean applied = gst_promise_wait (promise) == GST_PROMISE_RESULT_REPLIED;

  let_go_promise (self, promise);
  gst_promise_unref (promise);
  if (applied)
    on_main (self, remote_description_applied, NULL, NULL);
}

/**
 * blink_peer_set_remote_description:
 * @type: "offer" or "answer"
 *
 * An answerer answers the offer; ICE candidates that came before are
 * applied once the description is in place.
 */
void
blink_peer_set_remote_description (BlinkPeer *self,
                                   const char *type,
                                   const char *sdp)
{
  GstSDPMessage *message = NULL;
  GstWebRTCSessionDescription *desc;
  GstPromise *promise;
  gboolean is_offer = g_strcmp0 (type, "offer") == 0;

  g_return_if_fail (BLINK_IS_PEER (self));

  if (self->state >= BLINK_PEER_STATE_CLOSING)
    return;

  /* An offer to the offerer, or an answer to the answerer, is out of turn. */
  if (is_offer == self->offerer)
    {
      g_debug ("Peer %s: ignoring an SDP %s out of turn", self->did, type);
      return;
    }

  /* The same again: the peer has not heard from us, or resent in vain. */
  if (self->remote_sdp != NULL)
    {
      if (g_strcmp0 (self->remote_sdp, sdp) == 0 && !self->offerer)
        answer_again (self);
      else if (g_strcmp0 (self->remote_sdp, sdp) != 0)
        g_debug ("Peer %s: ignoring a second, different SDP %s", self->did, type);
      return;
    }

  if (gst_sdp_message_new_from_text (sdp, &message) != GST_SDP_OK)
    {
      g_debug ("Peer %s: ignoring an SDP that does not parse", self->did);
      return;
    }
  if (!expect_fingerprint (self, message))
    {
      gst_sdp_message_free (message);
      fail (self, BLINK_CALL_ERROR_CERTIFICATE,
            "The peer's SDP names no DTLS certificate Blink can check");
      return;
    }

  self->remote_sdp = g_strdup (sdp);
  desc = gst_webrtc_session_description_new (is_offer ? GST_WEBRTC_SDP_TYPE_OFFER
                                                      : GST_WEBRTC_SDP_TYPE_ANSWER, message);
  promise = hold_promise (self,
                          gst_promise_new_with_change_func (on_remote_description_set,
                                                            g_object_ref (self), g_object_unref));
  g_signal_emit_by_name (self->webrtc, "set-remote-description", desc, promise);
  gst_webrtc_session_description_free (desc);
}

/**
 * blink_peer_add_ice_candidate:
 *
 * Applies a remote ICE candidate, or keeps it until the remote description
 * is set: candidates that come early are not dropped. A candidate taken
 * before is ignored; past %BLINK_PEER_MAX_REMOTE_CANDIDATES different ones,
 * the others are dropped and counted.
 */
void
blink_peer_add_ice_candidate (BlinkPeer *self,
                              guint mline,
                              const char *candidate)
{
  Candidate *c;

  g_return_if_fail (BLINK_IS_PEER (self));

  if (self->state >= BLINK_PEER_STATE_CLOSING || candidate == NULL || candidate[0] == '\0')
    return;

  /* With max-bundle every m-line has the one transport: the text alone
   * tells a candidate, and a repeat costs no allocation. */
  if (g_hash_table_contains (self->remote_candidates, candidate))
    return;
  if (g_hash_table_size (self->remote_candidates) >= BLINK_PEER_MAX_REMOTE_CANDIDATES)
    {
      if (self->candidates_dropped++ == 0)
        g_message ("Peer %s: more than %u ICE candidates: dropping the others", self->did,
                   BLINK_PEER_MAX_REMOTE_CANDIDATES);
      return;
    }
  g_hash_table_add (self->remote_candidates, g_strdup (candidate));

  if (self->remote_set)
    {
      g_signal_emit_by_name (self->webrtc, "add-ice-candidate", mline, candidate);
      return;
    }

  c = g_new0 (Candidate, 1);
  c->mline = mline;
  c->candidate = g_strdup (candidate);
  g_queue_push_tail (&self->early_candidates, c);
}

static void
emit_local_candidate (BlinkPeer *self,
                      gpointer data)
{
  Candidate *c = data;

  if (self->state >= BLINK_PEER_STATE_CLOSING)
    return;
  g_ptr_array_add (self->local_candidates, candidate_copy (c));
  if (!self->quiet)
    g_signal_emit (self, signals[SIGNAL_LOCAL_CANDIDATE], 0, c->mline, c->candidate);
}

static void
on_ice_candidate (GstElement *webrtc,
                  guint mline,
                  const char *candidate,
                  BlinkPeer *self)
{
  Candidate *c = g_new0 (Candidate, 1);

  c->mline = mline;
  c->candidate = g_strdup (candidate);
  on_main (self, emit_local_candidate, c, (GDestroyNotify) candidate_free);
}

static gboolean
has_relay (BlinkPeer *self)
{
  for (guint i = 0; i < self->local_candidates->len; i++)
    if (strstr (((Candidate *) g_ptr_array_index (self->local_candidates, i))->candidate,
                " typ relay") != NULL)
      return TRUE;
  return FALSE;
}

/* Relayed only and without a relay: a new connection would ask the same
 * TURN server with the same password, so this is said as it is, and is
 * not made again (BLINK_CALL_ERROR_NO_RELAY). */
static void
fail_without_relay (BlinkPeer *self)
{
  fail (self, BLINK_CALL_ERROR_NO_RELAY,
        "No TURN relay: this connection may only go through one (check the address and "
        "password of the TURN server)");
}

static gboolean
on_relay_grace (gpointer user_data)
{
  BlinkPeer *self = user_data;

  blink_clear_source (&self->relay_grace);
  if (self->state < BLINK_PEER_STATE_CONNECTED && !has_relay (self))
    fail_without_relay (self);
  return G_SOURCE_REMOVE;
}

/* Relayed only, a connection without a relay has nothing to check and
 * would wait for ever: when gathering is over without one, it fails and
 * says why, unless one comes within RELAY_GRACE_MS. */
static void
apply_gathering_done (BlinkPeer *self,
                      gpointer data)
{
  if (!self->relay_only || self->state >= BLINK_PEER_STATE_CONNECTED || has_relay (self) ||
      self->relay_grace != NULL)
    return;
  self->relay_grace = blink_context_add_timeout (self->context, RELAY_GRACE_MS, on_relay_grace,
                                                 self, NULL);
}

static void
on_ice_gathering_state (GstElement *webrtc,
                        GParamSpec *pspec,
                        BlinkPeer *self)
{
  GstWebRTCICEGatheringState state;

  g_object_get (webrtc, "ice-gathering-state", &state, NULL);
  if (state == GST_WEBRTC_ICE_GATHERING_STATE_COMPLETE)
    on_main (self, apply_gathering_done, NULL, NULL);
}

/* Connected: ICE and DTLS are up, and the certificate is the signed one. */
static void
apply_connection_state (BlinkPeer *self,
                        gpointer data)
{
  GstWebRTCPeerConnectionState state = GPOINTER_TO_INT (data);

  /* By now the DTLS transport exists, whatever the order in which
   * webrtcbin applied the descriptions. */
  watch_dtls (self);
  if (state == GST_WEBRTC_PEER_CONNECTION_STATE_CONNECTED)
    {
      self->ice_connected = TRUE;
      if (self->verified)
        set_state (self, BLINK_PEER_STATE_CONNECTED);
    }
  else if (state == GST_WEBRTC_PEER_CONNECTION_STATE_FAILED && self->relay_only &&
           !has_relay (self))
    /* ICE gives up before the TURN server has said no for good (libnice
     * goes on asking it; seen: checks over after 5 s, gathering not). */
    fail_without_relay (self);
  else if (state == GST_WEBRTC_PEER_CONNECTION_STATE_FAILED)
    fail (self, BLINK_CALL_ERROR_FAILED, "The connection could not be established (ICE failed)");
}

/* Only noted, for the setup's timeline: the connection's state is what
 * counts (apply_connection_state). */
static void
on_ice_connection_state (GstElement *webrtc,
                         GParamSpec *pspec,
                         BlinkPeer *self)
{
  GstWebRTCICEConnectionState state;

  g_object_get (webrtc, "ice-connection-state", &state, NULL);
  if (state != GST_WEBRTC_ICE_CONNECTION_STATE_CONNECTED &&
      state != GST_WEBRTC_ICE_CONNECTION_STATE_COMPLETED)
    return;
  g_mutex_lock (&self->media_lock);
  if (self->timeline.ice_connected == 0)
    self->timeline.ice_connected = g_get_monotonic_time ();
  g_mutex_unlock (&self->media_lock);
}

static void
on_connection_state (GstElement *webrtc,
                     GParamSpec *pspec,
                     BlinkPeer *self)
{
  GstWebRTCPeerConnectionState state;

  g_object_get (webrtc, "connection-state", &state, NULL);
  on_main (self, apply_connection_state, GINT_TO_POINTER (state), NULL);
}

/* ---- media ---- */

static GstPadProbeReturn
on_media_buffer (GstPad *pad,
                 GstPadProbeInfo *info,
                 gpointer user_data)
{
  BlinkPeer *self = user_data;

  g_mutex_lock (&self->media_lock);
  self->last_media_us = g_get_monotonic_time ();
  if (self->timeline.first_media == 0)
    self->timeline.first_media = self->last_media_us;
  g_mutex_unlock (&self->media_lock);
  return GST_PAD_PROBE_OK;
}

/* The shortest stretch of audio an Opus packet can carry. */
#define OPUS_MIN_FRAME_NS (2500 * GST_USECOND)

/* What the decoder guard knows of the stream: the duration of its last
 * packet, in µs (0 before the first). */
typedef struct
{
  gint packet_us;
} DecoderGuard;

/* The duration of the Opus packet whose first bytes are @payload (RFC 6716,
 * 3.1: the TOC byte's configuration gives the frame size, its last two
 * bits the number of frames), or 0. */
static GstClockTime
opus_packet_duration (const guint8 *payload,
                      gsize size)
{
  static const guint16 frame_us[32] = {
    10000, 20000, 40000, 60000, 10000, 20000, 40000, 60000, /* SILK */
    10000, 20000, 40000, 60000, 10000, 20000, 10000, 20000, /* SILK, hybrid */
    2500, 5000, 10000, 20000, 2500, 5000, 10000, 20000,     /* CELT */
    2500, 5000, 10000, 20000, 2500, 5000, 10000, 20000,
  };
  guint frames;

  if (size < 1)
    return 0;
  switch (payload[0] & 0x3)
    {
    case 0:
      frames = 1;
      break;
    case 3:
      if (size < 2)
        return 0;
      frames = payload[1] & 0x3f;
      break;
    default:
      frames = 2;
      break;
    }
  return (GstClockTime) frames * frame_us[payload[0] >> 3] * GST_USECOND;
}

/* The duration of the Opus packet in the RTP packet @buffer, or 0. */
static GstClockTime
rtp_opus_duration (GstBuffer *buffer)
{
  GstMapInfo map;
  GstClockTime duration = 0;
  gsize header;

  if (!gst_buffer_map (buffer, &map, GST_MAP_READ))
    return 0;
  /* RFC 3550, 5.1: 12 bytes, the CSRCs, then any extension. */
  header = 12 + 4 * (map.size > 0 ? (map.data[0] & 0x0f) : 0);
  if (map.size >= 12 && (map.data[0] & 0x10) && map.size >= header + 4)
    header += 4 + 4 * ((map.data[header + 2] << 8) | map.data[header + 3]);
  if (map.size > header)
    duration = opus_packet_duration (map.data + header, map.size - header);
  gst_buffer_unmap (buffer, &map);
  return duration;
}

static GstPadProbeReturn
guard_decoder (GstPad *pad,
               GstPadProbeInfo *info,
               gpointer user_data)
{
  DecoderGuard *guard = user_data;
  GstEvent *event;
  const GstStructure *lost;
  GstClockTime duration, packet, rounded;

  if (GST_PAD_PROBE_INFO_TYPE (info) & GST_PAD_PROBE_TYPE_BUFFER)
    {
      packet = rtp_opus_duration (GST_PAD_PROBE_INFO_BUFFER (info));
      if (packet != 0)
        g_atomic_int_set (&guard->packet_us, (gint) (packet / GST_USECOND));
      return GST_PAD_PROBE_OK;
    }

  event = GST_PAD_PROBE_INFO_EVENT (info);
  if (GST_EVENT_TYPE (event) != GST_EVENT_CUSTOM_DOWNSTREAM)
    return GST_PAD_PROBE_OK;
  lost = gst_event_get_structure (event);
  if (!gst_structure_has_name (lost, "GstRTPPacketLost") ||
      !gst_structure_get_clock_time (lost, "duration", &duration))
    return GST_PAD_PROBE_OK;
  if (duration < OPUS_MIN_FRAME_NS)
    return GST_PAD_PROBE_DROP;

  /* Whole packets are lost, but the duration the jitter buffer reports is
   * the time between the packets around the gap as they arrived, jitter
   * and all; opusdec 1.22 conceals exactly that much (in steps of 2.5
   * ms), and what it adds or leaves out moves the audio after it. */
  packet = (GstClockTime) g_atomic_int_get (&guard->packet_us) * GST_USECOND;
  if (packet == 0)
    return GST_PAD_PROBE_OK;
  rounded = MAX (1, (duration + packet / 2) / packet) * packet;
  if (rounded == duration)
    return GST_PAD_PROBE_OK;
  event = gst_event_make_writable (event);
  gst_structure_set (gst_event_writable_structure (event), "duration", G_TYPE_UINT64, rounded,
                     NULL);
  GST_PAD_PROBE_INFO_DATA (info) = event;
  return GST_PAD_PROBE_OK;
}

/**
 * blink_peer_guard_decoder:
 * @depayloader_sink: the sink pad of the rtpopusdepay before an opusdec
 *
 * When a sender's first packets reach us late (queued while its side of
 * the connection came up), the jitter buffer sees a jump in sequence
 * numbers with hardly any time between the packets, and reports each
 * skipped packet as lost with a duration of a few hundred nanoseconds.
 * opusdec (1.22) cannot conceal a gap shorter than one Opus frame, and
 * after one such gap of less than about 100 µs it produces no more audio
 * at all: the peer stays connected and is never heard. Those reports
 * describe no missing audio, so this drops them before the depayloader; a
 * real loss, a frame or longer, still reaches the decoder's concealment,
 * as a whole number of the stream's packets: the jitter buffer measures
 * it by when the packets around it arrived (22.5 or 17.5 ms for one lost
 * packet of 20 ms), and opusdec conceals what it is told, so each such
 * report added or took out audio and moved all that came after.
 */
void
blink_peer_guard_decoder (GstPad *depayloader_sink)
{
  gst_pad_add_probe (depayloader_sink,
                     GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM | GST_PAD_PROBE_TYPE_BUFFER, guard_decoder,
                     g_new0 (DecoderGuard, 1), g_free);
}

static GstElement *
add_element (BlinkPeer *self,
             const char *factory)
{
  GstElement *element = gst_element_factory_make (factory, NULL);

  g_assert (element != NULL);
  gst_bin_add (self->pipeline, element);
  g_ptr_array_add (self->receive_elements, gst_object_ref (element));
  return element;
}

/* Under receive_lock. */
static void
record_locked (BlinkPeer *self)
{
  g_autofree char *name = NULL;

  if (self->recorder == NULL || self->depayloaded == NULL)
    return;
  name = blink_recorder_track_name ("participant", self->did);
  blink_recorder_add_track (self->recorder, name, self->did, self->depayloaded);
}

/**
 * blink_peer_set_recorder:
 * @recorder: (nullable): where what the peer sends is recorded, from now
 *   on (at once, or when its audio arrives), or %NULL
 */
void
blink_peer_set_recorder (BlinkPeer *self,
                         BlinkRecorder *recorder)
{
  g_autoptr (GMutexLocker) locker = NULL;

  g_return_if_fail (BLINK_IS_PEER (self));

  locker = g_mutex_locker_new (&self->receive_lock);
  g_set_object (&self->recorder, recorder);
  record_locked (self);
}

/* Runs on a streaming thread: linking is thread-safe, and waiting for the
 * main loop would drop the first packets. */
static void
on_pad_added (GstElement *webrtc,
              GstPad *pad,
              BlinkPeer *self)
{
  GstElement *depay, *dec, *convert, *resample, *capsfilter, *level, *volume;
  g_autoptr (GstPad) sink = NULL;
  g_autoptr (GstPad) volume_src = NULL;
  GstPad *mixer_pad;

  g_autoptr (GMutexLocker) locker = NULL;

  if (GST_PAD_DIRECTION (pad) != GST_PAD_SRC)
    return;
  locker = g_mutex_locker_new (&self->receive_lock);
  if (self->receive_closed)
    return;

  depay = add_element (self, "rtpopusdepay");
  dec = add_element (self, "opusdec");
  convert = add_element (self, "audioconvert");
  resample = add_element (self, "audioresample");
  capsfilter = add_element (self, "capsfilter");
  level = add_element (self, "level");
  volume = add_element (self, "volume");
  /* The mixer's one input format (see BlinkAudioPipeline). */
  g_object_set (capsfilter, "caps", self->mix_caps, NULL);
  /* Conceal lost packets, and use the in-band FEC the sender adds. */
  g_object_set (dec, "plc", TRUE, "use-inband-fec", TRUE, NULL);
  /* Before the volume: a participant turned down still shows speaking. */
  blink_voice_activity_setup_level (level);
  g_mutex_lock (&self->volume_lock);
  g_object_set (volume, "volume", self->volume_level, NULL);
  self->volume = volume;
  g_mutex_unlock (&self->volume_lock);

  gst_element_link_many (depay, dec, convert, resample, capsfilter, level, volume, NULL);
  mixer_pad = gst_element_request_pad_simple (self->mixer, "sink_%u");
  g_ptr_array_add (self->mixer_pads, mixer_pad);
  volume_src = gst_element_get_static_pad (volume, "src");
  /* The jitter buffer stamps each packet with when it arrived, and may
   * hold it up to its latency (for one missing before it, and always the
   * first one); the running mixer plays what it has by its time and drops
   * what comes later. So the branch is played that latency and a margin
   * after it arrived (docs/engine.md, "The start of a call"). */
  {
    BlinkPlayDelay *delay = blink_play_delay_attach (volume_src, self->mixer, self->play_delay);

    g_mutex_lock (&self->volume_lock);
    g_clear_pointer (&self->delay, blink_play_delay_unref);
    self->delay = delay;
    g_mutex_unlock (&self->volume_lock);
  }
  gst_pad_link (volume_src, mixer_pad);

  for (guint i = 0; i < self->receive_elements->len; i++)
    gst_element_sync_state_with_parent (g_ptr_array_index (self->receive_elements, i));

  if (self->depayloaded == NULL)
    {
      self->depayloaded = gst_element_get_static_pad (depay, "src");
      /* From the first packet, for a recording started later. */
      blink_recorder_follow (self->depayloaded);
      record_locked (self);
    }

  sink = gst_element_get_static_pad (depay, "sink");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST, receive_gate,
                     self, NULL);
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, on_media_buffer, self, NULL);
  blink_peer_guard_decoder (sink);
  if (gst_pad_link (pad, sink) != GST_PAD_LINK_OK)
    g_warning ("Peer %s: cannot decode what it sends", self->did);
}

void
blink_peer_set_volume (BlinkPeer *self,
                       double volume)
{
  g_return_if_fail (BLINK_IS_PEER (self));

  g_mutex_lock (&self->volume_lock);
  self->volume_level = volume;
  if (self->volume != NULL)
    g_object_set (self->volume, "volume", volume, NULL);
  g_mutex_unlock (&self->volume_lock);
}

/* ---- statistics ---- */

static gboolean
add_stats (GQuark field,
           const GValue *value,
           gpointer user_data)
{
  BlinkConnectionStats *stats = user_data;
  const GstStructure *entry;
  GstWebRTCStatsType type;

  if (!GST_VALUE_HOLDS_STRUCTURE (value))
    return TRUE;
  entry = gst_value_get_structure (value);
  if (!gst_structure_get_enum (entry, "type", GST_TYPE_WEBRTC_STATS_TYPE, (int *) &type))
    return TRUE;
  if (type == GST_WEBRTC_STATS_INBOUND_RTP)
    {
      guint64 received = 0;

      /* The peer's RTP session may also list an SSRC of the peer that
       * sends no RTP (only RTCP): its entry, with nothing received, must
       * not hide the one that carries the audio. Which comes last varies. */
      gst_structure_get_uint64 (entry, "packets-received", &received);
      if (received < stats->packets_received)
        return TRUE;
      stats->packets_received = received;
      gst_structure_get_int64 (entry, "packets-lost", &stats->packets_lost);
      gst_structure_get_double (entry, "jitter", &stats->jitter);
    }
  else if (type == GST_WEBRTC_STATS_OUTBOUND_RTP)
    gst_structure_get_uint64 (entry, "packets-sent", &stats->packets_sent);
  else if (type == GST_WEBRTC_STATS_REMOTE_INBOUND_RTP)
    {
      gst_structure_get_double (entry, "round-trip-time", &stats->round_trip_time);
      gst_structure_get_double (entry, "fraction-lost", &stats->remote_fraction_lost);
    }
  return TRUE;
}

/* The entry of the statistics named @id, or %NULL. */
static const GstStructure *
stats_entry (const GstStructure *reply,
             const char *id)
{
  const GValue *value = id != NULL ? gst_structure_get_value (reply, id) : NULL;

  return value != NULL && GST_VALUE_HOLDS_STRUCTURE (value) ? gst_value_get_structure (value)
                                                             : NULL;
}

/* How a relay candidate of ours reaches its TURN server. GStreamer 1.22
 * says "none" in relay-protocol; libnice tells it in the candidate's type
 * preference, the priority's top byte: 30 for TURN over UDP, 20 over TCP
 * or TLS (RFC 8445 5.1.2.2 leaves the value to the agent). */
static const char *
relay_protocol (const GstStructure *candidate)
{
  const char *protocol = gst_structure_get_string (candidate, "relay-protocol");
  guint priority = 0;

  if (protocol != NULL && g_strcmp0 (protocol, "none") != 0)
    return protocol;
  if (!gst_structure_get_uint (candidate, "priority", &priority))
    return "";
  return priority >> 24 == 30 ? "udp" : "tcp";
}

/* The candidates of the pair ICE selected, which webrtcbin's candidate-pair
 * entry names (1.22 lists only that pair's candidates; later versions may
 * list more, so follow the ids). */
static void
add_selected_pair (const GstStructure *reply,
                   BlinkConnectionStats *stats)
{
  for (int i = 0; i < gst_structure_n_fields (reply); i++)
    {
      const GstStructure *entry = stats_entry (reply, gst_structure_nth_field_name (reply, i));
      const GstStructure *local, *remote;
      const char *type;
      GstWebRTCStatsType kind;

      if (entry == NULL ||
          !gst_structure_get_enum (entry, "type", GST_TYPE_WEBRTC_STATS_TYPE, (int *) &kind) ||
          kind != GST_WEBRTC_STATS_CANDIDATE_PAIR ||
          (local = stats_entry (reply, gst_structure_get_string (entry, "local-candidate-id"))) ==
            NULL ||
          (remote = stats_entry (reply, gst_structure_get_string (entry, "remote-candidate-id"))) ==
            NULL)
        continue;
      if ((type = gst_structure_get_string (local, "candidate-type")) != NULL)
        g_strlcpy (stats->local_candidate, type, sizeof stats->local_candidate);
      if ((type = gst_structure_get_string (remote, "candidate-type")) != NULL)
        g_strlcpy (stats->remote_candidate, type, sizeof stats->remote_candidate);
      if (g_str_equal (stats->local_candidate, "relay"))
        g_strlcpy (stats->relay_protocol, relay_protocol (local), sizeof stats->relay_protocol);
      return;
    }
}

static void
stats_answered (BlinkPeer *self)
{
  g_mutex_lock (&self->stats_lock);
  self->stats_pending--;
  g_cond_broadcast (&self->stats_answered);
  g_mutex_unlock (&self->stats_lock);
}

/* Runs on webrtcbin's thread; GTask returns on the caller's context. */
static void
on_stats_reply (GstPromise *promise,
                gpointer user_data)
{
  GTask *task = user_data;
  const GstStructure *reply;
  BlinkConnectionStats *stats = NULL;

  if (gst_promise_wait (promise) == GST_PROMISE_RESULT_REPLIED &&
      (reply = gst_promise_get_reply (promise)) != NULL)
    {
      stats = g_new0 (BlinkConnectionStats, 1);
      stats->round_trip_time = -1;
      stats->remote_fraction_lost = -1;
      gst_structure_foreach (reply, add_stats, stats);
      add_selected_pair (reply, stats);
    }
  let_go_promise (g_task_get_source_object (task), promise);
  stats_answered (g_task_get_source_object (task));

  if (stats != NULL)
    g_task_return_pointer (task, stats, g_free);
  else
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CLOSED,
                             "The connection has no statistics");
}

/**
 * blink_peer_get_stats_async:
 *
 * Asks webrtcbin for the connection's statistics.
 */
void
blink_peer_get_stats_async (BlinkPeer *self,
                            GAsyncReadyCallback callback,
                            gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (self, NULL, callback, user_data);
  GstPromise *promise;

  g_return_if_fail (BLINK_IS_PEER (self));

  g_task_set_source_tag (task, blink_peer_get_stats_async);
  if (self->state >= BLINK_PEER_STATE_CLOSING)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CLOSED, "The connection is closing");
      return;
    }

  g_mutex_lock (&self->stats_lock);
  self->stats_pending++;
  g_mutex_unlock (&self->stats_lock);
  promise = hold_promise (self, gst_promise_new_with_change_func (on_stats_reply,
                                                                g_steal_pointer (&task),
                                                                g_object_unref));
  g_signal_emit_by_name (self->webrtc, "get-stats", NULL, promise);
  gst_promise_unref (promise);
}

gboolean
blink_peer_get_stats_finish (BlinkPeer *self,
                             GAsyncResult *result,
                             BlinkConnectionStats *stats,
                             GError **error)
{
  g_autofree BlinkConnectionStats *reply = NULL;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  reply = g_task_propagate_pointer (G_TASK (result), error);
  if (reply == NULL)
    return FALSE;
  *stats = *reply;
  stats->candidates_dropped = self->candidates_dropped;
  {
    GstClockTime delay = (GstClockTime) self->play_delay, late = 0;

    g_mutex_lock (&self->volume_lock);
    if (self->delay != NULL)
      blink_play_delay_get_figures (self->delay, &delay, NULL, NULL, &late);
    g_mutex_unlock (&self->volume_lock);
    stats->play_delay = (double) delay / GST_SECOND;
    stats->late_audio = (double) late / GST_SECOND;
  }
  stats->connected_time = self->timeline.connected;
  stats->last_media_time = blink_peer_get_last_media_time (self);
  return TRUE;
}

/* ---- closing ---- */

/* Locked first: until on_closed takes the element out of the pipeline, a
 * state change of the pipeline (one still on its way to PLAYING when the
 * peer closes) would bring it back up, and it would be disposed PLAYING. */
static void
set_down (GstElement *element)
{
  gst_element_set_locked_state (element, TRUE);
  gst_element_set_state (element, GST_STATE_NULL);
}

/* No more are asked once closing began: the ones asked before are answered
 * within webrtcbin's next turns. The bound is for a webrtcbin that hangs. */
static void
wait_for_stats (BlinkPeer *self)
{
  gint64 deadline = g_get_monotonic_time () + STATS_WAIT_US;

  g_mutex_lock (&self->stats_lock);
  while (self->stats_pending > 0)
    if (!g_cond_wait_until (&self->stats_answered, &self->stats_lock, deadline))
      {
        g_message ("Closing %s with %u statistics requests unanswered", self->did,
                   self->stats_pending);
        break;
      }
  g_mutex_unlock (&self->stats_lock);
}

static void
close_in_thread (GTask *task,
                 gpointer source,
                 gpointer task_data,
                 GCancellable *cancellable)
{
  BlinkPeer *self = source;

  wait_for_stats (self);

  /* Downstream first: what webrtcbin still pushes then fails fast instead
   * of waiting in the mixer while webrtcbin waits for it. */
  g_mutex_lock (&self->receive_lock);
  self->receive_closed = TRUE;
  for (guint i = 0; i < self->receive_elements->len; i++)
    set_down (g_ptr_array_index (self->receive_elements, i));
  g_mutex_unlock (&self->receive_lock);
  set_down (self->queue);
  set_down (self->webrtc);
  interrupt_promises (self);
  g_task_return_boolean (task, TRUE);
}

static void
on_closed (GObject *source,
           GAsyncResult *result,
           gpointer user_data)
{
  BlinkPeer *self = BLINK_PEER (source);

  for (guint i = 0; i < self->mixer_pads->len; i++)
    gst_element_release_request_pad (self->mixer, g_ptr_array_index (self->mixer_pads, i));
  g_ptr_array_set_size (self->mixer_pads, 0);

  gst_bin_remove (self->pipeline, self->queue);
  gst_bin_remove (self->pipeline, self->webrtc);
  for (guint i = 0; i < self->receive_elements->len; i++)
    gst_bin_remove (self->pipeline, g_ptr_array_index (self->receive_elements, i));

  set_state (self, BLINK_PEER_STATE_CLOSED);
  g_signal_emit (self, signals[SIGNAL_CLOSED], 0);
}

/**
 * blink_peer_close:
 *
 * Stops sending at once, then takes the connection down off the main loop
 * and the streaming threads; "closed" follows when it is gone.
 */
void
blink_peer_close (BlinkPeer *self)
{
  g_autoptr (GTask) task = NULL;

  g_return_if_fail (BLINK_IS_PEER (self));

  if (self->state >= BLINK_PEER_STATE_CLOSING)
    return;

  set_state (self, BLINK_PEER_STATE_CLOSING);
  blink_clear_source (&self->resend);
  blink_clear_source (&self->offer_retry);
  blink_clear_source (&self->relay_grace);
  g_queue_clear_full (&self->early_candidates, (GDestroyNotify) candidate_free);

  /* No more audio from the tee: it may go on feeding the others. */
  g_mutex_lock (&self->send_lock);
  self->send_closed = TRUE;
  if (self->tee_probe != 0)
    gst_pad_remove_probe (self->tee_feed, self->tee_probe);
  self->tee_probe = 0;
  gst_clear_object (&self->tee_feed);
  if (self->tee_pad != NULL)
    {
      g_autoptr (GstPad) queue_sink = gst_element_get_static_pad (self->queue, "sink");

      gst_pad_unlink (self->tee_pad, queue_sink);
      gst_element_release_request_pad (self->tee, self->tee_pad);
      g_clear_object (&self->tee_pad);
    }
  g_mutex_unlock (&self->send_lock);

  task = g_task_new (self, NULL, on_closed, NULL);
  g_task_run_in_thread (task, close_in_thread);
}

/* ---- setup ---- */

/* libnice maps ports with UPnP by default, which means multicast discovery
 * on the local network: no traffic of ours goes anywhere but to the peer's
 * candidates, so it is turned off on every agent as it appears. */
static void
on_deep_element_added (GstBin *bin,
                       GstBin *sub_bin,
                       GstElement *element,
                       BlinkPeer *self)
{
  GstElementFactory *factory = gst_element_get_factory (element);
  g_autoptr (GObject) agent = NULL;

  if (factory == NULL || !g_str_equal (GST_OBJECT_NAME (factory), "nicesrc"))
    return;

  g_object_get (element, "agent", &agent, NULL);
  if (agent != NULL && g_object_class_find_property (G_OBJECT_GET_CLASS (agent), "upnp") != NULL)
    g_object_set (agent, "upnp", FALSE, NULL);
}

static void
configure_ice (BlinkPeer *self,
               const BlinkMediaConfig *config)
{
  g_autoptr (GObject) agent = NULL;
  g_autoptr (GObject) nice = NULL;

  g_object_get (self->webrtc, "ice-agent", &agent, NULL);
  for (guint i = 0; config->ice_addresses != NULL && config->ice_addresses[i] != NULL; i++)
    {
      gboolean added = FALSE;

      g_signal_emit_by_name (agent, "add-local-ip-address", config->ice_addresses[i], &added);
      if (!added)
        g_warning ("Peer %s: ICE cannot use %s", self->did, config->ice_addresses[i]);
    }

  /* webrtcbin's ICE is libnice's agent, which paces its checks. */
  if (config->ice_pacing_ms == 0 ||
      g_object_class_find_property (G_OBJECT_GET_CLASS (agent), "agent") == NULL)
    return;
  g_object_get (agent, "agent", &nice, NULL);
  if (nice != NULL && g_object_class_find_property (G_OBJECT_GET_CLASS (nice),
                                                    "stun-pacing-timer") != NULL)
    g_object_set (nice, "stun-pacing-timer", config->ice_pacing_ms, NULL);
}

/* Called with send_lock held. */
static void
join_tee (BlinkPeer *self)
{
  g_autoptr (GstPad) queue_sink = gst_element_get_static_pad (self->queue, "sink");

  self->tee_pad = gst_element_request_pad_simple (self->tee, "src_%u");
  if (gst_pad_link (self->tee_pad, queue_sink) != GST_PAD_LINK_OK)
    g_warning ("Peer %s: cannot link the send queue to the tee", self->did);
}

static GstPadProbeReturn
join_tee_when_idle (GstPad *feed,
                    GstPadProbeInfo *info,
                    gpointer user_data)
{
  BlinkPeer *self = user_data;

  g_mutex_lock (&self->send_lock);
  /* Only once: a probe being removed may still be called. */
  if (!self->send_closed && self->tee_pad == NULL)
    join_tee (self);
  self->tee_probe = 0;
  gst_clear_object (&self->tee_feed);
  g_mutex_unlock (&self->send_lock);
  return GST_PAD_PROBE_REMOVE;
}

static void start (BlinkPeer *self,
                   gboolean quiet);

/**
 * blink_peer_start:
 *
 * Joins the pipeline and starts negotiating: the offerer makes an offer,
 * the answerer waits for one.
 */
void
blink_peer_start (BlinkPeer *self)
{
  g_return_if_fail (BLINK_IS_PEER (self));

  start (self, FALSE);
}

/**
 * blink_peer_prepare:
 *
 * Starts as blink_peer_start() does, but keeps what this side says (its
 * description and candidates) until blink_peer_speak(): a connection to
 * someone who only rings is made ahead, so that it is ready, its offer
 * made and its candidates gathered, when they answer.
 */
void
blink_peer_prepare (BlinkPeer *self)
{
  g_return_if_fail (BLINK_IS_PEER (self));

  start (self, TRUE);
}

/**
 * blink_peer_speak:
 *
 * A peer made with blink_peer_prepare() sends what it kept, and from now
 * on what it says; nothing for one already speaking.
 */
void
blink_peer_speak (BlinkPeer *self)
{
  g_return_if_fail (BLINK_IS_PEER (self));

  if (!self->quiet || self->state >= BLINK_PEER_STATE_CLOSING)
    return;
  self->quiet = FALSE;
  self->timeline.speaking = g_get_monotonic_time ();
  if (self->local_sdp == NULL)
    return;
  g_debug ("Peer %s: made ahead, now sending our %s and %u candidates", self->did,
           self->local_type, self->local_candidates->len);
  start_resending (self);
  say_local (self);
}

/**
 * blink_peer_is_quiet:
 *
 * Returns: whether the peer was prepared and does not speak yet
 */
gboolean
blink_peer_is_quiet (BlinkPeer *self)
{
  g_return_val_if_fail (BLINK_IS_PEER (self), FALSE);

  return self->quiet;
}

static void
start (BlinkPeer *self,
       gboolean quiet)
{
  g_autoptr (GstPad) queue_src = NULL;
  g_autoptr (GstPad) webrtc_sink = NULL;
  g_autoptr (GstPad) tee_sink = NULL;
  g_autoptr (GstPad) feed = NULL;
  gulong probe;

  self->quiet = quiet;
  self->timeline.started = g_get_monotonic_time ();
  if (!quiet)
    self->timeline.speaking = self->timeline.started;
  gst_bin_add_many (self->pipeline, self->queue, self->webrtc, NULL);

  /* One sendrecv audio transceiver, made by requesting its sink pad; the
   * send side is fed by the tee. */
  webrtc_sink = gst_element_request_pad_simple (self->webrtc, "sink_%u");
  queue_src = gst_element_get_static_pad (self->queue, "src");
  if (gst_pad_link (queue_src, webrtc_sink) != GST_PAD_LINK_OK)
    g_warning ("Peer %s: cannot link the send queue", self->did);

  gst_element_sync_state_with_parent (self->webrtc);
  gst_element_sync_state_with_parent (self->queue);

  /* The tee forwards its sticky events to a new pad when it makes it, and
   * later ones to the pads it has: a pad made while the segment is on its
   * way through would have none, and carry buffers (GStreamer 1.22). So it
   * is made while nothing flows into the tee. */
  tee_sink = gst_element_get_static_pad (self->tee, "sink");
  feed = gst_pad_get_peer (tee_sink);
  g_mutex_lock (&self->send_lock);
  if (feed == NULL)
    {
      join_tee (self);
      g_mutex_unlock (&self->send_lock);
      return;
    }
  self->tee_feed = gst_object_ref (feed);
  g_mutex_unlock (&self->send_lock);

  /* Runs now if the feed is idle, else on its streaming thread. */
  probe = gst_pad_add_probe (feed, GST_PAD_PROBE_TYPE_IDLE, join_tee_when_idle,
                             g_object_ref (self), g_object_unref);
  g_mutex_lock (&self->send_lock);
  if (self->tee_feed != NULL)
    self->tee_probe = probe; /* still waiting: blink_peer_close() removes it */
  g_mutex_unlock (&self->send_lock);
}

/**
 * blink_peer_set_held:
 * @send: whether our audio is kept from the peer
 * @receive: whether the peer's audio is kept from our mixer
 *
 * A held connection is made, checked and kept up like any other, but
 * carries no audio that way: while a call rings, its connections are set
 * up and answering only lets the audio through. What the peer sent while
 * held is never played, not even what its jitter buffer still holds.
 */
void
blink_peer_set_held (BlinkPeer *self,
                     gboolean send,
                     gboolean receive)
{
  g_return_if_fail (BLINK_IS_PEER (self));

  /* While held the streaming thread does not touch it. */
  if (!receive && g_atomic_int_get (&self->receive_held))
    note_opened (self);
  g_atomic_int_set (&self->send_held, send);
  g_atomic_int_set (&self->receive_held, receive);
}

static void
blink_peer_get_property (GObject *object,
                         guint prop_id,
                         GValue *value,
                         GParamSpec *pspec)
{
  BlinkPeer *self = BLINK_PEER (object);

  switch (prop_id)
    {
    case PROP_DID:
      g_value_set_string (value, self->did);
      break;
    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;
    case PROP_FAILURE:
      g_value_set_boxed (value, self->failure);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
blink_peer_dispose (GObject *object)
{
  BlinkPeer *self = BLINK_PEER (object);

  if (self->webrtc != NULL)
    g_signal_handlers_disconnect_by_data (self->webrtc, self);
  if (self->dtls != NULL)
    g_signal_handlers_disconnect_by_data (self->dtls, self);
  gst_clear_object (&self->dtls);
  g_clear_object (&self->recorder);
  blink_clear_source (&self->resend);
  blink_clear_source (&self->offer_retry);
  blink_clear_source (&self->relay_grace);

  G_OBJECT_CLASS (blink_peer_parent_class)->dispose (object);
}

static void
blink_peer_finalize (GObject *object)
{
  BlinkPeer *self = BLINK_PEER (object);

  /* Never closed: their change functions still find the locks. */
  interrupt_promises (self);
  g_queue_clear_full (&self->early_candidates, (GDestroyNotify) candidate_free);
  g_hash_table_unref (self->remote_candidates);
  g_clear_object (&self->tee_pad);
  g_mutex_clear (&self->send_lock);
  g_ptr_array_unref (self->receive_elements);
  g_ptr_array_unref (self->mixer_pads);
  gst_clear_object (&self->depayloaded);
  g_mutex_clear (&self->receive_lock);
  g_clear_pointer (&self->delay, blink_play_delay_unref);
  g_mutex_clear (&self->volume_lock);
  g_mutex_clear (&self->verify_lock);
  g_free (self->expected_algorithm);
  g_free (self->expected);
  g_free (self->local_fingerprint);
  g_clear_error (&self->failure);
  g_free (self->remote_sdp);
  g_free (self->local_type);
  g_free (self->local_sdp);
  g_ptr_array_unref (self->local_candidates);
  g_mutex_clear (&self->media_lock);
  g_mutex_clear (&self->stats_lock);
  g_cond_clear (&self->stats_answered);
  g_ptr_array_unref (self->promises);
  g_mutex_clear (&self->promises_lock);
  gst_clear_caps (&self->mix_caps);
  gst_clear_object (&self->queue);
  gst_clear_object (&self->webrtc);
  gst_clear_object (&self->tee);
  gst_clear_object (&self->mixer);
  gst_clear_object (&self->pipeline);
  g_main_context_unref (self->context);
  g_free (self->did);

  G_OBJECT_CLASS (blink_peer_parent_class)->finalize (object);
}

static void
blink_peer_class_init (BlinkPeerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = blink_peer_get_property;
  object_class->dispose = blink_peer_dispose;
  object_class->finalize = blink_peer_finalize;

  properties[PROP_DID] = g_param_spec_string ("did", "DID", "The remote participant", NULL,
                                              G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_STATE] =
    g_param_spec_enum ("state", "State", "The connection's state", BLINK_TYPE_PEER_STATE,
                       BLINK_PEER_STATE_CONNECTING, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_FAILURE] =
    g_param_spec_boxed ("failure", "Failure", "Why the connection failed", G_TYPE_ERROR,
                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * BlinkPeer::local-description:
   * @type: "offer" or "answer"
   * @sdp: to send to the remote participant
   */
  signals[SIGNAL_LOCAL_DESCRIPTION] =
    g_signal_new ("local-description", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);
  signals[SIGNAL_LOCAL_CANDIDATE] =
    g_signal_new ("local-candidate", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 2, G_TYPE_UINT, G_TYPE_STRING);
  signals[SIGNAL_CLOSED] = g_signal_new ("closed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                         NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
blink_peer_init (BlinkPeer *self)
{
  g_mutex_init (&self->send_lock);
  g_mutex_init (&self->receive_lock);
  g_mutex_init (&self->volume_lock);
  g_mutex_init (&self->verify_lock);
  self->local_candidates = g_ptr_array_new_with_free_func ((GDestroyNotify) candidate_free);
  g_mutex_init (&self->media_lock);
  g_mutex_init (&self->stats_lock);
  g_mutex_init (&self->promises_lock);
  self->promises = g_ptr_array_new_with_free_func ((GDestroyNotify) gst_promise_unref);
  g_cond_init (&self->stats_answered);
  self->receive_elements = g_ptr_array_new_with_free_func (gst_object_unref);
  self->mixer_pads = g_ptr_array_new_with_free_func (gst_object_unref);
  self->volume_level = 1.0;
  self->opened_at = GST_CLOCK_TIME_NONE;
  g_queue_init (&self->early_candidates);
  self->remote_candidates = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

/**
 * blink_peer_warm_up:
 *
 * Does, once per process, what the first connection would otherwise wait
 * for: GStreamer's DTLS certificate, made by the first DTLS element
 * (70–300 ms of key generation, behind a lock), libsrtp's start with NSS
 * (23–33 ms) and the loading of webrtcbin (about 20 ms) and the other
 * plugins of a call. Blocks, also a second caller until the first is
 * done; the engine calls it in a thread of its own as it starts
 * (docs/engine.md, "The first call").
 */
void
blink_peer_warm_up (void)
{
  static gsize done = 0;
  static const char *const factories[] = {
    "dtlsdec", "srtpenc", "srtpdec", "webrtcbin", "nicesrc", "nicesink", "rtpbin", "opusenc",
    "opusdec", "rtpopuspay", "rtpopusdepay", "audiomixer", "level",
  };

  if (!g_once_init_enter (&done))
    return;
  for (guint i = 0; i < G_N_ELEMENTS (factories); i++)
    {
      GstElement *element = gst_element_factory_make (factories[i], NULL);

      if (element != NULL)
        gst_object_unref (gst_object_ref_sink (element));
    }
  g_once_init_leave (&done, 1);
}

/**
 * blink_peer_new:
 * @pipeline: where the peer's elements go
 * @tee: the encoded audio to send
 * @mixer: where the decoded audio goes
 * @mix_caps: the one format of every mixer input
 * @did: the remote participant
 * @offerer: whether this side makes the SDP offer
 *
 * Returns: (transfer full): a peer, not started yet
 */
BlinkPeer *
blink_peer_new (GstBin *pipeline,
                GstElement *tee,
                GstElement *mixer,
                GstCaps *mix_caps,
                const char *did,
                gboolean offerer,
                const BlinkMediaConfig *config)
{
  BlinkPeer *self = g_object_new (BLINK_TYPE_PEER, NULL);

  self->context = g_main_context_ref_thread_default ();
  self->pipeline = gst_object_ref (pipeline);
  self->tee = gst_object_ref (tee);
  self->mixer = gst_object_ref (mixer);
  self->mix_caps = gst_caps_ref (mix_caps);
  self->did = g_strdup (did);
  self->offerer = offerer;
  self->play_delay = (GstClockTimeDiff) (config->latency_ms + BLINK_PEER_PLAY_MARGIN_MS) *
                     GST_MSECOND;

  self->queue = gst_object_ref_sink (gst_element_factory_make ("queue", NULL));
  /* Old audio is worse than lost audio: it keeps at most 200 ms and drops
   * the oldest, once its level is right (queue_measures). */
  g_object_set (self->queue, "max-size-time", (guint64) 0, "max-size-buffers", 0,
                "max-size-bytes", 0, "leaky", 2, NULL);
  {
    g_autoptr (GstPad) queue_src = gst_element_get_static_pad (self->queue, "src");
    g_autoptr (GstPad) queue_sink = gst_element_get_static_pad (self->queue, "sink");

    /* Before the gate, which drops buffers: this one sees the first. */
    gst_pad_add_probe (queue_src, GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST,
                       queue_measures, self, NULL);
    gst_pad_add_probe (queue_src, GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST,
                       gate, self, NULL);
    gst_pad_add_probe (queue_src, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, on_queue_segment, self,
                       NULL);
    gst_pad_add_probe (queue_sink, GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST,
                       queue_primed, self, NULL);
  }

  self->webrtc = gst_object_ref_sink (gst_element_factory_make ("webrtcbin", NULL));
  g_object_set (self->webrtc, "bundle-policy", GST_WEBRTC_BUNDLE_POLICY_MAX_BUNDLE, "latency",
                config->latency_ms, NULL);
  if (config->stun_server != NULL)
    g_object_set (self->webrtc, "stun-server", config->stun_server, NULL);
  for (guint i = 0; config->turn_servers != NULL && config->turn_servers[i] != NULL; i++)
    {
      gboolean added = FALSE;

      g_signal_emit_by_name (self->webrtc, "add-turn-server", config->turn_servers[i], &added);
    }
  configure_ice (self, config);
  self->relay_only = config->relay_only;
  if (config->relay_only)
    g_object_set (self->webrtc, "ice-transport-policy", GST_WEBRTC_ICE_TRANSPORT_POLICY_RELAY,
                  NULL);

  g_signal_connect (self->webrtc, "on-negotiation-needed", G_CALLBACK (on_negotiation_needed),
                    self);
  g_signal_connect (self->webrtc, "on-ice-candidate", G_CALLBACK (on_ice_candidate), self);
  g_signal_connect (self->webrtc, "notify::connection-state", G_CALLBACK (on_connection_state),
                    self);
  g_signal_connect (self->webrtc, "notify::ice-connection-state",
                    G_CALLBACK (on_ice_connection_state), self);
  g_signal_connect (self->webrtc, "notify::ice-gathering-state",
                    G_CALLBACK (on_ice_gathering_state), self);
  g_signal_connect (self->webrtc, "pad-added", G_CALLBACK (on_pad_added), self);
  g_signal_connect (self->webrtc, "deep-element-added", G_CALLBACK (on_deep_element_added), self);

  return self;
}

/**
 * blink_peer_get_failure:
 *
 * Returns: (nullable): why the connection failed: %BLINK_CALL_ERROR_CERTIFICATE
 *   when the peer's certificate is not the signed one
 */
const GError *
blink_peer_get_failure (BlinkPeer *self)
{
  g_return_val_if_fail (BLINK_IS_PEER (self), NULL);

  return self->failure;
}

const char *
blink_peer_get_did (BlinkPeer *self)
{
  g_return_val_if_fail (BLINK_IS_PEER (self), NULL);

  return self->did;
}

BlinkPeerState
blink_peer_get_state (BlinkPeer *self)
{
  g_return_val_if_fail (BLINK_IS_PEER (self), BLINK_PEER_STATE_CLOSED);

  return self->state;
}

/**
 * blink_peer_get_timeline:
 * @timeline: (out caller-allocates): when the setup passed each step
 *
 * On the main context only: most steps are noted there, unlocked.
 */
void
blink_peer_get_timeline (BlinkPeer *self,
                         BlinkPeerTimeline *timeline)
{
  g_return_if_fail (BLINK_IS_PEER (self));

  g_mutex_lock (&self->media_lock);
  *timeline = self->timeline;
  g_mutex_unlock (&self->media_lock);
}

/**
 * blink_peer_get_last_media_time:
 *
 * Returns: when the last RTP packet arrived (monotonic µs), or 0 if none did
 */
gint64
blink_peer_get_last_media_time (BlinkPeer *self)
{
  gint64 last;

  g_return_val_if_fail (BLINK_IS_PEER (self), 0);

  g_mutex_lock (&self->media_lock);
  last = self->last_media_us;
  g_mutex_unlock (&self->media_lock);
  return last;
}

/**
 * blink_peer_contains:
 *
 * Returns: whether @object is one of the peer's elements, or inside one
 *   (e.g. webrtcbin's own), so that a bus message can be told apart
 */
gboolean
blink_peer_contains (BlinkPeer *self,
                     GstObject *object)
{
  g_autoptr (GMutexLocker) locker = g_mutex_locker_new (&self->receive_lock);

  if (gst_object_has_as_ancestor (object, GST_OBJECT (self->webrtc)) ||
      gst_object_has_as_ancestor (object, GST_OBJECT (self->queue)))
    return TRUE;
  for (guint i = 0; i < self->receive_elements->len; i++)
    if (gst_object_has_as_ancestor (object, g_ptr_array_index (self->receive_elements, i)))
      return TRUE;
  return FALSE;
}

gboolean
blink_peer_get_receiving (BlinkPeer *self)
{
  return blink_peer_get_last_media_time (self) != 0;
}

/**
 * blink_peer_get_n_remote_candidates:
 *
 * Returns: how many different remote ICE candidates the connection took,
 *   kept until the remote description or applied; at most
 *   %BLINK_PEER_MAX_REMOTE_CANDIDATES
 */
guint
blink_peer_get_n_remote_candidates (BlinkPeer *self)
{
  g_return_val_if_fail (BLINK_IS_PEER (self), 0);

  return g_hash_table_size (self->remote_candidates);
}

/**
 * blink_peer_get_candidates_dropped:
 *
 * Returns: how many remote ICE candidates came past
 *   %BLINK_PEER_MAX_REMOTE_CANDIDATES and were dropped
 */
guint64
blink_peer_get_candidates_dropped (BlinkPeer *self)
{
  g_return_val_if_fail (BLINK_IS_PEER (self), 0);

  return self->candidates_dropped;
}
