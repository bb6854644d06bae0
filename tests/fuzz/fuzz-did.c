/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* did:key parsing, which every participant list and the offer topic go
 * through. The parser takes a C string: the input up to its first NUL. It
 * accepts only the canonical form, so the DID made from the key it returns
 * must be the input, byte for byte. */
#include "config.h"

#include <string.h>

#include "blink-did.h"
#include "blink-errors.h"
#include "blink-fuzz.h"

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t size)
{
  g_autofree char *text = g_strndup ((const char *) data, size);
  guint8 key[BLINK_ED25519_PUBLIC_KEY_BYTES];
  g_autoptr (GError) error = NULL;
  g_autofree char *did = NULL;
  gboolean valid;

  valid = blink_did_to_public_key (text, key, &error);
  g_assert_true (valid == (error == NULL));
  g_assert_true (valid == blink_did_is_valid (text));
  if (!valid)
    {
      g_assert_true (error->domain == BLINK_DID_ERROR);
      g_assert_true (g_utf8_validate (error->message, -1, NULL));
      return 0;
    }

  did = blink_did_from_public_key (key);
  g_assert_cmpstr (did, ==, text);
  g_assert_cmpuint (strlen (did), <=, BLINK_DID_MAX_LENGTH);

  return 0;
}
