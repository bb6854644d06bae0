/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "blinkd-contacts"

#include "config.h"

#include "blink-contact-store.h"

#include "blink-did.h"
#include "blink-engine-errors.h"
#include "blink-json-file.h"

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <string.h>

/* The user's contacts (did → name) and who may ring, in a JSON file of
 * the profile's data folder, mode 0600:
 *
 *   { "version": 1, "who-may-ring": "contacts",
 *     "contacts": [ { "did": "did:key:z6Mk…", "name": "Alice" } ] }
 *
 * A file that cannot be read as such is moved aside (the user's data is
 * never thrown away) and the store starts empty; single bad entries are
 * skipped. Whether a contact is verified is not kept here: the verified
 * store is the one place that says so. */

/* Bigger than any honest list of BLINK_CONTACT_STORE_MAX contacts. */
#define MAX_FILE_BYTES (4 * 1024 * 1024)
/* Longer than any link we make (a did is 56 characters, a name 128
 * characters of up to 4 bytes, each escaped to 3). */
#define MAX_LINK_BYTES 2048

enum
{
  SIGNAL_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

struct _BlinkContactStore
{
  GObject parent_instance;

  char *path;
  char *own_did;
  GHashTable *names; /* did → name */
  BlinkWhoMayRing who_may_ring;
};

G_DEFINE_FINAL_TYPE (BlinkContactStore, blink_contact_store, G_TYPE_OBJECT)

static const char *const policy_names[] = { "everyone", "contacts", "nobody" };

const char *
blink_who_may_ring_to_string (BlinkWhoMayRing policy)
{
  g_return_val_if_fail (policy <= BLINK_WHO_MAY_RING_NOBODY, NULL);

  return policy_names[policy];
}

gboolean
blink_who_may_ring_from_string (const char *text,
                                BlinkWhoMayRing *policy)
{
  for (guint i = 0; i < G_N_ELEMENTS (policy_names); i++)
    if (g_strcmp0 (text, policy_names[i]) == 0)
      {
        *policy = i;
        return TRUE;
      }
  return FALSE;
}

/**
 * blink_contact_name_check:
 *
 * A name is 1 to %BLINK_CONTACT_NAME_MAX characters of UTF-8, not only
 * spaces, with no control characters (a terminal would obey them).
 */
gboolean
blink_contact_name_check (const char *name,
                          GError **error)
{
  gboolean blank = TRUE;

  if (name == NULL || !g_utf8_validate (name, -1, NULL))
    {
      g_set_error_literal (error, BLINK_CALL_ERROR, BLINK_CALL_ERROR_INVALID_ARGUMENT,
                           _("A contact’s name must be text (UTF-8)"));
      return FALSE;
    }
  if (g_utf8_strlen (name, -1) > BLINK_CONTACT_NAME_MAX)
    {
      g_set_error (error, BLINK_CALL_ERROR, BLINK_CALL_ERROR_INVALID_ARGUMENT,
                   _("A contact’s name has at most %d characters"), BLINK_CONTACT_NAME_MAX);
      return FALSE;
    }
  for (const char *c = name; *c != '\0'; c = g_utf8_next_char (c))
    {
      gunichar u = g_utf8_get_char (c);

      if (g_unichar_iscntrl (u) || u == 0x2028 || u == 0x2029)
        {
          g_set_error_literal (error, BLINK_CALL_ERROR, BLINK_CALL_ERROR_INVALID_ARGUMENT,
                               _("A contact’s name cannot hold control characters"));
          return FALSE;
        }
      if (!g_unichar_isspace (u))
        blank = FALSE;
    }
  if (blank)
    {
      g_set_error_literal (error, BLINK_CALL_ERROR, BLINK_CALL_ERROR_INVALID_ARGUMENT,
                           _("A contact needs a name"));
      return FALSE;
    }
  return TRUE;
}

/**
 * blink_contact_short_name:
 *
 * Returns: a name for @did until the user gives one: the start and end of
 * its key, e.g. “z6MkhaXg…2doK”
 */
char *
blink_contact_short_name (const char *did)
{
  const char *key = g_str_has_prefix (did, "did:key:") ? did + strlen ("did:key:") : did;
  size_t length = strlen (key);

  if (length <= 12)
    return g_strdup (key);
  return g_strdup_printf ("%.8s…%s", key, key + length - 4);
}

static gboolean
link_error (GError **error,
            const char *message)
{
  g_set_error_literal (error, BLINK_CALL_ERROR, BLINK_CALL_ERROR_INVALID_ARGUMENT, message);
  return FALSE;
}

/**
 * blink_contact_parse_link:
 * @link: “blink:did:key:z6Mk…”, optionally followed by “?name=” and a
 *   URL-escaped name, or a bare did:key
 * @did: (out): the did
 * @name: (out): the name the link gives, or a short form of the did
 *
 * Only the did and a name are taken from a link, however it was made;
 * other query fields are ignored, a second name, a fragment, bad escapes
 * and escaped NULs or control characters are refused.
 */
gboolean
blink_contact_parse_link (const char *link,
                          char **did,
                          char **name,
                          GError **error)
{
  g_autofree char *address = NULL;
  g_autofree char *found_name = NULL;
  const char *rest;
  const char *query;

  g_return_val_if_fail (link != NULL, FALSE);

  if (strlen (link) > MAX_LINK_BYTES)
    return link_error (error, _("This link is too long to be a Blink link"));
  if (!g_utf8_validate (link, -1, NULL))
    return link_error (error, _("This is not a Blink link"));

  if (g_ascii_strncasecmp (link, "blink:", strlen ("blink:")) == 0)
    rest = link + strlen ("blink:");
  else if (g_str_has_prefix (link, "did:"))
    rest = link;
  else
    return link_error (error, _("This is not a Blink link (blink:did:key:…)"));
  if (strchr (rest, '#') != NULL)
    return link_error (error, _("This is not a Blink link (blink:did:key:…)"));

  query = strchr (rest, '?');
  address = query != NULL ? g_strndup (rest, query - rest) : g_strdup (rest);
  if (!blink_did_is_valid (address))
    {
      g_set_error (error, BLINK_CALL_ERROR, BLINK_CALL_ERROR_BAD_DID,
                   _("The link’s address is not a Blink address (did:key:z6Mk…)"));
      return FALSE;
    }

  if (query != NULL)
    {
      g_auto (GStrv) fields = g_strsplit (query + 1, "&", -1);

      for (guint i = 0; fields[i] != NULL; i++)
        {
          g_autofree char *value = NULL;

          if (!g_str_has_prefix (fields[i], "name="))
            continue;
          if (found_name != NULL)
            return link_error (error, _("The link gives more than one name"));
          g_strdelimit (fields[i], "+", ' ');
          /* NULL for a bad escape and for an escaped NUL. */
          value = g_uri_unescape_string (fields[i] + strlen ("name="), NULL);
          if (value == NULL)
            return link_error (error, _("The link’s name is badly escaped"));
          if (!blink_contact_name_check (value, error))
            return FALSE;
          found_name = g_steal_pointer (&value);
        }
    }

  if (found_name == NULL)
    found_name = blink_contact_short_name (address);
  *did = g_steal_pointer (&address);
  *name = g_steal_pointer (&found_name);
  return TRUE;
}

/**
 * blink_contact_make_link:
 * @name: (nullable): our name, if we have one
 *
 * Returns: “blink:DID” with “?name=” and @name escaped
 */
char *
blink_contact_make_link (const char *did,
                         const char *name)
{
  g_autofree char *escaped = NULL;

  if (name == NULL || *name == '\0')
    return g_strconcat ("blink:", did, NULL);
  escaped = g_uri_escape_string (name, NULL, FALSE);
  return g_strconcat ("blink:", did, "?name=", escaped, NULL);
}

/* ---- the file ---- */

static void
load (BlinkContactStore *self)
{
  g_autoptr (JsonObject) object =
    blink_json_file_load (self->path, MAX_FILE_BYTES, "contacts", "contacts file", G_LOG_DOMAIN);
  JsonArray *contacts;

  if (object == NULL)
    return;
  if (!blink_who_may_ring_from_string (
        json_object_get_string_member_with_default (object, "who-may-ring", "everyone"),
        &self->who_may_ring))
    self->who_may_ring = BLINK_WHO_MAY_RING_EVERYONE;

  contacts = json_object_get_array_member (object, "contacts");
  for (guint i = 0; i < json_array_get_length (contacts); i++)
    {
      JsonNode *node = json_array_get_element (contacts, i);
      JsonObject *contact;
      const char *did, *name;

      if (g_hash_table_size (self->names) >= BLINK_CONTACT_STORE_MAX)
        {
          g_warning ("More than %d contacts in %s: the rest are ignored",
                     BLINK_CONTACT_STORE_MAX, self->path);
          break;
        }
      if (!JSON_NODE_HOLDS_OBJECT (node))
        continue;
      contact = json_node_get_object (node);
      did = json_object_get_string_member_with_default (contact, "did", NULL);
      name = json_object_get_string_member_with_default (contact, "name", NULL);
      if (did == NULL || !blink_did_is_valid (did) || !blink_contact_name_check (name, NULL))
        {
          g_debug ("A bad contact in %s is skipped", self->path);
          continue;
        }
      g_hash_table_insert (self->names, g_strdup (did), g_strdup (name));
    }
}

static gboolean
save (BlinkContactStore *self,
      GError **error)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;
  g_auto (GStrv) dids = blink_contact_store_list (self);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "version");
  json_builder_add_int_value (builder, 1);
  json_builder_set_member_name (builder, "who-may-ring");
  json_builder_add_string_value (builder, blink_who_may_ring_to_string (self->who_may_ring));
  json_builder_set_member_name (builder, "contacts");
  json_builder_begin_array (builder);
  for (guint i = 0; dids[i] != NULL; i++)
    {
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "did");
      json_builder_add_string_value (builder, dids[i]);
      json_builder_set_member_name (builder, "name");
      json_builder_add_string_value (builder, g_hash_table_lookup (self->names, dids[i]));
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  return blink_json_file_save (self->path, root, TRUE, error);
}

static gboolean
save_and_tell (BlinkContactStore *self,
               GError **error)
{
  g_autoptr (GError) local_error = NULL;

  if (!save (self, &local_error))
    {
      g_set_error (error, BLINK_CALL_ERROR, BLINK_CALL_ERROR_FAILED,
                   _("Cannot save the contacts: %s"), local_error->message);
      return FALSE;
    }
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
  return TRUE;
}

/* ---- GObject ---- */

static void
blink_contact_store_finalize (GObject *object)
{
  BlinkContactStore *self = BLINK_CONTACT_STORE (object);

  g_free (self->path);
  g_free (self->own_did);
  g_hash_table_unref (self->names);

  G_OBJECT_CLASS (blink_contact_store_parent_class)->finalize (object);
}

static void
blink_contact_store_class_init (BlinkContactStoreClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = blink_contact_store_finalize;

  /**
   * BlinkContactStore::changed:
   *
   * A contact was added, renamed or removed, or who may ring changed.
   */
  signals[SIGNAL_CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass),
                                          G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
blink_contact_store_init (BlinkContactStore *self)
{
  self->names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

/**
 * blink_contact_store_new:
 * @path: the file; read now if it exists
 * @own_did: (nullable): our own did, which cannot be a contact
 */
BlinkContactStore *
blink_contact_store_new (const char *path,
                         const char *own_did)
{
  BlinkContactStore *self = g_object_new (BLINK_TYPE_CONTACT_STORE, NULL);

  self->path = g_strdup (path);
  self->own_did = g_strdup (own_did);
  load (self);
  return self;
}

/**
 * blink_contact_store_lookup:
 *
 * Returns: (nullable): @did's name, if it is a contact
 */
const char *
blink_contact_store_lookup (BlinkContactStore *self,
                            const char *did)
{
  g_return_val_if_fail (BLINK_IS_CONTACT_STORE (self), NULL);

  return did != NULL ? g_hash_table_lookup (self->names, did) : NULL;
}

static int
compare_by_name (gconstpointer a,
                 gconstpointer b,
                 gpointer user_data)
{
  GHashTable *names = user_data;
  const char *did_a = *(const char *const *) a, *did_b = *(const char *const *) b;
  g_autofree char *folded_a = g_utf8_casefold (g_hash_table_lookup (names, did_a), -1);
  g_autofree char *folded_b = g_utf8_casefold (g_hash_table_lookup (names, did_b), -1);
  g_autofree char *key_a = g_utf8_collate_key (folded_a, -1);
  g_autofree char *key_b = g_utf8_collate_key (folded_b, -1);
  int order = strcmp (key_a, key_b);

  return order != 0 ? order : strcmp (did_a, did_b);
}

/**
 * blink_contact_store_list:
 *
 * Returns: (transfer full): the contacts' dids, sorted by name
 */
GStrv
blink_contact_store_list (BlinkContactStore *self)
{
  g_autofree const char **keys = NULL;

  g_return_val_if_fail (BLINK_IS_CONTACT_STORE (self), NULL);

  keys = (const char **) g_hash_table_get_keys_as_array (self->names, NULL);
  g_qsort_with_data (keys, g_hash_table_size (self->names), sizeof (char *), compare_by_name,
                     self->names);
  return g_strdupv ((char **) keys);
}

/**
 * blink_contact_store_add:
 *
 * Adds @did as @name, or renames it when it is a contact already, and
 * writes the file.
 */
gboolean
blink_contact_store_add (BlinkContactStore *self,
                         const char *did,
                         const char *name,
                         GError **error)
{
  const char *old;

  g_return_val_if_fail (BLINK_IS_CONTACT_STORE (self), FALSE);

  if (did == NULL || !blink_did_is_valid (did))
    {
      g_set_error (error, BLINK_CALL_ERROR, BLINK_CALL_ERROR_BAD_DID,
                   _("“%s” is not a Blink address (did:key:z6Mk…)"), did != NULL ? did : "");
      return FALSE;
    }
  if (g_strcmp0 (did, self->own_did) == 0)
    {
      g_set_error_literal (error, BLINK_CALL_ERROR, BLINK_CALL_ERROR_INVALID_ARGUMENT,
                           _("This is your own address"));
      return FALSE;
    }
  if (!blink_contact_name_check (name, error))
    return FALSE;
  old = g_hash_table_lookup (self->names, did);
  if (old == NULL && g_hash_table_size (self->names) >= BLINK_CONTACT_STORE_MAX)
    {
      g_set_error (error, BLINK_CALL_ERROR, BLINK_CALL_ERROR_INVALID_ARGUMENT,
                   _("There are %d contacts already: remove some first"),
                   BLINK_CONTACT_STORE_MAX);
      return FALSE;
    }
  if (g_strcmp0 (old, name) == 0)
    return TRUE;
  g_hash_table_insert (self->names, g_strdup (did), g_strdup (name));
  return save_and_tell (self, error);
}

static gboolean
no_such_contact (const char *did,
                 GError **error)
{
  g_set_error (error, BLINK_CALL_ERROR, BLINK_CALL_ERROR_NO_SUCH_CONTACT,
               _("%s is not a contact"), did != NULL ? did : "");
  return FALSE;
}

gboolean
blink_contact_store_rename (BlinkContactStore *self,
                            const char *did,
                            const char *name,
                            GError **error)
{
  g_return_val_if_fail (BLINK_IS_CONTACT_STORE (self), FALSE);

  if (blink_contact_store_lookup (self, did) == NULL)
    return no_such_contact (did, error);
  return blink_contact_store_add (self, did, name, error);
}

gboolean
blink_contact_store_remove (BlinkContactStore *self,
                            const char *did,
                            GError **error)
{
  g_return_val_if_fail (BLINK_IS_CONTACT_STORE (self), FALSE);

  if (did == NULL || !g_hash_table_remove (self->names, did))
    return no_such_contact (did, error);
  return save_and_tell (self, error);
}

BlinkWhoMayRing
blink_contact_store_get_who_may_ring (BlinkContactStore *self)
{
  g_return_val_if_fail (BLINK_IS_CONTACT_STORE (self), BLINK_WHO_MAY_RING_EVERYONE);

  return self->who_may_ring;
}

gboolean
blink_contact_store_set_who_may_ring (BlinkContactStore *self,
                                      BlinkWhoMayRing policy,
                                      GError **error)
{
  g_return_val_if_fail (BLINK_IS_CONTACT_STORE (self), FALSE);
  g_return_val_if_fail (policy <= BLINK_WHO_MAY_RING_NOBODY, FALSE);

  if (self->who_may_ring == policy)
    return TRUE;
  self->who_may_ring = policy;
  return save_and_tell (self, error);
}
