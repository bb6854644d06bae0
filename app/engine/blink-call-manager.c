/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "blink-call-manager"

#include "config.h"

#include "blink-call-manager.h"

#include "blink-audio-pipeline.h"
#include "blink-connections.h"
#include "blink-context.h"
#include "blink-did.h"
#include "blink-recorder.h"
#include "blink-level-relay.h"
#include "blink-loss-adapter.h"
#include "blink-signaller.h"
#include "blink-voice-activity.h"

#include <glib/gi18n-lib.h>
#include <gst/gst.h>
#include <ifaddrs.h>
#include <math.h>
#include <netinet/in.h>

/* Turns signaling into calls (docs/engine.md): the state machine of
 * DESIGN §3. Many pending incoming calls, at most one active call, whose
 * connections BlinkConnections keeps. Who is in a call and in which state
 * is the signaller's (BlinkSignallerCall); BlinkCall and BlinkParticipant
 * are what front ends show, told here. Everything runs on the context the
 * manager started on. */

#define DEFAULT_LATENCY_MS 40
/* Offers cross when each is sent before the other's arrives: within a
 * delivery or two (an offer not acknowledged is sent again every second).
 * A later offer from the one we call is a call back once ours stopped
 * ringing there (their ringing ended, their blinkd restarted): it rings. */
#define CROSSING_WINDOW_US (2 * G_USEC_PER_SEC)
/* How long hanging up waits for the peer connections to close. */
#define TEARDOWN_TIMEOUT_MS 5000
/* How long stopping waits for its last messages (leaves, cancels) to be
 * taken by the IPFS node. */
#define STOP_SEND_WAIT_MS 2000

enum
{
  PROP_0,
  PROP_IDENTITY,
  PROP_IPFS_API,
  PROP_AUDIO_SOURCE,
  PROP_AUDIO_SINK,
  PROP_AUDIO_FORMAT,
  PROP_AUDIO_PROCESSING,
  PROP_AUDIO_PROCESSING_MODE,
  PROP_ICE_ADDRESSES,
  PROP_STUN_SERVER,
  PROP_TURN_SERVERS,
  PROP_LATENCY,
  PROP_RINGING_TIMEOUT,
  PROP_ANNOUNCE_INTERVAL,
  PROP_DID,
  PROP_ACTIVE_CALL,
  PROP_PIPELINE,
  PROP_CERTIFICATE_MISMATCHES,
  PROP_SIGNALS_DROPPED,
  PROP_CONNECT_EARLY,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum
{
  SIGNAL_CALL_ADDED,
  SIGNAL_CALL_REMOVED,
  SIGNAL_CALL_FAILED,
  SIGNAL_PARTICIPANT_FAILED,
  SIGNAL_CONNECTION_CLOSED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

struct _BlinkCallManager
{
  GObject parent_instance;

  char *identity_path;
  char *ipfs_api;
  char *audio_source;
  char *audio_sink;
  GstDevice *devices[2]; /* by BlinkDeviceKind, in place of audio_source/sink; NULL: those */
  BlinkAudioFormat audio_format;
  BlinkAudioProcessing audio_processing;
  BlinkAudioProcessingMode audio_processing_mode;
  char **ice_addresses;
  char *stun_server;
  char **turn_servers;
  BlinkRelayPolicy relay;
  char **known; /* who is no stranger, for the relay policy */
  guint latency_ms;
  guint ringing_timeout_s;
  guint announce_interval_ms;
  GThread *warm_up_thread; /* until joined */
  gboolean handing_over; /* the media, from the active call to a new one */

  GMainContext *context;
  BlinkSignaller *signaller;
  BlinkConnections *connections;
  BlinkLossAdapter *loss_adapter;
  GPtrArray *calls; /* BlinkCall*, not ended */
  BlinkCall *active;
  /* An incoming call that rings while no call is active, connected before
   * it is answered (docs/engine.md, "Instant answer"); NULL: none. */
  BlinkCall *early;
  gboolean connect_early;
  BlinkAudioPipeline *media;
  gboolean media_stand_in; /* the media's devices are stand-ins: a call only rings */
  GNetworkMonitor *network_monitor;
  GSource *network_settle; /* the network changed: connections made again when it fires */
  char *addresses;         /* the machine's, when last looked at (local_addresses()) */
  GSource *bus_watch;
  BlinkLevelRelay *level_relay;
  GSource *quality_poll; /* the active call's statistics, every second */
  gboolean quality_polling; /* a poll waits for its statistics */
  GPtrArray *retired; /* BlinkAudioPipeline* of an earlier format, until its peers closed */
  gboolean muted;
  gboolean deafened;
  BlinkRecorder *recorder; /* the active call's recording; NULL when none */

  GPtrArray *ending; /* BlinkCall* waiting for their peers to close */
  GSource *teardown;
  GTask *stop_task;
  guint media_stopping; /* pipelines still stopping */
  gboolean stop_sending; /* stopping: the last messages not out yet */
};

G_DEFINE_FINAL_TYPE (BlinkCallManager, blink_call_manager, G_TYPE_OBJECT)

/* Changes of the network closer together than this are one change: a new
 * address comes with new routes, each notified. */
#define NETWORK_SETTLE_MS 300

/* How often the active call's connections are judged (docs/engine.md,
 * "Quality warnings"): a warning changes at most this often. */
#define QUALITY_POLL_INTERVAL_MS 1000

static void check_call_end (BlinkCallManager *self, BlinkCall *call);
static void end_call (BlinkCallManager *self, BlinkCall *call);

static void drop_early (BlinkCallManager *self,
                        gboolean rings_on);
static void media_release_if_idle (BlinkCallManager *self);

static void
remove_call (BlinkCallManager *self,
             BlinkCall *call)
{
  g_autoptr (BlinkCall) keep = g_object_ref (call);

  if (call == self->early)
    {
      drop_early (self, FALSE);
      media_release_if_idle (self);
    }
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
  /* Our voice goes only into the active call. */
  if (self->active != NULL)
    blink_call_stop_speaking (self->active);
  g_set_object (&self->active, call);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ACTIVE_CALL]);
}

/* The call whose connections there are: the active one, else the one
 * that rings here and connects early. */
static BlinkCall *
connected_call (BlinkCallManager *self)
{
  return self->active != NULL ? self->active : self->early;
}

static gboolean
is_connected (BlinkCallManager *self,
              const char *id)
{
  BlinkCall *call = connected_call (self);

  return call != NULL && g_strcmp0 (blink_call_get_id (call), id) == 0;
}

/* A new connection to @participant is being made: one who was connected
 * is connecting again until it is up; one who rings rings on. */
static void
reconnecting (BlinkParticipant *participant)
{
  if (blink_participant_get_state (participant) == BLINK_PARTICIPANT_STATE_CONNECTED)
    blink_participant_set_state (participant, BLINK_PARTICIPANT_STATE_CONNECTING);
}

/* ---- media ---- */

static void
return_stopped (BlinkCallManager *self)
{
  g_autoptr (GTask) task = g_steal_pointer (&self->stop_task);

  g_task_return_boolean (task, TRUE);
}

/* Stopping the engine is over once its devices are released and its
 * recordings finished. */
static void
media_stopped_one (BlinkCallManager *self)
{
  if (--self->media_stopping == 0 && self->stop_task != NULL && self->signaller == NULL &&
      !self->stop_sending)
    return_stopped (self);
}

static void
on_media_stopped (GObject *source,
                  GAsyncResult *result,
                  gpointer user_data)
{
  g_autoptr (BlinkCallManager) self = user_data;

  blink_audio_pipeline_stop_finish (BLINK_AUDIO_PIPELINE (source), result, NULL);
  media_stopped_one (self);
}

static void
media_stop (BlinkCallManager *self,
            BlinkAudioPipeline *media)
{
  self->media_stopping++;
  blink_audio_pipeline_stop_async (media, on_media_stopped, g_object_ref (self));
}

static void
media_stop_retired (BlinkCallManager *self)
{
  for (guint i = 0; i < self->retired->len; i++)
    media_stop (self, g_ptr_array_index (self->retired, i));
  g_ptr_array_set_size (self->retired, 0);
}

static void
media_drop (BlinkCallManager *self)
{
  if (self->media == NULL)
    return;
  blink_clear_source (&self->bus_watch);
  g_clear_pointer (&self->level_relay, blink_level_relay_detach);
  blink_clear_source (&self->quality_poll);
  if (self->loss_adapter != NULL)
    blink_loss_adapter_set_media (self->loss_adapter, NULL);
  g_clear_object (&self->media);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PIPELINE]);
}

/* The pipeline must not stop under connections that are still closing:
 * their streaming threads would wait on the stopped mixer while the
 * closing waits on them. */
static void
media_release_if_idle (BlinkCallManager *self)
{
  if (blink_connections_get_n_closing (self->connections) > 0)
    return;

  media_stop_retired (self);
  if (self->active != NULL || self->early != NULL || self->media == NULL || self->handing_over)
    return;

  g_debug ("No call and no connection: releasing the audio devices");
  media_stop (self, self->media);
  media_drop (self);
}

/* ---- speaking and quality (docs/engine.md, "Speaking", "Quality warnings") ---- */

/* A level of what we send, or of what a participant sends us. */
static void
on_level (BlinkCallManager *self,
          GstObject *source,
          double rms_db,
          GTimeSpan duration)
{
  gint64 now = g_get_monotonic_time ();
  BlinkParticipant *p;
  const char *did;

  if (self->active == NULL)
    return;
  if (blink_audio_pipeline_is_self_level (self->media, source))
    {
      blink_call_push_self_level (self->active, rms_db, duration, now);
      return;
    }
  did = blink_connections_find_owner (self->connections, source);
  if (did != NULL && (p = blink_call_find_participant (self->active, did)) != NULL)
    blink_participant_push_level (p, rms_db, duration, now);
}

static void
on_quality_stats (GObject *source,
                  GAsyncResult *result,
                  gpointer user_data)
{
  g_autoptr (BlinkCallManager) self = user_data;
  g_autoptr (GHashTable) stats = NULL;
  gint64 now = g_get_monotonic_time ();
  GHashTableIter iter;
  const char *did;
  const BlinkConnectionStats *figures;

  self->quality_polling = FALSE;
  stats = blink_connections_get_stats_finish (BLINK_CONNECTIONS (source), result, NULL);
  if (stats == NULL || self->active == NULL)
    return;
  blink_loss_adapter_push_stats (self->loss_adapter, stats);
  g_hash_table_iter_init (&iter, stats);
  while (g_hash_table_iter_next (&iter, (gpointer *) &did, (gpointer *) &figures))
    {
      BlinkParticipant *p = blink_call_find_participant (self->active, did);

      if (p == NULL)
        continue;
      blink_participant_push_stats (p, figures, now);
      /* No audio, no levels: a voice that stopped coming has stopped. */
      if (figures->last_media_time != 0 && now - figures->last_media_time >= BLINK_VOICE_OFF_US)
        blink_participant_push_level (p, -INFINITY, BLINK_VOICE_OFF_US, now);
    }
}

static gboolean
on_quality_poll (gpointer user_data)
{
  BlinkCallManager *self = user_data;

  if (self->active != NULL && !self->quality_polling)
    {
      self->quality_polling = TRUE;
      blink_connections_get_stats_async (self->connections, on_quality_stats,
                                         g_object_ref (self));
    }
  return G_SOURCE_CONTINUE;
}

/* Levels feed the speaking indicators. */
static void
on_level_message (GstMessage *message,
                  gpointer user_data)
{
  double rms_db;
  GTimeSpan duration;

  if (blink_voice_activity_parse_level (message, &rms_db, &duration))
    on_level (user_data, GST_MESSAGE_SRC (message), rms_db, duration);
}

/* Errors of the call's elements: a connection's end that connection, a
 * device's end the active call with the error (it reaches D-Bus). */
static gboolean
on_bus_message (GstBus *bus,
                GstMessage *message,
                gpointer user_data)
{
  BlinkCallManager *self = user_data;
  g_autoptr (GError) error = NULL;
  g_autofree char *debug = NULL;
  const char *did;

  if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_WARNING)
    {
      gst_message_parse_warning (message, &error, &debug);
      g_message ("%s: %s (%s)", GST_OBJECT_NAME (GST_MESSAGE_SRC (message)), error->message,
                 debug);
      return G_SOURCE_CONTINUE;
    }
  if (GST_MESSAGE_TYPE (message) != GST_MESSAGE_ERROR)
    return G_SOURCE_CONTINUE;

  /* Not a warning of ours: what failed is reported as the call's error. */
  gst_message_parse_error (message, &error, &debug);
  g_message ("%s: %s (%s)", GST_OBJECT_NAME (GST_MESSAGE_SRC (message)), error->message, debug);

  /* A device swapped out (answering a call that rang, a device change)
   * may fail as it is stopped, e.g. "not-negotiated" when stopped while it
   * negotiated: it is out of the pipeline by now, and says nothing of the
   * call. */
  if (self->media == NULL ||
      !gst_object_has_as_ancestor (GST_MESSAGE_SRC (message),
                                   GST_OBJECT (blink_audio_pipeline_get_bin (self->media))))
    return G_SOURCE_CONTINUE;

  did = blink_connections_find_owner (self->connections, GST_MESSAGE_SRC (message));
  if (did != NULL)
    {
      BlinkCall *call = connected_call (self);
      BlinkParticipant *p = call != NULL ? blink_call_find_participant (call, did) : NULL;

      /* A call that only rings here rings on: connected again on answering;
       * and so does a callee whose connection was made ahead. */
      if (blink_connections_close_broken (self->connections, GST_MESSAGE_SRC (message), error) &&
          p != NULL && call != self->early)
        blink_participant_set_state (p, BLINK_PARTICIPANT_STATE_LEFT);
      if (call != NULL)
        check_call_end (self, call);
      return G_SOURCE_CONTINUE;
    }

  if (self->active != NULL)
    {
      g_autoptr (BlinkCall) call = g_object_ref (self->active);
      g_autoptr (GError) call_error =
        g_error_new (BLINK_CALL_ERROR, BLINK_CALL_ERROR_DEVICE,
                     _("The call ended: an audio device failed (%s)"), error->message);

      g_signal_emit (self, signals[SIGNAL_CALL_FAILED], 0, call, call_error);
      end_call (self, call);
    }
  return G_SOURCE_CONTINUE;
}

/* While a call only rings, its pipeline opens no device: a silent source
 * and a sink that plays nowhere stand in for them until it is answered. */
#define STAND_IN_SOURCE "audiotestsrc wave=silence is-live=true"
#define STAND_IN_SINK "fakesink sync=true"

/* The stand-ins make way for the user's devices: the call is answered. */
static gboolean
media_open_devices (BlinkCallManager *self,
                    GError **error)
{
  if (!self->media_stand_in)
    return TRUE;
  if (!blink_audio_pipeline_set_source (self->media, self->devices[BLINK_DEVICE_MICROPHONE],
                                        self->audio_source, error))
    return FALSE;
  if (!blink_audio_pipeline_set_playback (self->media, self->devices[BLINK_DEVICE_SPEAKER],
                                          self->audio_sink, error))
    {
      /* The call rings on: not with our microphone open. */
      blink_audio_pipeline_set_source (self->media, NULL, STAND_IN_SOURCE, NULL);
      return FALSE;
    }
  self->media_stand_in = FALSE;
  return TRUE;
}

/* Makes the pipeline for @format, the active call's; a pipeline of another
 * format is retired until its connections have closed. With @stand_in,
 * for a call that only rings, it opens no device, but processes the
 * capture as the devices it stands in for will be. */
static gboolean
media_ensure_full (BlinkCallManager *self,
                   const BlinkAudioFormat *format,
                   gboolean stand_in,
                   GError **error)
{
  g_autoptr (BlinkAudioPipeline) media = NULL;
  g_autoptr (GstBus) bus = NULL;
  BlinkAudioProcessingMode mode = self->audio_processing_mode;

  if (self->media != NULL &&
      blink_audio_format_equal (blink_audio_pipeline_get_format (self->media), format))
    return stand_in || media_open_devices (self, error);

  if (stand_in && mode == BLINK_AUDIO_PROCESSING_MODE_AUTO)
    mode = self->devices[BLINK_DEVICE_MICROPHONE] != NULL ||
               blink_audio_processing_for_description (mode, self->audio_processing,
                                                       self->audio_source) != BLINK_AUDIO_PROCESSING_NONE
             ? BLINK_AUDIO_PROCESSING_MODE_ON
             : BLINK_AUDIO_PROCESSING_MODE_OFF;
  media = stand_in ? blink_audio_pipeline_new_full (STAND_IN_SOURCE, NULL, STAND_IN_SINK, NULL,
                                                    format, mode, self->audio_processing, error)
                   : blink_audio_pipeline_new_full (self->audio_source,
                                                    self->devices[BLINK_DEVICE_MICROPHONE],
                                                    self->audio_sink,
                                                    self->devices[BLINK_DEVICE_SPEAKER], format,
                                                    mode, self->audio_processing, error);
  if (media == NULL)
    return FALSE;

  blink_audio_pipeline_set_muted (media, self->muted);
  blink_audio_pipeline_set_deafened (media, self->deafened);
  if (!blink_audio_pipeline_start (media, error))
    return FALSE;

  if (self->media != NULL)
    {
      g_ptr_array_add (self->retired, g_object_ref (self->media));
      media_drop (self);
    }
  self->media = g_steal_pointer (&media);
  self->media_stand_in = stand_in;
  blink_loss_adapter_set_media (self->loss_adapter, self->media);
  bus = gst_element_get_bus (GST_ELEMENT (blink_audio_pipeline_get_bin (self->media)));
  self->bus_watch = gst_bus_create_watch (bus);
  g_source_set_callback (self->bus_watch, (GSourceFunc) G_CALLBACK (on_bus_message), self, NULL);
  g_source_attach (self->bus_watch, self->context);
  self->level_relay = blink_level_relay_attach (bus, self->context, on_level_message, self);
  self->quality_poll = blink_context_add_timeout (self->context, QUALITY_POLL_INTERVAL_MS,
                                                  on_quality_poll, self, NULL);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PIPELINE]);
  return TRUE;
}

static gboolean
media_ensure (BlinkCallManager *self,
              const BlinkAudioFormat *format,
              GError **error)
{
  return media_ensure_full (self, format, FALSE, error);
}

/* ---- ending ---- */

static void finish_stop (BlinkCallManager *self);

static void
finish_ending_calls (BlinkCallManager *self)
{
  g_autoptr (GPtrArray) ended = NULL;

  if (blink_connections_get_n_closing (self->connections) > 0 && self->teardown != NULL)
    return;

  blink_clear_source (&self->teardown);
  ended = g_steal_pointer (&self->ending);
  self->ending = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < ended->len; i++)
    remove_call (self, g_ptr_array_index (ended, i));

  media_release_if_idle (self);
  if (self->stop_task != NULL && blink_connections_get_n_closing (self->connections) == 0)
    finish_stop (self);
}

static gboolean
on_teardown_timeout (gpointer user_data)
{
  BlinkCallManager *self = user_data;

  g_warning ("%u peer connections did not close in time",
             blink_connections_get_n_closing (self->connections));
  blink_clear_source (&self->teardown);
  finish_ending_calls (self);
  return G_SOURCE_REMOVE;
}

/* ---- recording ---- */

/* @user_data: a GTask of the manager's, returned once the files are
 * finished. */
static void
on_recorder_stopped (GObject *source,
                     GAsyncResult *result,
                     gpointer user_data)
{
  g_autoptr (GTask) task = user_data;

  blink_recorder_stop_finish (BLINK_RECORDER (source), result, NULL);
  media_stopped_one (g_task_get_source_object (task));
  g_task_return_boolean (task, TRUE);
}

/* Stops recording the active call; its files are finished off the main
 * loop, and stopping the engine waits for them as for a pipeline. @task,
 * if any, returns when they are. */
static void
recording_stop (BlinkCallManager *self,
                GTask *task)
{
  g_autoptr (BlinkRecorder) recorder = g_steal_pointer (&self->recorder);

  if (recorder == NULL)
    return;
  blink_connections_set_recorder (self->connections, NULL);
  self->media_stopping++;
  blink_recorder_stop_async (recorder, on_recorder_stopped,
                             task != NULL ? g_object_ref (task)
                                          : g_task_new (self, NULL, NULL, NULL));
  blink_call_set_recording (self->active, NULL);
}

/* Leaves @call: peers are told, connections closed; the call ends when
 * every connection has closed (bounded by TEARDOWN_TIMEOUT_MS). */
static void
end_call (BlinkCallManager *self,
          BlinkCall *call)
{
  g_autoptr (GError) error = NULL;

  if (blink_call_get_state (call) >= BLINK_CALL_STATE_ENDING)
    return;

  g_debug ("Leaving call %s", blink_call_get_id (call));
  if (!blink_signaller_leave (self->signaller, blink_call_get_id (call), &error))
    g_debug ("%s", error->message);
  blink_call_set_state (call, BLINK_CALL_STATE_ENDING);

  if (call != self->active)
    {
      remove_call (self, call);
      return;
    }

  recording_stop (self, NULL);
  blink_connections_close_all (self->connections);
  set_active (self, NULL);

  g_ptr_array_add (self->ending, g_object_ref (call));
  if (blink_connections_get_n_closing (self->connections) == 0)
    {
      finish_ending_calls (self);
      return;
    }
  if (self->teardown == NULL)
    self->teardown = blink_context_add_timeout (self->context, TEARDOWN_TIMEOUT_MS,
                                                on_teardown_timeout, self, NULL);
}

/* A new call takes the media over from the active one: that one is left,
 * and the devices are not released while it ends. */
static void
hand_media_over (BlinkCallManager *self)
{
  drop_early (self, TRUE);
  if (self->active == NULL)
    return;
  self->handing_over = TRUE;
  end_call (self, self->active);
  self->handing_over = FALSE;
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
  if (call == connected_call (self))
    blink_connections_close (self->connections, did);
  check_call_end (self, call);
}

/* ---- connection events ---- */

static void
on_local_description (BlinkConnections *connections,
                      const char *did,
                      guint connection,
                      const char *type,
                      const char *sdp,
                      BlinkCallManager *self)
{
  g_autoptr (GError) error = NULL;
  BlinkCall *call = connected_call (self);

  if (call != NULL &&
      !blink_signaller_send_sdp (self->signaller, blink_call_get_id (call), did, connection, type,
                                 sdp, &error))
    g_warning ("Cannot send the SDP %s to %s: %s", type, did, error->message);
}

static void
on_local_candidate (BlinkConnections *connections,
                    const char *did,
                    guint connection,
                    guint mline,
                    const char *candidate,
                    BlinkCallManager *self)
{
  g_autoptr (GError) error = NULL;
  BlinkCall *call = connected_call (self);

  if (call != NULL &&
      !blink_signaller_send_ice_candidate (self->signaller, blink_call_get_id (call), did, connection,
                                           mline, candidate, &error))
    g_warning ("Cannot send an ICE candidate to %s: %s", did, error->message);
}

/* @did's connection in the active call is up, and they have answered:
 * they are in the call. */
static void
participant_connected (BlinkCallManager *self,
                       const char *did)
{
  BlinkParticipant *participant = blink_call_find_participant (self->active, did);
  BlinkPeer *peer = blink_connections_get_peer (self->connections, did);

  if (participant == NULL || peer == NULL ||
      blink_peer_get_state (peer) != BLINK_PEER_STATE_CONNECTED ||
      blink_participant_get_state (participant) == BLINK_PARTICIPANT_STATE_RINGING)
    return;
  blink_participant_set_state (participant, BLINK_PARTICIPANT_STATE_CONNECTED);
  blink_call_set_state (self->active, BLINK_CALL_STATE_STARTED);
}

static void
on_connected (BlinkConnections *connections,
              const char *did,
              const char *verification_code,
              BlinkCallManager *self)
{
  BlinkCall *call = connected_call (self);
  BlinkParticipant *participant = call != NULL ? blink_call_find_participant (call, did) : NULL;

  if (participant == NULL)
    return;
  blink_participant_set_verification_code (participant, verification_code);
  /* Connected while ringing, on either side: in the call once answered. */
  if (call == self->active)
    participant_connected (self, did);
}

/* ICE failed, or the certificate was not the signed one: the participant
 * failed, and why is said. */
static void
on_connection_failed (BlinkConnections *connections,
                      const char *did,
                      GError *failure,
                      BlinkCallManager *self)
{
  g_autoptr (BlinkCall) call = NULL;
  BlinkParticipant *participant;

  if (connected_call (self) == NULL ||
      (participant = blink_call_find_participant (connected_call (self), did)) == NULL ||
      blink_participant_state_is_final (blink_participant_get_state (participant)))
    return;
  /* Connecting while ringing through a TURN server that gives no relay:
   * the call rings on, and says so if it is answered (it connects then). */
  if (failure->code == BLINK_CALL_ERROR_NO_RELAY && connected_call (self) == self->early)
    {
      g_message ("Not connecting to %s before answering: %s", did, failure->message);
      drop_early (self, TRUE);
      return;
    }
  /* ICE failed, for a participant still in the call: a late answer, or a
   * network that changed. A new connection is made, a few times over; a
   * certificate that is not the signed one never, nor one that got no
   * relay (a wrong TURN password: a new one would ask the same), unless a
   * connection to them was up in this call: then a request to the TURN
   * server may have been lost on a network just changed. */
  if ((failure->code == BLINK_CALL_ERROR_FAILED ||
       (failure->code == BLINK_CALL_ERROR_NO_RELAY &&
        blink_connections_was_up (self->connections, did))) &&
      blink_connections_reconnect (self->connections, did))
    {
      g_message ("The connection to %s broke (%s): making a new one", did, failure->message);
      reconnecting (participant);
      return;
    }
  call = g_object_ref (connected_call (self));
  blink_participant_set_failed (participant, failure);
  g_signal_emit (self, signals[SIGNAL_PARTICIPANT_FAILED], 0, call, did, failure);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CERTIFICATE_MISMATCHES]);
  participant_gone (self, call, did, BLINK_PARTICIPANT_STATE_FAILED);
}

/* The participant vanished: it has left. */
static void
on_connection_lost (BlinkConnections *connections,
                    const char *did,
                    BlinkCallManager *self)
{
  g_debug ("Lost the connection to %s", did);
  if (connected_call (self) != NULL)
    participant_gone (self, connected_call (self), did, BLINK_PARTICIPANT_STATE_LEFT);
}

static void
on_connection_closed (BlinkConnections *connections,
                      const char *did,
                      BlinkCallManager *self)
{
  g_signal_emit (self, signals[SIGNAL_CONNECTION_CLOSED], 0, did);
  if (blink_connections_get_n_closing (connections) == 0)
    finish_ending_calls (self);
}

/* ---- instant answer (docs/engine.md) ---- */

/* The call that rang here is answered, declined or gone, or another
 * takes the media, or one of its connections got no TURN relay: its early
 * connections close (@rings_on: set aside, for when it is answered). */
static void
drop_early (BlinkCallManager *self,
            gboolean rings_on)
{
  if (self->early == NULL)
    return;
  g_debug ("Call %s no longer connects early", blink_call_get_id (self->early));
  /* Answered later, it connects anew, after what the caller still holds;
   * until then a resend of its offer is not told "connect" again. */
  if (rings_on)
    {
      blink_connections_set_aside (self->connections);
      blink_signaller_connect_later (self->signaller, blink_call_get_id (self->early), NULL);
    }
  else
    blink_connections_close_all (self->connections);
  g_clear_object (&self->early);
}

/* Connecting before answering tells the caller our addresses: only for
 * someone we know, or through relays that hide them; and never to a
 * stranger we do not even tell that we are online. */
static gboolean
may_connect_early (BlinkCallManager *self,
                   const char *caller)
{
  if (self->known != NULL && g_strv_contains ((const char *const *) self->known, caller))
    return TRUE;
  return blink_connections_relays (self->connections, caller) &&
         blink_signaller_answers_ringing (self->signaller, caller);
}

/* Makes the connection to @did in @call, the connected one; while it only
 * rings here, only to whom we may show our addresses before answering. */
static void
connect_to (BlinkCallManager *self,
            BlinkCall *call,
            const char *did)
{
  if (call == self->early && !may_connect_early (self, did))
    return;
  blink_connections_ensure (self->connections, did);
}

/* The connections to those we call are made ahead, quiet until they
 * answer: then only what they say is waited for (docs/engine.md,
 * "Connections made ahead"). */
static void
prepare_for_callees (BlinkCallManager *self,
                     BlinkCall *call)
{
  GPtrArray *participants = blink_call_get_participants (call);

  for (guint i = 0; i < participants->len; i++)
    {
      BlinkParticipant *p = g_ptr_array_index (participants, i);

      if (blink_participant_get_state (p) == BLINK_PARTICIPANT_STATE_RINGING)
        blink_connections_prepare (self->connections, blink_participant_get_did (p));
    }
}

/* While @call rings, and no call is active, its connections are set up,
 * held: answering only lets the audio through. */
static void
connect_early (BlinkCallManager *self,
               BlinkCall *call,
               const char *caller)
{
  g_autoptr (GError) error = NULL;
  GPtrArray *participants;

  if (!self->connect_early || self->active != NULL || self->early != NULL || self->media != NULL)
    return;
  if (!may_connect_early (self, caller))
    {
      g_debug ("Not connecting to %s before answering: a stranger, and no relay to keep our "
               "addresses from them", caller);
      return;
    }
  if (!media_ensure_full (self, blink_call_get_audio_format (call), TRUE, &error) ||
      !blink_signaller_connect_early (self->signaller, blink_call_get_id (call), &error))
    {
      g_message ("Call %s connects on answering only: %s", blink_call_get_id (call),
                 error->message);
      media_release_if_idle (self);
      return;
    }

  self->early = g_object_ref (call);
  blink_connections_set_call (self->connections, call, self->media);
  blink_connections_set_held (self->connections, TRUE);
  participants = blink_call_get_participants (call);
  for (guint i = 0; i < participants->len; i++)
    {
      BlinkParticipant *p = g_ptr_array_index (participants, i);

      if (blink_participant_get_state (p) == BLINK_PARTICIPANT_STATE_CONNECTING)
        connect_to (self, call, blink_participant_get_did (p));
    }
}

/* ---- crossed calls (docs/engine.md, "Crossed calls") ---- */

/* The one other person in @call, when it is between two. */
static const char *
other_of_two (BlinkCall *call)
{
  GPtrArray *participants = blink_call_get_participants (call);

  if (participants->len != 1)
    return NULL;
  return blink_participant_get_did (g_ptr_array_index (participants, 0));
}

/* Two people who call each other at once get one call, the one placed by
 * the greater DID: both sides decide alike from what both know. */
static gboolean
crossed_call_is_ours (BlinkCallManager *self,
                      const char *other)
{
  return g_strcmp0 (blink_signaller_get_did (self->signaller), other) > 0;
}

/* Our call to @other alone, placed here, not ended, and not answered by
 * them: an offer of theirs now crossed it. Once they have joined, an offer
 * of theirs is a new call (they call again from ours), which rings. */
static BlinkCall *
unanswered_call_to (BlinkCallManager *self,
                    const char *other)
{
  BlinkCall *call = self->active;

  if (call == NULL || blink_call_get_incoming (call) ||
      blink_call_get_state (call) >= BLINK_CALL_STATE_ENDING ||
      g_strcmp0 (other_of_two (call), other) != 0 ||
      blink_participant_get_state (blink_call_find_participant (call, other)) !=
        BLINK_PARTICIPANT_STATE_RINGING)
    return NULL;
  return call;
}

/* @other's call to us alone that rings here. */
static BlinkCall *
ringing_call_from (BlinkCallManager *self,
                   const char *other)
{
  for (guint i = 0; i < self->calls->len; i++)
    {
      BlinkCall *call = g_ptr_array_index (self->calls, i);

      if (call != self->active && blink_call_get_incoming (call) &&
          blink_call_get_state (call) == BLINK_CALL_STATE_RINGING &&
          g_strcmp0 (blink_call_get_caller (call), other) == 0 &&
          g_strcmp0 (other_of_two (call), other) == 0)
        return call;
    }
  return NULL;
}

/* Their call, which crossed ours, goes as if it had never come: they
 * withdraw it once they have ours. */
static void
forget_crossed (BlinkCallManager *self,
                const char *id,
                const char *caller)
{
  g_autoptr (GError) error = NULL;

  g_info ("Call %s from %s crossed ours: ours goes on", id, caller);
  if (!blink_signaller_forget (self->signaller, id, &error))
    g_debug ("%s", error->message);
}

/* Their call, which crossed @ours (if placed yet), is answered: ours is
 * left, withdrawn. */
static gboolean
answer_crossed (BlinkCallManager *self,
                BlinkCall *theirs,
                BlinkCall *ours)
{
  g_autoptr (GError) error = NULL;

  g_info ("Call %s from %s crossed ours: answered in its place", blink_call_get_id (theirs),
          blink_call_get_caller (theirs));
  /* Marked before: leaving it may end it at once. */
  if (ours != NULL)
    blink_call_set_crossed (ours, TRUE);
  if (blink_call_manager_accept (self, theirs, &error))
    return TRUE;
  if (ours != NULL)
    blink_call_set_crossed (ours, FALSE);
  g_message ("Call %s, which crossed ours, could not be answered: %s",
             blink_call_get_id (theirs), error->message);
  return FALSE;
}

/* ---- signaller events ---- */

static void
on_incoming_call (BlinkSignaller *signaller,
                  const char *id,
                  const char *caller,
                  GStrv participants,
                  const BlinkAudioFormat *audio,
                  BlinkCallManager *self)
{
  g_autoptr (BlinkCall) call = blink_call_new (id, TRUE, caller,
                                               (const char *const *) participants,
                                               blink_signaller_get_did (signaller), audio);
  BlinkCall *ours = unanswered_call_to (self, caller);
  gboolean crossed = ours != NULL && g_strcmp0 (other_of_two (call), caller) == 0;

  if (crossed && crossed_call_is_ours (self, caller))
    {
      if (g_get_monotonic_time () - blink_call_get_setup_started (ours) < CROSSING_WINDOW_US)
        {
          forget_crossed (self, id, caller);
          return;
        }
      crossed = FALSE;
    }
  g_ptr_array_add (self->calls, g_object_ref (call));
  g_signal_emit (self, signals[SIGNAL_CALL_ADDED], 0, call);
  if (crossed && answer_crossed (self, call, ours))
    return;
  connect_early (self, call, caller);
}

static void
on_offer_cancelled (BlinkSignaller *signaller,
                    const char *id,
                    const char *reason,
                    BlinkCallManager *self)
{
  BlinkCall *call = blink_call_manager_find_call (self, id);

  if (call != NULL && call != self->active)
    remove_call (self, call);
}

static void
on_offer_expired (BlinkSignaller *signaller,
                  const char *id,
                  BlinkCallManager *self)
{
  BlinkCall *call = blink_call_manager_find_call (self, id);
  GPtrArray *participants;

  if (call == NULL)
    return;

  /* Who never answered missed the call: for good, as if they had left (an
   * early SDP of theirs may have made a connection already). */
  participants = blink_call_get_participants (call);
  for (guint i = 0; i < participants->len; i++)
    {
      BlinkParticipant *p = g_ptr_array_index (participants, i);

      if (blink_participant_get_state (p) != BLINK_PARTICIPANT_STATE_RINGING)
        continue;
      blink_participant_set_state (p, BLINK_PARTICIPANT_STATE_LEFT);
      if (call == connected_call (self))
        blink_connections_close (self->connections, blink_participant_get_did (p));
    }
  check_call_end (self, call);
}

static void
on_participant_joined (BlinkSignaller *signaller,
                       const char *id,
                       const char *did,
                       BlinkCallManager *self)
{
  BlinkCall *call = blink_call_manager_find_call (self, id);
  BlinkParticipant *participant = call != NULL ? blink_call_find_participant (call, did) : NULL;

  if (participant == NULL)
    return;

  /* Declined, left and failed are final for the call: announcing itself
   * again brings nobody back (and to our audio). */
  if (blink_participant_state_is_final (blink_participant_get_state (participant)))
    {
      g_debug ("%s joined call %s after it was out of it: ignored", did, id);
      return;
    }

  if (blink_participant_get_state (participant) == BLINK_PARTICIPANT_STATE_RINGING)
    blink_participant_set_state (participant, BLINK_PARTICIPANT_STATE_CONNECTING);

  /* A connection made while they rang now carries audio: they may be in
   * the call at once. */
  if (call == connected_call (self))
    connect_to (self, call, did);
  if (call == self->active)
    participant_connected (self, did);
}

/* A callee that rings connects before answering: its connection is made
 * now, and carries nothing until it joins. */
static void
on_participant_connects_early (BlinkSignaller *signaller,
                               const char *id,
                               const char *did,
                               BlinkCallManager *self)
{
  if (is_connected (self, id))
    connect_to (self, connected_call (self), did);
}

/* Someone in the call (or we) invited more people: they ring, and are
 * connected to once they join. */
static void
on_participants_added (BlinkSignaller *signaller,
                       const char *id,
                       const char *by,
                       GStrv dids,
                       BlinkCallManager *self)
{
  BlinkCall *call = blink_call_manager_find_call (self, id);

  for (guint i = 0; call != NULL && dids[i] != NULL; i++)
    if (!g_str_equal (dids[i], blink_signaller_get_did (signaller)))
      blink_call_add_participant (call, dids[i]);
}

static void
on_participant_announced (BlinkSignaller *signaller,
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
  if (call == connected_call (self))
    blink_connections_note_announce (self->connections, did);
}

static void
on_participant_declined (BlinkSignaller *signaller,
                         const char *id,
                         const char *did,
                         BlinkCallManager *self)
{
  BlinkCall *call = blink_call_manager_find_call (self, id);

  if (call != NULL)
    participant_gone (self, call, did, BLINK_PARTICIPANT_STATE_DECLINED);
}

static void
on_participant_left (BlinkSignaller *signaller,
                     const char *id,
                     const char *did,
                     BlinkCallManager *self)
{
  BlinkCall *call = blink_call_manager_find_call (self, id);

  if (call != NULL)
    participant_gone (self, call, did, BLINK_PARTICIPANT_STATE_LEFT);
}

static void
on_sdp_received (BlinkSignaller *signaller,
                 const char *id,
                 const char *did,
                 const char *type,
                 const char *sdp,
                 guint connection,
                 BlinkCallManager *self)
{
  if (is_connected (self, id))
    blink_connections_set_remote_description (self->connections, did, connection, type, sdp);
}

/* Who answers our offers lost its connection to us: a new one. */
static void
on_reconnect_wanted (BlinkSignaller *signaller,
                     const char *id,
                     const char *did,
                     guint connection,
                     BlinkCallManager *self)
{
  BlinkParticipant *participant;

  if (!is_connected (self, id) ||
      (participant = blink_call_find_participant (connected_call (self), did)) == NULL)
    return;
  if (blink_connections_reconnect_wanted (self->connections, did, connection))
    reconnecting (participant);
}

static void
on_connections_reconnect_wanted (BlinkConnections *connections,
                                 const char *did,
                                 guint connection,
                                 BlinkCallManager *self)
{
  g_autoptr (GError) error = NULL;
  BlinkCall *call = connected_call (self);

  if (call != NULL &&
      !blink_signaller_send_reconnect (self->signaller, blink_call_get_id (call), did,
                                       connection, &error))
    g_message ("Cannot ask %s for a new connection: %s", did, error->message);
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return g_strcmp0 (*(const char *const *) a, *(const char *const *) b);
}

/* The machine's addresses, sorted, one per line: what ICE can gather. */
static char *
local_addresses (void)
{
  g_autoptr (GPtrArray) found = g_ptr_array_new_with_free_func (g_free);
  struct ifaddrs *list = NULL;

  if (getifaddrs (&list) != 0)
    return g_strdup ("");
  for (struct ifaddrs *i = list; i != NULL; i = i->ifa_next)
    {
      g_autoptr (GSocketAddress) address = NULL;
      gsize size;

      if (i->ifa_addr == NULL ||
          (i->ifa_addr->sa_family != AF_INET && i->ifa_addr->sa_family != AF_INET6))
        continue;
      size = i->ifa_addr->sa_family == AF_INET ? sizeof (struct sockaddr_in)
                                               : sizeof (struct sockaddr_in6);
      address = g_socket_address_new_from_native (i->ifa_addr, size);
      if (G_IS_INET_SOCKET_ADDRESS (address))
        g_ptr_array_add (found, g_inet_address_to_string (g_inet_socket_address_get_address (
                                  G_INET_SOCKET_ADDRESS (address))));
    }
  freeifaddrs (list);
  g_ptr_array_sort (found, compare_strings);
  g_ptr_array_add (found, NULL);
  return g_strjoinv ("\n", (char **) found->pdata);
}

/* Our addresses may have changed: every connection of the active call
 * that was up is made again (docs/engine.md, "Reconnecting"). */
static gboolean
on_network_settled (gpointer user_data)
{
  BlinkCallManager *self = user_data;
  g_autofree char *addresses = local_addresses ();
  GPtrArray *participants;

  blink_clear_source (&self->network_settle);
  /* Routes come and go with no address changing: the connections stand. */
  if (g_strcmp0 (addresses, self->addresses) == 0)
    return G_SOURCE_REMOVE;
  g_free (self->addresses);
  self->addresses = g_steal_pointer (&addresses);
  if (self->active == NULL)
    return G_SOURCE_REMOVE;
  participants = blink_call_get_participants (self->active);
  for (guint i = 0; i < participants->len; i++)
    {
      BlinkParticipant *p = g_ptr_array_index (participants, i);
      const char *did = blink_participant_get_did (p);

      if (blink_participant_get_state (p) != BLINK_PARTICIPANT_STATE_CONNECTED)
        continue;
      g_message ("The network changed: making a new connection to %s", did);
      if (blink_connections_reconnect (self->connections, did))
        reconnecting (p);
    }
  return G_SOURCE_REMOVE;
}

/* A change comes in bursts (an address, then its routes, the old one
 * going): connections are made again once it has settled, on what there
 * is then. */
static void
on_network_changed (GNetworkMonitor *monitor,
                    gboolean available,
                    BlinkCallManager *self)
{
  blink_clear_source (&self->network_settle);
  self->network_settle = blink_context_add_timeout (self->context, NETWORK_SETTLE_MS,
                                                    on_network_settled, self, NULL);
}

static void
on_ice_candidate_received (BlinkSignaller *signaller,
                           const char *id,
                           const char *did,
                           guint mline,
                           const char *candidate,
                           guint connection,
                           BlinkCallManager *self)
{
  if (is_connected (self, id))
    blink_connections_add_ice_candidate (self->connections, did, connection, mline, candidate);
}

static void
on_signaller_error (BlinkSignaller *signaller,
                    const char *id,
                    GError *error,
                    BlinkCallManager *self)
{
  /* A node that went away is retried by the IPFS client: no warning. */
  g_message ("Signaling of call %s: %s", id != NULL ? id : "-", error->message);
}

/* ---- what we announce ---- */

/* Tells the active call's participants whether we are muted or deafened,
 * and whether we record them. */
static void
announce (BlinkCallManager *self)
{
  g_autoptr (GError) error = NULL;

  if (self->active != NULL &&
      !blink_signaller_announce (self->signaller, blink_call_get_id (self->active), self->muted,
                                 self->deafened, self->recorder != NULL, &error))
    g_debug ("%s", error->message);
}

/* Muted and deafened hold from call to call; the signaller's first
 * announces of a new call know nothing of them. */
static void
announce_held_state (BlinkCallManager *self)
{
  if (self->muted || self->deafened)
    announce (self);
}

/* ---- public API ---- */

static gboolean
check_started (BlinkCallManager *self,
               GError **error)
{
  if (self->signaller != NULL && self->stop_task == NULL)
    return TRUE;
  g_set_error (error, BLINK_CALL_ERROR, BLINK_CALL_ERROR_FAILED, "The call engine is not started");
  return FALSE;
}

/* The signaller's refusals, as the engine's errors. */
static void
set_signaller_error (GError **error,
                     GError *signaller_error)
{
  BlinkCallError code;

  switch (signaller_error->code)
    {
    case BLINK_SIGNALLER_ERROR_BAD_DID:
    case BLINK_SIGNALLER_ERROR_PARTICIPANTS:
      code = BLINK_CALL_ERROR_BAD_DID;
      break;
    case BLINK_SIGNALLER_ERROR_NO_SUCH_CALL:
      code = BLINK_CALL_ERROR_NO_SUCH_CALL;
      break;
    default:
      code = BLINK_CALL_ERROR_FAILED;
    }
  g_set_error_literal (error, BLINK_CALL_ERROR, code, signaller_error->message);
}

/**
 * blink_call_manager_offer:
 * @dids: whom to call; an address given twice counts once
 *
 * Calls @dids in the manager's #BlinkCallManager:audio-format; the new
 * call becomes the active one, and the previous active call, if any, is
 * left properly. When the offer is refused, nothing changes.
 *
 * Calling the one person whose call to us rings answers that call
 * instead when theirs is the one that goes on (docs/engine.md, "Crossed
 * calls"): the call returned is then theirs.
 *
 * Returns: (transfer none) (nullable): the call
 */
BlinkCall *
blink_call_manager_offer (BlinkCallManager *self,
                          const char *const *dids,
                          GError **error)
{
  g_autoptr (GError) local_error = NULL;
  g_autofree char *id = NULL;
  g_autoptr (BlinkCall) call = NULL;
  BlinkSignallerCall *signalled;
  BlinkCall *theirs;

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
    }

  if (blink_signaller_get_ipfs_state (self->signaller) != BLINK_IPFS_STATE_CONNECTED)
    {
      g_set_error (error, BLINK_CALL_ERROR, BLINK_CALL_ERROR_NO_IPFS_NODE,
                   _("No IPFS node is reachable at %s. Start Kubo with pubsub on: “ipfs "
                     "config --json Pubsub.Enabled true”, then “ipfs daemon”; or set "
                     "BLINK_IPFS_API to its API address."),
                   blink_signaller_get_ipfs_api_url (self->signaller));
      return NULL;
    }

  /* Calling someone whose call to us rings: the two calls would cross,
   * and theirs is answered instead, or ours goes on alone. */
  theirs = dids[1] == NULL ? ringing_call_from (self, dids[0]) : NULL;
  if (theirs != NULL && !crossed_call_is_ours (self, dids[0]) &&
      answer_crossed (self, theirs, NULL))
    return theirs;

  if (!blink_signaller_check_offer (self->signaller, dids, &self->audio_format, &local_error))
    {
      set_signaller_error (error, local_error);
      return NULL;
    }

  if (!media_ensure (self, &self->audio_format, error))
    return NULL;

  id = blink_signaller_offer (self->signaller, dids, &self->audio_format, &local_error);
  if (id == NULL)
    {
      set_signaller_error (error, local_error);
      media_release_if_idle (self);
      return NULL;
    }

  /* Only now that the new call exists is the old one left, and theirs
   * forgotten. */
  hand_media_over (self);
  if (theirs != NULL && crossed_call_is_ours (self, dids[0]))
    {
      forget_crossed (self, blink_call_get_id (theirs), dids[0]);
      blink_call_set_crossed (theirs, TRUE);
      remove_call (self, theirs);
    }

  /* The participants as the signaling knows them: duplicates gone. */
  signalled = blink_signaller_find_call (self->signaller, id);
  call = blink_call_new (id, FALSE, blink_signaller_get_did (self->signaller),
                         blink_signaller_call_get_participants (signalled),
                         blink_signaller_get_did (self->signaller), &self->audio_format);
  blink_call_start_setup (call);
  g_ptr_array_add (self->calls, g_object_ref (call));
  set_active (self, call);
  blink_connections_set_call (self->connections, call, self->media);
  prepare_for_callees (self, call);
  announce_held_state (self);
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
 * Answers a pending incoming call in the format its caller offered; it
 * becomes the active one (the previous active call, if any, is left
 * properly first).
 */
gboolean
blink_call_manager_accept (BlinkCallManager *self,
                           BlinkCall *call,
                           GError **error)
{
  g_autoptr (GError) local_error = NULL;
  GPtrArray *participants;

  g_return_val_if_fail (BLINK_IS_CALL_MANAGER (self), FALSE);

  /* Another call than the one connected early: that one's connections
   * go, it rings on. */
  if (check_pending (self, call, NULL) && call != self->early)
    drop_early (self, TRUE);
  if (!check_pending (self, call, error) ||
      !media_ensure (self, blink_call_get_audio_format (call), error))
    return FALSE;

  /* Our audio first, then the join, on which the others send theirs. */
  if (call == self->early)
    blink_connections_set_held (self->connections, FALSE);
  if (!blink_signaller_join (self->signaller, blink_call_get_id (call), &local_error))
    {
      g_set_error (error, BLINK_CALL_ERROR, BLINK_CALL_ERROR_NO_SUCH_CALL,
                   _("The call is no longer there"));
      remove_call (self, call);
      media_release_if_idle (self);
      return FALSE;
    }

  /* The early connections are the answered call's now. */
  if (call == self->early)
    g_clear_object (&self->early);
  hand_media_over (self);

  blink_call_start_setup (call);
  set_active (self, call);
  blink_connections_set_call (self->connections, call, self->media);
  announce_held_state (self);
  /* Connect to everyone who is in already: the caller, and whoever joined. */
  participants = blink_call_get_participants (call);
  for (guint i = 0; i < participants->len; i++)
    {
      BlinkParticipant *p = g_ptr_array_index (participants, i);

      if (blink_participant_get_state (p) != BLINK_PARTICIPANT_STATE_CONNECTING)
        continue;
      blink_connections_ensure (self->connections, blink_participant_get_did (p));
      participant_connected (self, blink_participant_get_did (p));
    }
  return TRUE;
}

gboolean
blink_call_manager_decline (BlinkCallManager *self,
                            BlinkCall *call,
                            GError **error)
{
  g_autoptr (GError) local_error = NULL;

  g_return_val_if_fail (BLINK_IS_CALL_MANAGER (self), FALSE);

  if (!check_pending (self, call, error))
    return FALSE;

  if (!blink_signaller_decline (self->signaller, blink_call_get_id (call), &local_error))
    g_debug ("%s", local_error->message);
  remove_call (self, call);
  return TRUE;
}

/**
 * blink_call_manager_cancel:
 *
 * Withdraws @call, an outgoing call nobody has answered yet: it disappears
 * from every callee's pending calls.
 */
gboolean
blink_call_manager_cancel (BlinkCallManager *self,
                           BlinkCall *call,
                           GError **error)
{
  g_return_val_if_fail (BLINK_IS_CALL_MANAGER (self), FALSE);

  if (!check_started (self, error))
    return FALSE;

  if (call == NULL || call != self->active || blink_call_get_incoming (call) ||
      blink_call_get_state (call) != BLINK_CALL_STATE_RINGING ||
      blink_call_has_participant_in (call, BLINK_PARTICIPANT_STATE_CONNECTING) ||
      blink_call_has_participant_in (call, BLINK_PARTICIPANT_STATE_CONNECTED))
    {
      g_set_error (error, BLINK_CALL_ERROR, BLINK_CALL_ERROR_NO_SUCH_CALL,
                   _("Only an outgoing call nobody has answered can be cancelled"));
      return FALSE;
    }

  end_call (self, call);
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

/**
 * blink_call_manager_invite:
 * @call: the active call
 * @dids: whom to add to it
 *
 * Rings @dids with an invitation into the active call; everyone in it
 * connects to them once they answer. Nothing changes when it fails.
 */
gboolean
blink_call_manager_invite (BlinkCallManager *self,
                           BlinkCall *call,
                           const char *const *dids,
                           GError **error)
{
  g_autoptr (GError) local_error = NULL;

  g_return_val_if_fail (BLINK_IS_CALL_MANAGER (self), FALSE);

  if (!check_started (self, error))
    return FALSE;
  if (call == NULL || call != self->active)
    {
      g_set_error (error, BLINK_CALL_ERROR, BLINK_CALL_ERROR_NO_SUCH_CALL,
                   _("Only the active call can have people added"));
      return FALSE;
    }
  if (dids == NULL || dids[0] == NULL)
    {
      g_set_error (error, BLINK_CALL_ERROR, BLINK_CALL_ERROR_BAD_DID, _("Whom to add?"));
      return FALSE;
    }
  if (!blink_signaller_invite (self->signaller, blink_call_get_id (call), dids, &local_error))
    {
      if (g_error_matches (local_error, BLINK_SIGNALLER_ERROR,
                           BLINK_SIGNALLER_ERROR_PARTICIPANTS))
        g_set_error_literal (error, BLINK_CALL_ERROR, BLINK_CALL_ERROR_INVALID_ARGUMENT,
                             local_error->message);
      else
        set_signaller_error (error, local_error);
      return FALSE;
    }
  return TRUE;
}

void
blink_call_manager_set_muted (BlinkCallManager *self,
                              gboolean muted)
{
  g_return_if_fail (BLINK_IS_CALL_MANAGER (self));

  self->muted = muted;
  if (self->media != NULL)
    blink_audio_pipeline_set_muted (self->media, muted);
  announce (self);
}

void
blink_call_manager_set_deafened (BlinkCallManager *self,
                                 gboolean deafened)
{
  g_return_if_fail (BLINK_IS_CALL_MANAGER (self));

  self->deafened = deafened;
  if (self->media != NULL)
    blink_audio_pipeline_set_deafened (self->media, deafened);
  announce (self);
}

/**
 * blink_call_manager_use_device:
 * @device: (nullable): a microphone (@kind %BLINK_DEVICE_MICROPHONE) or a
 *   speaker; NULL: the `audio-source` or `audio-sink` description again
 *
 * Calls from now on use @device; the running call switches to it at once,
 * without a pause its peers could notice (docs/engine.md, "Devices"). A
 * device that cannot be opened changes nothing.
 */
gboolean
blink_call_manager_use_device (BlinkCallManager *self,
                               BlinkDeviceKind kind,
                               GstDevice *device,
                               GError **error)
{
  g_return_val_if_fail (BLINK_IS_CALL_MANAGER (self), FALSE);
  g_return_val_if_fail (device == NULL || GST_IS_DEVICE (device), FALSE);

  if (self->media != NULL)
    {
      gboolean done = kind == BLINK_DEVICE_MICROPHONE
                        ? blink_audio_pipeline_set_source (self->media, device,
                                                           self->audio_source, error)
                        : blink_audio_pipeline_set_playback (self->media, device,
                                                             self->audio_sink, error);
      if (!done)
        return FALSE;
    }
  gst_object_replace ((GstObject **) &self->devices[kind], GST_OBJECT (device));
  return TRUE;
}

/**
 * blink_call_manager_set_volume:
 * @call: a call of the manager's, active or not
 * @did: one of its participants
 * @volume: 0 silent, 1 as they send, up to %BLINK_PARTICIPANT_VOLUME_MAX
 *
 * Sets how loud @did is played in @call, at once if it is connected, else
 * once it is. Refused, with nothing changed, when @did is not in @call or
 * @volume is out of range (NaN included).
 */
gboolean
blink_call_manager_set_volume (BlinkCallManager *self,
                               BlinkCall *call,
                               const char *did,
                               double volume,
                               GError **error)
{
  BlinkParticipant *participant;
  BlinkPeer *peer;

  g_return_val_if_fail (BLINK_IS_CALL_MANAGER (self), FALSE);
  g_return_val_if_fail (BLINK_IS_CALL (call), FALSE);
  g_return_val_if_fail (did != NULL, FALSE);

  /* Written so that NaN fails it. */
  if (!(volume >= 0 && volume <= BLINK_PARTICIPANT_VOLUME_MAX))
    {
      g_set_error (error, BLINK_CALL_ERROR, BLINK_CALL_ERROR_INVALID_ARGUMENT,
                   _("A volume goes from 0 (silent) to %g (twice as loud), not %g"),
                   BLINK_PARTICIPANT_VOLUME_MAX, volume);
      return FALSE;
    }
  participant = blink_call_find_participant (call, did);
  if (participant == NULL)
    {
      g_set_error (error, BLINK_CALL_ERROR, BLINK_CALL_ERROR_NO_SUCH_PARTICIPANT,
                   _("%s is not in this call"), did);
      return FALSE;
    }

  blink_participant_set_volume (participant, volume);
  peer = call == self->active ? blink_connections_get_peer (self->connections, did) : NULL;
  if (peer != NULL)
    blink_peer_set_volume (peer, volume);
  return TRUE;
}

/**
 * blink_call_manager_start_recording:
 * @call: the active call
 * @directory: (nullable): an absolute path, made if missing; %NULL for
 *   blink_recorder_default_directory()
 *
 * Records @call until blink_call_manager_stop_recording() or its end: our
 * voice and each participant's, also of those who join later, one file
 * each (see #BlinkRecorder). The others are told by our announces.
 * Refused, with nothing changed, for a call that is not the active one
 * (%BLINK_CALL_ERROR_NO_SUCH_CALL), one already recorded
 * (%BLINK_CALL_ERROR_FAILED), or a folder that cannot take the files
 * (%BLINK_CALL_ERROR_INVALID_ARGUMENT).
 */
gboolean
blink_call_manager_start_recording (BlinkCallManager *self,
                                    BlinkCall *call,
                                    const char *directory,
                                    GError **error)
{
  g_autofree char *default_directory = NULL;
  g_autofree char *name = NULL;
  g_autoptr (GstPad) own_voice = NULL;
  BlinkRecorder *recorder;

  g_return_val_if_fail (BLINK_IS_CALL_MANAGER (self), FALSE);
  g_return_val_if_fail (BLINK_IS_CALL (call), FALSE);

  if (call != self->active || self->media == NULL)
    {
      g_set_error_literal (error, BLINK_CALL_ERROR, BLINK_CALL_ERROR_NO_SUCH_CALL,
                           _("Only the active call can be recorded"));
      return FALSE;
    }
  if (self->recorder != NULL)
    {
      g_set_error (error, BLINK_CALL_ERROR, BLINK_CALL_ERROR_FAILED,
                   _("The call is being recorded already, into “%s”"),
                   blink_recorder_get_directory (self->recorder));
      return FALSE;
    }
  if (directory == NULL || *directory == '\0')
    directory = default_directory = blink_recorder_default_directory (blink_call_get_id (call));
  recorder = blink_recorder_new (GST_ELEMENT (blink_audio_pipeline_get_bin (self->media)),
                                 directory, error);
  if (recorder == NULL)
    return FALSE;

  self->recorder = recorder;
  own_voice = blink_audio_pipeline_get_encoded_pad (self->media);
  name = blink_recorder_track_name ("me", blink_call_manager_get_did (self));
  blink_recorder_add_track (recorder, name, blink_call_manager_get_did (self), own_voice);
  blink_connections_set_recorder (self->connections, recorder);
  blink_call_set_recording (call, directory);
  announce (self);
  return TRUE;
}

/**
 * blink_call_manager_stop_recording_async:
 * @call: the active call
 *
 * Stops recording @call; finishes once its files are complete.
 * %BLINK_CALL_ERROR_FAILED when @call is not being recorded.
 */
void
blink_call_manager_stop_recording_async (BlinkCallManager *self,
                                         BlinkCall *call,
                                         GAsyncReadyCallback callback,
                                         gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (self, NULL, callback, user_data);

  g_return_if_fail (BLINK_IS_CALL_MANAGER (self));
  g_return_if_fail (BLINK_IS_CALL (call));

  g_task_set_source_tag (task, blink_call_manager_stop_recording_async);
  if (call != self->active || self->recorder == NULL)
    {
      g_task_return_new_error (task, BLINK_CALL_ERROR, BLINK_CALL_ERROR_FAILED,
                               _("The call is not being recorded"));
      return;
    }
  recording_stop (self, task);
  announce (self);
}

gboolean
blink_call_manager_stop_recording_finish (BlinkCallManager *self,
                                          GAsyncResult *result,
                                          GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

const char *
blink_call_manager_get_did (BlinkCallManager *self)
{
  g_return_val_if_fail (BLINK_IS_CALL_MANAGER (self), NULL);

  return self->signaller != NULL ? blink_signaller_get_did (self->signaller) : NULL;
}

/**
 * blink_call_manager_get_signaller:
 *
 * Returns: (transfer none) (nullable): the signaling, once started: its
 *   IPFS connection and statistics
 */
BlinkSignaller *
blink_call_manager_get_signaller (BlinkCallManager *self)
{
  g_return_val_if_fail (BLINK_IS_CALL_MANAGER (self), NULL);

  return self->signaller;
}

/**
 * blink_call_manager_get_connections:
 *
 * Returns: (transfer none) (nullable): the call's connections, once
 *   started
 */
BlinkConnections *
blink_call_manager_get_connections (BlinkCallManager *self)
{
  g_return_val_if_fail (BLINK_IS_CALL_MANAGER (self), NULL);

  return self->connections;
}

BlinkCall *
blink_call_manager_get_active_call (BlinkCallManager *self)
{
  return self->active;
}

/**
 * blink_call_manager_set_relay:
 * @known: (nullable): who is not a stranger (the user's contacts)
 *
 * Which connections, from the next one made on, only use TURN relays, so
 * that the peer learns none of our addresses (docs/security.md,
 * "Addresses"). May be called before blink_call_manager_start().
 */
void
blink_call_manager_set_relay (BlinkCallManager *self,
                              BlinkRelayPolicy policy,
                              const char *const *known)
{
  char **copy;

  g_return_if_fail (BLINK_IS_CALL_MANAGER (self));

  /* Copied first: @known may be what we keep. */
  copy = g_strdupv ((char **) known);
  g_strfreev (self->known);
  self->known = copy;
  self->relay = policy;
  if (self->connections != NULL)
    blink_connections_set_relay (self->connections, policy, (const char *const *) self->known);
}

/**
 * blink_call_manager_get_setup_timeline:
 * @timeline: (out caller-allocates): when the connection to @did in the
 *   active call passed each step of its setup
 *
 * Returns: %FALSE when there is no such connection
 */
gboolean
blink_call_manager_get_setup_timeline (BlinkCallManager *self,
                                       const char *did,
                                       BlinkPeerTimeline *timeline)
{
  BlinkPeer *peer;

  g_return_val_if_fail (BLINK_IS_CALL_MANAGER (self), FALSE);

  if (self->connections == NULL)
    return FALSE;
  peer = blink_connections_get_peer (self->connections, did);
  if (peer == NULL)
    return FALSE;
  blink_peer_get_timeline (peer, timeline);
  return TRUE;
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

static void
on_connections_stats (GObject *source,
                      GAsyncResult *result,
                      gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  BlinkCallManager *self = g_task_get_source_object (task);
  GError *error = NULL;
  GHashTable *stats = blink_connections_get_stats_finish (BLINK_CONNECTIONS (source), result,
                                                          &error);
  GHashTableIter iter;
  gpointer value;

  if (stats == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  g_hash_table_iter_init (&iter, stats);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    ((BlinkConnectionStats *) value)->expected_loss =
      self->media != NULL ? blink_audio_pipeline_get_expected_loss (self->media) : 0;
  g_task_return_pointer (task, stats, (GDestroyNotify) g_hash_table_unref);
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
  GError *error = NULL;

  g_return_if_fail (BLINK_IS_CALL_MANAGER (self));

  g_task_set_source_tag (task, blink_call_manager_get_stats_async);
  if (!check_started (self, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  blink_connections_get_stats_async (self->connections, on_connections_stats,
                                     g_steal_pointer (&task));
}

/**
 * blink_call_manager_get_stats_finish:
 *
 * Returns: (transfer full): did → BlinkConnectionStats*
 */
GHashTable *
blink_call_manager_get_stats_finish (BlinkCallManager *self,
                                     GAsyncResult *result,
                                     GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- starting and stopping ---- */

/* What the first call would otherwise wait for, done as we start. */
static gpointer
warm_up_in_thread (gpointer data)
{
  gint64 start = g_get_monotonic_time ();

  blink_peer_warm_up ();
  g_debug ("Warming up took %.1f ms", (g_get_monotonic_time () - start) / 1000.0);
  return NULL;
}

static void
warm_up (BlinkCallManager *self)
{
  self->warm_up_thread = g_thread_new ("blink-warm-up", warm_up_in_thread, NULL);
}

/* A process must not exit while the certificate is being made (OpenSSL's
 * exit handlers would run under the thread). */
static void
warmed_up (BlinkCallManager *self)
{
  if (self->warm_up_thread != NULL)
    g_thread_join (g_steal_pointer (&self->warm_up_thread));
}

/**
 * blink_call_manager_start:
 *
 * Loads the identity and connects to the IPFS node; incoming calls are
 * heard from then on. Everything runs on the calling thread's
 * thread-default context.
 */
gboolean
blink_call_manager_start (BlinkCallManager *self,
                          GError **error)
{
  g_autoptr (GError) local_error = NULL;
  BlinkMediaConfig config;

  g_return_val_if_fail (BLINK_IS_CALL_MANAGER (self), FALSE);

  if (self->signaller != NULL)
    return TRUE;

  self->signaller = blink_signaller_new ();
  g_object_set (self->signaller, "identity", self->identity_path, "ipfs-api", self->ipfs_api,
                "ringing-timeout", self->ringing_timeout_s, "announce-interval",
                self->announce_interval_ms, NULL);
  if (!blink_signaller_start (self->signaller, &local_error))
    {
      g_set_error (error, BLINK_CALL_ERROR, BLINK_CALL_ERROR_FAILED, _("Cannot start: %s"),
                   local_error->message);
      g_clear_object (&self->signaller);
      return FALSE;
    }
  self->context = g_main_context_ref_thread_default ();
  warm_up (self);

  config = (BlinkMediaConfig){ self->ice_addresses, self->stun_server, self->turn_servers,
                               self->latency_ms };
  self->connections = blink_connections_new (self->context,
                                             blink_signaller_get_did (self->signaller), &config);
  blink_connections_set_relay (self->connections, self->relay, (const char *const *) self->known);
  self->loss_adapter = blink_loss_adapter_new ();
  g_signal_connect (self->connections, "local-description", G_CALLBACK (on_local_description),
                    self);
  g_signal_connect (self->connections, "local-candidate", G_CALLBACK (on_local_candidate), self);
  g_signal_connect (self->connections, "connected", G_CALLBACK (on_connected), self);
  g_signal_connect (self->connections, "failed", G_CALLBACK (on_connection_failed), self);
  g_signal_connect (self->connections, "vanished", G_CALLBACK (on_connection_lost), self);
  g_signal_connect (self->connections, "closed", G_CALLBACK (on_connection_closed), self);
  g_signal_connect (self->connections, "reconnect-wanted",
                    G_CALLBACK (on_connections_reconnect_wanted), self);
  self->addresses = local_addresses ();
  self->network_monitor = g_object_ref (g_network_monitor_get_default ());
  g_signal_connect (self->network_monitor, "network-changed", G_CALLBACK (on_network_changed),
                    self);

  g_signal_connect (self->signaller, "incoming-call", G_CALLBACK (on_incoming_call), self);
  g_signal_connect (self->signaller, "offer-cancelled", G_CALLBACK (on_offer_cancelled), self);
  g_signal_connect (self->signaller, "offer-expired", G_CALLBACK (on_offer_expired), self);
  g_signal_connect (self->signaller, "reconnect-wanted", G_CALLBACK (on_reconnect_wanted), self);
  g_signal_connect (self->signaller, "participant-connects-early",
                    G_CALLBACK (on_participant_connects_early), self);
  g_signal_connect (self->signaller, "participant-joined", G_CALLBACK (on_participant_joined),
                    self);
  g_signal_connect (self->signaller, "participant-announced",
                    G_CALLBACK (on_participant_announced), self);
  g_signal_connect (self->signaller, "participant-declined", G_CALLBACK (on_participant_declined),
                    self);
  g_signal_connect (self->signaller, "participant-left", G_CALLBACK (on_participant_left), self);
  g_signal_connect (self->signaller, "participants-added", G_CALLBACK (on_participants_added),
                    self);
  g_signal_connect (self->signaller, "sdp-received", G_CALLBACK (on_sdp_received), self);
  g_signal_connect (self->signaller, "ice-candidate-received",
                    G_CALLBACK (on_ice_candidate_received), self);
  g_signal_connect (self->signaller, "error", G_CALLBACK (on_signaller_error), self);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DID]);
  return TRUE;
}

static void
on_signaller_stopped (GObject *source,
                      GAsyncResult *result,
                      gpointer user_data)
{
  g_autoptr (BlinkCallManager) self = user_data;

  blink_signaller_stop_finish (BLINK_SIGNALLER (source), result, NULL);
  self->stop_sending = FALSE;
  if (self->media_stopping == 0 && self->stop_task != NULL)
    return_stopped (self);
}

/* Every connection has closed (or the wait ran out): the signaller sends
 * its last messages, the devices are released. */
static void
finish_stop (BlinkCallManager *self)
{
  if (self->signaller == NULL)
    return;

  g_signal_handlers_disconnect_by_data (self->signaller, self);
  g_signal_handlers_disconnect_by_data (self->connections, self);
  g_signal_handlers_disconnect_by_data (self->network_monitor, self);
  g_clear_object (&self->network_monitor);
  blink_clear_source (&self->network_settle);
  blink_clear_source (&self->teardown);
  media_stop_retired (self);
  if (self->media != NULL)
    media_stop (self, self->media);
  media_drop (self);
  /* Stopping sends the leaves; stopped, the process may exit: not before
   * they are out (or STOP_SEND_WAIT_MS has passed). */
  self->stop_sending = TRUE;
  blink_signaller_stop_async (self->signaller, STOP_SEND_WAIT_MS, on_signaller_stopped,
                              g_object_ref (self));
  g_clear_object (&self->signaller);
  g_clear_object (&self->loss_adapter);
  g_clear_object (&self->connections);
  g_clear_pointer (&self->context, g_main_context_unref);
}

/**
 * blink_call_manager_stop_async:
 *
 * Leaves every call properly (peers are told), waits for every connection
 * to close (at most as long as a hang-up waits), and disconnects.
 */
void
blink_call_manager_stop_async (BlinkCallManager *self,
                               GAsyncReadyCallback callback,
                               gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (self, NULL, callback, user_data);
  g_autoptr (GPtrArray) calls = NULL;

  g_return_if_fail (BLINK_IS_CALL_MANAGER (self));

  g_task_set_source_tag (task, blink_call_manager_stop_async);
  warmed_up (self);
  if (self->signaller == NULL)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }
  if (self->stop_task != NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_PENDING, "Already stopping");
      return;
    }

  self->stop_task = g_steal_pointer (&task);
  /* The active call last: with no connection to wait for, leaving it
   * finishes stopping at once, and the signaller is gone then. */
  calls = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < self->calls->len; i++)
    g_ptr_array_add (calls, g_object_ref (g_ptr_array_index (self->calls, i)));
  for (guint i = 0; i < calls->len; i++)
    {
      BlinkCall *call = g_ptr_array_index (calls, i);

      if (call == self->active)
        continue;
      if (blink_call_get_state (call) == BLINK_CALL_STATE_ENDING)
        remove_call (self, call);
      else
        end_call (self, call);
    }
  if (self->active != NULL)
    end_call (self, self->active);
  if (self->signaller == NULL)
    return;
  if (blink_connections_get_n_closing (self->connections) == 0)
    finish_ending_calls (self);
  else if (self->teardown == NULL)
    self->teardown = blink_context_add_timeout (self->context, TEARDOWN_TIMEOUT_MS,
                                                on_teardown_timeout, self, NULL);
}

gboolean
blink_call_manager_stop_finish (BlinkCallManager *self,
                                GAsyncResult *result,
                                GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
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
    case PROP_AUDIO_FORMAT:
      g_value_set_boxed (value, &self->audio_format);
      break;
    case PROP_AUDIO_PROCESSING:
      g_value_set_flags (value, self->audio_processing);
      break;
    case PROP_AUDIO_PROCESSING_MODE:
      g_value_set_enum (value, self->audio_processing_mode);
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
      g_value_set_string (value, blink_call_manager_get_did (self));
      break;
    case PROP_ACTIVE_CALL:
      g_value_set_object (value, self->active);
      break;
    case PROP_CERTIFICATE_MISMATCHES:
      g_value_set_uint64 (value, self->connections != NULL
                                   ? blink_connections_get_certificate_mismatches (self->connections)
                                   : 0);
      break;
    case PROP_CONNECT_EARLY:
      g_value_set_boolean (value, self->connect_early);
      break;
    case PROP_SIGNALS_DROPPED:
      g_value_set_uint64 (value, self->connections != NULL
                                   ? blink_connections_get_signals_dropped (self->connections)
                                   : 0);
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
    case PROP_AUDIO_FORMAT:
      {
        const BlinkAudioFormat *format = g_value_get_boxed (value);

        if (format != NULL && blink_audio_format_is_valid (format))
          self->audio_format = *format;
        else
          g_warning ("Not a format Blink can send: keeping the previous one");
        break;
      }
    case PROP_AUDIO_PROCESSING:
      self->audio_processing = g_value_get_flags (value);
      break;
    case PROP_AUDIO_PROCESSING_MODE:
      self->audio_processing_mode = g_value_get_enum (value);
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
    case PROP_CONNECT_EARLY:
      self->connect_early = g_value_get_boolean (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
blink_call_manager_dispose (GObject *object)
{
  BlinkCallManager *self = BLINK_CALL_MANAGER (object);

  warmed_up (self);
  if (self->network_monitor != NULL)
    g_signal_handlers_disconnect_by_data (self->network_monitor, self);
  g_clear_object (&self->network_monitor);
  blink_clear_source (&self->network_settle);
  g_clear_pointer (&self->addresses, g_free);
  /* Not stopped: leave at once, without waiting for anything. */
  if (self->signaller != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->signaller, self);
      g_signal_handlers_disconnect_by_data (self->connections, self);
      blink_connections_close_all (self->connections);
      blink_signaller_stop (self->signaller);
    }
  g_clear_object (&self->stop_task);
  g_clear_object (&self->signaller);
  g_clear_object (&self->loss_adapter);
  g_clear_object (&self->connections);
  blink_clear_source (&self->teardown);
  g_clear_object (&self->active);
  g_clear_object (&self->early);
  g_clear_object (&self->recorder);
  media_drop (self);
  g_ptr_array_set_size (self->retired, 0);
  g_clear_pointer (&self->context, g_main_context_unref);

  G_OBJECT_CLASS (blink_call_manager_parent_class)->dispose (object);
}

static void
blink_call_manager_finalize (GObject *object)
{
  BlinkCallManager *self = BLINK_CALL_MANAGER (object);

  g_ptr_array_unref (self->calls);
  g_ptr_array_unref (self->ending);
  g_ptr_array_unref (self->retired);
  g_free (self->identity_path);
  g_free (self->ipfs_api);
  g_free (self->audio_source);
  g_free (self->audio_sink);
  gst_clear_object (&self->devices[BLINK_DEVICE_MICROPHONE]);
  gst_clear_object (&self->devices[BLINK_DEVICE_SPEAKER]);
  g_strfreev (self->ice_addresses);
  g_free (self->stun_server);
  g_strfreev (self->turn_servers);
  g_strfreev (self->known);

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
  properties[PROP_AUDIO_FORMAT] =
    g_param_spec_boxed ("audio-format", "Audio format",
                        "The format of the calls offered from here; callees use it too",
                        BLINK_TYPE_AUDIO_FORMAT, rw);
  /* Read by the next call's pipeline: a running call keeps what it has. */
  properties[PROP_AUDIO_PROCESSING] =
    g_param_spec_flags ("audio-processing", "Audio processing",
                        "The parts of the microphone's processing not turned off",
                        BLINK_TYPE_AUDIO_PROCESSING, BLINK_AUDIO_PROCESSING_ALL, rw);
  properties[PROP_AUDIO_PROCESSING_MODE] =
    g_param_spec_enum ("audio-processing-mode", "Audio processing mode",
                       "When the microphone is processed: for devices (auto), always, or never",
                       BLINK_TYPE_AUDIO_PROCESSING_MODE, BLINK_AUDIO_PROCESSING_MODE_AUTO, rw);
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
  properties[PROP_CERTIFICATE_MISMATCHES] =
    g_param_spec_uint64 ("certificate-mismatches", "Certificate mismatches",
                         "Connections refused because the peer's DTLS certificate was not the one "
                         "its signed SDP names",
                         0, G_MAXUINT64, 0, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_SIGNALS_DROPPED] =
    g_param_spec_uint64 ("signals-dropped", "Signals dropped",
                         "SDPs and ICE candidates that reached no connection: from someone not in "
                         "the active call or who declined, left or failed, or too many",
                         0, G_MAXUINT64, 0, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  /**
   * BlinkCallManager:connect-early:
   *
   * Whether a call that rings while no call is active is connected before
   * it is answered (held: no audio either way), so that answering only
   * lets the audio through. Only with callers who are known, or through
   * TURN relays (docs/engine.md, "Instant answer").
   */
  properties[PROP_CONNECT_EARLY] =
    g_param_spec_boolean ("connect-early", "Connect early",
                          "Whether a ringing call is connected before it is answered", TRUE,
                          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[SIGNAL_CALL_ADDED] = g_signal_new ("call-added", G_TYPE_FROM_CLASS (klass),
                                             G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE,
                                             1, BLINK_TYPE_CALL);
  signals[SIGNAL_CALL_REMOVED] = g_signal_new ("call-removed", G_TYPE_FROM_CLASS (klass),
                                               G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE,
                                               1, BLINK_TYPE_CALL);
  /**
   * BlinkCallManager::call-failed:
   * @call: the call, which ends
   * @error: why, e.g. %BLINK_CALL_ERROR_DEVICE when an audio device failed
   */
  signals[SIGNAL_CALL_FAILED] = g_signal_new ("call-failed", G_TYPE_FROM_CLASS (klass),
                                              G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE,
                                              2, BLINK_TYPE_CALL, G_TYPE_ERROR);
  /**
   * BlinkCallManager::participant-failed:
   * @call: the call
   * @did: the participant
   * @error: why: %BLINK_CALL_ERROR_CERTIFICATE when their certificate was not
   *   the one in their signed SDP, %BLINK_CALL_ERROR_NO_RELAY when the
   *   connection may only use TURN relays and got none,
   *   %BLINK_CALL_ERROR_FAILED when ICE failed
   */
  signals[SIGNAL_PARTICIPANT_FAILED] =
    g_signal_new ("participant-failed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                  NULL, NULL, G_TYPE_NONE, 3, BLINK_TYPE_CALL, G_TYPE_STRING, G_TYPE_ERROR);
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
  self->audio_processing = BLINK_AUDIO_PROCESSING_ALL;
  self->audio_processing_mode = BLINK_AUDIO_PROCESSING_MODE_AUTO;
  self->latency_ms = DEFAULT_LATENCY_MS;
  self->ringing_timeout_s = 60;
  self->announce_interval_ms = 3000;
  self->connect_early = TRUE;
  self->audio_format = BLINK_AUDIO_FORMAT_DEFAULT;
  self->calls = g_ptr_array_new_with_free_func (g_object_unref);
  self->ending = g_ptr_array_new_with_free_func (g_object_unref);
  self->retired = g_ptr_array_new_with_free_func (g_object_unref);
}

BlinkCallManager *
blink_call_manager_new (void)
{
  return g_object_new (BLINK_TYPE_CALL_MANAGER, NULL);
}
