/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * SECTION:element-blinksignaller
 * @title: blinksignaller
 *
 * Blink's call signaling over IPFS pubsub, as an element: a thin wrapper
 * over #BlinkSignaller (docs/signaller.md). It owns the user's identity and
 * a client of an IPFS node's RPC API and carries every signaling message of
 * a call, signed and encrypted (docs/protocol.md). It has no pads and keeps
 * no media. Action signals drive it; every event is a signal and also an
 * element message on the bus named `blink-<signal name>`, so
 * `gst-launch-1.0 -m` shows the signaling live.
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
#include "blink-signaller.h"

GST_DEBUG_CATEGORY_STATIC (gst_blink_signaller_debug);
#define GST_CAT_DEFAULT gst_blink_signaller_debug

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
  PROP_PEER_RATE,
  PROP_STATS,
  PROP_SIGNALLER,
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
  SIGNAL_INVITE,
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
  SIGNAL_PARTICIPANTS_ADDED,
  SIGNAL_SDP_RECEIVED,
  SIGNAL_ICE_CANDIDATE_RECEIVED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

struct _GstBlinkSignaller
{
  GstElement parent;

  BlinkSignaller *signaller;
};

G_DEFINE_FINAL_TYPE (GstBlinkSignaller, gst_blink_signaller, GST_TYPE_ELEMENT)
GST_ELEMENT_REGISTER_DEFINE (blinksignaller, "blinksignaller", GST_RANK_NONE,
                             GST_TYPE_BLINK_SIGNALLER);

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

/* ---- events: a signal and a bus message each ---- */

static void
on_incoming_call (BlinkSignaller *signaller,
                  const char *id,
                  const char *caller,
                  GStrv participants,
                  const BlinkAudioFormat *format,
                  GstBlinkSignaller *self)
{
  g_autoptr (GstStructure) audio = audio_to_structure (format);

  post_event (self, gst_structure_new ("blink-incoming-call", "call-id", G_TYPE_STRING, id,
                                       "caller", G_TYPE_STRING, caller, "participants",
                                       G_TYPE_STRV, participants, "audio", GST_TYPE_STRUCTURE,
                                       audio, NULL));
  g_signal_emit (self, signals[SIGNAL_INCOMING_CALL], 0, id, caller, participants, audio);
}

static void
on_offer_cancelled (BlinkSignaller *signaller,
                    const char *id,
                    const char *reason,
                    GstBlinkSignaller *self)
{
  post_event (self, gst_structure_new ("blink-offer-cancelled", "call-id", G_TYPE_STRING, id,
                                       "reason", G_TYPE_STRING, reason, NULL));
  g_signal_emit (self, signals[SIGNAL_OFFER_CANCELLED], 0, id, reason);
}

static void
on_offer_expired (BlinkSignaller *signaller,
                  const char *id,
                  GstBlinkSignaller *self)
{
  post_event (self, gst_structure_new ("blink-offer-expired", "call-id", G_TYPE_STRING, id, NULL));
  g_signal_emit (self, signals[SIGNAL_OFFER_EXPIRED], 0, id);
}

/* participant-ringing, -joined, -declined and -left: the same two fields. */
static void
on_participant_event (BlinkSignaller *signaller,
                      const char *id,
                      const char *did,
                      gpointer user_data)
{
  GstBlinkSignaller *self = GST_BLINK_SIGNALLER (user_data);
  GSignalInvocationHint *hint = g_signal_get_invocation_hint (signaller);
  const char *name = g_signal_name (hint->signal_id);
  g_autofree char *message_name = g_strconcat ("blink-", name, NULL);

  post_event (self, gst_structure_new (message_name, "call-id", G_TYPE_STRING, id, "participant",
                                       G_TYPE_STRING, did, NULL));
  g_signal_emit (self, g_signal_lookup (name, GST_TYPE_BLINK_SIGNALLER), 0, id, did);
}

static void
on_participants_added (BlinkSignaller *signaller,
                       const char *id,
                       const char *by,
                       GStrv dids,
                       GstBlinkSignaller *self)
{
  post_event (self, gst_structure_new ("blink-participants-added", "call-id", G_TYPE_STRING, id,
                                       "by", G_TYPE_STRING, by, "participants", G_TYPE_STRV, dids,
                                       NULL));
  g_signal_emit (self, signals[SIGNAL_PARTICIPANTS_ADDED], 0, id, by, dids);
}

static void
on_participant_announced (BlinkSignaller *signaller,
                          const char *id,
                          const char *did,
                          gboolean muted,
                          gboolean deafened,
                          gboolean recording,
                          GstBlinkSignaller *self)
{
  post_event (self, gst_structure_new ("blink-participant-announced", "call-id", G_TYPE_STRING, id,
                                       "participant", G_TYPE_STRING, did, "muted", G_TYPE_BOOLEAN,
                                       muted, "deafened", G_TYPE_BOOLEAN, deafened, "recording",
                                       G_TYPE_BOOLEAN, recording, NULL));
  g_signal_emit (self, signals[SIGNAL_PARTICIPANT_ANNOUNCED], 0, id, did, muted, deafened,
                 recording);
}

static void
on_sdp_received (BlinkSignaller *signaller,
                 const char *id,
                 const char *did,
                 const char *type,
                 const char *sdp,
                 guint connection,
                 GstBlinkSignaller *self)
{
  post_event (self, gst_structure_new ("blink-sdp-received", "call-id", G_TYPE_STRING, id,
                                       "participant", G_TYPE_STRING, did, "type", G_TYPE_STRING,
                                       type, "sdp", G_TYPE_STRING, sdp, NULL));
  g_signal_emit (self, signals[SIGNAL_SDP_RECEIVED], 0, id, did, type, sdp);
}

static void
on_ice_candidate_received (BlinkSignaller *signaller,
                           const char *id,
                           const char *did,
                           guint mline,
                           const char *candidate,
                           guint connection,
                           GstBlinkSignaller *self)
{
  post_event (self, gst_structure_new ("blink-ice-candidate-received", "call-id", G_TYPE_STRING,
                                       id, "participant", G_TYPE_STRING, did, "mline", G_TYPE_UINT,
                                       mline, "candidate", G_TYPE_STRING, candidate, NULL));
  g_signal_emit (self, signals[SIGNAL_ICE_CANDIDATE_RECEIVED], 0, id, did, mline, candidate);
}

static void
on_signaller_error (BlinkSignaller *signaller,
                    const char *id,
                    GError *error,
                    GstBlinkSignaller *self)
{
  GST_ELEMENT_WARNING (self, RESOURCE, WRITE, ("A signaling message could not be sent."),
                       ("call %s: %s", GST_STR_NULL (id), error->message));
}

static void
on_ipfs_state (BlinkSignaller *signaller,
               GParamSpec *pspec,
               GstBlinkSignaller *self)
{
  BlinkIpfsState state = blink_signaller_get_ipfs_state (signaller);

  GST_INFO_OBJECT (self, "IPFS node: %s", blink_enum_nick (BLINK_TYPE_IPFS_STATE, state));
  post_event (self, gst_structure_new ("blink-ipfs-state-changed", "state", BLINK_TYPE_IPFS_STATE,
                                       state, NULL));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_IPFS_STATE]);
}

static void
on_did (BlinkSignaller *signaller,
        GParamSpec *pspec,
        GstBlinkSignaller *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DID]);
}

/* ---- actions ---- */

/* An action that failed says why in the debug log and returns FALSE/NULL.
 * @error is read once @ok has been computed: arguments are evaluated in no
 * set order. */
static gboolean
done (GstBlinkSignaller *self,
      gboolean ok,
      GError **error)
{
  if (!ok)
    GST_WARNING_OBJECT (self, "%s", (*error)->message);
  g_clear_error (error);
  return ok;
}

static char *
gst_blink_signaller_offer_call (GstBlinkSignaller *self,
                                const char *const *callees,
                                const GstStructure *audio_structure)
{
  BlinkAudioFormat audio = BLINK_AUDIO_FORMAT_DEFAULT;
  GError *error = NULL;
  char *id;

  if (audio_structure != NULL && !audio_from_structure (audio_structure, &audio))
    {
      GST_WARNING_OBJECT (self, "Unsupported audio format %" GST_PTR_FORMAT, audio_structure);
      return NULL;
    }
  id = blink_signaller_offer (self->signaller, callees, &audio, &error);
  done (self, id != NULL, &error);
  return id;
}

static gboolean
gst_blink_signaller_cancel_call (GstBlinkSignaller *self,
                                 const char *call_id)
{
  GError *error = NULL;

  return done (self, blink_signaller_cancel (self->signaller, call_id, &error), &error);
}

static gboolean
gst_blink_signaller_join_call (GstBlinkSignaller *self,
                               const char *call_id)
{
  GError *error = NULL;

  return done (self, blink_signaller_join (self->signaller, call_id, &error), &error);
}

static gboolean
gst_blink_signaller_decline_call (GstBlinkSignaller *self,
                                  const char *call_id)
{
  GError *error = NULL;

  return done (self, blink_signaller_decline (self->signaller, call_id, &error), &error);
}

static gboolean
gst_blink_signaller_leave_call (GstBlinkSignaller *self,
                                const char *call_id)
{
  GError *error = NULL;

  return done (self, blink_signaller_leave (self->signaller, call_id, &error), &error);
}

static gboolean
gst_blink_signaller_invite (GstBlinkSignaller *self,
                            const char *call_id,
                            const char *const *dids)
{
  GError *error = NULL;

  return done (self, blink_signaller_invite (self->signaller, call_id, dids, &error), &error);
}

static gboolean
gst_blink_signaller_announce (GstBlinkSignaller *self,
                              const char *call_id,
                              gboolean muted,
                              gboolean deafened,
                              gboolean recording)
{
  GError *error = NULL;

  return done (self,
               blink_signaller_announce (self->signaller, call_id, muted, deafened, recording,
                                         &error),
               &error);
}

static gboolean
gst_blink_signaller_send_sdp (GstBlinkSignaller *self,
                              const char *call_id,
                              const char *did,
                              const char *type,
                              const char *sdp)
{
  GError *error = NULL;

  return done (self, blink_signaller_send_sdp (self->signaller, call_id, did, 0, type, sdp, &error),
               &error);
}

static gboolean
gst_blink_signaller_send_ice_candidate (GstBlinkSignaller *self,
                                        const char *call_id,
                                        const char *did,
                                        guint mline,
                                        const char *candidate)
{
  GError *error = NULL;

  return done (self,
               blink_signaller_send_ice_candidate (self->signaller, call_id, did, 0, mline,
                                                   candidate, &error),
               &error);
}

/* ---- element ---- */

static GstStateChangeReturn
gst_blink_signaller_change_state (GstElement *element,
                                  GstStateChange transition)
{
  GstBlinkSignaller *self = GST_BLINK_SIGNALLER (element);
  g_autoptr (GError) error = NULL;
  GstStateChangeReturn ret;

  if (transition == GST_STATE_CHANGE_NULL_TO_READY &&
      !blink_signaller_start (self->signaller, &error))
    {
      if (error->domain == BLINK_IPFS_ERROR)
        GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS, ("Bad IPFS API address."),
                           ("%s", error->message));
      else
        GST_ELEMENT_ERROR (self, RESOURCE, OPEN_READ, ("Cannot use the Blink identity."),
                           ("%s", error->message));
      return GST_STATE_CHANGE_FAILURE;
    }

  ret = GST_ELEMENT_CLASS (gst_blink_signaller_parent_class)->change_state (element, transition);

  if (transition == GST_STATE_CHANGE_READY_TO_NULL)
    blink_signaller_stop (self->signaller);

  return ret;
}

static GstStructure *
stats_structure (GstBlinkSignaller *self)
{
  BlinkSignallerStats stats;
  GstStructure *s;
  guint64 rejected = 0;

  blink_signaller_get_stats (self->signaller, &stats);
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
    case PROP_STATS:
      g_value_take_boxed (value, stats_structure (self));
      break;
    case PROP_SIGNALLER:
      g_value_set_object (value, self->signaller);
      break;
    case PROP_IDENTITY:
    case PROP_DID:
    case PROP_IPFS_API:
    case PROP_IPFS_STATE:
    case PROP_REPLAY_WINDOW:
    case PROP_RINGING_TIMEOUT:
    case PROP_ANNOUNCE_INTERVAL:
    case PROP_PEER_RATE:
      g_object_get_property (G_OBJECT (self->signaller), pspec->name, value);
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

  switch (prop_id)
    {
    case PROP_IDENTITY:
    case PROP_IPFS_API:
    case PROP_REPLAY_WINDOW:
    case PROP_RINGING_TIMEOUT:
    case PROP_ANNOUNCE_INTERVAL:
    case PROP_PEER_RATE:
      g_object_set_property (G_OBJECT (self->signaller), pspec->name, value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gst_blink_signaller_dispose (GObject *object)
{
  GstBlinkSignaller *self = GST_BLINK_SIGNALLER (object);

  if (self->signaller != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->signaller, self);
      blink_signaller_stop (self->signaller);
    }
  g_clear_object (&self->signaller);

  G_OBJECT_CLASS (gst_blink_signaller_parent_class)->dispose (object);
}

/* The element's properties are the signaller's, with the element's flags. */
static GParamSpec *
mirror (const char *name,
        GParamFlags extra)
{
  GObjectClass *klass = g_type_class_ref (BLINK_TYPE_SIGNALLER);
  GParamSpec *pspec = g_object_class_find_property (klass, name);
  GParamFlags flags = (pspec->flags & (G_PARAM_READWRITE)) | G_PARAM_STATIC_STRINGS | extra;
  GParamSpec *copy;

  if (G_IS_PARAM_SPEC_STRING (pspec))
    copy = g_param_spec_string (name, g_param_spec_get_nick (pspec),
                                g_param_spec_get_blurb (pspec),
                                G_PARAM_SPEC_STRING (pspec)->default_value, flags);
  else if (G_IS_PARAM_SPEC_UINT (pspec))
    copy = g_param_spec_uint (name, g_param_spec_get_nick (pspec), g_param_spec_get_blurb (pspec),
                              G_PARAM_SPEC_UINT (pspec)->minimum,
                              G_PARAM_SPEC_UINT (pspec)->maximum,
                              G_PARAM_SPEC_UINT (pspec)->default_value, flags);
  else if (G_IS_PARAM_SPEC_UINT64 (pspec))
    copy = g_param_spec_uint64 (name, g_param_spec_get_nick (pspec),
                                g_param_spec_get_blurb (pspec),
                                G_PARAM_SPEC_UINT64 (pspec)->minimum,
                                G_PARAM_SPEC_UINT64 (pspec)->maximum,
                                G_PARAM_SPEC_UINT64 (pspec)->default_value, flags);
  else
    copy = g_param_spec_enum (name, g_param_spec_get_nick (pspec), g_param_spec_get_blurb (pspec),
                              pspec->value_type, G_PARAM_SPEC_ENUM (pspec)->default_value, flags);
  g_type_class_unref (klass);
  return copy;
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
  element_class->change_state = gst_blink_signaller_change_state;

  gst_element_class_set_static_metadata (element_class, "Blink signaller", "Network/Signaling",
                                         "Encrypted call signaling over IPFS pubsub, addressed by "
                                         "did:key identities",
                                         "The Blink developers");

  properties[PROP_IDENTITY] = mirror ("identity", GST_PARAM_MUTABLE_READY);
  properties[PROP_DID] = mirror ("did", 0);
  properties[PROP_IPFS_API] = mirror ("ipfs-api", GST_PARAM_MUTABLE_READY);
  properties[PROP_IPFS_STATE] = mirror ("ipfs-state", 0);
  properties[PROP_REPLAY_WINDOW] = mirror ("replay-window", GST_PARAM_MUTABLE_PLAYING);
  properties[PROP_RINGING_TIMEOUT] = mirror ("ringing-timeout", GST_PARAM_MUTABLE_PLAYING);
  properties[PROP_ANNOUNCE_INTERVAL] = mirror ("announce-interval", GST_PARAM_MUTABLE_PLAYING);
  properties[PROP_PEER_RATE] = mirror ("peer-rate", GST_PARAM_MUTABLE_PLAYING);
  properties[PROP_STATS] =
    g_param_spec_boxed ("stats", "Statistics",
                        "Messages sent, received, ignored (echoes, stale), and rejected by reason",
                        GST_TYPE_STRUCTURE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_SIGNALLER] =
    g_param_spec_object ("signaller", "Signaller", "The BlinkSignaller this element wraps",
                         BLINK_TYPE_SIGNALLER, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
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
  /* Call id and the DIDs to add to it. */
  signals[SIGNAL_INVITE] =
    g_signal_new_class_handler ("invite", G_TYPE_FROM_CLASS (klass),
                                G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION,
                                G_CALLBACK (gst_blink_signaller_invite), NULL, NULL, NULL,
                                G_TYPE_BOOLEAN, 2, G_TYPE_STRING, G_TYPE_STRV);
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
    g_signal_newv ("offer-cancelled", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, NULL, NULL,
                   NULL, NULL, G_TYPE_NONE, 2, (GType *) call_args);
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
  signals[SIGNAL_PARTICIPANTS_ADDED] =
    g_signal_new ("participants-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                  NULL, NULL, G_TYPE_NONE, 3, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRV);
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
  static const char *const participant_events[] = { "participant-ringing", "participant-joined",
                                                     "participant-declined", "participant-left" };

  self->signaller = blink_signaller_new ();
  g_signal_connect (self->signaller, "incoming-call", G_CALLBACK (on_incoming_call), self);
  g_signal_connect (self->signaller, "offer-cancelled", G_CALLBACK (on_offer_cancelled), self);
  g_signal_connect (self->signaller, "offer-expired", G_CALLBACK (on_offer_expired), self);
  for (guint i = 0; i < G_N_ELEMENTS (participant_events); i++)
    g_signal_connect (self->signaller, participant_events[i], G_CALLBACK (on_participant_event),
                      self);
  g_signal_connect (self->signaller, "participant-announced",
                    G_CALLBACK (on_participant_announced), self);
  g_signal_connect (self->signaller, "participants-added", G_CALLBACK (on_participants_added),
                    self);
  g_signal_connect (self->signaller, "sdp-received", G_CALLBACK (on_sdp_received), self);
  g_signal_connect (self->signaller, "ice-candidate-received",
                    G_CALLBACK (on_ice_candidate_received), self);
  g_signal_connect (self->signaller, "error", G_CALLBACK (on_signaller_error), self);
  g_signal_connect (self->signaller, "notify::ipfs-state", G_CALLBACK (on_ipfs_state), self);
  g_signal_connect (self->signaller, "notify::did", G_CALLBACK (on_did), self);
}
