/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

const char *blink_enum_nick (GType type,
                             int value);
gboolean blink_enum_from_nick (GType type,
                               const char *nick,
                               int *value);

G_END_DECLS
