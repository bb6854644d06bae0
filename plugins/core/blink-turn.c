/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "blink-turn.h"

#include <gio/gio.h>

/* TURN servers are named on command lines, where every local user can read
 * them (/proc/PID/cmdline): the password comes from elsewhere and is put
 * into the URL webrtcbin takes here. */

/**
 * blink_turn_url_with_password:
 * @url: "turn://USER@HOST:PORT" or "turns://…", without a password
 * @password: the password, from a file or the environment
 *
 * Returns: (transfer full) (nullable): "turn://USER:PASSWORD@HOST:PORT",
 *   the password escaped; %NULL if @url is not such a URL or already holds
 *   a password
 */
char *
blink_turn_url_with_password (const char *url,
                              const char *password,
                              GError **error)
{
  g_autoptr (GUri) uri = NULL;
  g_autoptr (GError) local_error = NULL;
  const char *scheme;

  uri = g_uri_parse (url, G_URI_FLAGS_HAS_PASSWORD, &local_error);
  scheme = uri != NULL ? g_uri_get_scheme (uri) : NULL;
  if (uri == NULL || (g_strcmp0 (scheme, "turn") != 0 && g_strcmp0 (scheme, "turns") != 0) ||
      g_uri_get_user (uri) == NULL || g_uri_get_host (uri) == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "“%s” is not a TURN server: turn://USER@HOST:PORT", url);
      return NULL;
    }
  if (g_uri_get_password (uri) != NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           "A TURN password on the command line can be read by every local "
                           "user: give it in a file (--turn-password-file) or in "
                           "BLINK_TURN_PASSWORD, and the server as turn://USER@HOST:PORT");
      return NULL;
    }
  return g_uri_join_with_user (G_URI_FLAGS_HAS_PASSWORD, scheme, g_uri_get_user (uri), password,
                               NULL, g_uri_get_host (uri), g_uri_get_port (uri),
                               g_uri_get_path (uri), g_uri_get_query (uri), NULL);
}

/**
 * blink_ice_server_shown:
 * @url: a STUN or TURN server as webrtcbin takes it, perhaps with a password
 *
 * Returns: (transfer full): @url as it may be shown, its password left
 *   out; @url itself when it does not parse
 */
char *
blink_ice_server_shown (const char *url)
{
  g_autoptr (GUri) uri = g_uri_parse (url, G_URI_FLAGS_HAS_PASSWORD, NULL);

  if (uri == NULL || g_uri_get_password (uri) == NULL)
    return g_strdup (url);
  return g_uri_join_with_user (G_URI_FLAGS_HAS_PASSWORD, g_uri_get_scheme (uri),
                               g_uri_get_user (uri), NULL, NULL, g_uri_get_host (uri),
                               g_uri_get_port (uri), g_uri_get_path (uri), g_uri_get_query (uri),
                               NULL);
}
