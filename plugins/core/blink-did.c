/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "blink-did"

#include "config.h"

#include "blink-did.h"
#include "blink-errors.h"

#include <sodium.h>
#include <string.h>

/* did:key names an Ed25519 key as multibase(base58btc, varint(0xed) || key):
 * https://w3c-ccg.github.io/did-method-key/ */
#define DID_KEY_PREFIX "did:key:"
#define MULTIBASE_BASE58BTC 'z'
#define MULTICODEC_ED25519_PUB_0 0xed
#define MULTICODEC_ED25519_PUB_1 0x01
#define DID_PAYLOAD_BYTES (2 + BLINK_ED25519_PUBLIC_KEY_BYTES)
#define ED25519_DID_BASE58_LENGTH 47

static const char base58_alphabet[] =
  "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

static char *
base58_encode (const guint8 *data,
               gsize len)
{
  /* log(256) / log(58) < 1.37, so 138 digits per 100 bytes is enough. */
  gsize size = len * 138 / 100 + 1;
  g_autofree guint8 *digits = g_malloc0 (size);
  gsize zeros = 0, used = 0;
  GString *out;

  while (zeros < len && data[zeros] == 0)
    zeros++;

  for (gsize i = zeros; i < len; i++)
    {
      guint carry = data[i];
      gsize j;

      for (j = 0; j < used || carry != 0; j++)
        {
          gsize k = size - 1 - j;

          carry += 256u * digits[k];
          digits[k] = carry % 58;
          carry /= 58;
        }
      used = j;
    }

  out = g_string_sized_new (zeros + used + 1);
  for (gsize i = 0; i < zeros; i++)
    g_string_append_c (out, '1');
  for (gsize i = size - used; i < size; i++)
    g_string_append_c (out, base58_alphabet[digits[i]]);

  return g_string_free (out, FALSE);
}

/* Decodes into at most @max_len bytes; FALSE with @error if the text has a
 * character outside the alphabet or is longer than that. */
static gboolean
base58_decode (const char *text,
               guint8 *out,
               gsize max_len,
               gsize *out_len,
               GError **error)
{
  gsize text_len = strlen (text);
  gsize zeros = 0;
  g_autofree guint8 *bytes = NULL;
  gsize size, used = 0;

  /* Bound the quadratic work before doing any of it. */
  if (text_len == 0 || text_len > max_len * 2)
    {
      g_set_error (error, BLINK_DID_ERROR, BLINK_DID_ERROR_LENGTH,
                   "The key part of the DID has %" G_GSIZE_FORMAT " characters", text_len);
      return FALSE;
    }

  while (text[zeros] == '1')
    zeros++;

  /* log(58) / log(256) < 0.733 */
  size = text_len * 733 / 1000 + 1;
  bytes = g_malloc0 (size);

  for (gsize i = zeros; i < text_len; i++)
    {
      const char *pos = strchr (base58_alphabet, text[i]);
      guint carry;
      gsize j;

      if (pos == NULL || text[i] == '\0')
        {
          g_set_error (error, BLINK_DID_ERROR, BLINK_DID_ERROR_BASE58,
                       "The DID contains “%c”, which is not a base58btc character",
                       g_ascii_isprint (text[i]) ? text[i] : '?');
          return FALSE;
        }

      carry = (guint) (pos - base58_alphabet);
      for (j = 0; j < used || carry != 0; j++)
        {
          gsize k = size - 1 - j;

          carry += 58u * bytes[k];
          bytes[k] = carry & 0xff;
          carry >>= 8;
        }
      used = j;
    }

  if (zeros + used > max_len)
    {
      g_set_error (error, BLINK_DID_ERROR, BLINK_DID_ERROR_LENGTH,
                   "The DID is too long");
      return FALSE;
    }

  memset (out, 0, zeros);
  memcpy (out + zeros, bytes + size - used, used);
  *out_len = zeros + used;

  return TRUE;
}

/**
 * blink_did_from_public_key:
 * @public_key: an Ed25519 public key
 *
 * Returns: (transfer full): the key's `did:key:z6Mk…` name
 */
char *
blink_did_from_public_key (const guint8 public_key[BLINK_ED25519_PUBLIC_KEY_BYTES])
{
  guint8 payload[DID_PAYLOAD_BYTES] = { MULTICODEC_ED25519_PUB_0, MULTICODEC_ED25519_PUB_1 };
  g_autofree char *encoded = NULL;

  g_return_val_if_fail (public_key != NULL, NULL);

  memcpy (payload + 2, public_key, BLINK_ED25519_PUBLIC_KEY_BYTES);
  encoded = base58_encode (payload, sizeof payload);

  return g_strdup_printf (DID_KEY_PREFIX "%c%s", MULTIBASE_BASE58BTC, encoded);
}

/**
 * blink_did_to_public_key:
 * @did: a DID given by a user or a peer
 * @public_key: (out caller-allocates): where to store the Ed25519 key
 * @error: the reason @did is rejected
 *
 * Parses @did strictly: only the canonical `did:key` form of an Ed25519
 * public key that is a valid curve point is accepted.
 */
gboolean
blink_did_to_public_key (const char *did,
                         guint8 public_key[BLINK_ED25519_PUBLIC_KEY_BYTES],
                         GError **error)
{
  guint8 payload[2 * DID_PAYLOAD_BYTES];
  gsize payload_len = 0;
  guint8 x25519[crypto_scalarmult_curve25519_BYTES];
  const char *rest;

  g_return_val_if_fail (did != NULL, FALSE);
  g_return_val_if_fail (public_key != NULL, FALSE);

  if (!g_str_has_prefix (did, DID_KEY_PREFIX))
    {
      g_set_error (error, BLINK_DID_ERROR, BLINK_DID_ERROR_PREFIX,
                   "A Blink address starts with “" DID_KEY_PREFIX "z6Mk”");
      return FALSE;
    }

  rest = did + strlen (DID_KEY_PREFIX);
  if (rest[0] != MULTIBASE_BASE58BTC)
    {
      g_set_error (error, BLINK_DID_ERROR, BLINK_DID_ERROR_MULTIBASE,
                   "The DID is not base58btc multibase (it must continue with “z”)");
      return FALSE;
    }

  if (!base58_decode (rest + 1, payload, sizeof payload, &payload_len, error))
    return FALSE;

  /* Every Ed25519 did:key is "z" and 47 base58 characters: one that starts "z6Mk"
   * but is shorter or longer was cut or extended, not of another key type. */
  if (g_str_has_prefix (rest, "z6Mk") && strlen (rest) != ED25519_DID_BASE58_LENGTH + 1)
    {
      g_set_error (error, BLINK_DID_ERROR, BLINK_DID_ERROR_LENGTH,
                   "The DID has %" G_GSIZE_FORMAT " characters instead of %d: is it complete?",
                   strlen (did), (int) (strlen (DID_KEY_PREFIX) + 1 + ED25519_DID_BASE58_LENGTH));
      return FALSE;
    }

  /* The key type first: "not an Ed25519 key" says more than a length. */
  if (payload_len < 2 ||
      payload[0] != MULTICODEC_ED25519_PUB_0 || payload[1] != MULTICODEC_ED25519_PUB_1)
    {
      g_set_error (error, BLINK_DID_ERROR, BLINK_DID_ERROR_MULTICODEC,
                   "The DID does not name an Ed25519 key");
      return FALSE;
    }

  if (payload_len != DID_PAYLOAD_BYTES)
    {
      g_set_error (error, BLINK_DID_ERROR, BLINK_DID_ERROR_LENGTH,
                   "The DID holds %" G_GSIZE_FORMAT " key bytes instead of %d",
                   payload_len - 2, BLINK_ED25519_PUBLIC_KEY_BYTES);
      return FALSE;
    }

  /* Rejects small-order and non-canonical points, which no honest key is. */
  if (crypto_sign_ed25519_pk_to_curve25519 (x25519, payload + 2) != 0)
    {
      g_set_error (error, BLINK_DID_ERROR, BLINK_DID_ERROR_KEY,
                   "The DID does not hold a valid Ed25519 public key");
      return FALSE;
    }

  memcpy (public_key, payload + 2, BLINK_ED25519_PUBLIC_KEY_BYTES);

  return TRUE;
}

gboolean
blink_did_is_valid (const char *did)
{
  guint8 key[BLINK_ED25519_PUBLIC_KEY_BYTES];

  return did != NULL && blink_did_to_public_key (did, key, NULL);
}
