/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "blink-fingerprint.h"

#include "blink-errors.h"

#include <string.h>

/* DTLS certificate fingerprints as SDP carries them (RFC 8122:
 * "a=fingerprint:sha-256 AB:CD:…"), and the verification code people read
 * to each other (docs/protocol.md, "Verification code"). */

static gboolean
checksum_type (const char *algorithm,
               GChecksumType *type)
{
  if (g_ascii_strcasecmp (algorithm, "sha-1") == 0)
    *type = G_CHECKSUM_SHA1;
  else if (g_ascii_strcasecmp (algorithm, "sha-256") == 0)
    *type = G_CHECKSUM_SHA256;
  else if (g_ascii_strcasecmp (algorithm, "sha-384") == 0)
    *type = G_CHECKSUM_SHA384;
  else if (g_ascii_strcasecmp (algorithm, "sha-512") == 0)
    *type = G_CHECKSUM_SHA512;
  else
    return FALSE;
  return TRUE;
}

/**
 * blink_fingerprint_parse:
 * @attribute: the value of an SDP fingerprint attribute, "sha-256 AB:CD:…"
 * @algorithm: (out): e.g. "sha-256"
 * @fingerprint: (out): e.g. "AB:CD:…"
 *
 * Returns: whether @attribute is a fingerprint of a hash Blink can compute
 */
gboolean
blink_fingerprint_parse (const char *attribute,
                         char **algorithm,
                         char **fingerprint)
{
  g_auto (GStrv) parts = NULL;
  GChecksumType type;

  if (attribute == NULL)
    return FALSE;
  parts = g_strsplit (attribute, " ", 2);
  if (g_strv_length (parts) != 2 || !checksum_type (parts[0], &type))
    return FALSE;
  *algorithm = g_ascii_strdown (parts[0], -1);
  *fingerprint = g_strstrip (g_ascii_strup (parts[1], -1));
  return TRUE;
}

/**
 * blink_fingerprint_of_pem:
 * @pem: a certificate in PEM, as GstWebRTCDTLSTransport:remote-certificate
 * @algorithm: "sha-1", "sha-256", "sha-384" or "sha-512"
 *
 * Returns: (transfer full) (nullable): the fingerprint of the certificate's
 *   DER, upper-case hex pairs joined by colons, as in SDP
 */
char *
blink_fingerprint_of_pem (const char *pem,
                          const char *algorithm,
                          GError **error)
{
  static const char begin[] = "-----BEGIN CERTIFICATE-----";
  static const char end[] = "-----END CERTIFICATE-----";
  const char *start, *stop;
  g_autofree char *body = NULL;
  g_autofree guint8 *der = NULL;
  g_autoptr (GChecksum) checksum = NULL;
  g_autoptr (GString) text = g_string_new (NULL);
  guint8 digest[64];
  gsize der_len = 0, digest_len = sizeof digest;
  GChecksumType type;

  if (!checksum_type (algorithm, &type))
    {
      g_set_error (error, BLINK_PROTOCOL_ERROR, BLINK_PROTOCOL_ERROR_INVALID_VALUE,
                   "Unsupported fingerprint hash %s", algorithm);
      return NULL;
    }
  start = pem != NULL ? strstr (pem, begin) : NULL;
  stop = start != NULL ? strstr (start, end) : NULL;
  if (stop == NULL)
    {
      g_set_error_literal (error, BLINK_PROTOCOL_ERROR, BLINK_PROTOCOL_ERROR_MALFORMED,
                           "No PEM certificate");
      return NULL;
    }
  start += strlen (begin);
  body = g_strndup (start, stop - start);
  /* g_base64_decode skips the line breaks. */
  der = g_base64_decode (g_strstrip (body), &der_len);
  if (der_len == 0)
    {
      g_set_error_literal (error, BLINK_PROTOCOL_ERROR, BLINK_PROTOCOL_ERROR_BAD_BASE64,
                           "The PEM certificate has no body");
      return NULL;
    }

  checksum = g_checksum_new (type);
  g_checksum_update (checksum, der, der_len);
  g_checksum_get_digest (checksum, digest, &digest_len);
  for (gsize i = 0; i < digest_len; i++)
    g_string_append_printf (text, i == 0 ? "%02X" : ":%02X", digest[i]);
  return g_string_free (g_steal_pointer (&text), FALSE);
}

/**
 * blink_fingerprint_equal:
 *
 * Returns: whether two fingerprints in SDP notation are the same, whatever
 *   the case of their hex digits
 */
gboolean
blink_fingerprint_equal (const char *a,
                         const char *b)
{
  return a != NULL && b != NULL && g_ascii_strcasecmp (a, b) == 0;
}

static void
update_field (GChecksum *checksum,
              const char *field)
{
  /* Each field ends with a NUL: no two lists of fields hash alike. */
  g_checksum_update (checksum, (const guchar *) field, strlen (field) + 1);
}

/**
 * blink_verification_code:
 * @did_a: one participant
 * @fingerprint_a: the fingerprint of @did_a's DTLS certificate in this call
 *   ("sha-256 AB:…", as in its signed SDP)
 *
 * The code two participants read to each other: the same on both sides,
 * whatever the order of the arguments, and different when any DID or
 * certificate differs.
 *
 * Returns: (transfer full): six digits, "123 456"
 */
char *
blink_verification_code (const char *did_a,
                         const char *fingerprint_a,
                         const char *did_b,
                         const char *fingerprint_b)
{
  g_autoptr (GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree char *fp_a = g_ascii_strup (fingerprint_a, -1);
  g_autofree char *fp_b = g_ascii_strup (fingerprint_b, -1);
  gboolean a_first = g_strcmp0 (did_a, did_b) < 0;
  guint8 digest[32];
  gsize digest_len = sizeof digest;
  guint32 value;

  update_field (checksum, "blink-verification-v1");
  update_field (checksum, a_first ? did_a : did_b);
  update_field (checksum, a_first ? fp_a : fp_b);
  update_field (checksum, a_first ? did_b : did_a);
  update_field (checksum, a_first ? fp_b : fp_a);
  g_checksum_get_digest (checksum, digest, &digest_len);

  value = ((guint32) digest[0] << 24 | (guint32) digest[1] << 16 | (guint32) digest[2] << 8 |
           digest[3]) % 1000000;
  return g_strdup_printf ("%03u %03u", value / 1000, value % 1000);
}
