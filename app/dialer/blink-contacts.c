/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "blink-contacts"

#include "config.h"

#include "blink-contacts.h"

/*
 * BlinkContacts: blinkd's address book (im.blink.Contacts1), as the dialer
 * shows it. The interface is newer than the rest of blinkd's API and is
 * called by name; a daemon without it leaves the address book unavailable
 * (empty states in the app), never broken.
 */

#define BUS_NAME "im.blink.Blink1"
#define OBJECT_PATH "/im/blink/Blink1"
#define CONTACTS_INTERFACE "im.blink.Contacts1"

enum
{
  PROP_0,
  PROP_AVAILABLE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum
{
  CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

struct _BlinkContacts
{
  GObject parent_instance;

  GDBusConnection *bus;
  GDBusProxy *proxy;
  GCancellable *cancellable;
};

G_DEFINE_FINAL_TYPE (BlinkContacts, blink_contacts, G_TYPE_OBJECT)

static void
notify_changed (BlinkContacts *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_AVAILABLE]);
  g_signal_emit (self, signals[CHANGED], 0);
}

static void
on_proxy_properties_changed (GDBusProxy *proxy,
                             GVariant *changed,
                             GStrv invalidated,
                             BlinkContacts *self)
{
  notify_changed (self);
}

static void
on_proxy_name_owner (GDBusProxy *proxy, GParamSpec *pspec, BlinkContacts *self)
{
  notify_changed (self);
}

static void
on_proxy_ready (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GError) error = NULL;
  GDBusProxy *proxy = g_dbus_proxy_new_finish (result, &error);
  BlinkContacts *self;

  if (proxy == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("No address book: %s", error->message);
      return;
    }
  self = BLINK_CONTACTS (user_data);
  self->proxy = proxy;
  g_signal_connect_object (proxy, "g-properties-changed", G_CALLBACK (on_proxy_properties_changed),
                           self, 0);
  g_signal_connect_object (proxy, "notify::g-name-owner", G_CALLBACK (on_proxy_name_owner), self,
                           0);
  notify_changed (self);
}

static void
blink_contacts_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  BlinkContacts *self = BLINK_CONTACTS (object);

  switch (prop_id)
    {
    case PROP_AVAILABLE:
      g_value_set_boolean (value, blink_contacts_get_available (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
blink_contacts_dispose (GObject *object)
{
  BlinkContacts *self = BLINK_CONTACTS (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->proxy);
  g_clear_object (&self->bus);
  G_OBJECT_CLASS (blink_contacts_parent_class)->dispose (object);
}

static void
blink_contacts_class_init (BlinkContactsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = blink_contacts_get_property;
  object_class->dispose = blink_contacts_dispose;

  properties[PROP_AVAILABLE] =
      g_param_spec_boolean ("available", "Available", "Whether blinkd has an address book", FALSE,
                            G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* The list, or whether there is one, changed. */
  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                                   NULL, NULL, G_TYPE_NONE, 0);
}

static void
blink_contacts_init (BlinkContacts *self)
{
  self->cancellable = g_cancellable_new ();
}

BlinkContacts *
blink_contacts_new (GDBusConnection *bus)
{
  BlinkContacts *self;

  g_return_val_if_fail (G_IS_DBUS_CONNECTION (bus), NULL);

  self = g_object_new (BLINK_TYPE_CONTACTS, NULL);
  self->bus = g_object_ref (bus);
  /* The daemon may not run yet: the proxy follows the name and loads the
   * properties when it comes. */
  g_dbus_proxy_new (self->bus, G_DBUS_PROXY_FLAGS_DO_NOT_AUTO_START, NULL, BUS_NAME, OBJECT_PATH,
                    CONTACTS_INTERFACE, self->cancellable, on_proxy_ready, self);
  return self;
}

/* Whether blinkd runs and has the interface: its Contacts property is
 * cached only then. */
gboolean
blink_contacts_get_available (BlinkContacts *self)
{
  g_autoptr (GVariant) list = NULL;

  g_return_val_if_fail (BLINK_IS_CONTACTS (self), FALSE);

  list = blink_contacts_get_list (self);
  return list != NULL;
}

/* The contacts, a(ssb) (did, name, verified), or NULL when unavailable. */
GVariant *
blink_contacts_get_list (BlinkContacts *self)
{
  GVariant *list;

  g_return_val_if_fail (BLINK_IS_CONTACTS (self), NULL);

  if (self->proxy == NULL)
    return NULL;
  list = g_dbus_proxy_get_cached_property (self->proxy, "Contacts");
  if (list != NULL && !g_variant_is_of_type (list, G_VARIANT_TYPE ("a(ssb)")))
    g_clear_pointer (&list, g_variant_unref);
  return list;
}

/* The name of @did in the address book, or NULL. */
char *
blink_contacts_lookup (BlinkContacts *self, const char *did, gboolean *verified)
{
  g_autoptr (GVariant) list = NULL;
  GVariantIter iter;
  const char *c_did, *name;
  gboolean c_verified;

  g_return_val_if_fail (BLINK_IS_CONTACTS (self), NULL);
  g_return_val_if_fail (did != NULL, NULL);

  list = blink_contacts_get_list (self);
  if (list == NULL)
    return NULL;
  g_variant_iter_init (&iter, list);
  while (g_variant_iter_next (&iter, "(&s&sb)", &c_did, &name, &c_verified))
    if (g_str_equal (c_did, did))
      {
        if (verified != NULL)
          *verified = c_verified;
        return g_strdup (name);
      }
  return NULL;
}

/* What to call @did on screen: its contact name, else its short form. */
char *
blink_contacts_display_name (BlinkContacts *self, const char *did)
{
  g_autofree char *name = NULL;

  g_return_val_if_fail (BLINK_IS_CONTACTS (self), NULL);

  name = blink_contacts_lookup (self, did, NULL);
  if (name != NULL && *name != '\0')
    return g_steal_pointer (&name);
  return blink_short_did (did);
}

static void
on_call_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  GError *error = NULL;
  GVariant *reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);

  if (reply == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, reply, (GDestroyNotify) g_variant_unref);
}

/* Calls @method of Contacts1; @callback gets @self as its source. */
void
blink_contacts_call (BlinkContacts *self,
                     const char *method,
                     GVariant *parameters,
                     GAsyncReadyCallback callback,
                     gpointer user_data)
{
  GTask *task;

  g_return_if_fail (BLINK_IS_CONTACTS (self));

  task = g_task_new (self, self->cancellable, callback, user_data);
  g_task_set_source_tag (task, blink_contacts_call);
  g_dbus_connection_call (self->bus, BUS_NAME, OBJECT_PATH, CONTACTS_INTERFACE, method, parameters,
                          NULL, G_DBUS_CALL_FLAGS_NONE, -1, self->cancellable, on_call_done, task);
}

GVariant *
blink_contacts_call_finish (BlinkContacts *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* "z6MkhaXg…a2doK": enough of an address to tell two apart on screen. */
char *
blink_short_did (const char *did)
{
  const char *key;
  size_t len;

  g_return_val_if_fail (did != NULL, NULL);

  key = g_str_has_prefix (did, "did:key:") ? did + strlen ("did:key:") : did;
  len = strlen (key);
  if (len <= 16)
    return g_strdup (key);
  return g_strdup_printf ("%.8s…%s", key, key + len - 5);
}

/*
 * The address in what a user pasted: a did:key, or a blink: link
 * ("blink:did:key:z6Mk…?name=Alice", the name then in @name). NULL when
 * it is neither; blinkd checks the key itself.
 */
char *
blink_address_from_text (const char *text, char **name)
{
  g_autofree char *stripped = NULL;
  const char *rest;
  const char *query;

  g_return_val_if_fail (text != NULL, NULL);

  if (name != NULL)
    *name = NULL;
  stripped = g_strstrip (g_strdup (text));
  rest = stripped;
  if (g_str_has_prefix (rest, "blink:"))
    {
      rest += strlen ("blink:");
      if (g_str_has_prefix (rest, "//"))
        rest += 2;
    }
  if (!g_str_has_prefix (rest, "did:key:z") || strlen (rest) < strlen ("did:key:z") + 8)
    return NULL;
  query = strchr (rest, '?');
  if (query != NULL && name != NULL)
    {
      g_auto (GStrv) pairs = g_strsplit (query + 1, "&", -1);

      for (guint i = 0; pairs[i] != NULL; i++)
        if (g_str_has_prefix (pairs[i], "name="))
          *name = g_uri_unescape_string (pairs[i] + strlen ("name="), NULL);
    }
  for (const char *c = rest + strlen ("did:key:"); *c != '\0' && *c != '?'; c++)
    if (!g_ascii_isalnum (*c))
      return NULL;
  return query != NULL ? g_strndup (rest, query - rest) : g_strdup (rest);
}
