/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "blink-voice-activity"

#include "config.h"

#include "blink-voice-activity.h"

/* Whether someone speaks, from the RMS levels of successive stretches of
 * their audio (a `level` element's messages, docs/engine.md "Speaking"):
 * on after BLINK_VOICE_ON_US above BLINK_VOICE_ON_DB, off after
 * BLINK_VOICE_OFF_US below BLINK_VOICE_OFF_DB; in between, as it was. The
 * durations are those of the audio, not of the clock, so that levels that
 * reach the main loop in a bunch count for what they measured. A change
 * comes BLINK_VOICE_MIN_CHANGE_US after the previous one at the earliest
 * (by the clock, @now): a front end redraws at most four times a second
 * per speaker. */

enum
{
  PROP_0,
  PROP_SPEAKING,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

struct _BlinkVoiceActivity
{
  GObject parent_instance;

  gboolean speaking;
  GTimeSpan loud_for;  /* audio above the on level, without a break */
  GTimeSpan quiet_for; /* audio below the off level, without a break */
  gint64 changed;      /* clock of the last change, 0 for none yet */
};

G_DEFINE_FINAL_TYPE (BlinkVoiceActivity, blink_voice_activity, G_TYPE_OBJECT)

static void
blink_voice_activity_get_property (GObject *object,
                                   guint prop_id,
                                   GValue *value,
                                   GParamSpec *pspec)
{
  BlinkVoiceActivity *self = BLINK_VOICE_ACTIVITY (object);

  switch (prop_id)
    {
    case PROP_SPEAKING:
      g_value_set_boolean (value, self->speaking);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
blink_voice_activity_class_init (BlinkVoiceActivityClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = blink_voice_activity_get_property;

  properties[PROP_SPEAKING] =
    g_param_spec_boolean ("speaking", "Speaking", "Whether the voice is heard now", FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
blink_voice_activity_init (BlinkVoiceActivity *self)
{
}

BlinkVoiceActivity *
blink_voice_activity_new (void)
{
  return g_object_new (BLINK_TYPE_VOICE_ACTIVITY, NULL);
}

gboolean
blink_voice_activity_get_speaking (BlinkVoiceActivity *self)
{
  g_return_val_if_fail (BLINK_IS_VOICE_ACTIVITY (self), FALSE);

  return self->speaking;
}

/**
 * blink_voice_activity_push_level:
 * @rms_db: the RMS level of a stretch of audio, dBFS (-inf for digital
 *   silence), the loudest channel's
 * @duration: how long that stretch is
 * @now: monotonic time, µs
 *
 * Returns: whether #BlinkVoiceActivity:speaking changed (and was notified)
 */
gboolean
blink_voice_activity_push_level (BlinkVoiceActivity *self,
                                 double rms_db,
                                 GTimeSpan duration,
                                 gint64 now)
{
  gboolean speaking;

  g_return_val_if_fail (BLINK_IS_VOICE_ACTIVITY (self), FALSE);

  self->loud_for = rms_db > BLINK_VOICE_ON_DB ? self->loud_for + duration : 0;
  self->quiet_for = rms_db < BLINK_VOICE_OFF_DB ? self->quiet_for + duration : 0;
  if (self->loud_for >= BLINK_VOICE_ON_US)
    speaking = TRUE;
  else if (self->quiet_for >= BLINK_VOICE_OFF_US)
    speaking = FALSE;
  else
    speaking = self->speaking;

  /* Held back, the change comes with a later level, if it still holds. */
  if (speaking == self->speaking ||
      (self->changed != 0 && now - self->changed < BLINK_VOICE_MIN_CHANGE_US))
    return FALSE;
  self->speaking = speaking;
  self->changed = now;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SPEAKING]);
  return TRUE;
}

/**
 * blink_voice_activity_setup_level:
 * @level: a `level` element
 *
 * Makes @level post the RMS level of every BLINK_VOICE_LEVEL_INTERVAL_MS of
 * audio on the bus, for the speaking indicators (docs/engine.md,
 * "Speaking"): a message is cheap, and the judging happens on the main
 * loop, off the streaming thread.
 */
void
blink_voice_activity_setup_level (GstElement *level)
{
  g_object_set (level, "interval", (guint64) BLINK_VOICE_LEVEL_INTERVAL_MS * GST_MSECOND,
                "post-messages", TRUE, "peak-ttl", (guint64) 0, NULL);
}

/**
 * blink_voice_activity_parse_level:
 * @message: a message on the pipeline's bus
 * @rms_db: (out): the loudest channel's RMS level, dBFS
 * @duration: (out): how much audio it measured, µs
 *
 * Returns: whether @message is a `level` element's measurement
 */
gboolean
blink_voice_activity_parse_level (GstMessage *message,
                        double *rms_db,
                        GTimeSpan *duration)
{
  const GstStructure *s;
  const GValue *rms;
  GstClockTime ns;

  if (GST_MESSAGE_TYPE (message) != GST_MESSAGE_ELEMENT)
    return FALSE;
  s = gst_message_get_structure (message);
  if (!gst_structure_has_name (s, "level") || (rms = gst_structure_get_value (s, "rms")) == NULL ||
      !gst_structure_get_clock_time (s, "duration", &ns))
    return FALSE;
  *rms_db = -G_MAXDOUBLE;
  /* A GValueArray in 1.22; GLib deprecated the type, not its use here. */
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  {
    GValueArray *channels = g_value_get_boxed (rms);

    for (guint i = 0; channels != NULL && i < channels->n_values; i++)
      *rms_db = MAX (*rms_db, g_value_get_double (g_value_array_get_nth (channels, i)));
  }
  G_GNUC_END_IGNORE_DEPRECATIONS
  *duration = ns / GST_USECOND;
  return TRUE;
}
