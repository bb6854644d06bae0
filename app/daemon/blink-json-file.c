/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "blink-json-file.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>

/* The files blinkd keeps for the user (contacts, call history): a JSON
 * object holding a list, read whole at start and written whole on each
 * change. A file that cannot be what blinkd wrote (too big, not JSON, no
 * list) is moved aside with the date in its name, never overwritten: the
 * user may want it back. */

static void
move_aside (const char *path,
            const char *what,
            const char *why,
            const char *log_domain)
{
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *stamp = g_date_time_format (now, "%Y%m%dT%H%M%S");
  g_autofree char *aside = g_strdup_printf ("%s.corrupt-%s", path, stamp);

  if (g_rename (path, aside) == 0)
    g_log (log_domain, G_LOG_LEVEL_WARNING, "The %s %s %s: moved to %s, starting afresh", what,
           path, why, aside);
  else
    g_log (log_domain, G_LOG_LEVEL_WARNING, "The %s %s %s, and cannot be moved aside: %s", what,
           path, why, g_strerror (errno));
}

/**
 * blink_json_file_load:
 * @max_bytes: a file larger than this is not one blinkd wrote
 * @list_member: the array member the object must have
 * @what: the file as a warning names it, e.g. "contacts file"
 * @log_domain: the caller's, for its warnings
 *
 * Returns: (transfer full) (nullable): the file's object; %NULL when there
 *   is no file, it cannot be read, or it was moved aside (said in a warning)
 */
JsonObject *
blink_json_file_load (const char *path,
                      gsize max_bytes,
                      const char *list_member,
                      const char *what,
                      const char *log_domain)
{
  g_autofree char *text = NULL;
  gsize length;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonNode *root, *list;

  if (!g_file_get_contents (path, &text, &length, &error))
    {
      if (!g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        g_log (log_domain, G_LOG_LEVEL_WARNING, "Cannot read the %s: %s", what, error->message);
      return NULL;
    }
  if (length > max_bytes)
    {
      move_aside (path, what, "is too big", log_domain);
      return NULL;
    }
  if (!json_parser_load_from_data (parser, text, length, &error) ||
      (root = json_parser_get_root (parser)) == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      move_aside (path, what, "is not JSON", log_domain);
      return NULL;
    }
  list = json_object_get_member (json_node_get_object (root), list_member);
  if (list == NULL || !JSON_NODE_HOLDS_ARRAY (list))
    {
      g_autofree char *why = g_strdup_printf ("has no “%s”", list_member);

      move_aside (path, what, why, log_domain);
      return NULL;
    }
  return json_object_ref (json_node_get_object (root));
}

/**
 * blink_json_file_save:
 *
 * Writes @root to @path at once (the old file stays until the new one is
 * complete), readable by the user only, in a folder only the user reads.
 */
gboolean
blink_json_file_save (const char *path,
                      JsonNode *root,
                      gboolean pretty,
                      GError **error)
{
  g_autoptr (JsonGenerator) generator = json_generator_new ();
  g_autofree char *text = NULL;
  g_autofree char *dir = g_path_get_dirname (path);

  json_generator_set_root (generator, root);
  json_generator_set_pretty (generator, pretty);
  text = json_generator_to_data (generator, NULL);

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved), _("Cannot create %s: %s"),
                   dir, g_strerror (saved));
      return FALSE;
    }
  return g_file_set_contents_full (path, text, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600, error);
}
