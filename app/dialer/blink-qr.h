/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

GdkTexture *blink_qr_texture_new (const char *text, int module_size);

G_END_DECLS
