/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <adwaita.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define BLINK_TYPE_PREFERENCES_WINDOW (blink_preferences_window_get_type ())
G_DECLARE_FINAL_TYPE (BlinkPreferencesWindow,
                      blink_preferences_window,
                      BLINK,
                      PREFERENCES_WINDOW,
                      AdwPreferencesWindow)

BlinkPreferencesWindow *blink_preferences_window_new (GtkApplication *application);
void blink_preferences_window_dump (BlinkPreferencesWindow *self, JsonBuilder *builder);

G_END_DECLS
