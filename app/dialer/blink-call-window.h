/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <adwaita.h>
#include <json-glib/json-glib.h>

#include "blink-dbus-generated.h"
#include "blink-invite-dialog.h"

G_BEGIN_DECLS

#define BLINK_TYPE_CALL_WINDOW (blink_call_window_get_type ())
G_DECLARE_FINAL_TYPE (BlinkCallWindow, blink_call_window, BLINK, CALL_WINDOW, AdwApplicationWindow)

BlinkCallWindow *blink_call_window_new (GtkApplication *application);

void blink_call_window_set_call (BlinkCallWindow *self, BlinkDbusCall1 *call);
BlinkDbusCall1 *blink_call_window_get_call (BlinkCallWindow *self);
void blink_call_window_show_toast (BlinkCallWindow *self, const char *text);
void blink_call_window_ask_invite (BlinkCallWindow *self);
BlinkInviteDialog *blink_call_window_get_invite_dialog (BlinkCallWindow *self);
void blink_call_window_invite (BlinkCallWindow *self, const char *const *dids);
void blink_call_window_dump (BlinkCallWindow *self, JsonBuilder *builder);

G_END_DECLS
