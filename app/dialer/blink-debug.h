/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

gboolean blink_debug_save_screenshot (GtkWidget *widget, const char *path, GError **error);

G_END_DECLS
