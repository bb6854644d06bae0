/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib-object.h>

#include "blink-message.h"
#include "blink-participant.h"

G_BEGIN_DECLS

/**
 * BlinkCallState:
 * @BLINK_CALL_STATE_RINGING: nobody connected yet; ending needs no waiting
 * @BLINK_CALL_STATE_STARTED: at least one participant connected
 * @BLINK_CALL_STATE_ENDING: left; waiting for every peer connection to close
 * @BLINK_CALL_STATE_ENDED: over
 */
typedef enum
{
  BLINK_CALL_STATE_RINGING,
  BLINK_CALL_STATE_STARTED,
  BLINK_CALL_STATE_ENDING,
  BLINK_CALL_STATE_ENDED,
} BlinkCallState;

#define BLINK_TYPE_CALL_STATE (blink_call_state_get_type ())
GType blink_call_state_get_type (void);

#define BLINK_TYPE_CALL (blink_call_get_type ())
G_DECLARE_FINAL_TYPE (BlinkCall, blink_call, BLINK, CALL, GObject)

BlinkCall *blink_call_new (const char *id,
                           gboolean incoming,
                           const char *caller,
                           const char *const *participants,
                           const char *self_did,
                           const BlinkAudioFormat *audio);

const char *blink_call_get_id (BlinkCall *self);
BlinkCallState blink_call_get_state (BlinkCall *self);
gboolean blink_call_get_incoming (BlinkCall *self);
const char *blink_call_get_caller (BlinkCall *self);
GPtrArray *blink_call_get_participants (BlinkCall *self);
BlinkParticipant *blink_call_find_participant (BlinkCall *self,
                                               const char *did);
BlinkParticipant *blink_call_add_participant (BlinkCall *self,
                                              const char *did);
gboolean blink_call_has_participant_in (BlinkCall *self,
                                        BlinkParticipantState state);

const BlinkAudioFormat *blink_call_get_audio_format (BlinkCall *self);
gint64 blink_call_get_setup_time (BlinkCall *self);
gint64 blink_call_get_setup_started (BlinkCall *self);
gboolean blink_call_get_speaking (BlinkCall *self);
void blink_call_push_self_level (BlinkCall *self,
                                 double rms_db,
                                 GTimeSpan duration,
                                 gint64 now);
void blink_call_stop_speaking (BlinkCall *self);
const char *blink_call_get_recording (BlinkCall *self);
gboolean blink_call_get_crossed (BlinkCall *self);

void blink_call_start_setup (BlinkCall *self);
void blink_call_set_state (BlinkCall *self,
                           BlinkCallState state);
void blink_call_set_recording (BlinkCall *self,
                               const char *directory);
void blink_call_set_crossed (BlinkCall *self,
                             gboolean crossed);

G_END_DECLS
