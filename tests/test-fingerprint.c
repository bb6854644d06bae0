/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* DTLS certificate fingerprints and the verification code
 * (plugins/core/blink-fingerprint.c, docs/protocol.md). */
#include "config.h"

#include "blink-errors.h"
#include "blink-fingerprint.h"

/* tests/vectors/dtls-certificate.pem, made with openssl req -x509 -newkey ec
 * -pkeyopt ec_paramgen_curve:prime256v1 and fingerprinted with
 * openssl x509 -noout -fingerprint -sha256 (and -sha1). */
static char *
read_pem (void)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "vectors", "dtls-certificate.pem",
                                                 NULL);
  g_autoptr (GError) error = NULL;
  char *pem = NULL;

  g_file_get_contents (path, &pem, NULL, &error);
  g_assert_no_error (error);
  return pem;
}

static const char sha256[] = "C7:1B:86:CA:9A:75:A6:2D:EA:C6:44:84:FB:49:D9:4F:67:14:C5:F4:23:1A:"
                             "03:85:FE:70:F8:1E:39:2A:91:D9";

static const char alice[] = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK";
static const char bob[] = "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp";
static const char fp_alice[] = "sha-256 C7:1B:86:CA:9A:75:A6:2D:EA:C6:44:84:FB:49:D9:4F:67:14:"
                               "C5:F4:23:1A:03:85:FE:70:F8:1E:39:2A:91:D9";
static const char fp_bob[] = "sha-256 17:2F:BD:7F:61:B7:9E:F5:E7:F8:87:8D:1E:0E:D6:5E:17:91:E0:"
                             "69:00:11:22:33:44:55:66:77:88:99:AA:BB";

static void
test_pem_fingerprint (void)
{
  g_autofree char *pem = read_pem ();
  g_autoptr (GError) error = NULL;
  g_autofree char *fp256 = blink_fingerprint_of_pem (pem, "sha-256", &error);
  g_autofree char *fp1 = blink_fingerprint_of_pem (pem, "SHA-1", &error);

  g_assert_no_error (error);
  g_assert_cmpstr (fp256, ==, sha256);
  g_assert_cmpstr (fp1, ==, "17:2F:BD:7F:61:B7:9E:F5:E7:F8:87:8D:1E:0E:D6:5E:17:91:E0:69");
  g_assert_true (blink_fingerprint_equal (fp256, "c7:1b:86:ca:9a:75:a6:2d:ea:c6:44:84:fb:49:d9:4f:"
                                                 "67:14:c5:f4:23:1a:03:85:fe:70:f8:1e:39:2a:91:d9"));
}

static void
test_pem_refused (void)
{
  g_autofree char *pem = read_pem ();
  g_autoptr (GError) error = NULL;
  char *fp;

  fp = blink_fingerprint_of_pem (pem, "md5", &error);
  g_assert_null (fp);
  g_assert_error (error, BLINK_PROTOCOL_ERROR, BLINK_PROTOCOL_ERROR_INVALID_VALUE);
  g_clear_error (&error);

  fp = blink_fingerprint_of_pem ("not a certificate", "sha-256", &error);
  g_assert_null (fp);
  g_assert_error (error, BLINK_PROTOCOL_ERROR, BLINK_PROTOCOL_ERROR_MALFORMED);
  g_clear_error (&error);

  fp = blink_fingerprint_of_pem (NULL, "sha-256", &error);
  g_assert_null (fp);
  g_assert_error (error, BLINK_PROTOCOL_ERROR, BLINK_PROTOCOL_ERROR_MALFORMED);
  g_clear_error (&error);

  fp = blink_fingerprint_of_pem ("-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----", "sha-256",
                                 &error);
  g_assert_null (fp);
  g_assert_error (error, BLINK_PROTOCOL_ERROR, BLINK_PROTOCOL_ERROR_BAD_BASE64);
}

static void
test_parse_attribute (void)
{
  g_autofree char *algorithm = NULL;
  g_autofree char *fingerprint = NULL;

  g_assert_true (blink_fingerprint_parse ("SHA-256 c7:1b", &algorithm, &fingerprint));
  g_assert_cmpstr (algorithm, ==, "sha-256");
  g_assert_cmpstr (fingerprint, ==, "C7:1B");
  g_assert_false (blink_fingerprint_parse ("md5 C7:1B", &algorithm, &fingerprint));
  g_assert_false (blink_fingerprint_parse ("sha-256", &algorithm, &fingerprint));
  g_assert_false (blink_fingerprint_parse (NULL, &algorithm, &fingerprint));
}

/* The vector of docs/protocol.md, "Verification code". */
static void
test_code_vector (void)
{
  g_autofree char *code = blink_verification_code (alice, fp_alice, bob, fp_bob);

  /* Computed independently (Python hashlib) from the construction in the docs. */
  g_assert_cmpstr (code, ==, "613 211");
}

static void
test_code_same_on_both_sides (void)
{
  g_autofree char *ab = blink_verification_code (alice, fp_alice, bob, fp_bob);
  g_autofree char *ba = blink_verification_code (bob, fp_bob, alice, fp_alice);
  g_autofree char *lower = blink_verification_code (bob, "sha-256 17:2f:bd:7f:61:b7:9e:f5:e7:f8:"
                                                         "87:8d:1e:0e:d6:5e:17:91:e0:69:00:11:22:"
                                                         "33:44:55:66:77:88:99:aa:bb",
                                                    alice, fp_alice);

  g_assert_cmpstr (ab, ==, ba);
  g_assert_cmpstr (ab, ==, lower);
  g_assert_true (g_regex_match_simple ("^[0-9]{3} [0-9]{3}$", ab, 0, 0));
}

/* Someone in the middle has other certificates on each leg: the codes the
 * two sides see differ. Over many certificates, they (nearly) always do. */
static void
test_code_differs_under_a_man_in_the_middle (void)
{
  g_autofree char *honest = blink_verification_code (alice, fp_alice, bob, fp_bob);
  guint same = 0;

  for (guint i = 0; i < 1000; i++)
    {
      g_autofree char *mallory = g_strdup_printf ("sha-256 %02X:%02X:2F:BD", i / 256, i % 256);
      g_autofree char *leg_alice = blink_verification_code (alice, fp_alice, bob, mallory);
      g_autofree char *leg_bob = blink_verification_code (alice, mallory, bob, fp_bob);

      same += g_str_equal (leg_alice, honest) || g_str_equal (leg_bob, honest) ||
              g_str_equal (leg_alice, leg_bob);
    }
  /* One in a million for each comparison: none in 3000. */
  g_assert_cmpuint (same, ==, 0);

  /* And another DID with the same certificates. */
  {
    g_autofree char *other = blink_verification_code (
      "did:key:z6MkjchhfUsD6mmvni8mCdXHw216Xrm9bQe2mBH1P5RDjVJG", fp_alice, bob, fp_bob);

    g_assert_cmpstr (other, !=, honest);
  }
}

int
main (int argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/blink/fingerprint/pem", test_pem_fingerprint);
  g_test_add_func ("/blink/fingerprint/pem-refused", test_pem_refused);
  g_test_add_func ("/blink/fingerprint/parse-attribute", test_parse_attribute);
  g_test_add_func ("/blink/verification-code/vector", test_code_vector);
  g_test_add_func ("/blink/verification-code/same-on-both-sides", test_code_same_on_both_sides);
  g_test_add_func ("/blink/verification-code/man-in-the-middle",
                   test_code_differs_under_a_man_in_the_middle);

  return g_test_run ();
}
