/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define BLINK_ED25519_PUBLIC_KEY_BYTES 32

/* "did:key:z" + base58btc of 34 bytes is at most 9 + 47 characters. */
#define BLINK_DID_MAX_LENGTH 64

char *blink_did_from_public_key (const guint8 public_key[BLINK_ED25519_PUBLIC_KEY_BYTES]);

gboolean blink_did_to_public_key (const char *did,
                                  guint8 public_key[BLINK_ED25519_PUBLIC_KEY_BYTES],
                                  GError **error);

gboolean blink_did_is_valid (const char *did);

G_END_DECLS
