/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * SECTION:element-blinkcall
 * @title: blinkcall
 *
 * A whole Blink call as an element: what reaches its sink pad (any raw
 * audio) is sent to everyone in the call, and its src pad gives what they
 * say, mixed (S16LE, 48 kHz, mono). It carries Blink's call engine: the
 * user's identity, signaling over an IPFS node's pubsub, one WebRTC
 * connection per participant (docs/engine.md). Calls come from the `call`
 * property, the `offer` action signal, or others calling this identity
 * (`auto-answer`, or the `accept` action signal).
 *
 * Every call event is an element message on the bus (`gst-launch-1.0 -m`
 * prints them): `blink-ready` (the user's `did`), `blink-call-added`,
 * `blink-call-state`, `blink-participant`, `blink-call-failed`,
 * `blink-call-removed`.
 *
 * End of stream on the sink pad (`gst-launch-1.0 -e` and Ctrl-C) leaves
 * every call properly, waits for the connections to close, and then ends
 * the stream on the src pad.
 *
 * The element works on the thread-default #GMainContext of the thread that
 * sets it to READY (gst-launch-1.0's main loop); call its action signals
 * from that thread.
 *
 * ## Example launch lines
 * |[
 * gst-launch-1.0 -m -e autoaudiosrc ! blinkcall call=did:key:z6Mk… ! autoaudiosink
 * ]| Calls someone with the microphone and the speakers.
 * |[
 * gst-launch-1.0 -m -e audiotestsrc is-live=true ! blinkcall auto-answer=true ! wavenc ! filesink location=heard.wav
 * ]| Answers every call with a tone and records what is said.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstblinkcall.h"

#include "blink-call-manager.h"
#include "blink-context.h"
#include "blink-enum.h"
#include "blink-identity.h"
#include "blink-turn.h"

#include <gst/app/app.h>

GST_DEBUG_CATEGORY_STATIC (gst_blink_call_debug);
#define GST_CAT_DEFAULT gst_blink_call_debug

/* The engine's own call pipeline has these as its devices; the element
 * passes audio in and out of them. */
#define ENGINE_SOURCE                                                                           \
  "appsrc name=blinkcall-send is-live=true format=time do-timestamp=true max-buffers=20 "       \
  "leaky-type=downstream"
#define HEARD_CAPS "audio/x-raw,format=S16LE,layout=interleaved,rate=48000,channels=1"
#define ENGINE_SINK \
  "appsink name=blinkcall-heard sync=false max-buffers=20 drop=true caps=" HEARD_CAPS

enum
{
  PROP_0,
  PROP_IDENTITY,
  PROP_PROFILE,
  PROP_IPFS_API,
  PROP_ICE_ADDRESSES,
  PROP_STUN_SERVER,
  PROP_TURN_SERVERS,
  PROP_CALL,
  PROP_AUTO_ANSWER,
  PROP_RINGING_TIMEOUT,
  PROP_LATENCY,
  PROP_DID,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum
{
  SIGNAL_OFFER,
  SIGNAL_ACCEPT,
  SIGNAL_DECLINE,
  SIGNAL_HANG_UP,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

struct _GstBlinkCall
{
  GstBin parent;

  GstElement *send;  /* appsink: what the user sends */
  GstElement *heard; /* appsrc: what the call plays */

  /* properties, under the object lock */
  char *identity;
  char *profile;
  char *ipfs_api;
  char *ice_addresses;
  char *stun_server;
  char *turn_servers;
  char *call;
  gboolean auto_answer;
  guint ringing_timeout_s;
  guint latency_ms;

  /* from READY on, on the context */
  GMainContext *context;
  BlinkCallManager *engine;
  gboolean call_pending; /* `call` not offered yet */
  gboolean ending;       /* end of stream: leaving */

  GMutex engine_lock;
  GstElement *engine_send; /* the engine pipeline's appsrc, while it exists */
  GstCaps *engine_caps;    /* what it was told it gets */
};

G_DEFINE_FINAL_TYPE (GstBlinkCall, gst_blink_call, GST_TYPE_BIN)
GST_ELEMENT_REGISTER_DEFINE (blinkcall, "blinkcall", GST_RANK_NONE, GST_TYPE_BLINK_CALL);

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink", GST_PAD_SINK,
                                                                     GST_PAD_ALWAYS,
                                                                     GST_STATIC_CAPS ("audio/x-raw"));
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src", GST_PAD_SRC,
                                                                    GST_PAD_ALWAYS,
                                                                    GST_STATIC_CAPS (HEARD_CAPS));

static void
post (GstBlinkCall *self,
      GstStructure *s)
{
  gst_element_post_message (GST_ELEMENT (self), gst_message_new_element (GST_OBJECT (self), s));
}

/* "a,b" (spaces allowed) → { "a", "b" }; NULL for none. */
static char **
split_list (const char *list)
{
  g_auto (GStrv) items = NULL;
  g_autoptr (GStrvBuilder) builder = NULL;

  if (list == NULL || list[0] == '\0')
    return NULL;
  items = g_strsplit (list, ",", -1);
  builder = g_strv_builder_new ();
  for (guint i = 0; items[i] != NULL; i++)
    {
      g_strstrip (items[i]);
      if (items[i][0] != '\0')
        g_strv_builder_add (builder, items[i]);
    }
  return g_strv_builder_end (builder);
}

/* ---- audio in and out of the engine ---- */

/* A buffer's memory without its timestamps: the appsrc it goes to stamps
 * it with the running time of its own pipeline. */
static GstBuffer *
untimed (GstSample *sample)
{
  return gst_buffer_copy_region (gst_sample_get_buffer (sample), GST_BUFFER_COPY_MEMORY, 0, -1);
}

static GstFlowReturn
on_send_sample (GstAppSink *sink,
                gpointer user_data)
{
  GstBlinkCall *self = user_data;
  g_autoptr (GstSample) sample = gst_app_sink_pull_sample (sink);
  g_autoptr (GstElement) target = NULL;
  GstCaps *caps;

  if (sample == NULL)
    return GST_FLOW_EOS;

  caps = gst_sample_get_caps (sample);
  g_mutex_lock (&self->engine_lock);
  if (self->engine_send != NULL)
    {
      target = gst_object_ref (self->engine_send);
      if (caps != NULL && (self->engine_caps == NULL || !gst_caps_is_equal (caps, self->engine_caps)))
        {
          gst_caps_replace (&self->engine_caps, caps);
          gst_app_src_set_caps (GST_APP_SRC (target), caps);
        }
    }
  g_mutex_unlock (&self->engine_lock);

  /* Between calls what the user says goes nowhere. */
  if (target != NULL)
    gst_app_src_push_buffer (GST_APP_SRC (target), untimed (sample));
  return GST_FLOW_OK;
}

/* On the engine's streaming thread. */
static GstFlowReturn
on_heard_sample (GstAppSink *sink,
                 gpointer user_data)
{
  GstBlinkCall *self = user_data;
  g_autoptr (GstSample) sample = gst_app_sink_pull_sample (sink);

  if (sample == NULL)
    return GST_FLOW_EOS;
  gst_app_src_push_buffer (GST_APP_SRC (self->heard), untimed (sample));
  return GST_FLOW_OK;
}

static void
on_engine_pipeline (BlinkCallManager *engine,
                    GParamSpec *pspec,
                    GstBlinkCall *self)
{
  g_autoptr (GstBin) pipeline = NULL;
  g_autoptr (GstElement) send = NULL;
  g_autoptr (GstElement) heard = NULL;

  g_object_get (engine, "pipeline", &pipeline, NULL);
  if (pipeline != NULL)
    {
      GstAppSinkCallbacks callbacks = { .new_sample = on_heard_sample };

      send = gst_bin_get_by_name (pipeline, "blinkcall-send");
      heard = gst_bin_get_by_name (pipeline, "blinkcall-heard");
      gst_app_sink_set_callbacks (GST_APP_SINK (heard), &callbacks, gst_object_ref (self),
                                  gst_object_unref);
    }

  g_mutex_lock (&self->engine_lock);
  gst_object_replace ((GstObject **) &self->engine_send, GST_OBJECT (send));
  gst_clear_caps (&self->engine_caps);
  g_mutex_unlock (&self->engine_lock);
}

/* ---- call events, as bus messages ---- */

static const char *
call_id (BlinkCall *call)
{
  return blink_call_get_id (call);
}

static void
on_participant (BlinkParticipant *participant,
                GParamSpec *pspec,
                BlinkCall *call)
{
  GstBlinkCall *self = g_object_get_data (G_OBJECT (call), "blinkcall");

  post (self, gst_structure_new (
                "blink-participant", "call-id", G_TYPE_STRING, call_id (call), "participant",
                G_TYPE_STRING, blink_participant_get_did (participant), "state", G_TYPE_STRING,
                blink_enum_nick (BLINK_TYPE_PARTICIPANT_STATE,
                                 blink_participant_get_state (participant)),
                "muted", G_TYPE_BOOLEAN, blink_participant_get_muted (participant), "deafened",
                G_TYPE_BOOLEAN, blink_participant_get_deafened (participant), NULL));
}

static void
on_call_state (BlinkCall *call,
               GParamSpec *pspec,
               GstBlinkCall *self)
{
  post (self, gst_structure_new ("blink-call-state", "call-id", G_TYPE_STRING, call_id (call),
                                 "state", G_TYPE_STRING,
                                 blink_enum_nick (BLINK_TYPE_CALL_STATE,
                                                  blink_call_get_state (call)),
                                 NULL));
}

static void
on_call_added (BlinkCallManager *engine,
               BlinkCall *call,
               GstBlinkCall *self)
{
  GPtrArray *participants = blink_call_get_participants (call);
  gboolean auto_answer;

  post (self, gst_structure_new ("blink-call-added", "call-id", G_TYPE_STRING, call_id (call),
                                 "incoming", G_TYPE_BOOLEAN, blink_call_get_incoming (call),
                                 "caller", G_TYPE_STRING, blink_call_get_caller (call), NULL));
  g_object_set_data (G_OBJECT (call), "blinkcall", self);
  g_signal_connect_object (call, "notify::state", G_CALLBACK (on_call_state), self, 0);
  for (guint i = 0; i < participants->len; i++)
    g_signal_connect_object (g_ptr_array_index (participants, i), "notify",
                             G_CALLBACK (on_participant), call, 0);

  GST_OBJECT_LOCK (self);
  auto_answer = self->auto_answer;
  GST_OBJECT_UNLOCK (self);
  if (auto_answer && blink_call_get_incoming (call) && !self->ending)
    {
      g_autoptr (GError) error = NULL;

      if (!blink_call_manager_accept (engine, call, &error))
        GST_WARNING_OBJECT (self, "Cannot answer call %s: %s", call_id (call), error->message);
    }
}

static void
on_call_removed (BlinkCallManager *engine,
                 BlinkCall *call,
                 GstBlinkCall *self)
{
  post (self, gst_structure_new ("blink-call-removed", "call-id", G_TYPE_STRING, call_id (call),
                                 NULL));
}

static void
on_call_failed (BlinkCallManager *engine,
                BlinkCall *call,
                GError *error,
                GstBlinkCall *self)
{
  post (self, gst_structure_new ("blink-call-failed", "call-id", G_TYPE_STRING, call_id (call),
                                 "message", G_TYPE_STRING, error->message, NULL));
}

/* ---- actions ---- */

static char *
gst_blink_call_offer (GstBlinkCall *self,
                      const char *const *dids)
{
  g_autoptr (GError) error = NULL;
  BlinkCall *call;

  if (self->engine == NULL)
    {
      GST_WARNING_OBJECT (self, "Not started: set the element to READY first");
      return NULL;
    }
  call = blink_call_manager_offer (self->engine, dids, &error);
  if (call == NULL)
    {
      GST_ELEMENT_WARNING (self, RESOURCE, FAILED, ("The call cannot be made: %s", error->message),
                           (NULL));
      return NULL;
    }
  return g_strdup (call_id (call));
}

static BlinkCall *
find_incoming (GstBlinkCall *self,
               const char *id)
{
  GPtrArray *calls = blink_call_manager_get_calls (self->engine);

  if (id != NULL)
    return blink_call_manager_find_call (self->engine, id);
  for (guint i = 0; i < calls->len; i++)
    {
      BlinkCall *call = g_ptr_array_index (calls, i);

      if (blink_call_get_incoming (call) &&
          call != blink_call_manager_get_active_call (self->engine))
        return call;
    }
  return NULL;
}

/* @error is read once @ok has been computed: arguments are evaluated in
 * no set order. */
static gboolean
done (GstBlinkCall *self,
      gboolean ok,
      GError **error)
{
  if (!ok)
    GST_WARNING_OBJECT (self, "%s", (*error)->message);
  g_clear_error (error);
  return ok;
}

static gboolean
gst_blink_call_accept (GstBlinkCall *self,
                       const char *id)
{
  GError *error = NULL;

  if (self->engine == NULL)
    return FALSE;
  return done (self, blink_call_manager_accept (self->engine, find_incoming (self, id), &error),
               &error);
}

static gboolean
gst_blink_call_decline (GstBlinkCall *self,
                        const char *id)
{
  GError *error = NULL;

  if (self->engine == NULL)
    return FALSE;
  return done (self, blink_call_manager_decline (self->engine, find_incoming (self, id), &error),
               &error);
}

static gboolean
gst_blink_call_hang_up (GstBlinkCall *self)
{
  GError *error = NULL;

  if (self->engine == NULL)
    return FALSE;
  return done (self, blink_call_manager_hang_up (self->engine, &error), &error);
}

/* ---- starting, calling, ending ---- */

static void
offer_pending_call (GstBlinkCall *self)
{
  g_auto (GStrv) dids = NULL;
  g_autoptr (GError) error = NULL;
  BlinkSignaller *signaller = blink_call_manager_get_signaller (self->engine);

  if (!self->call_pending || self->ending ||
      blink_signaller_get_ipfs_state (signaller) != BLINK_IPFS_STATE_CONNECTED)
    return;

  self->call_pending = FALSE;
  GST_OBJECT_LOCK (self);
  dids = split_list (self->call);
  GST_OBJECT_UNLOCK (self);
  if (blink_call_manager_offer (self->engine, (const char *const *) dids, &error) == NULL)
    GST_ELEMENT_ERROR (self, RESOURCE, FAILED, ("Cannot call %s.", self->call),
                       ("%s", error->message));
}

static void
on_ipfs_state (BlinkSignaller *signaller,
               GParamSpec *pspec,
               GstBlinkCall *self)
{
  BlinkIpfsState state = blink_signaller_get_ipfs_state (signaller);

  post (self, gst_structure_new ("blink-ipfs-state-changed", "state", G_TYPE_STRING,
                                 blink_enum_nick (BLINK_TYPE_IPFS_STATE, state), NULL));
  offer_pending_call (self);
}

static gboolean
start (GstBlinkCall *self)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *identity = NULL;
  g_auto (GStrv) ice = NULL, turn = NULL;

  GST_OBJECT_LOCK (self);
  identity = self->profile != NULL ? blink_identity_profile_path (self->profile)
                                   : g_strdup (self->identity);
  ice = split_list (self->ice_addresses);
  turn = split_list (self->turn_servers);
  /* A password belongs in the environment, not on a gst-launch command line. */
  for (guint i = 0; turn != NULL && turn[i] != NULL && g_getenv ("BLINK_TURN_PASSWORD") != NULL;
       i++)
    {
      char *url = blink_turn_url_with_password (turn[i], g_getenv ("BLINK_TURN_PASSWORD"), NULL);

      if (url != NULL)
        {
          g_free (turn[i]);
          turn[i] = url;
        }
    }
  self->engine = blink_call_manager_new ();
  g_object_set (self->engine, "identity", identity, "ipfs-api", self->ipfs_api, "audio-source",
                ENGINE_SOURCE, "audio-sink", ENGINE_SINK, "ice-addresses", ice, "stun-server",
                self->stun_server, "turn-servers", turn, "ringing-timeout",
                self->ringing_timeout_s, "latency", self->latency_ms, NULL);
  self->call_pending = self->call != NULL && self->call[0] != '\0';
  GST_OBJECT_UNLOCK (self);

  if (!blink_call_manager_start (self->engine, &error))
    {
      GST_ELEMENT_ERROR (self, RESOURCE, OPEN_READ, ("Cannot start Blink."),
                         ("%s", error->message));
      g_clear_object (&self->engine);
      return FALSE;
    }

  self->context = g_main_context_ref_thread_default ();
  self->ending = FALSE;
  g_signal_connect (self->engine, "notify::pipeline", G_CALLBACK (on_engine_pipeline), self);
  g_signal_connect (self->engine, "call-added", G_CALLBACK (on_call_added), self);
  g_signal_connect (self->engine, "call-removed", G_CALLBACK (on_call_removed), self);
  g_signal_connect (self->engine, "call-failed", G_CALLBACK (on_call_failed), self);
  g_signal_connect (blink_call_manager_get_signaller (self->engine), "notify::ipfs-state",
                    G_CALLBACK (on_ipfs_state), self);

  GST_INFO_OBJECT (self, "Started as %s", blink_call_manager_get_did (self->engine));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DID]);
  post (self, gst_structure_new ("blink-ready", "did", G_TYPE_STRING,
                                 blink_call_manager_get_did (self->engine), NULL));
  return TRUE;
}

/* Not stopped by an end of stream: leave at once, without waiting. */
static void
stop (GstBlinkCall *self)
{
  BlinkSignaller *signaller;

  if (self->engine == NULL)
    return;

  /* After an end of stream the engine has stopped, its signaller gone. */
  signaller = blink_call_manager_get_signaller (self->engine);
  if (signaller != NULL)
    g_signal_handlers_disconnect_by_data (signaller, self);
  g_signal_handlers_disconnect_by_data (self->engine, self);
  g_mutex_lock (&self->engine_lock);
  gst_clear_object (&self->engine_send);
  gst_clear_caps (&self->engine_caps);
  g_mutex_unlock (&self->engine_lock);
  g_clear_object (&self->engine);
  g_clear_pointer (&self->context, g_main_context_unref);
}

static void
on_engine_stopped (GObject *source,
                   GAsyncResult *result,
                   gpointer user_data)
{
  g_autoptr (GstBlinkCall) self = user_data;

  blink_call_manager_stop_finish (BLINK_CALL_MANAGER (source), result, NULL);
  GST_INFO_OBJECT (self, "Every call left: ending the stream");
  gst_app_src_end_of_stream (GST_APP_SRC (self->heard));
}

static gboolean
end_calls (gpointer user_data)
{
  GstBlinkCall *self = user_data;

  if (self->engine == NULL || self->ending)
    return G_SOURCE_REMOVE;
  self->ending = TRUE;
  blink_call_manager_stop_async (self->engine, on_engine_stopped, gst_object_ref (self));
  return G_SOURCE_REMOVE;
}

/* From any thread: leave every call properly first, then end the heard
 * stream. */
static void
schedule_end (GstBlinkCall *self)
{
  if (self->context != NULL)
    blink_context_invoke (self->context, end_calls, gst_object_ref (self), gst_object_unref);
}

/* End of stream from upstream. */
static GstPadProbeReturn
on_send_event (GstPad *pad,
               GstPadProbeInfo *info,
               gpointer user_data)
{
  if (GST_EVENT_TYPE (GST_PAD_PROBE_INFO_EVENT (info)) == GST_EVENT_EOS)
    schedule_end (user_data);
  return GST_PAD_PROBE_OK;
}

/* An end of stream sent to the pipeline (gst-launch-1.0 -e on Ctrl-C)
 * reaches the bin as a source, since it holds one: it must not end the
 * heard stream before the calls are left. */
static gboolean
gst_blink_call_send_event (GstElement *element,
                           GstEvent *event)
{
  if (GST_EVENT_TYPE (event) == GST_EVENT_EOS)
    {
      schedule_end (GST_BLINK_CALL (element));
      gst_event_unref (event);
      return TRUE;
    }
  return GST_ELEMENT_CLASS (gst_blink_call_parent_class)->send_event (element, event);
}

static GstStateChangeReturn
gst_blink_call_change_state (GstElement *element,
                             GstStateChange transition)
{
  GstBlinkCall *self = GST_BLINK_CALL (element);
  GstStateChangeReturn ret;

  if (transition == GST_STATE_CHANGE_NULL_TO_READY && !start (self))
    return GST_STATE_CHANGE_FAILURE;

  ret = GST_ELEMENT_CLASS (gst_blink_call_parent_class)->change_state (element, transition);

  if (transition == GST_STATE_CHANGE_READY_TO_PAUSED && ret != GST_STATE_CHANGE_FAILURE)
    offer_pending_call (self);
  if (transition == GST_STATE_CHANGE_READY_TO_NULL)
    stop (self);
  return ret;
}

/* ---- GObject ---- */

static void
gst_blink_call_get_property (GObject *object,
                             guint prop_id,
                             GValue *value,
                             GParamSpec *pspec)
{
  GstBlinkCall *self = GST_BLINK_CALL (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id)
    {
    case PROP_IDENTITY:
      g_value_set_string (value, self->identity);
      break;
    case PROP_PROFILE:
      g_value_set_string (value, self->profile);
      break;
    case PROP_IPFS_API:
      g_value_set_string (value, self->ipfs_api);
      break;
    case PROP_ICE_ADDRESSES:
      g_value_set_string (value, self->ice_addresses);
      break;
    case PROP_STUN_SERVER:
      g_value_set_string (value, self->stun_server);
      break;
    case PROP_TURN_SERVERS:
      g_value_set_string (value, self->turn_servers);
      break;
    case PROP_CALL:
      g_value_set_string (value, self->call);
      break;
    case PROP_AUTO_ANSWER:
      g_value_set_boolean (value, self->auto_answer);
      break;
    case PROP_RINGING_TIMEOUT:
      g_value_set_uint (value, self->ringing_timeout_s);
      break;
    case PROP_LATENCY:
      g_value_set_uint (value, self->latency_ms);
      break;
    case PROP_DID:
      g_value_set_string (value,
                          self->engine != NULL ? blink_call_manager_get_did (self->engine) : NULL);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
  GST_OBJECT_UNLOCK (self);
}

static void
set_string (char **field,
            const GValue *value)
{
  g_free (*field);
  *field = g_value_dup_string (value);
}

static void
gst_blink_call_set_property (GObject *object,
                             guint prop_id,
                             const GValue *value,
                             GParamSpec *pspec)
{
  GstBlinkCall *self = GST_BLINK_CALL (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id)
    {
    case PROP_IDENTITY:
      set_string (&self->identity, value);
      break;
    case PROP_PROFILE:
      set_string (&self->profile, value);
      break;
    case PROP_IPFS_API:
      set_string (&self->ipfs_api, value);
      break;
    case PROP_ICE_ADDRESSES:
      set_string (&self->ice_addresses, value);
      break;
    case PROP_STUN_SERVER:
      set_string (&self->stun_server, value);
      break;
    case PROP_TURN_SERVERS:
      set_string (&self->turn_servers, value);
      break;
    case PROP_CALL:
      set_string (&self->call, value);
      break;
    case PROP_AUTO_ANSWER:
      self->auto_answer = g_value_get_boolean (value);
      break;
    case PROP_RINGING_TIMEOUT:
      self->ringing_timeout_s = g_value_get_uint (value);
      break;
    case PROP_LATENCY:
      self->latency_ms = g_value_get_uint (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_blink_call_dispose (GObject *object)
{
  GstBlinkCall *self = GST_BLINK_CALL (object);

  stop (self);

  G_OBJECT_CLASS (gst_blink_call_parent_class)->dispose (object);
}

static void
gst_blink_call_finalize (GObject *object)
{
  GstBlinkCall *self = GST_BLINK_CALL (object);

  g_mutex_clear (&self->engine_lock);
  g_free (self->identity);
  g_free (self->profile);
  g_free (self->ipfs_api);
  g_free (self->ice_addresses);
  g_free (self->stun_server);
  g_free (self->turn_servers);
  g_free (self->call);

  G_OBJECT_CLASS (gst_blink_call_parent_class)->finalize (object);
}

static void
gst_blink_call_class_init (GstBlinkCallClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY;

  object_class->get_property = gst_blink_call_get_property;
  object_class->set_property = gst_blink_call_set_property;
  object_class->dispose = gst_blink_call_dispose;
  object_class->finalize = gst_blink_call_finalize;
  element_class->change_state = gst_blink_call_change_state;
  element_class->send_event = gst_blink_call_send_event;

  gst_element_class_set_static_metadata (
    element_class, "Blink call", "Filter/Network/Audio",
    "A peer-to-peer, end-to-end encrypted voice call with people named by did:key: sends what "
    "reaches its sink, plays what they say",
    "The Blink developers");
  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);

  properties[PROP_IDENTITY] =
    g_param_spec_string ("identity", "Identity",
                         "Key file of the user's identity; unset for "
                         "$XDG_CONFIG_HOME/blink/identity.key (created on first use)",
                         NULL, rw);
  properties[PROP_PROFILE] =
    g_param_spec_string ("profile", "Profile",
                         "Use the identity of this profile "
                         "($XDG_CONFIG_HOME/blink/NAME/identity.key) instead of identity",
                         NULL, rw);
  properties[PROP_IPFS_API] =
    g_param_spec_string ("ipfs-api", "IPFS API",
                         "RPC API of the IPFS node, as a multiaddr or URL; unset for "
                         "$BLINK_IPFS_API, $IPFS_API, $IPFS_PATH/api, then /ip4/127.0.0.1/tcp/5001",
                         NULL, rw);
  properties[PROP_ICE_ADDRESSES] =
    g_param_spec_string ("ice-addresses", "ICE addresses",
                         "Local addresses ICE may use, comma-separated; all when unset", NULL, rw);
  properties[PROP_STUN_SERVER] =
    g_param_spec_string ("stun-server", "STUN server", "stun://HOST:PORT", NULL, rw);
  properties[PROP_TURN_SERVERS] =
    g_param_spec_string ("turn-servers", "TURN servers",
                         "turn(s)://USER@HOST:PORT, comma-separated; the password from "
                         "$BLINK_TURN_PASSWORD (a command line is readable by every local user)",
                         NULL, rw);
  properties[PROP_CALL] =
    g_param_spec_string ("call", "Call",
                         "Whom to call once the IPFS node answers: did:key addresses, "
                         "comma-separated (more than one makes a group call)",
                         NULL, rw);
  properties[PROP_AUTO_ANSWER] =
    g_param_spec_boolean ("auto-answer", "Auto-answer", "Accept every incoming call", FALSE, rw);
  properties[PROP_RINGING_TIMEOUT] =
    g_param_spec_uint ("ringing-timeout", "Ringing timeout", "Seconds an unanswered call rings",
                       1, 3600, 60, rw);
  properties[PROP_LATENCY] =
    g_param_spec_uint ("latency", "Latency", "Jitter buffer, ms", 10, 1000, 40, rw);
  properties[PROP_DID] =
    g_param_spec_string ("did", "DID", "The user's address, did:key:z6Mk… (from READY on)", NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * GstBlinkCall::offer:
   * @dids: whom to call
   *
   * Returns: (transfer full) (nullable): the call's id
   */
  signals[SIGNAL_OFFER] =
    g_signal_new_class_handler ("offer", G_TYPE_FROM_CLASS (klass),
                                G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION,
                                G_CALLBACK (gst_blink_call_offer), NULL, NULL, NULL, G_TYPE_STRING,
                                1, G_TYPE_STRV);
  /**
   * GstBlinkCall::accept:
   * @call_id: (nullable): the call; %NULL for the first ringing one
   *
   * Returns: whether it was answered
   */
  signals[SIGNAL_ACCEPT] =
    g_signal_new_class_handler ("accept", G_TYPE_FROM_CLASS (klass),
                                G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION,
                                G_CALLBACK (gst_blink_call_accept), NULL, NULL, NULL,
                                G_TYPE_BOOLEAN, 1, G_TYPE_STRING);
  /**
   * GstBlinkCall::decline:
   * @call_id: (nullable): the call; %NULL for the first ringing one
   */
  signals[SIGNAL_DECLINE] =
    g_signal_new_class_handler ("decline", G_TYPE_FROM_CLASS (klass),
                                G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION,
                                G_CALLBACK (gst_blink_call_decline), NULL, NULL, NULL,
                                G_TYPE_BOOLEAN, 1, G_TYPE_STRING);
  /**
   * GstBlinkCall::hang-up:
   *
   * Leaves the active call, or withdraws it while it rings.
   */
  signals[SIGNAL_HANG_UP] =
    g_signal_new_class_handler ("hang-up", G_TYPE_FROM_CLASS (klass),
                                G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION,
                                G_CALLBACK (gst_blink_call_hang_up), NULL, NULL, NULL,
                                G_TYPE_BOOLEAN, 0);

  GST_DEBUG_CATEGORY_INIT (gst_blink_call_debug, "blinkcall", 0, "A Blink call as an element");
}

static void
gst_blink_call_init (GstBlinkCall *self)
{
  GstAppSinkCallbacks callbacks = { .new_sample = on_send_sample };
  g_autoptr (GstCaps) heard_caps = gst_caps_from_string (HEARD_CAPS);
  g_autoptr (GstPad) send_pad = NULL;
  g_autoptr (GstPad) heard_pad = NULL;
  GstPad *ghost;

  g_mutex_init (&self->engine_lock);
  self->ringing_timeout_s = 60;
  self->latency_ms = 40;

  self->send = gst_element_factory_make ("appsink", "send");
  g_object_set (self->send, "sync", FALSE, "max-buffers", 20, "drop", TRUE, NULL);
  gst_app_sink_set_callbacks (GST_APP_SINK (self->send), &callbacks, self, NULL);
  self->heard = gst_element_factory_make ("appsrc", "heard");
  g_object_set (self->heard, "is-live", TRUE, "format", GST_FORMAT_TIME, "do-timestamp", TRUE,
                "caps", heard_caps, "max-buffers", (guint64) 20, "leaky-type", 2 /* the oldest */,
                NULL);
  gst_bin_add_many (GST_BIN (self), self->send, self->heard, NULL);

  send_pad = gst_element_get_static_pad (self->send, "sink");
  gst_pad_add_probe (send_pad, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, on_send_event, self, NULL);
  ghost = gst_ghost_pad_new_from_template (
    "sink", send_pad, gst_element_class_get_pad_template (GST_ELEMENT_GET_CLASS (self), "sink"));
  gst_element_add_pad (GST_ELEMENT (self), ghost);
  heard_pad = gst_element_get_static_pad (self->heard, "src");
  ghost = gst_ghost_pad_new_from_template (
    "src", heard_pad, gst_element_class_get_pad_template (GST_ELEMENT_GET_CLASS (self), "src"));
  gst_element_add_pad (GST_ELEMENT (self), ghost);
}
