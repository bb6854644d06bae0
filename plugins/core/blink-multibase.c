/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "blink-multibase"

#include "config.h"

#include "blink-multibase.h"
#include "blink-errors.h"
#include "blink-wire.h"

#include <sodium.h>
#include <string.h>

/* Kubo's RPC wraps binary data (topics, message data, sequence numbers) in
 * multibase; it writes base64url ("u"). The other base64 flavours are read
 * too, as multibase allows. */

/**
 * blink_multibase_encode:
 *
 * Returns: (transfer full): @data as multibase base64url without padding
 */
char *
blink_multibase_encode (const guint8 *data,
                        gsize len)
{
  const int variant = sodium_base64_VARIANT_URLSAFE_NO_PADDING;
  gsize size = sodium_base64_ENCODED_LEN (len, variant);
  char *out = g_malloc (size + 1);

  out[0] = 'u';
  sodium_bin2base64 (out + 1, size, data, len, variant);
  return out;
}

char *
blink_multibase_encode_string (const char *text)
{
  return blink_multibase_encode ((const guint8 *) text, strlen (text));
}

/**
 * blink_multibase_decode:
 *
 * Returns: (transfer full) (nullable): the bytes of a "u", "U", "m" or "M"
 * multibase string
 */
GBytes *
blink_multibase_decode (const char *text,
                        GError **error)
{
  gsize text_len, got = 0;
  const char *end = NULL;
  guint8 *out;
  int variant;

  g_return_val_if_fail (text != NULL, NULL);

  switch (text[0])
    {
    case 'u':
      variant = sodium_base64_VARIANT_URLSAFE_NO_PADDING;
      break;
    case 'U':
      variant = sodium_base64_VARIANT_URLSAFE;
      break;
    case 'm':
      variant = sodium_base64_VARIANT_ORIGINAL_NO_PADDING;
      break;
    case 'M':
      variant = sodium_base64_VARIANT_ORIGINAL;
      break;
    default:
      g_set_error (error, BLINK_IPFS_ERROR, BLINK_IPFS_ERROR_MALFORMED,
                   "Not a base64 multibase string");
      return NULL;
    }

  text_len = strlen (text + 1);
  /* libsodium 1.0.18 to 1.0.21 takes every byte over 0x7f for the 64th letter. */
  if (!blink_wire_is_ascii (text + 1, text_len))
    {
      g_set_error (error, BLINK_IPFS_ERROR, BLINK_IPFS_ERROR_MALFORMED,
                   "Invalid base64 in a multibase string");
      return NULL;
    }

  out = g_malloc (text_len * 3 / 4 + 1);
  if (sodium_base642bin (out, text_len * 3 / 4 + 1, text + 1, text_len, NULL, &got, &end,
                         variant) != 0 ||
      end != text + 1 + text_len)
    {
      g_free (out);
      g_set_error (error, BLINK_IPFS_ERROR, BLINK_IPFS_ERROR_MALFORMED,
                   "Invalid base64 in a multibase string");
      return NULL;
    }

  return g_bytes_new_take (out, got);
}
