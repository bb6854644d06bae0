/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "blink-ipfs-address"

#include "config.h"

#include "blink-ipfs-address.h"
#include "blink-errors.h"

#include <gio/gio.h>
#include <string.h>

static gboolean
parse_port (const char *text,
            guint *out)
{
  guint64 port;

  if (!g_ascii_string_to_unsigned (text, 10, 1, 65535, &port, NULL))
    return FALSE;

  *out = (guint) port;
  return TRUE;
}

static char *
url_for (const char *host,
         guint port,
         gboolean ipv6)
{
  return ipv6 ? g_strdup_printf ("http://[%s]:%u", host, port)
              : g_strdup_printf ("http://%s:%u", host, port);
}

/* /ip4/H/tcp/P, /ip6/H/tcp/P, /dns{,4,6}/H/tcp/P, optionally followed by /http. */
static char *
url_from_multiaddr (const char *address)
{
  g_auto (GStrv) parts = g_strsplit (address, "/", -1);
  guint n = g_strv_length (parts);
  guint port;
  const char *proto;

  if (n != 5 && !(n == 6 && g_str_equal (parts[5], "http")))
    return NULL;
  if (parts[0][0] != '\0' || !g_str_equal (parts[3], "tcp") || !parse_port (parts[4], &port))
    return NULL;

  proto = parts[1];
  if (g_str_equal (proto, "ip4") || g_str_equal (proto, "ip6"))
    {
      g_autoptr (GInetAddress) inet = g_inet_address_new_from_string (parts[2]);

      if (inet == NULL ||
          g_inet_address_get_family (inet) !=
            (g_str_equal (proto, "ip4") ? G_SOCKET_FAMILY_IPV4 : G_SOCKET_FAMILY_IPV6))
        return NULL;

      return url_for (parts[2], port, g_str_equal (proto, "ip6"));
    }

  if (g_str_equal (proto, "dns") || g_str_equal (proto, "dns4") || g_str_equal (proto, "dns6"))
    {
      if (parts[2][0] == '\0')
        return NULL;
      for (const char *c = parts[2]; *c != '\0'; c++)
        if (!g_ascii_isalnum (*c) && *c != '-' && *c != '.')
          return NULL;
      return url_for (parts[2], port, FALSE);
    }

  return NULL;
}

static char *
url_from_url (const char *address)
{
  g_autoptr (GUri) uri = g_uri_parse (address, G_URI_FLAGS_NONE, NULL);
  const char *path;

  if (uri == NULL || g_uri_get_host (uri) == NULL || g_uri_get_host (uri)[0] == '\0')
    return NULL;
  if (!g_str_equal (g_uri_get_scheme (uri), "http") && !g_str_equal (g_uri_get_scheme (uri), "https"))
    return NULL;
  if (g_uri_get_query (uri) != NULL || g_uri_get_userinfo (uri) != NULL)
    return NULL;

  /* Accept the API root given with or without "/api/v0". */
  path = g_uri_get_path (uri);
  if (!g_str_equal (path, "") && !g_str_equal (path, "/") && !g_str_equal (path, "/api/v0") &&
      !g_str_equal (path, "/api/v0/"))
    return NULL;

  return g_uri_join (G_URI_FLAGS_NONE, g_uri_get_scheme (uri), NULL, g_uri_get_host (uri),
                     g_uri_get_port (uri), "", NULL, NULL);
}

/**
 * blink_ipfs_api_url_from_string:
 * @address: an RPC API address as a user writes it: a multiaddr like
 *   `/ip4/127.0.0.1/tcp/5001` or a URL like `http://127.0.0.1:5001`
 *
 * Returns: (transfer full) (nullable): the API's base URL, `http://host:port`
 */
char *
blink_ipfs_api_url_from_string (const char *address,
                                GError **error)
{
  g_autofree char *trimmed = NULL;
  char *url;

  g_return_val_if_fail (address != NULL, NULL);

  trimmed = g_strstrip (g_strdup (address));
  url = trimmed[0] == '/' ? url_from_multiaddr (trimmed) : url_from_url (trimmed);
  if (url == NULL)
    g_set_error (error, BLINK_IPFS_ERROR, BLINK_IPFS_ERROR_BAD_ADDRESS,
                 "“%s” is not an IPFS API address: give a multiaddr such as "
                 "/ip4/127.0.0.1/tcp/5001 or a URL such as http://127.0.0.1:5001",
                 trimmed);

  return url;
}

/**
 * blink_ipfs_resolve_api_url:
 * @out_source: (out) (optional) (transfer full): where the address came from,
 *   for messages: an environment variable, a file, or "default"
 *
 * Finds the IPFS node's RPC API the way Kubo's own tools do, first match wins:
 * `$BLINK_IPFS_API`, `$IPFS_API`, the multiaddr in `$IPFS_PATH/api`
 * (`~/.ipfs/api` by default), then /ip4/127.0.0.1/tcp/5001.
 *
 * Returns: (transfer full) (nullable): the API's base URL
 */
char *
blink_ipfs_resolve_api_url (char **out_source,
                            GError **error)
{
  static const char *const variables[] = { "BLINK_IPFS_API", "IPFS_API" };
  g_autofree char *api_file = NULL;
  g_autofree char *contents = NULL;
  const char *ipfs_path;

  for (guint i = 0; i < G_N_ELEMENTS (variables); i++)
    {
      const char *value = g_getenv (variables[i]);

      if (value != NULL && value[0] != '\0')
        {
          if (out_source != NULL)
            *out_source = g_strdup_printf ("$%s", variables[i]);
          return blink_ipfs_api_url_from_string (value, error);
        }
    }

  ipfs_path = g_getenv ("IPFS_PATH");
  if (ipfs_path != NULL && ipfs_path[0] != '\0')
    api_file = g_build_filename (ipfs_path, "api", NULL);
  else
    api_file = g_build_filename (g_get_home_dir (), ".ipfs", "api", NULL);

  if (g_file_get_contents (api_file, &contents, NULL, NULL))
    {
      if (out_source != NULL)
        *out_source = g_strdup (api_file);
      return blink_ipfs_api_url_from_string (contents, error);
    }

  if (out_source != NULL)
    *out_source = g_strdup ("default");
  return blink_ipfs_api_url_from_string (BLINK_IPFS_DEFAULT_API, error);
}
