/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "blinkd-verified"

#include "config.h"

#include "blink-verified-store.h"

#include <errno.h>
#include <glib/gstdio.h>

/* The DIDs the user has verified by voice (their verification code matched
 * on a call), one per line in a file beside the identity's key, mode
 * 0600. Shown on later calls. */

enum
{
  SIGNAL_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

struct _BlinkVerifiedStore
{
  GObject parent_instance;

  char *path;
  GHashTable *dids;
};

G_DEFINE_FINAL_TYPE (BlinkVerifiedStore, blink_verified_store, G_TYPE_OBJECT)

static void
load (BlinkVerifiedStore *self)
{
  g_autofree char *text = NULL;
  g_auto (GStrv) lines = NULL;
  g_autoptr (GError) error = NULL;

  if (!g_file_get_contents (self->path, &text, NULL, &error))
    {
      if (!g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        g_warning ("Cannot read the verified addresses: %s", error->message);
      return;
    }
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    if (g_str_has_prefix (lines[i], "did:key:"))
      g_hash_table_add (self->dids, g_strdup (lines[i]));
}

static gboolean
save (BlinkVerifiedStore *self,
      GError **error)
{
  g_autoptr (GString) text = g_string_new (NULL);
  g_auto (GStrv) dids = blink_verified_store_list (self);
  g_autofree char *dir = g_path_get_dirname (self->path);

  for (guint i = 0; dids[i] != NULL; i++)
    g_string_append_printf (text, "%s\n", dids[i]);
  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errno), "Cannot create %s", dir);
      return FALSE;
    }
  return g_file_set_contents_full (self->path, text->str, text->len,
                                   G_FILE_SET_CONTENTS_CONSISTENT, 0600, error);
}

static void
blink_verified_store_finalize (GObject *object)
{
  BlinkVerifiedStore *self = BLINK_VERIFIED_STORE (object);

  g_free (self->path);
  g_hash_table_unref (self->dids);

  G_OBJECT_CLASS (blink_verified_store_parent_class)->finalize (object);
}

static void
blink_verified_store_class_init (BlinkVerifiedStoreClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = blink_verified_store_finalize;

  signals[SIGNAL_CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass),
                                          G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
blink_verified_store_init (BlinkVerifiedStore *self)
{
  self->dids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

/**
 * blink_verified_store_new:
 * @path: the file; read now if it exists
 */
BlinkVerifiedStore *
blink_verified_store_new (const char *path)
{
  BlinkVerifiedStore *self = g_object_new (BLINK_TYPE_VERIFIED_STORE, NULL);

  self->path = g_strdup (path);
  load (self);
  return self;
}

gboolean
blink_verified_store_contains (BlinkVerifiedStore *self,
                               const char *did)
{
  g_return_val_if_fail (BLINK_IS_VERIFIED_STORE (self), FALSE);

  return did != NULL && g_hash_table_contains (self->dids, did);
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b,
                 gpointer user_data)
{
  return g_strcmp0 (*(const char *const *) a, *(const char *const *) b);
}

/**
 * blink_verified_store_list:
 *
 * Returns: (transfer full): the verified DIDs, sorted
 */
GStrv
blink_verified_store_list (BlinkVerifiedStore *self)
{
  g_autofree const char **keys = NULL;

  g_return_val_if_fail (BLINK_IS_VERIFIED_STORE (self), NULL);

  keys = (const char **) g_hash_table_get_keys_as_array (self->dids, NULL);
  g_qsort_with_data (keys, g_hash_table_size (self->dids), sizeof (char *),
                     compare_strings, NULL);
  return g_strdupv ((char **) keys);
}

/**
 * blink_verified_store_set:
 *
 * Marks @did verified, or not, and writes the file.
 */
gboolean
blink_verified_store_set (BlinkVerifiedStore *self,
                          const char *did,
                          gboolean verified,
                          GError **error)
{
  gboolean changed;

  g_return_val_if_fail (BLINK_IS_VERIFIED_STORE (self), FALSE);

  changed = verified ? g_hash_table_add (self->dids, g_strdup (did))
                     : g_hash_table_remove (self->dids, did);
  if (!changed)
    return TRUE;
  if (!save (self, error))
    return FALSE;
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
  return TRUE;
}
