/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <adwaita.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

gboolean blink_debug_save_screenshot (GtkWidget *widget, const char *path, GError **error);

void blink_debug_dump_rows (JsonBuilder *builder, GtkListBox *list);
void blink_debug_dump_message_dialog (AdwMessageDialog *dialog, JsonBuilder *builder);

void blink_debug_dump_focus (GtkWindow *window, JsonBuilder *builder);

G_END_DECLS
