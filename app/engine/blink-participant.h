/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib-object.h>

#include "blink-connection-stats.h"
#include "blink-quality-monitor.h"

G_BEGIN_DECLS

typedef enum
{
  BLINK_PARTICIPANT_STATE_RINGING,    /* invited, not answered */
  BLINK_PARTICIPANT_STATE_CONNECTING, /* joined, media being set up */
  BLINK_PARTICIPANT_STATE_CONNECTED,  /* media flows */
  BLINK_PARTICIPANT_STATE_DECLINED,
  BLINK_PARTICIPANT_STATE_LEFT,
  BLINK_PARTICIPANT_STATE_FAILED,     /* its connection failed; see the failure */
} BlinkParticipantState;

#define BLINK_TYPE_PARTICIPANT_STATE (blink_participant_state_get_type ())
GType blink_participant_state_get_type (void);
gboolean blink_participant_state_is_final (BlinkParticipantState state);

/* The loudest a participant is played: twice as loud as sent (+6 dB).
 * Enough to lift a quiet microphone; more would mostly clip. */
#define BLINK_PARTICIPANT_VOLUME_MAX 2.0

#define BLINK_TYPE_PARTICIPANT (blink_participant_get_type ())
G_DECLARE_FINAL_TYPE (BlinkParticipant, blink_participant, BLINK, PARTICIPANT, GObject)

BlinkParticipant *blink_participant_new (const char *did,
                                         BlinkParticipantState state);

const char *blink_participant_get_did (BlinkParticipant *self);
BlinkParticipantState blink_participant_get_state (BlinkParticipant *self);
gboolean blink_participant_get_muted (BlinkParticipant *self);
gboolean blink_participant_get_deafened (BlinkParticipant *self);
gboolean blink_participant_get_recording (BlinkParticipant *self);
double blink_participant_get_volume (BlinkParticipant *self);
gboolean blink_participant_get_speaking (BlinkParticipant *self);
BlinkQualityProblems blink_participant_get_quality_problems (BlinkParticipant *self);
const BlinkQualityFigures *blink_participant_get_quality_figures (BlinkParticipant *self);

const GError *blink_participant_get_failure (BlinkParticipant *self);
const char *blink_participant_get_verification_code (BlinkParticipant *self);

void blink_participant_set_state (BlinkParticipant *self,
                                  BlinkParticipantState state);
void blink_participant_set_failed (BlinkParticipant *self,
                                   const GError *failure);
void blink_participant_set_verification_code (BlinkParticipant *self,
                                              const char *code);
void blink_participant_set_volume (BlinkParticipant *self,
                                   double volume);
void blink_participant_set_announced (BlinkParticipant *self,
                                      gboolean muted,
                                      gboolean deafened,
                                      gboolean recording);
void blink_participant_push_level (BlinkParticipant *self,
                                   double rms_db,
                                   GTimeSpan duration,
                                   gint64 now);
void blink_participant_push_stats (BlinkParticipant *self,
                                   const BlinkConnectionStats *stats,
                                   gint64 now);

G_END_DECLS
