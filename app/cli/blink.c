/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "blink-cli"

#include "config.h"

#include <glib-unix.h>
#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <locale.h>
#include <stdlib.h>

#include "blink-dbus-generated.h"
#include "blink-identity.h"

/* blink: the command line of blinkd, over D-Bus (docs/blink.1.md). */

#define BUS_NAME "im.blink.Blink1"
#define MANAGER_PATH "/im/blink/Blink1"
#define CALL_PATH_PREFIX MANAGER_PATH "/Call/"

enum
{
  EXIT_USAGE = 2,
  EXIT_NO_DAEMON = 3,
};

static char *identity_path;
static gboolean json_output;

static const GOptionEntry common_entries[] = {
  { "json", 'j', 0, G_OPTION_ARG_NONE, &json_output,
    N_("Print JSON, one object per line (status, watch, stats)"), NULL },
  { "identity", 'i', 0, G_OPTION_ARG_FILENAME, &identity_path,
    N_("For “blink id” without a running blinkd: the key file to read"), N_("FILE") },
  { NULL }
};

/* ---- talking to blinkd ---- */

static int
report_error (GError *error)
{
  g_autofree char *remote = g_dbus_error_get_remote_error (error);

  g_dbus_error_strip_remote_error (error);
  if (remote == NULL)
    {
      g_printerr (_("blink: %s\n"), error->message);
      return EXIT_FAILURE;
    }
  if (g_str_equal (remote, "org.freedesktop.DBus.Error.ServiceUnknown") ||
      g_str_equal (remote, "org.freedesktop.DBus.Error.NameHasNoOwner") ||
      g_str_equal (remote, "org.freedesktop.DBus.Error.Spawn.ServiceNotFound"))
    {
      g_printerr (_("blink: blinkd is not running on this session bus. Start it with “blinkd &” "
                    "(or “systemctl --user start blinkd”).\n"));
      return EXIT_NO_DAEMON;
    }
  if (g_str_equal (remote, "im.blink.Error.NoIpfsNode"))
    g_printerr (_("blink: %s\n"), error->message);
  else if (g_str_equal (remote, "im.blink.Error.BadDid"))
    g_printerr (_("blink: not a Blink address (did:key:z6Mk…): %s\n"), error->message);
  else if (g_str_equal (remote, "im.blink.Error.NoSuchCall"))
    g_printerr (_("blink: no such call: %s\n"), error->message);
  else if (g_str_equal (remote, "im.blink.Error.Device"))
    g_printerr (_("blink: audio device problem: %s\n"), error->message);
  else
    g_printerr (_("blink: %s\n"), error->message);
  return EXIT_FAILURE;
}

static GDBusConnection *
connect_bus (GError **error)
{
  return g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, error);
}

static BlinkDbusManager1 *
get_manager (GDBusConnection *bus,
             GError **error)
{
  return blink_dbus_manager1_proxy_new_sync (bus, G_DBUS_PROXY_FLAGS_NONE, BUS_NAME,
                                             MANAGER_PATH, NULL, error);
}

static GDBusObjectManager *
get_objects (GDBusConnection *bus,
             GError **error)
{
  GDBusObjectManager *objects = blink_dbus_object_manager_client_new_sync (
    bus, G_DBUS_OBJECT_MANAGER_CLIENT_FLAGS_NONE, BUS_NAME, MANAGER_PATH, NULL, error);
  g_autofree char *owner = NULL;

  if (objects == NULL)
    return NULL;
  owner = g_dbus_object_manager_client_get_name_owner (G_DBUS_OBJECT_MANAGER_CLIENT (objects));
  if (owner == NULL)
    {
      g_dbus_error_set_dbus_error (error, "org.freedesktop.DBus.Error.NameHasNoOwner", "no owner",
                                   NULL);
      g_object_unref (objects);
      return NULL;
    }
  return objects;
}

static const char *
call_id (BlinkDbusCall1 *call)
{
  return blink_dbus_call1_get_id (call);
}

static GList *
list_calls (GDBusObjectManager *objects)
{
  GList *calls = NULL;
  GList *list = g_dbus_object_manager_get_objects (objects);

  for (GList *l = list; l != NULL; l = l->next)
    {
      BlinkDbusCall1 *call = blink_dbus_object_get_call1 (BLINK_DBUS_OBJECT (l->data));

      if (call != NULL)
        calls = g_list_prepend (calls, call);
    }
  g_list_free_full (list, g_object_unref);
  return g_list_reverse (calls);
}

/* The call a command without CALL means: the newest incoming ringing one. */
static BlinkDbusCall1 *
find_ringing_call (GDBusObjectManager *objects,
                   const char *id,
                   GError **error)
{
  GList *calls = list_calls (objects);
  BlinkDbusCall1 *found = NULL;

  for (GList *l = calls; l != NULL; l = l->next)
    {
      BlinkDbusCall1 *call = l->data;

      if (id != NULL ? g_str_equal (call_id (call), id) ||
                         g_str_equal (g_dbus_proxy_get_object_path (G_DBUS_PROXY (call)), id)
                     : blink_dbus_call1_get_incoming (call) &&
                         g_str_equal (blink_dbus_call1_get_state (call), "ringing"))
        g_set_object (&found, call);
    }
  g_list_free_full (calls, g_object_unref);
  if (found == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   id != NULL ? _("no call “%s”; “blink status” lists the calls")
                              : _("no incoming call is ringing%s"),
                   id != NULL ? id : "");
    }
  return found;
}

/* ---- printing ---- */

static void
print_json (JsonBuilder *builder)
{
  g_autoptr (JsonGenerator) generator = json_generator_new ();
  g_autoptr (JsonNode) root = json_builder_get_root (builder);
  g_autofree char *text = NULL;

  json_generator_set_root (generator, root);
  text = json_generator_to_data (generator, NULL);
  g_print ("%s\n", text);
}

/* How loud we play @did in @call: 1.0 unless the user changed it. */
static double
volume_of (BlinkDbusCall1 *call,
           const char *did)
{
  GVariant *volumes = blink_dbus_call1_get_volumes (call);
  double volume = 1.0;

  if (volumes != NULL)
    g_variant_lookup (volumes, did, "d", &volume);
  return volume;
}

/* Whether @did announces that it records @call. A copy: the proxy's
 * own strv of the property is still the old one while our handler of
 * g-properties-changed runs (the proxy's class handler runs last). */
static gboolean
records (BlinkDbusCall1 *call,
         const char *did)
{
  g_auto (GStrv) recording = blink_dbus_call1_dup_recording_participants (call);

  return recording != NULL && g_strv_contains ((const char *const *) recording, did);
}

/* Whether @did's voice is heard in @call now (a copy, as in records ()). */
static gboolean
speaks (BlinkDbusCall1 *call,
        const char *did)
{
  g_auto (GStrv) speaking = blink_dbus_call1_dup_speaking (call);

  return speaking != NULL && g_strv_contains ((const char *const *) speaking, did);
}

/* What is wrong with @did's connection in @call: Quality's problems, as
 * D-Bus names them (empty when all is well or it is not connected). */
static GStrv
problems_of (BlinkDbusCall1 *call,
             const char *did)
{
  g_autoptr (GVariant) quality = blink_dbus_call1_dup_quality (call);
  g_autoptr (GVariant) figures = NULL;
  g_autofree const char **problems = NULL;

  if (quality == NULL || !g_variant_lookup (quality, did, "@a{sv}", &figures) ||
      !g_variant_lookup (figures, "problems", "^a&s", &problems))
    return g_new0 (char *, 1);
  return g_strdupv ((char **) problems);
}

/* Quality problems as the user reads them: ", problems: packet loss, no audio". */
static char *
problems_text (const char *const *problems)
{
  GString *text = g_string_new (NULL);

  for (guint i = 0; problems[i] != NULL; i++)
    {
      g_string_append (text, i == 0 ? _(", problems: ") : ", ");
      if (g_str_equal (problems[i], "loss"))
        g_string_append (text, _("packet loss"));
      else if (g_str_equal (problems[i], "jitter"))
        g_string_append (text, _("jitter"));
      else if (g_str_equal (problems[i], "round-trip-time"))
        g_string_append (text, _("long round trip"));
      else if (g_str_equal (problems[i], "no-audio"))
        g_string_append (text, _("no audio"));
      else
        g_string_append (text, problems[i]);
    }
  return g_string_free (text, FALSE);
}

static void
json_add_participants (JsonBuilder *builder,
                       BlinkDbusCall1 *call)
{
  GVariant *participants = blink_dbus_call1_get_participants (call);
  GVariantIter iter;
  const char *did, *state;
  gboolean muted, deafened;

  json_builder_set_member_name (builder, "participants");
  json_builder_begin_array (builder);
  if (participants != NULL)
    {
      g_variant_iter_init (&iter, participants);
      while (g_variant_iter_next (&iter, "(&s&sbb)", &did, &state, &muted, &deafened))
        {
          json_builder_begin_object (builder);
          json_builder_set_member_name (builder, "did");
          json_builder_add_string_value (builder, did);
          json_builder_set_member_name (builder, "state");
          json_builder_add_string_value (builder, state);
          json_builder_set_member_name (builder, "muted");
          json_builder_add_boolean_value (builder, muted);
          json_builder_set_member_name (builder, "deafened");
          json_builder_add_boolean_value (builder, deafened);
          json_builder_set_member_name (builder, "volume");
          json_builder_add_double_value (builder, volume_of (call, did));
          json_builder_set_member_name (builder, "recording");
          json_builder_add_boolean_value (builder, records (call, did));
          json_builder_set_member_name (builder, "speaking");
          json_builder_add_boolean_value (builder, speaks (call, did));
          json_builder_set_member_name (builder, "problems");
          json_builder_begin_array (builder);
          {
            g_auto (GStrv) problems = problems_of (call, did);

            for (guint i = 0; problems[i] != NULL; i++)
              json_builder_add_string_value (builder, problems[i]);
          }
          json_builder_end_array (builder);
          json_builder_end_object (builder);
        }
    }
  json_builder_end_array (builder);
}

static void
json_add_call (JsonBuilder *builder,
               BlinkDbusCall1 *call)
{
  json_builder_set_member_name (builder, "call");
  json_builder_add_string_value (builder, call_id (call));
  json_builder_set_member_name (builder, "state");
  json_builder_add_string_value (builder, blink_dbus_call1_get_state (call));
  json_builder_set_member_name (builder, "incoming");
  json_builder_add_boolean_value (builder, blink_dbus_call1_get_incoming (call));
  json_builder_set_member_name (builder, "caller");
  json_builder_add_string_value (builder, blink_dbus_call1_get_caller (call));
  json_builder_set_member_name (builder, "setup-time-us");
  json_builder_add_int_value (builder, blink_dbus_call1_get_setup_time (call));
  json_add_participants (builder, call);
  json_builder_set_member_name (builder, "recording");
  json_builder_add_string_value (builder, blink_dbus_call1_get_recording (call) != NULL
                                            ? blink_dbus_call1_get_recording (call)
                                            : "");
  json_builder_set_member_name (builder, "verification");
  json_builder_begin_array (builder);
  if (blink_dbus_call1_get_verification (call) != NULL)
    {
      GVariantIter iter;
      const char *did, *code;
      gboolean verified;

      g_variant_iter_init (&iter, blink_dbus_call1_get_verification (call));
      while (g_variant_iter_next (&iter, "(&s&sb)", &did, &code, &verified))
        {
          json_builder_begin_object (builder);
          json_builder_set_member_name (builder, "did");
          json_builder_add_string_value (builder, did);
          json_builder_set_member_name (builder, "code");
          json_builder_add_string_value (builder, code);
          json_builder_set_member_name (builder, "verified");
          json_builder_add_boolean_value (builder, verified);
          json_builder_end_object (builder);
        }
    }
  json_builder_end_array (builder);
}

/* ---- commands ---- */

/* ---- contacts and history ---- */

static BlinkDbusContacts1 *
get_contacts (GDBusConnection *bus,
              GError **error)
{
  return blink_dbus_contacts1_proxy_new_sync (bus, G_DBUS_PROXY_FLAGS_NONE, BUS_NAME,
                                              MANAGER_PATH, NULL, error);
}

static BlinkDbusHistory1 *
get_history (GDBusConnection *bus,
             GError **error)
{
  return blink_dbus_history1_proxy_new_sync (bus, G_DBUS_PROXY_FLAGS_NONE, BUS_NAME,
                                             MANAGER_PATH, NULL, error);
}

/* A proxy's blinkd is running: else NameHasNoOwner, which report_error
 * explains. */
static gboolean
has_owner (gpointer proxy,
           GError **error)
{
  g_autofree char *owner = g_dbus_proxy_get_name_owner (G_DBUS_PROXY (proxy));

  if (owner != NULL)
    return TRUE;
  g_dbus_error_set_dbus_error (error, "org.freedesktop.DBus.Error.NameHasNoOwner", "no owner",
                               NULL);
  return FALSE;
}

/* The name of @did among @contacts (a(ssb)), or NULL. */
static const char *
contact_name (GVariant *contacts,
              const char *did)
{
  GVariantIter iter;
  const char *contact_did, *name;
  gboolean verified;

  if (contacts == NULL)
    return NULL;
  g_variant_iter_init (&iter, contacts);
  while (g_variant_iter_next (&iter, "(&s&sb)", &contact_did, &name, &verified))
    if (g_str_equal (contact_did, did))
      return name;
  return NULL;
}

/* @word as a did: itself when it is one, else the did of the one contact
 * of that name (case does not matter). */
static char *
resolve_contact (GVariant *contacts,
                 const char *word,
                 GError **error)
{
  g_autofree char *wanted = g_utf8_casefold (word, -1);
  g_autoptr (GString) found = g_string_new (NULL);
  const char *match = NULL;
  guint matches = 0;
  GVariantIter iter;
  const char *did, *name;
  gboolean verified;

  if (g_str_has_prefix (word, "did:"))
    return g_strdup (word);
  if (contacts != NULL)
    {
      g_variant_iter_init (&iter, contacts);
      while (g_variant_iter_next (&iter, "(&s&sb)", &did, &name, &verified))
        {
          g_autofree char *folded = g_utf8_casefold (name, -1);

          if (!g_str_equal (folded, wanted))
            continue;
          match = did;
          matches++;
          g_string_append_printf (found, "\n  %s %s", name, did);
        }
    }
  if (matches == 1)
    return g_strdup (match);
  if (matches == 0)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                 _("“%s” is neither a Blink address nor a contact’s name (“blink contacts”)"),
                 word);
  else
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                 _("More than one contact is named “%s”: use the address%s"), word, found->str);
  return NULL;
}

static int
command_contacts (GDBusConnection *bus,
                  int argc,
                  char **argv)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (BlinkDbusContacts1) contacts = get_contacts (bus, &error);
  const char *action = argc >= 3 ? argv[2] : "list";
  GVariant *list;

  if (contacts == NULL || !has_owner (contacts, &error))
    return report_error (error);
  list = blink_dbus_contacts1_get_contacts (contacts);

  if (g_str_equal (action, "list") && argc <= 3)
    {
      GVariantIter iter;
      const char *did, *name;
      gboolean verified;

      if (list == NULL || g_variant_n_children (list) == 0)
        {
          if (!json_output)
            g_print (_("No contacts (“blink contacts add DID NAME”).\n"));
          return EXIT_SUCCESS;
        }
      g_variant_iter_init (&iter, list);
      while (g_variant_iter_next (&iter, "(&s&sb)", &did, &name, &verified))
        if (json_output)
          {
            g_autoptr (JsonBuilder) builder = json_builder_new ();

            json_builder_begin_object (builder);
            json_builder_set_member_name (builder, "did");
            json_builder_add_string_value (builder, did);
            json_builder_set_member_name (builder, "name");
            json_builder_add_string_value (builder, name);
            json_builder_set_member_name (builder, "verified");
            json_builder_add_boolean_value (builder, verified);
            json_builder_end_object (builder);
            print_json (builder);
          }
        else
          g_print ("%s %s  %s\n", verified ? "✓" : " ", name, did);
      return EXIT_SUCCESS;
    }
  if (g_str_equal (action, "add") && (argc == 4 || argc == 5))
    {
      g_autofree char *did = NULL, *name = NULL;

      if (argc == 5 && g_str_has_prefix (argv[3], "did:"))
        {
          if (!blink_dbus_contacts1_call_add_sync (contacts, argv[3], argv[4], NULL, &error))
            return report_error (error);
          g_print ("%s  %s\n", argv[4], argv[3]);
          return EXIT_SUCCESS;
        }
      if (!blink_dbus_contacts1_call_add_link_sync (contacts, argv[3], &did, &name, NULL, &error))
        return report_error (error);
      if (argc == 5)
        {
          if (!blink_dbus_contacts1_call_rename_sync (contacts, did, argv[4], NULL, &error))
            return report_error (error);
          g_free (name);
          name = g_strdup (argv[4]);
        }
      g_print ("%s  %s\n", name, did);
      return EXIT_SUCCESS;
    }
  if ((g_str_equal (action, "remove") && argc == 4) ||
      (g_str_equal (action, "rename") && argc == 5))
    {
      g_autofree char *did = resolve_contact (list, argv[3], &error);
      gboolean ok;

      if (did == NULL)
        {
          g_printerr ("blink: %s\n", error->message);
          return EXIT_FAILURE;
        }
      if (g_str_equal (action, "remove"))
        ok = blink_dbus_contacts1_call_remove_sync (contacts, did, NULL, &error);
      else
        ok = blink_dbus_contacts1_call_rename_sync (contacts, did, argv[4], NULL, &error);
      if (!ok)
        return report_error (error);
      return EXIT_SUCCESS;
    }
  g_printerr (_("blink: contacts [list], contacts add DID|LINK [NAME], contacts remove DID|NAME, "
                "contacts rename DID|NAME NEW\n"));
  return EXIT_USAGE;
}

static char *
format_duration (gint64 duration_us)
{
  gint64 seconds = duration_us / G_USEC_PER_SEC;

  if (seconds >= 3600)
    return g_strdup_printf ("%" G_GINT64_FORMAT ":%02d:%02d", seconds / 3600,
                            (int) (seconds / 60 % 60), (int) (seconds % 60));
  return g_strdup_printf ("%d:%02d", (int) (seconds / 60), (int) (seconds % 60));
}

static void
print_history_entry (GVariant *entry,
                     GVariant *contacts)
{
  const char *id = "", *direction = "", *outcome = "", *reason = "";
  g_autofree const char **participants = NULL;
  gint64 start = 0, duration = 0;

  g_variant_lookup (entry, "id", "&s", &id);
  g_variant_lookup (entry, "direction", "&s", &direction);
  g_variant_lookup (entry, "outcome", "&s", &outcome);
  g_variant_lookup (entry, "reason", "&s", &reason);
  g_variant_lookup (entry, "start", "x", &start);
  g_variant_lookup (entry, "duration", "x", &duration);
  if (!g_variant_lookup (entry, "participants", "^a&s", &participants))
    participants = g_new0 (const char *, 1);
  if (json_output)
    {
      g_autoptr (JsonBuilder) builder = json_builder_new ();

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "id");
      json_builder_add_string_value (builder, id);
      json_builder_set_member_name (builder, "direction");
      json_builder_add_string_value (builder, direction);
      json_builder_set_member_name (builder, "participants");
      json_builder_begin_array (builder);
      for (guint i = 0; participants[i] != NULL; i++)
        json_builder_add_string_value (builder, participants[i]);
      json_builder_end_array (builder);
      json_builder_set_member_name (builder, "start");
      json_builder_add_int_value (builder, start);
      json_builder_set_member_name (builder, "duration");
      json_builder_add_int_value (builder, duration);
      json_builder_set_member_name (builder, "outcome");
      json_builder_add_string_value (builder, outcome);
      json_builder_set_member_name (builder, "reason");
      json_builder_add_string_value (builder, reason);
      json_builder_end_object (builder);
      print_json (builder);
    }
  else
    {
      g_autoptr (GDateTime) time = g_date_time_new_from_unix_local (start / G_USEC_PER_SEC);
      g_autofree char *when = time != NULL ? g_date_time_format (time, "%Y-%m-%d %H:%M")
                                           : g_strdup ("?");
      g_autofree char *length = format_duration (duration);
      g_autoptr (GString) who = g_string_new (NULL);

      for (guint i = 0; participants[i] != NULL; i++)
        {
          const char *name = contact_name (contacts, participants[i]);

          if (i > 0)
            g_string_append (who, ", ");
          if (name != NULL)
            g_string_append_printf (who, "%s (%s)", name, participants[i]);
          else
            g_string_append (who, participants[i]);
        }
      g_print ("%s  %s %-8s %-8s %6s  %s%s%s\n", when,
               g_str_equal (direction, "incoming") ? "←" : "→", direction, outcome, length,
               who->str, *reason != '\0' ? ": " : "", reason);
    }
}

static int
command_history (GDBusConnection *bus,
                 const char *count)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (BlinkDbusHistory1) history = get_history (bus, &error);
  g_autoptr (BlinkDbusContacts1) contacts = NULL;
  g_autoptr (GVariant) entries = NULL;
  guint64 limit = 20;
  GVariantIter iter;
  GVariant *entry;

  if (count != NULL && !g_ascii_string_to_unsigned (count, 10, 0, G_MAXUINT32, &limit, NULL))
    {
      g_printerr (_("blink: history takes how many calls to show, not “%s”\n"), count);
      return EXIT_USAGE;
    }
  if (history == NULL ||
      !blink_dbus_history1_call_list_sync (history, limit, &entries, NULL, &error))
    return report_error (error);
  contacts = get_contacts (bus, NULL);
  if (!json_output && g_variant_n_children (entries) == 0)
    g_print (_("No calls yet.\n"));
  g_variant_iter_init (&iter, entries);
  while ((entry = g_variant_iter_next_value (&iter)) != NULL)
    {
      print_history_entry (entry,
                           contacts != NULL ? blink_dbus_contacts1_get_contacts (contacts) : NULL);
      g_variant_unref (entry);
    }
  return EXIT_SUCCESS;
}

static int
command_link (GDBusConnection *bus)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (BlinkDbusContacts1) contacts = get_contacts (bus, &error);
  g_autofree char *link = NULL;

  if (contacts == NULL || !blink_dbus_contacts1_call_link_sync (contacts, &link, NULL, &error))
    return report_error (error);
  g_print ("%s\n", link);
  return EXIT_SUCCESS;
}

static int
command_who_may_ring (GDBusConnection *bus,
                      const char *policy)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (BlinkDbusManager1) manager = get_manager (bus, &error);

  if (manager == NULL)
    return report_error (error);
  if (policy != NULL)
    {
      if (!blink_dbus_manager1_call_set_who_may_ring_sync (manager, policy, NULL, &error))
        return report_error (error);
      return EXIT_SUCCESS;
    }
  if (!has_owner (manager, &error))
    return report_error (error);
  g_print ("%s\n", blink_dbus_manager1_get_who_may_ring (manager));
  return EXIT_SUCCESS;
}

static int
command_id (GDBusConnection *bus)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (BlinkDbusManager1) manager = NULL;
  g_autofree char *owner = NULL;
  g_autoptr (BlinkIdentity) identity = NULL;

  if (bus != NULL && identity_path == NULL)
    manager = blink_dbus_manager1_proxy_new_sync (
      bus, G_DBUS_PROXY_FLAGS_DO_NOT_AUTO_START, BUS_NAME, MANAGER_PATH, NULL, NULL);
  if (manager != NULL)
    owner = g_dbus_proxy_get_name_owner (G_DBUS_PROXY (manager));
  if (owner != NULL)
    {
      g_print ("%s\n", blink_dbus_manager1_get_did (manager));
      return EXIT_SUCCESS;
    }

  /* No blinkd: the identity it would use, created on first use. */
  identity = blink_identity_load_or_create (identity_path, &error);
  if (identity == NULL)
    {
      g_printerr (_("blink: cannot use your Blink identity: %s\n"), error->message);
      return EXIT_FAILURE;
    }
  g_print ("%s\n", blink_identity_get_did (identity));
  return EXIT_SUCCESS;
}

/* Addresses, or names of contacts taken for their addresses. */
static GStrv
resolve_addresses (GDBusConnection *bus,
                   char **names,
                   GError **error)
{
  g_autoptr (BlinkDbusContacts1) contacts = get_contacts (bus, NULL);
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();

  for (guint i = 0; names[i] != NULL; i++)
    {
      g_autofree char *did = resolve_contact (
        contacts != NULL ? blink_dbus_contacts1_get_contacts (contacts) : NULL, names[i], error);

      if (did == NULL)
        return NULL;
      g_strv_builder_add (builder, did);
    }
  return g_strv_builder_end (builder);
}

static int
command_call (GDBusConnection *bus,
              char **dids)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (BlinkDbusManager1) manager = get_manager (bus, &error);
  g_autofree char *path = NULL;
  g_auto (GStrv) resolved = NULL;

  if (manager == NULL)
    return report_error (error);
  if (dids[0] == NULL)
    {
      g_printerr (_("blink: whom to call? “blink call did:key:z6Mk…”\n"));
      return EXIT_USAGE;
    }
  resolved = resolve_addresses (bus, dids, &error);
  if (resolved == NULL)
    {
      g_printerr ("blink: %s\n", error->message);
      return EXIT_FAILURE;
    }
  if (!blink_dbus_manager1_call_offer_sync (manager, (const char *const *) resolved, &path, NULL,
                                            &error))
    return report_error (error);
  g_print ("%s\n", path + strlen (CALL_PATH_PREFIX));
  return EXIT_SUCCESS;
}

static int
command_on_call (GDBusConnection *bus,
                 const char *command,
                 const char *id)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GDBusObjectManager) objects = get_objects (bus, &error);
  g_autoptr (BlinkDbusCall1) call = NULL;
  gboolean ok;

  if (objects == NULL)
    return report_error (error);
  call = find_ringing_call (objects, id, &error);
  if (call == NULL)
    return report_error (error);
  if (g_str_equal (command, "answer"))
    ok = blink_dbus_call1_call_accept_sync (call, NULL, &error);
  else
    ok = blink_dbus_call1_call_decline_sync (call, NULL, &error);
  if (!ok)
    return report_error (error);
  g_print ("%s\n", call_id (call));
  return EXIT_SUCCESS;
}

static int
command_hangup (GDBusConnection *bus)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (BlinkDbusManager1) manager = get_manager (bus, &error);

  if (manager == NULL || !blink_dbus_manager1_call_hangup_sync (manager, NULL, &error))
    return report_error (error);
  return EXIT_SUCCESS;
}

/* mute, unmute, deafen, undeafen: they hold from call to call. */
static int
command_quiet (GDBusConnection *bus,
               const char *command)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (BlinkDbusManager1) manager = get_manager (bus, &error);
  gboolean ok;

  if (manager == NULL)
    return report_error (error);
  if (g_str_equal (command, "mute") || g_str_equal (command, "unmute"))
    ok = blink_dbus_manager1_call_set_muted_sync (manager, g_str_equal (command, "mute"), NULL,
                                                  &error);
  else
    ok = blink_dbus_manager1_call_set_deafened_sync (manager, g_str_equal (command, "deafen"),
                                                     NULL, &error);
  return ok ? EXIT_SUCCESS : report_error (error);
}

/* The active call's object, or an error that says there is none. */
static BlinkDbusCall1 *
get_active_call (GDBusConnection *bus,
                 BlinkDbusManager1 *manager,
                 GError **error)
{
  const char *path = blink_dbus_manager1_get_active_call (manager);

  if (path == NULL || g_str_equal (path, "/"))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, _("there is no active call"));
      return NULL;
    }
  return blink_dbus_call1_proxy_new_sync (bus, G_DBUS_PROXY_FLAGS_NONE, BUS_NAME, path, NULL,
                                          error);
}

static int
command_invite (GDBusConnection *bus,
                char **names)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (BlinkDbusManager1) manager = get_manager (bus, &error);
  g_autoptr (BlinkDbusCall1) call = NULL;
  g_auto (GStrv) resolved = NULL;

  if (manager == NULL)
    return report_error (error);
  if (names[0] == NULL)
    {
      g_printerr (_("blink: whom to add? “blink invite did:key:z6Mk…”\n"));
      return EXIT_USAGE;
    }
  resolved = resolve_addresses (bus, names, &error);
  if (resolved == NULL)
    {
      g_printerr ("blink: %s\n", error->message);
      return EXIT_FAILURE;
    }
  if ((call = get_active_call (bus, manager, &error)) == NULL ||
      !blink_dbus_call1_call_invite_sync (call, (const char *const *) resolved, NULL, &error))
    return report_error (error);
  return EXIT_SUCCESS;
}

static int
command_volume (GDBusConnection *bus,
                const char *did,
                const char *percent)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (BlinkDbusManager1) manager = NULL;
  g_autoptr (BlinkDbusCall1) call = NULL;
  char *end = NULL;
  double value = g_ascii_strtod (percent, &end);

  /* Which values are allowed is blinkd's to say; here only whether it is
   * a number at all. */
  if (end == percent || (*end != '\0' && !g_str_equal (end, "%")))
    {
      g_printerr (_("blink: “%s” is not a percentage: “blink volume DID 50” plays DID at half "
                    "its volume\n"),
                  percent);
      return EXIT_USAGE;
    }
  manager = get_manager (bus, &error);
  if (manager == NULL || (call = get_active_call (bus, manager, &error)) == NULL ||
      !blink_dbus_call1_call_set_volume_sync (call, did, value / 100, NULL, &error))
    return report_error (error);
  return EXIT_SUCCESS;
}

/* record [DIR], stop-recording: the active call. */
static int
command_record (GDBusConnection *bus,
                const char *directory,
                gboolean start)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (BlinkDbusManager1) manager = NULL;
  g_autoptr (BlinkDbusCall1) call = NULL;
  g_autofree char *absolute = NULL;
  g_autofree char *path = NULL;

  manager = get_manager (bus, &error);
  if (manager == NULL || (call = get_active_call (bus, manager, &error)) == NULL)
    return report_error (error);
  if (!start)
    return blink_dbus_call1_call_stop_recording_sync (call, NULL, &error) ? EXIT_SUCCESS
                                                                           : report_error (error);
  /* blinkd's working folder is not ours. */
  if (directory != NULL)
    absolute = g_canonicalize_filename (directory, NULL);
  if (!blink_dbus_call1_call_start_recording_sync (call, absolute != NULL ? absolute : "", &path,
                                                   NULL, &error))
    return report_error (error);
  g_print (_("Recording into %s\n"), path);
  return EXIT_SUCCESS;
}

/* The IPFS node as blinkd sees it, and what to do when it does not work. */
/* What processes the microphone, as the user knows it. */
static void
print_audio_processing (BlinkDbusManager1 *manager)
{
  const char *const *parts = blink_dbus_manager1_get_audio_processing (manager);
  g_autoptr (GString) text = g_string_new (NULL);

  for (guint i = 0; parts != NULL && parts[i] != NULL; i++)
    {
      if (text->len > 0)
        g_string_append (text, ", ");
      if (g_str_equal (parts[i], "echo-cancellation"))
        g_string_append (text, _("echo cancellation"));
      else if (g_str_equal (parts[i], "noise-suppression"))
        g_string_append (text, _("noise suppression"));
      else if (g_str_equal (parts[i], "gain-control"))
        g_string_append (text, _("gain control"));
      else
        g_string_append (text, parts[i]);
    }
  g_print (_("Microphone processing: %s\n"), text->len > 0 ? text->str : _("none"));
}

static void
print_ipfs_status (BlinkDbusManager1 *manager)
{
  const char *state = blink_dbus_manager1_get_ipfs_state (manager);
  guint peers = blink_dbus_manager1_get_ipfs_peers (manager);

  g_print (_("IPFS node %s: %s, %u peers\n"), blink_dbus_manager1_get_ipfs_api (manager), state,
           peers);
  if (g_strcmp0 (state, "unreachable") == 0)
    g_print (_("  Start Kubo with pubsub on: “ipfs config --json Pubsub.Enabled true”, then "
               "“ipfs daemon”; or give blinkd its address (--ipfs-api, BLINK_IPFS_API).\n"));
  else if (g_strcmp0 (state, "pubsub-off") == 0)
    g_print (_("  Its pubsub is off: “ipfs config --json Pubsub.Enabled true”, then restart "
               "“ipfs daemon”.\n"));
  else if (g_strcmp0 (state, "connected") == 0 && peers == 0)
    g_print (_("  It has no peers: nobody can be called through it yet.\n"));
}

static int
command_verify (GDBusConnection *bus,
                const char *did,
                gboolean verified)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (BlinkDbusManager1) manager = get_manager (bus, &error);

  if (manager == NULL ||
      !blink_dbus_manager1_call_set_verified_sync (manager, did, verified, NULL, &error))
    return report_error (error);
  return EXIT_SUCCESS;
}

/* did → "123 456 (verified)", from the call's Verification property. */
static char *
verification_of (BlinkDbusCall1 *call,
                 const char *did)
{
  GVariant *verification = blink_dbus_call1_get_verification (call);
  GVariantIter iter;
  const char *who, *code;
  gboolean verified;

  if (verification == NULL)
    return NULL;
  g_variant_iter_init (&iter, verification);
  while (g_variant_iter_next (&iter, "(&s&sb)", &who, &code, &verified))
    if (g_str_equal (who, did))
      return g_strdup_printf (verified ? _("code %s, verified") : _("code %s, not verified"), code);
  return NULL;
}

static int
command_status (GDBusConnection *bus)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (BlinkDbusManager1) manager = get_manager (bus, &error);
  g_autoptr (GDBusObjectManager) objects = NULL;
  g_autoptr (BlinkDbusHistory1) history = NULL;
  guint missed;
  GList *calls;
  const char *active;

  if (manager == NULL || (objects = get_objects (bus, &error)) == NULL)
    return report_error (error);
  calls = list_calls (objects);
  active = blink_dbus_manager1_get_active_call (manager);
  history = get_history (bus, NULL);
  missed = history != NULL ? blink_dbus_history1_get_missed_count (history) : 0;

  if (json_output)
    {
      g_autoptr (JsonBuilder) builder = json_builder_new ();

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "did");
      json_builder_add_string_value (builder, blink_dbus_manager1_get_did (manager));
      json_builder_set_member_name (builder, "muted");
      json_builder_add_boolean_value (builder, blink_dbus_manager1_get_muted (manager));
      json_builder_set_member_name (builder, "deafened");
      json_builder_add_boolean_value (builder, blink_dbus_manager1_get_deafened (manager));
      json_builder_set_member_name (builder, "missed-calls");
      json_builder_add_int_value (builder, missed);
      json_builder_set_member_name (builder, "who-may-ring");
      json_builder_add_string_value (builder, blink_dbus_manager1_get_who_may_ring (manager));
      json_builder_set_member_name (builder, "audio-processing");
      json_builder_begin_array (builder);
      for (const char *const *part = blink_dbus_manager1_get_audio_processing (manager);
           part != NULL && *part != NULL; part++)
        json_builder_add_string_value (builder, *part);
      json_builder_end_array (builder);
      json_builder_set_member_name (builder, "ipfs");
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "api");
      json_builder_add_string_value (builder, blink_dbus_manager1_get_ipfs_api (manager));
      json_builder_set_member_name (builder, "state");
      json_builder_add_string_value (builder, blink_dbus_manager1_get_ipfs_state (manager));
      json_builder_set_member_name (builder, "peers");
      json_builder_add_int_value (builder, blink_dbus_manager1_get_ipfs_peers (manager));
      json_builder_end_object (builder);
      json_builder_set_member_name (builder, "calls");
      json_builder_begin_array (builder);
      for (GList *l = calls; l != NULL; l = l->next)
        {
          json_builder_begin_object (builder);
          json_add_call (builder, l->data);
          json_builder_set_member_name (builder, "active");
          json_builder_add_boolean_value (
            builder, g_str_equal (g_dbus_proxy_get_object_path (l->data), active));
          json_builder_end_object (builder);
        }
      json_builder_end_array (builder);
      json_builder_end_object (builder);
      print_json (builder);
    }
  else
    {
      g_print (_("You are %s\n"), blink_dbus_manager1_get_did (manager));
      if (blink_dbus_manager1_get_muted (manager))
        g_print (_("You are muted: nobody hears you (“blink unmute”).\n"));
      if (blink_dbus_manager1_get_deafened (manager))
        g_print (_("You are deafened: you hear nobody (“blink undeafen”).\n"));
      if (missed > 0)
        g_print (g_dngettext (GETTEXT_PACKAGE, "%u missed call (“blink history”).\n",
                              "%u missed calls (“blink history”).\n", missed),
                 missed);
      print_audio_processing (manager);
      print_ipfs_status (manager);
      if (calls == NULL)
        g_print (_("No calls.\n"));
      for (GList *l = calls; l != NULL; l = l->next)
        {
          BlinkDbusCall1 *call = l->data;
          GVariant *participants = blink_dbus_call1_get_participants (call);
          GVariantIter iter;
          const char *did, *state;
          gboolean muted, deafened;

          g_print (_("Call %s: %s, %s%s\n"), call_id (call), blink_dbus_call1_get_state (call),
                   blink_dbus_call1_get_incoming (call) ? _("incoming") : _("outgoing"),
                   g_str_equal (g_dbus_proxy_get_object_path (G_DBUS_PROXY (call)), active)
                     ? _(", active")
                     : "");
          g_variant_iter_init (&iter, participants);
          while (g_variant_iter_next (&iter, "(&s&sbb)", &did, &state, &muted, &deafened))
            {
              g_autofree char *verification = verification_of (call, did);
              double volume = volume_of (call, did);
              g_autofree char *volume_text =
                volume != 1.0 ? g_strdup_printf (_(", volume %.0f %%"), volume * 100) : NULL;
              g_auto (GStrv) problems = problems_of (call, did);
              g_autofree char *problems_line = problems_text ((const char *const *) problems);

              /* What holds for the call first, what changes by the second after. */
              g_print ("  %s %s%s%s%s%s%s%s%s%s\n", did, state, muted ? _(", muted") : "",
                       deafened ? _(", deafened") : "", records (call, did) ? _(", recording") : "",
                       volume_text != NULL ? volume_text : "",
                       speaks (call, did) ? _(", speaking") : "", problems_line,
                       verification != NULL ? ", " : "", verification != NULL ? verification : "");
            }
          if (blink_dbus_call1_get_recording (call) != NULL &&
              *blink_dbus_call1_get_recording (call) != '\0')
            g_print (_("  You record this call into %s (“blink stop-recording”).\n"),
                     blink_dbus_call1_get_recording (call));
        }
    }
  g_list_free_full (calls, g_object_unref);
  return EXIT_SUCCESS;
}

static int
command_stats (GDBusConnection *bus)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (BlinkDbusManager1) manager = get_manager (bus, &error);
  g_autoptr (BlinkDbusCall1) call = NULL;
  g_autoptr (GVariant) stats = NULL;
  GVariantIter iter;
  const char *did;
  GVariant *figures;

  if (manager == NULL || (call = get_active_call (bus, manager, &error)) == NULL ||
      !blink_dbus_call1_call_get_stats_sync (call, &stats, NULL, &error))
    return report_error (error);

  g_variant_iter_init (&iter, stats);
  while (g_variant_iter_next (&iter, "{&s@a{sv}}", &did, &figures))
    {
      guint64 sent = 0, received = 0, signals_dropped = 0, candidates_dropped = 0;
      gint64 lost = 0;
      double jitter = 0, rtt = -1, remote_lost = -1, play_delay = -1, late_audio = 0;
      guint32 expected_loss = 0;
      const char *path = NULL, *local_candidate = "", *remote_candidate = "";

      g_variant_lookup (figures, "packets-sent", "t", &sent);
      g_variant_lookup (figures, "packets-received", "t", &received);
      g_variant_lookup (figures, "packets-lost", "x", &lost);
      g_variant_lookup (figures, "jitter", "d", &jitter);
      g_variant_lookup (figures, "round-trip-time", "d", &rtt);
      g_variant_lookup (figures, "remote-fraction-lost", "d", &remote_lost);
      g_variant_lookup (figures, "expected-loss", "u", &expected_loss);
      g_variant_lookup (figures, "signals-dropped", "t", &signals_dropped);
      g_variant_lookup (figures, "candidates-dropped", "t", &candidates_dropped);
      g_variant_lookup (figures, "play-delay", "d", &play_delay);
      g_variant_lookup (figures, "late-audio", "d", &late_audio);
      g_variant_lookup (figures, "path", "&s", &path);
      g_variant_lookup (figures, "local-candidate", "&s", &local_candidate);
      g_variant_lookup (figures, "remote-candidate", "&s", &remote_candidate);
      if (json_output)
        {
          g_autoptr (JsonBuilder) builder = json_builder_new ();

          json_builder_begin_object (builder);
          json_builder_set_member_name (builder, "did");
          json_builder_add_string_value (builder, did);
          json_builder_set_member_name (builder, "packets-sent");
          json_builder_add_int_value (builder, sent);
          json_builder_set_member_name (builder, "packets-received");
          json_builder_add_int_value (builder, received);
          json_builder_set_member_name (builder, "packets-lost");
          json_builder_add_int_value (builder, lost);
          json_builder_set_member_name (builder, "jitter");
          json_builder_add_double_value (builder, jitter);
          if (rtt >= 0)
            {
              json_builder_set_member_name (builder, "round-trip-time");
              json_builder_add_double_value (builder, rtt);
            }
          if (remote_lost >= 0)
            {
              json_builder_set_member_name (builder, "remote-fraction-lost");
              json_builder_add_double_value (builder, remote_lost);
            }
          json_builder_set_member_name (builder, "expected-loss");
          json_builder_add_int_value (builder, expected_loss);
          json_builder_set_member_name (builder, "signals-dropped");
          json_builder_add_int_value (builder, signals_dropped);
          json_builder_set_member_name (builder, "candidates-dropped");
          json_builder_add_int_value (builder, candidates_dropped);
          if (play_delay >= 0)
            {
              json_builder_set_member_name (builder, "play-delay");
              json_builder_add_double_value (builder, play_delay);
              json_builder_set_member_name (builder, "late-audio");
              json_builder_add_double_value (builder, late_audio);
            }
          if (path != NULL)
            {
              json_builder_set_member_name (builder, "path");
              json_builder_add_string_value (builder, path);
              json_builder_set_member_name (builder, "local-candidate");
              json_builder_add_string_value (builder, local_candidate);
              json_builder_set_member_name (builder, "remote-candidate");
              json_builder_add_string_value (builder, remote_candidate);
            }
          json_builder_end_object (builder);
          print_json (builder);
        }
      else
        {
          g_autofree char *sent_text = g_strdup_printf ("%" G_GUINT64_FORMAT, sent);
          g_autofree char *received_text = g_strdup_printf ("%" G_GUINT64_FORMAT, received);
          g_autofree char *lost_text = g_strdup_printf ("%" G_GINT64_FORMAT, lost);

          g_print (_("%s: %s packets sent, %s received, %s lost, jitter %.1f ms\n"), did,
                   sent_text, received_text, lost_text, jitter * 1000);
          if (remote_lost >= 0)
            g_print (_("%s: loses %.1f %% of what we send; our encoder expects %u %%\n"), did,
                     remote_lost * 100, expected_loss);
          /* TRANSLATORS: the path is host, srflx, relay-udp… (docs/blink.1.md) */
          if (path != NULL)
            g_print (_("%s: path %s (our %s candidate, theirs %s)\n"), did, path,
                     local_candidate, remote_candidate);
          if (play_delay >= 0)
            g_print (_("%s: played %.0f ms after it arrives\n"), did, play_delay * 1000);
          /* Only when it happened: audio that came too late to play. */
          if (late_audio > 0)
            g_print (_("%s: %.0f ms of its audio came too late to play\n"), did,
                     late_audio * 1000);
          /* Only when it happened: a participant sent what the engine refused. */
          if (signals_dropped > 0 || candidates_dropped > 0)
            {
              g_autofree char *signals_text = g_strdup_printf ("%" G_GUINT64_FORMAT,
                                                               signals_dropped);
              g_autofree char *candidates_text = g_strdup_printf ("%" G_GUINT64_FORMAT,
                                                                  candidates_dropped);

              g_print (_("%s: %s signaling messages and %s surplus ICE candidates dropped\n"),
                       did, signals_text, candidates_text);
            }
        }
      g_variant_unref (figures);
    }
  return EXIT_SUCCESS;
}

/* ---- devices ---- */

static int
command_devices (GDBusConnection *bus)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (BlinkDbusManager1) manager = get_manager (bus, &error);
  GVariant *devices;
  GVariantIter iter;
  const char *id, *kind, *name;
  gboolean is_default;

  if (manager == NULL)
    return report_error (error);
  devices = blink_dbus_manager1_get_devices (manager);
  if (devices == NULL)
    {
      g_printerr (_("blink: blinkd is not running on this session bus. Start it with “blinkd &” "
                    "(or “systemctl --user start blinkd”).\n"));
      return EXIT_NO_DAEMON;
    }
  g_variant_iter_init (&iter, devices);
  while (g_variant_iter_next (&iter, "(&s&s&sb)", &id, &kind, &name, &is_default))
    {
      const char *chosen = g_str_equal (kind, "speaker")
                             ? blink_dbus_manager1_get_speaker (manager)
                             : blink_dbus_manager1_get_microphone (manager);
      gboolean in_use = g_strcmp0 (chosen, id) == 0;

      if (json_output)
        {
          g_autoptr (JsonBuilder) builder = json_builder_new ();

          json_builder_begin_object (builder);
          json_builder_set_member_name (builder, "id");
          json_builder_add_string_value (builder, id);
          json_builder_set_member_name (builder, "kind");
          json_builder_add_string_value (builder, kind);
          json_builder_set_member_name (builder, "name");
          json_builder_add_string_value (builder, name);
          json_builder_set_member_name (builder, "default");
          json_builder_add_boolean_value (builder, is_default);
          json_builder_set_member_name (builder, "chosen");
          json_builder_add_boolean_value (builder, in_use);
          json_builder_end_object (builder);
          print_json (builder);
        }
      else
        /* "*" marks the chosen one, "default" the system's default. */
        g_print ("%s %-10s %s — %s%s\n", in_use ? "*" : " ", kind, name, id,
                 is_default ? _(" (default)") : "");
    }
  return EXIT_SUCCESS;
}

/* use-mic, use-speaker: NAME "default" goes back to blinkd's own
 * --audio-source or --audio-sink. */
static int
command_use_device (GDBusConnection *bus,
                    const char *command,
                    const char *name)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (BlinkDbusManager1) manager = get_manager (bus, &error);
  const char *wanted = g_str_equal (name, "default") ? "" : name;
  gboolean ok;

  if (manager == NULL)
    return report_error (error);
  if (g_str_equal (command, "use-mic"))
    ok = blink_dbus_manager1_call_use_microphone_sync (manager, wanted, NULL, &error);
  else
    ok = blink_dbus_manager1_call_use_speaker_sync (manager, wanted, NULL, &error);
  return ok ? EXIT_SUCCESS : report_error (error);
}

static void
on_microphone_level (BlinkDbusManager1 *manager,
                     double level,
                     gpointer user_data)
{
  if (json_output)
    {
      g_autoptr (JsonBuilder) builder = json_builder_new ();

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "event");
      json_builder_add_string_value (builder, "microphone-level");
      json_builder_set_member_name (builder, "time-us");
      json_builder_add_int_value (builder, g_get_real_time ());
      json_builder_set_member_name (builder, "level");
      json_builder_add_double_value (builder, level);
      json_builder_end_object (builder);
      print_json (builder);
    }
  else
    {
      /* One mark per 2 dB above -80 dBFS. */
      int marks = CLAMP ((int) ((level + 80) / 2), 0, 40);
      g_autofree char *bar = g_strnfill (marks, '#');

      g_print ("%6.1f dBFS %s\n", level, bar);
    }
}

static gboolean
on_audio_test_over (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_REMOVE;
}

/* test-audio [SECONDS]: the microphone's level and a tone on the speaker. */
static int
command_test_audio (GDBusConnection *bus,
                    const char *seconds_text)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (BlinkDbusManager1) manager = get_manager (bus, &error);
  g_autoptr (GMainLoop) loop = NULL;
  guint64 seconds = 10;
  guint interrupt, term;

  if (seconds_text != NULL &&
      (!g_ascii_string_to_unsigned (seconds_text, 10, 1, 3600, &seconds, NULL)))
    {
      g_printerr (_("blink: “%s” is not a number of seconds (1–3600)\n"), seconds_text);
      return EXIT_USAGE;
    }
  if (manager == NULL)
    return report_error (error);
  loop = g_main_loop_new (NULL, FALSE);
  g_signal_connect (manager, "microphone-level", G_CALLBACK (on_microphone_level), NULL);
  if (!blink_dbus_manager1_call_start_audio_test_sync (manager, NULL, &error))
    return report_error (error);
  if (!json_output)
    g_printerr (_("blink: a test tone plays on the speaker; speak into the microphone "
                  "(Ctrl+C stops)\n"));
  g_timeout_add_seconds (seconds, on_audio_test_over, loop);
  interrupt = g_unix_signal_add (SIGINT, on_audio_test_over, loop);
  term = g_unix_signal_add (SIGTERM, on_audio_test_over, loop);
  g_main_loop_run (loop);
  g_source_remove (interrupt);
  g_source_remove (term);
  /* blinkd also stops it when we leave the bus. */
  if (!blink_dbus_manager1_call_stop_audio_test_sync (manager, NULL, &error))
    return report_error (error);
  return EXIT_SUCCESS;
}

/* ---- watch ---- */

typedef struct
{
  GMainLoop *loop;
  GHashTable *seen; /* "path did" → participant state and flags, "path" → call state,
                     * "path did recording", "path did speaking": as last printed */
} Watch;

/* An event's JSON object, left open for its own members. */
static JsonBuilder *
json_event_begin (const char *event,
                  BlinkDbusCall1 *call,
                  const char *did)
{
  JsonBuilder *builder = json_builder_new ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "event");
  json_builder_add_string_value (builder, event);
  json_builder_set_member_name (builder, "time-us");
  json_builder_add_int_value (builder, g_get_real_time ());
  if (call != NULL)
    json_add_call (builder, call);
  if (did != NULL)
    {
      json_builder_set_member_name (builder, "did");
      json_builder_add_string_value (builder, did);
    }
  return builder;
}

static void
json_event_end (JsonBuilder *builder)
{
  json_builder_end_object (builder);
  print_json (builder);
}

static void
print_event (const char *event,
             BlinkDbusCall1 *call,
             const char *did,
             const char *detail)
{
  if (json_output)
    {
      g_autoptr (JsonBuilder) builder = json_event_begin (event, call, did);

      if (detail != NULL)
        {
          json_builder_set_member_name (builder, "detail");
          json_builder_add_string_value (builder, detail);
        }
      json_event_end (builder);
    }
  else if (did != NULL)
    g_print ("%s %s %s %s\n", event, call_id (call), did, detail);
  else if (detail != NULL)
    g_print ("%s %s %s\n", event, call_id (call), detail);
  else
    g_print ("%s %s\n", event, call_id (call));
}

/* A participant's state changed, or what it announced (muted, deafened). */
static void
print_participant_event (BlinkDbusCall1 *call,
                         const char *did,
                         const char *state,
                         gboolean muted,
                         gboolean deafened)
{
  if (json_output)
    {
      g_autoptr (JsonBuilder) builder = json_event_begin ("participant", call, did);

      json_builder_set_member_name (builder, "participant-state");
      json_builder_add_string_value (builder, state);
      json_builder_set_member_name (builder, "muted");
      json_builder_add_boolean_value (builder, muted);
      json_builder_set_member_name (builder, "deafened");
      json_builder_add_boolean_value (builder, deafened);
      json_event_end (builder);
    }
  else
    g_print ("participant %s %s %s%s%s\n", call_id (call), did, state, muted ? " muted" : "",
             deafened ? " deafened" : "");
}

static void
print_participant_changes (Watch *watch,
                           BlinkDbusCall1 *call)
{
  GVariant *participants = blink_dbus_call1_get_participants (call);
  const char *path = g_dbus_proxy_get_object_path (G_DBUS_PROXY (call));
  GVariantIter iter;
  const char *did, *state;
  gboolean muted, deafened;

  if (participants == NULL)
    return;
  g_variant_iter_init (&iter, participants);
  while (g_variant_iter_next (&iter, "(&s&sbb)", &did, &state, &muted, &deafened))
    {
      g_autofree char *key = g_strdup_printf ("%s %s", path, did);
      g_autofree char *shown = g_strdup_printf ("%s %d %d", state, muted, deafened);
      const char *before = g_hash_table_lookup (watch->seen, key);

      if (g_strcmp0 (before, shown) == 0)
        continue;
      print_participant_event (call, did, state, muted, deafened);
      g_hash_table_insert (watch->seen, g_steal_pointer (&key), g_steal_pointer (&shown));
    }
}

/* Who started or stopped recording the call, as they announce it. */
static void
print_recording_changes (Watch *watch,
                         BlinkDbusCall1 *call)
{
  GVariant *participants = blink_dbus_call1_get_participants (call);
  const char *path = g_dbus_proxy_get_object_path (G_DBUS_PROXY (call));
  GVariantIter iter;
  const char *did, *state;
  gboolean muted, deafened;

  if (participants == NULL)
    return;
  g_variant_iter_init (&iter, participants);
  while (g_variant_iter_next (&iter, "(&s&sbb)", &did, &state, &muted, &deafened))
    {
      g_autofree char *key = g_strdup_printf ("%s %s recording", path, did);
      gboolean recording = records (call, did);
      gboolean before = g_hash_table_contains (watch->seen, key);

      if (recording == before)
        continue;
      print_event ("recording", call, did, recording ? "started" : "stopped");
      if (recording)
        g_hash_table_insert (watch->seen, g_steal_pointer (&key), g_strdup ("recording"));
      else
        g_hash_table_remove (watch->seen, key);
    }
}

/* The call's state, printed when it is not the one printed last (@print
 * FALSE: only noted, for a call just announced). */
static void
print_state_change (Watch *watch,
                    BlinkDbusCall1 *call,
                    gboolean print)
{
  const char *path = g_dbus_proxy_get_object_path (G_DBUS_PROXY (call));
  const char *state = blink_dbus_call1_get_state (call);

  if (state == NULL || g_strcmp0 (g_hash_table_lookup (watch->seen, path), state) == 0)
    return;
  if (print)
    print_event ("call-state", call, NULL, state);
  g_hash_table_insert (watch->seen, g_strdup (path), g_strdup (state));
}

static void
on_call_properties (GDBusProxy *proxy,
                    GVariant *changed,
                    GStrv invalidated,
                    Watch *watch)
{
  BlinkDbusCall1 *call = BLINK_DBUS_CALL1 (proxy);
  g_autoptr (GVariant) participants = g_variant_lookup_value (changed, "Participants", NULL);
  g_autoptr (GVariant) recording = g_variant_lookup_value (changed, "RecordingParticipants", NULL);

  if (g_variant_lookup (changed, "State", "&s", NULL))
    print_state_change (watch, call, TRUE);
  if (participants != NULL)
    print_participant_changes (watch, call);
  if (participants != NULL || recording != NULL)
    print_recording_changes (watch, call);
}

static void
on_speaking_changed (BlinkDbusCall1 *call,
                     const char *did,
                     gboolean speaking,
                     Watch *watch)
{
  g_autofree char *key = g_strdup_printf ("%s %s speaking",
                                          g_dbus_proxy_get_object_path (G_DBUS_PROXY (call)), did);

  if (speaking == g_hash_table_contains (watch->seen, key))
    return;
  if (speaking)
    g_hash_table_insert (watch->seen, g_steal_pointer (&key), g_strdup ("speaking"));
  else
    g_hash_table_remove (watch->seen, key);

  if (json_output)
    {
      g_autoptr (JsonBuilder) builder = json_event_begin ("speaking", call, did);

      json_builder_set_member_name (builder, "speaking");
      json_builder_add_boolean_value (builder, speaking);
      json_event_end (builder);
    }
  else
    print_event ("speaking", call, did, speaking ? "on" : "off");
}

/* Who speaks, as for the participants: a call that was there when the
 * watch started, or whose first SpeakingChanged went out before the watch
 * had it, is shown as it is. */
static void
print_speaking_changes (Watch *watch,
                        BlinkDbusCall1 *call)
{
  g_auto (GStrv) speaking = blink_dbus_call1_dup_speaking (call);
  g_autofree char *prefix = g_strdup_printf ("%s ", g_dbus_proxy_get_object_path (G_DBUS_PROXY (call)));
  g_autoptr (GPtrArray) stopped = g_ptr_array_new_with_free_func (g_free);
  GHashTableIter iter;
  const char *key;

  g_hash_table_iter_init (&iter, watch->seen);
  while (g_hash_table_iter_next (&iter, (gpointer *) &key, NULL))
    if (g_str_has_prefix (key, prefix) && g_str_has_suffix (key, " speaking"))
      {
        char *did = g_strndup (key + strlen (prefix),
                               strlen (key) - strlen (prefix) - strlen (" speaking"));

        if (speaking == NULL || !g_strv_contains ((const char *const *) speaking, did))
          g_ptr_array_add (stopped, did);
        else
          g_free (did);
      }
  for (guint i = 0; i < stopped->len; i++)
    on_speaking_changed (call, g_ptr_array_index (stopped, i), FALSE, watch);
  for (guint i = 0; speaking != NULL && speaking[i] != NULL; i++)
    on_speaking_changed (call, speaking[i], TRUE, watch);
}

static void
on_quality_changed (BlinkDbusCall1 *call,
                    const char *did,
                    const char *const *problems,
                    GVariant *figures,
                    Watch *watch)
{
  g_autofree char *list = g_strjoinv (",", (char **) problems);

  if (json_output)
    {
      g_autoptr (JsonBuilder) builder = json_event_begin ("quality", call, did);
      GVariantIter iter;
      const char *name;
      GVariant *value;

      json_builder_set_member_name (builder, "problems");
      json_builder_begin_array (builder);
      for (guint i = 0; problems[i] != NULL; i++)
        json_builder_add_string_value (builder, problems[i]);
      json_builder_end_array (builder);
      g_variant_iter_init (&iter, figures);
      while (g_variant_iter_next (&iter, "{&sv}", &name, &value))
        {
          json_builder_set_member_name (builder, name);
          json_builder_add_double_value (builder, g_variant_get_double (value));
          g_variant_unref (value);
        }
      json_event_end (builder);
    }
  else
    print_event ("quality", call, did, *list != '\0' ? list : "ok");
}

/* What @call's proxy says now, printed where it differs from what was
 * printed last, and its changes from now on. */
static void
listen_to_call (Watch *watch,
                BlinkDbusCall1 *call,
                gboolean announced)
{
  print_state_change (watch, call, !announced);
  print_participant_changes (watch, call);
  print_recording_changes (watch, call);
  print_speaking_changes (watch, call);
  g_signal_connect (call, "g-properties-changed", G_CALLBACK (on_call_properties), watch);
  g_signal_connect (call, "speaking-changed", G_CALLBACK (on_speaking_changed), watch);
  g_signal_connect (call, "quality-changed", G_CALLBACK (on_quality_changed), watch);
}

/* GDBusObjectManagerClient replaces an object's interface proxy when the
 * interface is added again: an InterfacesAdded that crossed its first
 * GetManagedObjects does (a watch started as a call is made). The old
 * proxy hears nothing any more, so the new one is listened to. */
static void
on_interface_added (GDBusObject *object,
                    GDBusInterface *interface,
                    Watch *watch)
{
  if (BLINK_DBUS_IS_CALL1 (interface))
    listen_to_call (watch, BLINK_DBUS_CALL1 (interface), FALSE);
}

static void
follow_call (Watch *watch,
             GDBusObject *object,
             gboolean announce)
{
  g_autoptr (BlinkDbusCall1) call = blink_dbus_object_get_call1 (BLINK_DBUS_OBJECT (object));

  if (call == NULL)
    return;
  if (announce)
    print_event ("call-added", call, NULL,
                 blink_dbus_call1_get_incoming (call) ? "incoming" : "outgoing");
  listen_to_call (watch, call, announce);
  g_signal_connect (object, "interface-added", G_CALLBACK (on_interface_added), watch);
}

static void
on_object_added (GDBusObjectManager *objects,
                 GDBusObject *object,
                 Watch *watch)
{
  follow_call (watch, object, TRUE);
}

static void
on_object_removed (GDBusObjectManager *objects,
                   GDBusObject *object,
                   Watch *watch)
{
  g_autoptr (BlinkDbusCall1) call = blink_dbus_object_get_call1 (BLINK_DBUS_OBJECT (object));
  const char *path = g_dbus_object_get_object_path (object);
  g_autofree char *prefix = g_strdup_printf ("%s ", path);
  GHashTableIter iter;
  const char *key;

  if (call != NULL)
    print_event ("call-removed", call, NULL, NULL);
  /* What was printed of it: a watch may run for many calls. */
  g_hash_table_iter_init (&iter, watch->seen);
  while (g_hash_table_iter_next (&iter, (gpointer *) &key, NULL))
    if (g_str_equal (key, path) || g_str_has_prefix (key, prefix))
      g_hash_table_iter_remove (&iter);
}

/* The call object at @path, as the watch's object manager has it. */
static BlinkDbusCall1 *
watched_call (BlinkDbusManager1 *manager,
              const char *path)
{
  GDBusObjectManager *objects = g_object_get_data (G_OBJECT (manager), "objects");

  return BLINK_DBUS_CALL1 (g_dbus_object_manager_get_interface (objects, path, "im.blink.Call1"));
}

static void
on_incoming_call (BlinkDbusManager1 *manager,
                  const char *path,
                  const char *caller,
                  Watch *watch)
{
  g_autoptr (BlinkDbusCall1) call = watched_call (manager, path);

  if (call != NULL)
    print_event ("incoming-call", call, NULL, caller);
}

static void
on_call_failed (BlinkDbusManager1 *manager,
                const char *path,
                const char *error_name,
                const char *message,
                Watch *watch)
{
  g_autoptr (BlinkDbusCall1) call = watched_call (manager, path);

  if (call != NULL)
    print_event ("call-failed", call, NULL, message);
}

static void
on_participant_failed (BlinkDbusManager1 *manager,
                       const char *path,
                       const char *did,
                       const char *error_name,
                       const char *message,
                       Watch *watch)
{
  g_autoptr (BlinkDbusCall1) call = watched_call (manager, path);

  if (call != NULL)
    print_event ("participant-failed", call, did, message);
}

/* A device came, went, or went while in use (fallback). */
static void
print_device_event (const char *event,
                    const char *kind,
                    const char *id,
                    const char *name)
{
  if (json_output)
    {
      g_autoptr (JsonBuilder) builder = json_event_begin (event, NULL, NULL);

      json_builder_set_member_name (builder, "kind");
      json_builder_add_string_value (builder, kind);
      json_builder_set_member_name (builder, "id");
      json_builder_add_string_value (builder, id);
      json_builder_set_member_name (builder, "name");
      json_builder_add_string_value (builder, name);
      json_event_end (builder);
    }
  else
    g_print ("%s %s %s %s\n", event, kind, id, name);
}

static void
on_device_added (BlinkDbusManager1 *manager,
                 const char *id,
                 const char *kind,
                 const char *name,
                 Watch *watch)
{
  print_device_event ("device-added", kind, id, name);
}

static void
on_device_removed (BlinkDbusManager1 *manager,
                   const char *id,
                   const char *kind,
                   const char *name,
                   Watch *watch)
{
  print_device_event ("device-removed", kind, id, name);
}

static void
on_device_fallback (BlinkDbusManager1 *manager,
                    const char *kind,
                    const char *id,
                    const char *name,
                    Watch *watch)
{
  print_device_event ("device-fallback", kind, id, name);
}

static void
on_daemon_gone (GObject *objects,
                GParamSpec *pspec,
                Watch *watch)
{
  g_autofree char *owner =
    g_dbus_object_manager_client_get_name_owner (G_DBUS_OBJECT_MANAGER_CLIENT (objects));

  if (owner == NULL)
    {
      g_printerr (_("blink: blinkd has stopped\n"));
      g_main_loop_quit (watch->loop);
    }
}

static gboolean
on_interrupt (gpointer user_data)
{
  g_main_loop_quit (((Watch *) user_data)->loop);
  return G_SOURCE_REMOVE;
}

static int
command_watch (GDBusConnection *bus)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (BlinkDbusManager1) manager = get_manager (bus, &error);
  g_autoptr (GDBusObjectManager) objects = NULL;
  Watch watch = { 0 };
  GList *list;

  if (manager == NULL || (objects = get_objects (bus, &error)) == NULL)
    return report_error (error);

  watch.loop = g_main_loop_new (NULL, FALSE);
  watch.seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_object_set_data (G_OBJECT (manager), "objects", objects);

  list = g_dbus_object_manager_get_objects (objects);
  for (GList *l = list; l != NULL; l = l->next)
    follow_call (&watch, l->data, TRUE);
  g_list_free_full (list, g_object_unref);

  g_signal_connect (objects, "object-added", G_CALLBACK (on_object_added), &watch);
  g_signal_connect (objects, "object-removed", G_CALLBACK (on_object_removed), &watch);
  g_signal_connect (objects, "notify::name-owner", G_CALLBACK (on_daemon_gone), &watch);
  g_signal_connect (manager, "incoming-call", G_CALLBACK (on_incoming_call), &watch);
  g_signal_connect (manager, "call-failed", G_CALLBACK (on_call_failed), &watch);
  g_signal_connect (manager, "participant-failed", G_CALLBACK (on_participant_failed), &watch);
  g_signal_connect (manager, "device-added", G_CALLBACK (on_device_added), &watch);
  g_signal_connect (manager, "device-removed", G_CALLBACK (on_device_removed), &watch);
  g_signal_connect (manager, "device-fallback", G_CALLBACK (on_device_fallback), &watch);
  g_unix_signal_add (SIGINT, on_interrupt, &watch);
  g_unix_signal_add (SIGTERM, on_interrupt, &watch);

  g_main_loop_run (watch.loop);

  g_main_loop_unref (watch.loop);
  g_hash_table_unref (watch.seen);
  return EXIT_SUCCESS;
}

int
main (int argc,
      char **argv)
{
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GDBusConnection) bus = NULL;
  g_autofree char *summary = NULL;
  const char *command;

  setlocale (LC_ALL, "");
  /* BLINK_LOCALEDIR: a build tree's translations (po/ in it), for its tests. */
  bindtextdomain (GETTEXT_PACKAGE, g_getenv ("BLINK_LOCALEDIR") != NULL
                                     ? g_getenv ("BLINK_LOCALEDIR") : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  context = g_option_context_new (_("COMMAND [ARGUMENT…] — peer-to-peer encrypted voice calls"));
  g_option_context_add_main_entries (context, common_entries, GETTEXT_PACKAGE);
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  summary = g_strdup_printf (
    "%s\n"
    "  id                 %s\n"
    "  call DID|NAME…     %s\n"
    "  answer [CALL]      %s\n"
    "  decline [CALL]     %s\n"
    "  hangup             %s\n"
    "  invite DID|NAME…   %s\n"
    "  status             %s\n"
    "  stats              %s\n"
    "  watch              %s\n"
    "  verify DID         %s\n"
    "  unverify DID       %s\n"
    "  mute, unmute       %s\n"
    "  deafen, undeafen   %s\n"
    "  volume DID PERCENT %s\n"
    "  devices            %s\n"
    "  use-mic NAME       %s\n"
    "  use-speaker NAME   %s\n"
    "  test-audio [SECS]  %s\n"
    "  record [DIR]       %s\n"
    "  stop-recording     %s\n"
    "  contacts           %s\n"
    "  contacts add DID|LINK [NAME]\n"
    "                     %s\n"
    "  contacts remove DID|NAME\n"
    "                     %s\n"
    "  contacts rename DID|NAME NEW\n"
    "                     %s\n"
    "  history [N]        %s\n"
    "  link               %s\n"
    "  who-may-ring [everyone|contacts|nobody]\n"
    "                     %s\n\n"
    "%s\n"
    "  blink id\n"
    "  blink call did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK\n"
    "  blink answer\n"
    "  blink mute\n"
    "  blink volume did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK 50\n"
    "  blink watch --json\n"
    "  blink use-mic headset\n"
    "  blink record ~/calls\n"
    "  blink contacts add 'blink:did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK' Alice\n"
    "  blink call Alice\n"
    "  blink who-may-ring contacts\n\n"
    "%s",
    _("Commands (blinkd must run on the session bus):"),
    _("Print your Blink address (a did:key)"),
    _("Call one or more people, by address or contact's name; prints the call's ID"),
    _("Answer a ringing call (default: the newest one)"),
    _("Decline a ringing call (default: the newest one)"), _("Leave the active call"),
    _("Add people to the active call: they ring, and join everybody in it"),
    _("Show your calls and who is in them"), _("Show the active call's packet figures"),
    _("Print call events as they happen, one per line, who speaks and connection problems "
      "included"),
    _("Remember that DID's verification code matched, read aloud on a call"),
    _("Forget that DID was verified"),
    _("Stop or start sending your microphone; holds from call to call"),
    _("Stop or start hearing the others; holds from call to call"),
    _("Play DID in the active call at PERCENT of its volume (0–200)"),
    _("List microphones and speakers; * marks the ones calls use"),
    _("Use that microphone (id or part of its name; “default”: blinkd’s own)"),
    _("Use that speaker, also in the running call"),
    _("Show the microphone’s level and play a tone (default 10 s), before calling"),
    _("Record the active call, one Opus file per voice (default folder: "
      "~/.local/share/blink/recordings/DATE-TIME-CALL)"),
    _("Stop recording; the files are complete when it returns"),
    _("List your contacts; ✓ marks the verified ones"),
    _("Add a contact by address or blink: link (a link may carry the name)"),
    _("Remove a contact"), _("Give a contact another name"),
    _("Show the last N calls (default 20), newest first"),
    _("Print your blink: link, to give to the people who may call you"),
    _("Show or set whose calls ring: everyone, only contacts (others are only noted, and not "
      "told you are online), or only contacts and the rest declined"),
    _("Examples:"),
    _("Exit status: 0 done, 1 refused or failed, 2 bad usage, 3 blinkd not running."));
  g_option_context_set_summary (context, summary);

  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("blink: %s\n", error->message);
      return EXIT_USAGE;
    }
  if (argc < 2)
    {
      g_printerr (_("blink: which command? Try “blink --help”.\n"));
      return EXIT_USAGE;
    }
  command = argv[1];

  bus = connect_bus (&error);
  if (bus == NULL && !g_str_equal (command, "id"))
    {
      g_printerr (_("blink: no session bus: %s\n"), error->message);
      return EXIT_NO_DAEMON;
    }

  if (g_str_equal (command, "id") && argc == 2)
    return command_id (bus);
  if (g_str_equal (command, "call"))
    return command_call (bus, argv + 2);
  if ((g_str_equal (command, "answer") || g_str_equal (command, "decline")) && argc <= 3)
    return command_on_call (bus, command, argv[2]);
  if (g_str_equal (command, "hangup") && argc == 2)
    return command_hangup (bus);
  if (g_str_equal (command, "invite"))
    return command_invite (bus, argv + 2);
  if (g_str_equal (command, "status") && argc == 2)
    return command_status (bus);
  if (g_str_equal (command, "stats") && argc == 2)
    return command_stats (bus);
  if (g_str_equal (command, "watch") && argc == 2)
    return command_watch (bus);
  if ((g_str_equal (command, "verify") || g_str_equal (command, "unverify")) && argc == 3)
    return command_verify (bus, argv[2], g_str_equal (command, "verify"));
  if ((g_str_equal (command, "mute") || g_str_equal (command, "unmute") ||
       g_str_equal (command, "deafen") || g_str_equal (command, "undeafen")) &&
      argc == 2)
    return command_quiet (bus, command);
  if (g_str_equal (command, "volume") && argc == 4)
    return command_volume (bus, argv[2], argv[3]);
  if (g_str_equal (command, "devices") && argc == 2)
    return command_devices (bus);
  if ((g_str_equal (command, "use-mic") || g_str_equal (command, "use-speaker")) && argc == 3)
    return command_use_device (bus, command, argv[2]);
  if (g_str_equal (command, "test-audio") && argc <= 3)
    return command_test_audio (bus, argv[2]);
  if (g_str_equal (command, "record") && argc <= 3)
    return command_record (bus, argv[2], TRUE);
  if (g_str_equal (command, "stop-recording") && argc == 2)
    return command_record (bus, NULL, FALSE);
  if (g_str_equal (command, "contacts"))
    return command_contacts (bus, argc, argv);
  if (g_str_equal (command, "history") && argc <= 3)
    return command_history (bus, argv[2]);
  if (g_str_equal (command, "link") && argc == 2)
    return command_link (bus);
  if (g_str_equal (command, "who-may-ring") && argc <= 3)
    return command_who_may_ring (bus, argv[2]);

  g_printerr (_("blink: unknown command or wrong arguments: “%s”. Try “blink --help”.\n"),
              command);
  return EXIT_USAGE;
}
