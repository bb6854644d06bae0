/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "blink-participant"

#include "config.h"

#include "blink-participant.h"

#include "blink-quality-monitor.h"
#include "blink-voice-activity.h"

/* Someone in a call, as a front end shows them. */

enum
{
  PROP_0,
  PROP_DID,
  PROP_STATE,
  PROP_MUTED,
  PROP_DEAFENED,
  PROP_RECORDING,
  PROP_FAILURE,
  PROP_VERIFICATION_CODE,
  PROP_VOLUME,
  PROP_SPEAKING,
  PROP_QUALITY_PROBLEMS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

struct _BlinkParticipant
{
  GObject parent_instance;

  char *did;
  BlinkParticipantState state;
  gboolean muted;
  gboolean deafened;
  gboolean recording;
  GError *failure;
  char *verification_code;
  double volume;
  /* Judged while connected, from its audio and its connection's figures. */
  BlinkVoiceActivity *voice;
  BlinkQualityMonitor *quality;
};

G_DEFINE_FINAL_TYPE (BlinkParticipant, blink_participant, G_TYPE_OBJECT)

G_DEFINE_ENUM_TYPE (BlinkParticipantState, blink_participant_state,
                    G_DEFINE_ENUM_VALUE (BLINK_PARTICIPANT_STATE_RINGING, "ringing"),
                    G_DEFINE_ENUM_VALUE (BLINK_PARTICIPANT_STATE_CONNECTING, "connecting"),
                    G_DEFINE_ENUM_VALUE (BLINK_PARTICIPANT_STATE_CONNECTED, "connected"),
                    G_DEFINE_ENUM_VALUE (BLINK_PARTICIPANT_STATE_DECLINED, "declined"),
                    G_DEFINE_ENUM_VALUE (BLINK_PARTICIPANT_STATE_LEFT, "left"),
                    G_DEFINE_ENUM_VALUE (BLINK_PARTICIPANT_STATE_FAILED, "failed"))

/**
 * blink_participant_state_is_final:
 *
 * Returns: whether @state ends the participant's part in the call for good:
 *   declined, left (or never answered) and failed. Nothing they send later
 *   brings them back: the engine makes no connection to them.
 */
gboolean
blink_participant_state_is_final (BlinkParticipantState state)
{
  return state == BLINK_PARTICIPANT_STATE_DECLINED || state == BLINK_PARTICIPANT_STATE_LEFT ||
         state == BLINK_PARTICIPANT_STATE_FAILED;
}

const char *
blink_participant_get_did (BlinkParticipant *self)
{
  return self->did;
}

BlinkParticipantState
blink_participant_get_state (BlinkParticipant *self)
{
  return self->state;
}

gboolean
blink_participant_get_muted (BlinkParticipant *self)
{
  return self->muted;
}

gboolean
blink_participant_get_deafened (BlinkParticipant *self)
{
  return self->deafened;
}

gboolean
blink_participant_get_recording (BlinkParticipant *self)
{
  return self->recording;
}

/**
 * blink_participant_get_failure:
 *
 * Returns: (nullable): why the participant's connection failed
 */
const GError *
blink_participant_get_failure (BlinkParticipant *self)
{
  return self->failure;
}

/**
 * blink_participant_get_verification_code:
 *
 * Returns: (nullable): the code to read to each other, once connected
 *   (docs/protocol.md, "Verification code")
 */
const char *
blink_participant_get_verification_code (BlinkParticipant *self)
{
  return self->verification_code;
}

/**
 * blink_participant_get_volume:
 *
 * Returns: how loud we play them: 0 silent, 1 as they send, up to
 *   %BLINK_PARTICIPANT_VOLUME_MAX
 */
double
blink_participant_get_volume (BlinkParticipant *self)
{
  return self->volume;
}

void
blink_participant_set_failed (BlinkParticipant *self,
                              const GError *failure)
{
  g_clear_error (&self->failure);
  self->failure = g_error_copy (failure);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FAILURE]);
  blink_participant_set_state (self, BLINK_PARTICIPANT_STATE_FAILED);
}

void
blink_participant_set_verification_code (BlinkParticipant *self,
                                         const char *code)
{
  if (g_strcmp0 (self->verification_code, code) == 0)
    return;
  g_free (self->verification_code);
  self->verification_code = g_strdup (code);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_VERIFICATION_CODE]);
}

void
blink_participant_set_volume (BlinkParticipant *self,
                              double volume)
{
  g_return_if_fail (volume >= 0 && volume <= BLINK_PARTICIPANT_VOLUME_MAX);

  if (self->volume == volume)
    return;
  self->volume = volume;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_VOLUME]);
}

/**
 * blink_participant_get_speaking:
 *
 * Returns: whether their voice is heard now (docs/engine.md, "Speaking")
 */
gboolean
blink_participant_get_speaking (BlinkParticipant *self)
{
  return self->voice != NULL && blink_voice_activity_get_speaking (self->voice);
}

/**
 * blink_participant_get_quality_problems:
 *
 * Returns: what is wrong with their connection now (docs/engine.md,
 *   "Quality warnings")
 */
BlinkQualityProblems
blink_participant_get_quality_problems (BlinkParticipant *self)
{
  return self->quality != NULL ? blink_quality_monitor_get_problems (self->quality) : 0;
}

/**
 * blink_participant_get_quality_figures:
 *
 * Returns: (nullable): the figures the problems were judged from last,
 *   %NULL while not connected
 */
const BlinkQualityFigures *
blink_participant_get_quality_figures (BlinkParticipant *self)
{
  return self->quality != NULL ? blink_quality_monitor_get_figures (self->quality) : NULL;
}

/**
 * blink_participant_push_level:
 *
 * Takes the RMS level of a stretch of their audio, as heard before our
 * volume, while they are connected.
 */
void
blink_participant_push_level (BlinkParticipant *self,
                              double rms_db,
                              GTimeSpan duration,
                              gint64 now)
{
  if (self->voice != NULL && blink_voice_activity_push_level (self->voice, rms_db, duration, now))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SPEAKING]);
}

/**
 * blink_participant_push_stats:
 *
 * Takes their connection's statistics, while they are connected.
 */
void
blink_participant_push_stats (BlinkParticipant *self,
                              const BlinkConnectionStats *stats,
                              gint64 now)
{
  if (self->quality != NULL && stats->connected_time != 0 &&
      blink_quality_monitor_push (self->quality, stats, now))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_QUALITY_PROBLEMS]);
}

void
blink_participant_set_state (BlinkParticipant *self,
                             BlinkParticipantState state)
{
  gboolean speaking, problems;

  if (self->state == state)
    return;

  speaking = blink_participant_get_speaking (self);
  problems = blink_participant_get_quality_problems (self) != 0;
  self->state = state;
  /* Judged afresh for each connection: nothing carries over from the
   * last one, and nobody speaks or has problems without one. */
  g_clear_object (&self->voice);
  g_clear_object (&self->quality);
  if (state == BLINK_PARTICIPANT_STATE_CONNECTED)
    {
      self->voice = blink_voice_activity_new ();
      self->quality = blink_quality_monitor_new ();
    }
  g_object_freeze_notify (G_OBJECT (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
  if (speaking)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SPEAKING]);
  if (problems)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_QUALITY_PROBLEMS]);
  g_object_thaw_notify (G_OBJECT (self));
}

void
blink_participant_set_announced (BlinkParticipant *self,
                                 gboolean muted,
                                 gboolean deafened,
                                 gboolean recording)
{
  g_object_freeze_notify (G_OBJECT (self));
  if (self->muted != muted)
    {
      self->muted = muted;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MUTED]);
    }
  if (self->deafened != deafened)
    {
      self->deafened = deafened;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DEAFENED]);
    }
  if (self->recording != recording)
    {
      self->recording = recording;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RECORDING]);
    }
  g_object_thaw_notify (G_OBJECT (self));
}

static void
blink_participant_get_property (GObject *object,
                                guint prop_id,
                                GValue *value,
                                GParamSpec *pspec)
{
  BlinkParticipant *self = BLINK_PARTICIPANT (object);

  switch (prop_id)
    {
    case PROP_DID:
      g_value_set_string (value, self->did);
      break;
    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;
    case PROP_MUTED:
      g_value_set_boolean (value, self->muted);
      break;
    case PROP_DEAFENED:
      g_value_set_boolean (value, self->deafened);
      break;
    case PROP_FAILURE:
      g_value_set_boxed (value, self->failure);
      break;
    case PROP_VERIFICATION_CODE:
      g_value_set_string (value, self->verification_code);
      break;
    case PROP_RECORDING:
      g_value_set_boolean (value, self->recording);
      break;
    case PROP_VOLUME:
      g_value_set_double (value, self->volume);
      break;
    case PROP_SPEAKING:
      g_value_set_boolean (value, blink_participant_get_speaking (self));
      break;
    case PROP_QUALITY_PROBLEMS:
      g_value_set_flags (value, blink_participant_get_quality_problems (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
blink_participant_finalize (GObject *object)
{
  BlinkParticipant *self = BLINK_PARTICIPANT (object);

  g_free (self->did);
  g_clear_error (&self->failure);
  g_free (self->verification_code);
  g_clear_object (&self->voice);
  g_clear_object (&self->quality);

  G_OBJECT_CLASS (blink_participant_parent_class)->finalize (object);
}

static void
blink_participant_class_init (BlinkParticipantClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = blink_participant_get_property;
  object_class->finalize = blink_participant_finalize;

  properties[PROP_DID] = g_param_spec_string ("did", "DID", "The participant's address", NULL,
                                              G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_STATE] =
    g_param_spec_enum ("state", "State", "Where the participant is in the call",
                       BLINK_TYPE_PARTICIPANT_STATE, BLINK_PARTICIPANT_STATE_RINGING,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_MUTED] = g_param_spec_boolean ("muted", "Muted", "Their microphone is off", FALSE,
                                                 G_PARAM_READABLE | G_PARAM_STATIC_STRINGS |
                                                   G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_DEAFENED] =
    g_param_spec_boolean ("deafened", "Deafened", "They hear nothing", FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_RECORDING] =
    g_param_spec_boolean ("recording", "Recording", "They record the call", FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_FAILURE] =
    g_param_spec_boxed ("failure", "Failure", "Why their connection failed", G_TYPE_ERROR,
                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_VERIFICATION_CODE] =
    g_param_spec_string ("verification-code", "Verification code",
                         "Six digits to read to each other: the same on both sides unless "
                         "someone is in the middle",
                         NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_VOLUME] =
    g_param_spec_double ("volume", "Volume",
                         "How loud they are played: 0 silent, 1 as they send, 2 twice as loud", 0,
                         BLINK_PARTICIPANT_VOLUME_MAX, 1,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_SPEAKING] =
    g_param_spec_boolean ("speaking", "Speaking", "Their voice is heard now", FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_QUALITY_PROBLEMS] =
    g_param_spec_flags ("quality-problems", "Quality problems",
                        "What is wrong with their connection now", BLINK_TYPE_QUALITY_PROBLEMS, 0,
                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
blink_participant_init (BlinkParticipant *self)
{
  self->volume = 1;
}

BlinkParticipant *
blink_participant_new (const char *did,
                       BlinkParticipantState state)
{
  BlinkParticipant *self = g_object_new (BLINK_TYPE_PARTICIPANT, NULL);

  self->did = g_strdup (did);
  self->state = state;
  return self;
}
