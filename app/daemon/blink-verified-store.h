/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define BLINK_TYPE_VERIFIED_STORE (blink_verified_store_get_type ())
G_DECLARE_FINAL_TYPE (BlinkVerifiedStore, blink_verified_store, BLINK, VERIFIED_STORE, GObject)

BlinkVerifiedStore *blink_verified_store_new (const char *path);

gboolean blink_verified_store_contains (BlinkVerifiedStore *self,
                                        const char *did);
GStrv blink_verified_store_list (BlinkVerifiedStore *self);
gboolean blink_verified_store_set (BlinkVerifiedStore *self,
                                   const char *did,
                                   gboolean verified,
                                   GError **error);

G_END_DECLS
