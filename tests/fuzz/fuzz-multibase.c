/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Multibase as Kubo's RPC carries it (message data, sequence numbers,
 * topics). The decoder takes a C string: the input up to its first NUL.
 * Decoding is strict (libsodium refuses non-zero padding bits), so a "u"
 * string that decodes is the one encoding of its bytes, and every decoded
 * value survives a round trip. */
#include "config.h"

#include <string.h>

#include "blink-errors.h"
#include "blink-fuzz.h"
#include "blink-multibase.h"

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t size)
{
  g_autofree char *text = g_strndup ((const char *) data, size);
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (GBytes) again = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *encoded = NULL;
  const guint8 *decoded;
  gsize len;

  bytes = blink_multibase_decode (text, &error);
  g_assert_true ((bytes == NULL) == (error != NULL));
  if (bytes == NULL)
    {
      g_assert_error (error, BLINK_IPFS_ERROR, BLINK_IPFS_ERROR_MALFORMED);
      return 0;
    }

  decoded = g_bytes_get_data (bytes, &len);
  encoded = blink_multibase_encode (decoded, len);
  if (text[0] == 'u')
    g_assert_cmpstr (encoded, ==, text);

  again = blink_multibase_decode (encoded, &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (bytes, again));

  return 0;
}
