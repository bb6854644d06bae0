/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* TURN URLs get their password from elsewhere than the command line
 * (plugins/core/blink-turn.c). */
#include "config.h"

#include <gio/gio.h>

#include "blink-turn.h"

#include <string.h>

static void
test_password_inserted (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *url = blink_turn_url_with_password ("turn://alice@127.0.0.1:3478", "s3cret",
                                                       &error);
  g_autofree char *tls = blink_turn_url_with_password ("turns://alice@turn.example:5349",
                                                       "p@ss:w/rd", &error);
  g_autoptr (GUri) parsed = NULL;

  g_assert_no_error (error);
  g_assert_cmpstr (url, ==, "turn://alice:s3cret@127.0.0.1:3478");
  /* Escaped, so that the URL still parses into the same password (webrtcbin
   * splits the user information at its first colon). */
  parsed = g_uri_parse (tls, G_URI_FLAGS_HAS_PASSWORD, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (g_uri_get_user (parsed), ==, "alice");
  g_assert_cmpstr (g_uri_get_password (parsed), ==, "p@ss:w/rd");
  g_assert_cmpstr (g_uri_get_host (parsed), ==, "turn.example");
  g_assert_cmpint (g_uri_get_port (parsed), ==, 5349);
}

static void
test_refused (void)
{
  static const char *const bad[] = {
    "turn://alice:s3cret@127.0.0.1:3478", /* a password on the command line */
    "stun://127.0.0.1:3478",
    "turn://127.0.0.1:3478", /* no user */
    "nonsense",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autofree char *url = blink_turn_url_with_password (bad[i], "x", &error);

      g_assert_null (url);
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
    }
}

static void
test_shown_without_password (void)
{
  static const char *const cases[][2] = {
    { "turn://alice:s%40cret@turn.example.org:3478", "turn://alice@turn.example.org:3478" },
    { "turns://bob:pw@127.0.0.1:5349?transport=tcp", "turns://bob@127.0.0.1:5349?transport=tcp" },
    { "turn://carol@[::1]:3478", "turn://carol@[::1]:3478" },
    { "stun://stun.example.org:3478", "stun://stun.example.org:3478" },
    { "not a url", "not a url" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *shown = blink_ice_server_shown (cases[i][0]);

      g_assert_cmpstr (shown, ==, cases[i][1]);
      g_assert_null (strstr (shown, "cret"));
    }
}

int
main (int argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/blink/turn/password-inserted", test_password_inserted);
  g_test_add_func ("/blink/turn/refused", test_refused);
  g_test_add_func ("/blink/turn/shown-without-password", test_shown_without_password);

  return g_test_run ();
}
