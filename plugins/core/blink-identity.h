/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib-object.h>

#include "blink-did.h"

G_BEGIN_DECLS

#define BLINK_IDENTITY_SEED_BYTES 32
#define BLINK_ED25519_SIGNATURE_BYTES 64
#define BLINK_X25519_KEY_BYTES 32

#define BLINK_TYPE_IDENTITY (blink_identity_get_type ())
G_DECLARE_FINAL_TYPE (BlinkIdentity, blink_identity, BLINK, IDENTITY, GObject)

char *blink_identity_default_path (void);
char *blink_identity_profile_path (const char *profile);

BlinkIdentity *blink_identity_load_or_create (const char *path,
                                              GError **error);
BlinkIdentity *blink_identity_load (const char *path,
                                    GError **error);
BlinkIdentity *blink_identity_new_from_seed (const guint8 seed[BLINK_IDENTITY_SEED_BYTES]);
BlinkIdentity *blink_identity_new_random (void);

const char *blink_identity_get_did (BlinkIdentity *self);
const guint8 *blink_identity_get_public_key (BlinkIdentity *self);

void blink_identity_sign (BlinkIdentity *self,
                          const guint8 *data,
                          gsize len,
                          guint8 signature[BLINK_ED25519_SIGNATURE_BYTES]);

gboolean blink_identity_x25519 (BlinkIdentity *self,
                                const guint8 peer_public[BLINK_X25519_KEY_BYTES],
                                guint8 shared[BLINK_X25519_KEY_BYTES]);

void blink_identity_get_x25519_public_key (BlinkIdentity *self,
                                           guint8 public_key[BLINK_X25519_KEY_BYTES]);

G_END_DECLS
