/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Benchmark (figures on lines starting "bench: "): what the DTLS
 * certificate check adds to each connection: the remote certificate's PEM
 * decoded, hashed (SHA-256) and compared with the signed SDP's fingerprint,
 * and the verification code derived.
 *
 *   meson test -C _build --benchmark fingerprint -v | grep '^bench:' */
#include "config.h"

#include <gio/gio.h>

#include "blink-fingerprint.h"
#include "blink-test-bench.h"

#define N 20000

int
main (int argc,
      char **argv)
{
  g_autofree char *path = NULL;
  g_autofree char *pem = NULL;
  g_autofree char *expected = NULL;
  g_autoptr (GError) error = NULL;
  gint64 start, check_us, code_us;
  guint matched = 0;

  g_test_init (&argc, &argv, NULL);
  path = g_test_build_filename (G_TEST_DIST, "vectors", "dtls-certificate.pem", NULL);
  if (!g_file_get_contents (path, &pem, NULL, &error))
    g_error ("%s", error->message);
  expected = blink_fingerprint_of_pem (pem, "sha-256", NULL);

  start = g_get_monotonic_time ();
  for (guint i = 0; i < N; i++)
    {
      g_autofree char *actual = blink_fingerprint_of_pem (pem, "sha-256", NULL);

      matched += blink_fingerprint_equal (actual, expected);
    }
  check_us = g_get_monotonic_time () - start;

  start = g_get_monotonic_time ();
  for (guint i = 0; i < N; i++)
    g_free (blink_verification_code ("did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
                                     expected,
                                     "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp",
                                     expected));
  code_us = g_get_monotonic_time () - start;

  g_assert_cmpuint (matched, ==, N);
  g_print ("bench: certificate check (PEM -> SHA-256 -> compare)  %.2f us per connection "
           "(n=%u)\n", (double) check_us / N, N);
  g_print ("bench: verification code                             %.2f us per connection "
           "(n=%u)\n", (double) code_us / N, N);
  return 0;
}
