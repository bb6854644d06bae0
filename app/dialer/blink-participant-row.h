/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define BLINK_TYPE_PARTICIPANT_ROW (blink_participant_row_get_type ())
G_DECLARE_FINAL_TYPE (BlinkParticipantRow,
                      blink_participant_row,
                      BLINK,
                      PARTICIPANT_ROW,
                      GtkListBoxRow)

GtkWidget *blink_participant_row_new (const char *did);

const char *blink_participant_row_get_did (BlinkParticipantRow *self);
void blink_participant_row_set_name (BlinkParticipantRow *self, const char *name);
const char *blink_participant_row_get_name (BlinkParticipantRow *self);
void blink_participant_row_set_state (BlinkParticipantRow *self,
                                      const char *state,
                                      gboolean muted,
                                      gboolean deafened);
const char *blink_participant_row_get_state (BlinkParticipantRow *self);
void blink_participant_row_set_speaking (BlinkParticipantRow *self, gboolean speaking);
gboolean blink_participant_row_get_speaking (BlinkParticipantRow *self);
void blink_participant_row_set_problems (BlinkParticipantRow *self, const char *const *problems);
const char *blink_participant_row_get_warning (BlinkParticipantRow *self);
void blink_participant_row_set_volume (BlinkParticipantRow *self, double volume);
void blink_participant_row_set_verified (BlinkParticipantRow *self, gboolean verified);

G_END_DECLS
