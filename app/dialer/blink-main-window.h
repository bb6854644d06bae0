/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <adwaita.h>
#include <json-glib/json-glib.h>

#include "blink-dbus-generated.h"

G_BEGIN_DECLS

#define BLINK_TYPE_MAIN_WINDOW (blink_main_window_get_type ())
G_DECLARE_FINAL_TYPE (BlinkMainWindow, blink_main_window, BLINK, MAIN_WINDOW, AdwApplicationWindow)

BlinkMainWindow *blink_main_window_new (GtkApplication *application);

void blink_main_window_set_manager (BlinkMainWindow *self, BlinkDbusManager1 *manager);
void blink_main_window_show_page (BlinkMainWindow *self, const char *name);
void blink_main_window_ask_add_contact (BlinkMainWindow *self, const char *text);
void blink_main_window_dump (BlinkMainWindow *self, JsonBuilder *builder);

void blink_main_window_set_selection_mode (BlinkMainWindow *self, gboolean selecting);
void blink_main_window_pick_contact (BlinkMainWindow *self, const char *did);
GStrv blink_main_window_get_picked (BlinkMainWindow *self);

G_END_DECLS
