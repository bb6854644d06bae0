/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "blink-call"

#include "config.h"

#include "blink-call.h"

#include "blink-enum.h"
#include "blink-voice-activity.h"

/* A call as a front end shows it: its state and the other participants.
 * BlinkCallManager drives it. */

enum
{
  PROP_0,
  PROP_ID,
  PROP_STATE,
  PROP_INCOMING,
  PROP_CALLER,
  PROP_AUDIO_FORMAT,
  PROP_SETUP_TIME,
  PROP_SPEAKING,
  PROP_RECORDING,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum
{
  SIGNAL_PARTICIPANT_ADDED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

struct _BlinkCall
{
  GObject parent_instance;

  char *id;
  BlinkCallState state;
  gboolean incoming;
  char *caller;
  GPtrArray *participants; /* BlinkParticipant*, everyone but us */
  BlinkAudioFormat audio;
  gint64 setup_started_us; /* offered or accepted here; 0 before */
  gint64 setup_time_us;    /* from then to the first connected participant */
  BlinkVoiceActivity *voice; /* ours, while the call has the media */
  char *recording;         /* the folder we record it into; NULL when we do not */
  gboolean crossed;        /* gave way to the other side's call to us */
};

G_DEFINE_FINAL_TYPE (BlinkCall, blink_call, G_TYPE_OBJECT)

G_DEFINE_ENUM_TYPE (BlinkCallState, blink_call_state,
                    G_DEFINE_ENUM_VALUE (BLINK_CALL_STATE_RINGING, "ringing"),
                    G_DEFINE_ENUM_VALUE (BLINK_CALL_STATE_STARTED, "started"),
                    G_DEFINE_ENUM_VALUE (BLINK_CALL_STATE_ENDING, "ending"),
                    G_DEFINE_ENUM_VALUE (BLINK_CALL_STATE_ENDED, "ended"))

const char *
blink_call_get_id (BlinkCall *self)
{
  return self->id;
}

BlinkCallState
blink_call_get_state (BlinkCall *self)
{
  return self->state;
}

gboolean
blink_call_get_incoming (BlinkCall *self)
{
  return self->incoming;
}

const char *
blink_call_get_caller (BlinkCall *self)
{
  return self->caller;
}

/**
 * blink_call_get_participants:
 *
 * Returns: (transfer none) (element-type BlinkParticipant): everyone but us
 */
GPtrArray *
blink_call_get_participants (BlinkCall *self)
{
  return self->participants;
}

BlinkParticipant *
blink_call_find_participant (BlinkCall *self,
                             const char *did)
{
  for (guint i = 0; i < self->participants->len; i++)
    {
      BlinkParticipant *p = g_ptr_array_index (self->participants, i);

      if (g_strcmp0 (blink_participant_get_did (p), did) == 0)
        return p;
    }
  return NULL;
}

/**
 * blink_call_add_participant:
 *
 * Someone invited into the call while it runs: ringing, until they answer.
 *
 * Returns: (transfer none): the participant, or %NULL when @did is in the
 *   call already
 */
BlinkParticipant *
blink_call_add_participant (BlinkCall *self,
                            const char *did)
{
  BlinkParticipant *participant;

  if (blink_call_find_participant (self, did) != NULL)
    return NULL;
  participant = blink_participant_new (did, BLINK_PARTICIPANT_STATE_RINGING);
  g_ptr_array_add (self->participants, participant);
  g_signal_emit (self, signals[SIGNAL_PARTICIPANT_ADDED], 0, participant);
  return participant;
}

gboolean
blink_call_has_participant_in (BlinkCall *self,
                               BlinkParticipantState state)
{
  for (guint i = 0; i < self->participants->len; i++)
    if (blink_participant_get_state (g_ptr_array_index (self->participants, i)) == state)
      return TRUE;
  return FALSE;
}

/**
 * blink_call_get_audio_format:
 *
 * Returns: (transfer none): the call's format on the wire, as its caller
 *   offered it
 */
const BlinkAudioFormat *
blink_call_get_audio_format (BlinkCall *self)
{
  return &self->audio;
}

/**
 * blink_call_get_setup_time:
 *
 * Returns: µs from offering or accepting the call here to the first
 *   connected participant; 0 until then
 */
gint64
blink_call_get_setup_time (BlinkCall *self)
{
  return self->setup_time_us;
}

/**
 * blink_call_start_setup:
 *
 * The user offered or accepted the call: its setup time counts from now.
 */
void
blink_call_start_setup (BlinkCall *self)
{
  self->setup_started_us = g_get_monotonic_time ();
}

/**
 * blink_call_get_setup_started:
 *
 * Returns: the monotonic time (µs) the call was offered or accepted here;
 *   0 before
 */
gint64
blink_call_get_setup_started (BlinkCall *self)
{
  return self->setup_started_us;
}

/**
 * blink_call_get_speaking:
 *
 * Returns: whether the user's own voice goes out now (unmuted and heard:
 *   docs/engine.md, "Speaking")
 */
gboolean
blink_call_get_speaking (BlinkCall *self)
{
  return self->voice != NULL && blink_voice_activity_get_speaking (self->voice);
}

/**
 * blink_call_push_self_level:
 *
 * Takes the RMS level of a stretch of what the user sends, after the mute,
 * while this is the active call.
 */
void
blink_call_push_self_level (BlinkCall *self,
                            double rms_db,
                            GTimeSpan duration,
                            gint64 now)
{
  if (self->state >= BLINK_CALL_STATE_ENDING)
    return;
  if (self->voice == NULL)
    self->voice = blink_voice_activity_new ();
  if (blink_voice_activity_push_level (self->voice, rms_db, duration, now))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SPEAKING]);
}

/**
 * blink_call_stop_speaking:
 *
 * The call has no media any more (ended, or another call is active): the
 * user does not speak in it.
 */
void
blink_call_stop_speaking (BlinkCall *self)
{
  gboolean speaking = blink_call_get_speaking (self);

  g_clear_object (&self->voice);
  if (speaking)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SPEAKING]);
}

/**
 * blink_call_get_recording:
 *
 * Returns: (nullable): the folder the call is being recorded into here,
 *   %NULL when it is not
 */
const char *
blink_call_get_recording (BlinkCall *self)
{
  return self->recording;
}

void
blink_call_set_recording (BlinkCall *self,
                          const char *directory)
{
  if (g_strcmp0 (self->recording, directory) == 0)
    return;
  g_free (self->recording);
  self->recording = g_strdup (directory);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RECORDING]);
}

/**
 * blink_call_get_crossed:
 *
 * Returns: whether the call gave way to one that crossed it: the same two
 *   people called each other at once, and they talk in the other call
 *   (docs/engine.md, "Crossed calls"). Not a call that was missed.
 */
gboolean
blink_call_get_crossed (BlinkCall *self)
{
  return self->crossed;
}

void
blink_call_set_crossed (BlinkCall *self,
                        gboolean crossed)
{
  self->crossed = crossed;
}

void
blink_call_set_state (BlinkCall *self,
                      BlinkCallState state)
{
  /* States only move forward. */
  if (state <= self->state)
    return;
  if (state >= BLINK_CALL_STATE_ENDING)
    blink_call_stop_speaking (self);

  if (state == BLINK_CALL_STATE_STARTED && self->setup_started_us != 0)
    {
      self->setup_time_us = MAX (1, g_get_monotonic_time () - self->setup_started_us);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SETUP_TIME]);
    }

  g_debug ("Call %s: %s", self->id, blink_enum_nick (BLINK_TYPE_CALL_STATE, state));
  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

static void
blink_call_get_property (GObject *object,
                         guint prop_id,
                         GValue *value,
                         GParamSpec *pspec)
{
  BlinkCall *self = BLINK_CALL (object);

  switch (prop_id)
    {
    case PROP_ID:
      g_value_set_string (value, self->id);
      break;
    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;
    case PROP_INCOMING:
      g_value_set_boolean (value, self->incoming);
      break;
    case PROP_CALLER:
      g_value_set_string (value, self->caller);
      break;
    case PROP_AUDIO_FORMAT:
      g_value_set_boxed (value, &self->audio);
      break;
    case PROP_SETUP_TIME:
      g_value_set_int64 (value, self->setup_time_us);
      break;
    case PROP_SPEAKING:
      g_value_set_boolean (value, blink_call_get_speaking (self));
      break;
    case PROP_RECORDING:
      g_value_set_string (value, self->recording);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
blink_call_finalize (GObject *object)
{
  BlinkCall *self = BLINK_CALL (object);

  g_free (self->id);
  g_free (self->caller);
  g_free (self->recording);
  g_ptr_array_unref (self->participants);
  g_clear_object (&self->voice);

  G_OBJECT_CLASS (blink_call_parent_class)->finalize (object);
}

static void
blink_call_class_init (BlinkCallClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = blink_call_get_property;
  object_class->finalize = blink_call_finalize;

  properties[PROP_ID] = g_param_spec_string ("id", "ID", "The call's id", NULL,
                                             G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_STATE] =
    g_param_spec_enum ("state", "State", "Where the call is", BLINK_TYPE_CALL_STATE,
                       BLINK_CALL_STATE_RINGING,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_INCOMING] =
    g_param_spec_boolean ("incoming", "Incoming", "Someone else offered it", FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_CALLER] = g_param_spec_string ("caller", "Caller", "Who offered the call", NULL,
                                                 G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_AUDIO_FORMAT] =
    g_param_spec_boxed ("audio-format", "Audio format", "The call's format on the wire",
                        BLINK_TYPE_AUDIO_FORMAT, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_SETUP_TIME] =
    g_param_spec_int64 ("setup-time", "Setup time",
                        "µs from offer or accept to the first connected participant; 0 before",
                        0, G_MAXINT64, 0, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_SPEAKING] =
    g_param_spec_boolean ("speaking", "Speaking", "The user's own voice goes out now", FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_RECORDING] =
    g_param_spec_string ("recording", "Recording",
                         "The folder we record the call into; NULL when we do not", NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * BlinkCall::participant-added:
   * @participant: (type BlinkParticipant): someone invited into the call
   */
  signals[SIGNAL_PARTICIPANT_ADDED] =
    g_signal_new ("participant-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                  NULL, NULL, G_TYPE_NONE, 1, BLINK_TYPE_PARTICIPANT);
}

static void
blink_call_init (BlinkCall *self)
{
  self->participants = g_ptr_array_new_with_free_func (g_object_unref);
}

BlinkCall *
blink_call_new (const char *id,
                gboolean incoming,
                const char *caller,
                const char *const *participants,
                const char *self_did,
                const BlinkAudioFormat *audio)
{
  BlinkCall *self = g_object_new (BLINK_TYPE_CALL, NULL);

  self->id = g_strdup (id);
  self->audio = *audio;
  self->incoming = incoming;
  self->caller = g_strdup (caller);
  for (guint i = 0; participants[i] != NULL; i++)
    {
      if (g_str_equal (participants[i], self_did))
        continue;
      /* The caller is in the call from the start: only media is missing. */
      g_ptr_array_add (self->participants,
                       blink_participant_new (participants[i],
                                              g_str_equal (participants[i], caller)
                                                ? BLINK_PARTICIPANT_STATE_CONNECTING
                                                : BLINK_PARTICIPANT_STATE_RINGING));
    }
  return self;
}
