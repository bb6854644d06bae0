/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "blink-main-window"

#include "config.h"

#include <glib/gi18n.h>

#include "blink-contacts.h"
#include "blink-debug.h"
#include "blink-dialer-application.h"
#include "blink-main-window.h"
#include "blink-qr.h"

/*
 * BlinkMainWindow: Recent (blinkd's call history), Contacts (its address
 * book) and Your Address (our did:key and its QR code), with a row to call
 * any address. History and contacts are newer interfaces of blinkd, called
 * by name; without them their pages say so and the rest works.
 */

#define BUS_NAME "im.blink.Blink1"
#define OBJECT_PATH "/im/blink/Blink1"
#define HISTORY_INTERFACE "im.blink.History1"
#define HISTORY_LIMIT 100
#define QR_MODULE_SIZE 5

struct _BlinkMainWindow
{
  AdwApplicationWindow parent_instance;

  AdwViewStack *stack;
  AdwViewStackPage *recent_page;
  AdwEntryRow *address_row;
  GtkButton *call_button;
  GtkStack *recent_stack;
  AdwStatusPage *recent_status;
  GtkListBox *recent_list;
  GtkStack *contacts_stack;
  GtkSearchEntry *search_entry;
  GtkListBox *contacts_list;
  GtkRevealer *selection_bar;
  GtkButton *call_selected_button;
  GtkPicture *qr_picture;
  GtkLabel *did_label;

  GSettings *settings;
  BlinkDbusManager1 *manager;
  BlinkContacts *contacts;
  GDBusProxy *history;
  GCancellable *cancellable;
  char *link;
  /* Selection mode: the contacts picked for a group call, by did */
  gboolean selecting;
  GHashTable *picked;
};

G_DEFINE_FINAL_TYPE (BlinkMainWindow, blink_main_window, ADW_TYPE_APPLICATION_WINDOW)

static BlinkDialerApplication *
get_app (BlinkMainWindow *self)
{
  return BLINK_DIALER_APPLICATION (gtk_window_get_application (GTK_WINDOW (self)));
}

static void
show_error (BlinkMainWindow *self, const char *heading, const GError *error)
{
  g_autofree char *remote = NULL;
  g_autoptr (GError) copy = g_error_copy (error);

  if (g_dbus_error_is_remote_error (copy))
    g_dbus_error_strip_remote_error (copy);
  blink_dialer_application_report (get_app (self), heading, copy->message);
}

/* Recent */

static char *
format_when (gint64 start_us)
{
  g_autoptr (GDateTime) utc = g_date_time_new_from_unix_utc (start_us / G_USEC_PER_SEC);
  g_autoptr (GDateTime) when = utc != NULL ? g_date_time_to_local (utc) : NULL;
  g_autoptr (GDateTime) now = g_date_time_new_now_local ();
  int days;

  if (when == NULL)
    return g_strdup ("");
  days = g_date_time_get_day_of_year (now) - g_date_time_get_day_of_year (when);
  if (g_date_time_get_year (now) != g_date_time_get_year (when) || days > 6 || days < 0)
    return g_date_time_format (when, "%x");
  if (days == 0)
    return g_date_time_format (when, "%R");
  if (days == 1)
    {
      g_autofree char *time = g_date_time_format (when, "%R");

      /* TRANSLATORS: a call's time, e.g. "Yesterday 14:05" */
      return g_strdup_printf (_ ("Yesterday %s"), time);
    }
  return g_date_time_format (when, "%A %R");
}

static char *
format_duration (gint64 duration_us)
{
  gint64 seconds = duration_us / G_USEC_PER_SEC;

  if (seconds >= 3600)
    return g_strdup_printf ("%d:%02d:%02d", (int) (seconds / 3600), (int) (seconds / 60 % 60),
                            (int) (seconds % 60));
  return g_strdup_printf ("%d:%02d", (int) (seconds / 60), (int) (seconds % 60));
}

static GtkWidget *
history_row_new (BlinkMainWindow *self, GVariant *entry)
{
  const char *direction = "outgoing", *outcome = "answered", *reason = "";
  g_autofree const char **participants = NULL;
  gint64 start = 0, duration = 0;
  g_autoptr (GString) names = g_string_new (NULL);
  g_autoptr (GString) subtitle = g_string_new (NULL);
  g_autofree char *when = NULL;
  GtkWidget *row, *icon, *button;
  const char *icon_name, *what;
  g_autofree char *call_label = NULL;

  g_variant_lookup (entry, "direction", "&s", &direction);
  g_variant_lookup (entry, "outcome", "&s", &outcome);
  g_variant_lookup (entry, "reason", "&s", &reason);
  g_variant_lookup (entry, "participants", "^a&s", &participants);
  g_variant_lookup (entry, "start", "x", &start);
  g_variant_lookup (entry, "duration", "x", &duration);

  for (guint i = 0; participants != NULL && participants[i] != NULL; i++)
    {
      g_autofree char *name = blink_contacts_display_name (self->contacts, participants[i]);

      if (names->len > 0)
        g_string_append (names, ", ");
      g_string_append (names, name);
    }

  if (g_str_equal (outcome, "missed"))
    icon_name = "call-missed-symbolic", what = _ ("Missed");
  else if (g_str_equal (outcome, "declined"))
    icon_name = "call-missed-symbolic",
    what = g_str_equal (direction, "incoming") ? _ ("Declined") : _ ("Not answered");
  else if (g_str_equal (outcome, "failed"))
    icon_name = "dialog-warning-symbolic", what = _ ("Failed");
  else if (g_str_equal (outcome, "not-rung"))
    icon_name = "call-missed-symbolic", what = _ ("Did not ring");
  else if (g_str_equal (direction, "incoming"))
    icon_name = "call-incoming-symbolic", what = _ ("Incoming");
  else
    icon_name = "call-outgoing-symbolic", what = _ ("Outgoing");

  when = format_when (start);
  g_string_append_printf (subtitle, "%s · %s", what, when);
  if (g_str_equal (outcome, "answered") && duration > 0)
    {
      g_autofree char *length = format_duration (duration);

      g_string_append_printf (subtitle, " · %s", length);
    }
  else if (g_str_equal (outcome, "failed") && *reason != '\0')
    g_string_append_printf (subtitle, " · %s", reason);

  row = adw_action_row_new ();
  g_object_set_data_full (G_OBJECT (row), "outcome", g_strdup (outcome), g_free);
  g_object_set_data_full (G_OBJECT (row), "direction", g_strdup (direction), g_free);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), names->str);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle->str);
  icon = gtk_image_new_from_icon_name (icon_name);
  gtk_accessible_update_property (GTK_ACCESSIBLE (icon), GTK_ACCESSIBLE_PROPERTY_LABEL, what, -1);
  if (g_str_equal (outcome, "missed") || g_str_equal (outcome, "failed"))
    gtk_widget_add_css_class (icon, "error");
  adw_action_row_add_prefix (ADW_ACTION_ROW (row), icon);

  if (participants != NULL && participants[0] != NULL)
    {
      button = gtk_button_new_from_icon_name ("call-start-symbolic");
      gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
      gtk_widget_add_css_class (button, "flat");
      call_label = g_strdup_printf (_ ("Call %s"), names->str);
      gtk_widget_set_tooltip_text (button, call_label);
      if (participants[1] == NULL)
        gtk_actionable_set_action_target (GTK_ACTIONABLE (button), "s", participants[0]);
      else
        {
          g_autofree char *joined = g_strjoinv (" ", (GStrv) participants);

          gtk_actionable_set_action_target (GTK_ACTIONABLE (button), "s", joined);
        }
      gtk_actionable_set_action_name (GTK_ACTIONABLE (button), "app.call");
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);
      adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), button);
    }
  return row;
}

static void
clear_list (GtkListBox *list)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (list))) != NULL)
    gtk_list_box_remove (list, child);
}

static void
on_history_listed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply = g_dbus_proxy_call_finish (G_DBUS_PROXY (source), result, &error);
  BlinkMainWindow *self;
  g_autoptr (GVariant) entries = NULL;
  GVariantIter iter;
  GVariant *entry;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self = BLINK_MAIN_WINDOW (user_data);
  clear_list (self->recent_list);
  if (reply == NULL)
    {
      g_debug ("No call history: %s", error->message);
      adw_status_page_set_title (self->recent_status, _ ("No Call History"));
      adw_status_page_set_description (self->recent_status,
                                       _ ("The Blink service that runs here keeps no history "
                                          "of calls yet"));
      gtk_stack_set_visible_child_name (self->recent_stack, "empty");
      return;
    }
  entries = g_variant_get_child_value (reply, 0);
  g_variant_iter_init (&iter, entries);
  while ((entry = g_variant_iter_next_value (&iter)) != NULL)
    {
      gtk_list_box_append (self->recent_list, history_row_new (self, entry));
      g_variant_unref (entry);
    }
  adw_status_page_set_title (self->recent_status, _ ("No Calls Yet"));
  adw_status_page_set_description (self->recent_status,
                                   _ ("Calls you make and receive are listed here"));
  gtk_stack_set_visible_child_name (self->recent_stack,
                                    g_variant_n_children (entries) > 0 ? "list" : "empty");
}

static void
refresh_history (BlinkMainWindow *self)
{
  if (self->history == NULL)
    return;
  g_dbus_proxy_call (self->history, "List", g_variant_new ("(u)", HISTORY_LIMIT),
                     G_DBUS_CALL_FLAGS_NO_AUTO_START, -1, self->cancellable, on_history_listed,
                     self);
}

static void
update_missed (BlinkMainWindow *self)
{
  g_autoptr (GVariant) missed = NULL;
  guint count = 0;

  if (self->history != NULL)
    missed = g_dbus_proxy_get_cached_property (self->history, "MissedCount");
  if (missed != NULL && g_variant_is_of_type (missed, G_VARIANT_TYPE_UINT32))
    count = g_variant_get_uint32 (missed);
  adw_view_stack_page_set_badge_number (self->recent_page, count);
  adw_view_stack_page_set_needs_attention (self->recent_page, count > 0);
}

/* Missed calls are seen once Recent is shown in the active window. */
static void
mark_seen (BlinkMainWindow *self)
{
  if (self->history == NULL || !gtk_window_is_active (GTK_WINDOW (self)) ||
      g_strcmp0 (adw_view_stack_get_visible_child_name (self->stack), "recent") != 0 ||
      !adw_view_stack_page_get_needs_attention (self->recent_page))
    return;
  g_dbus_proxy_call (self->history, "MarkSeen", NULL, G_DBUS_CALL_FLAGS_NO_AUTO_START, -1,
                     self->cancellable, NULL, NULL);
}

static void
on_history_signal (GDBusProxy *proxy,
                   const char *sender,
                   const char *signal_name,
                   GVariant *parameters,
                   BlinkMainWindow *self)
{
  if (g_str_equal (signal_name, "CallRecorded"))
    refresh_history (self);
}

static void
on_history_properties_changed (GDBusProxy *proxy,
                               GVariant *changed,
                               GStrv invalidated,
                               BlinkMainWindow *self)
{
  update_missed (self);
  mark_seen (self);
}

static void
on_history_owner_changed (GDBusProxy *proxy, GParamSpec *pspec, BlinkMainWindow *self)
{
  refresh_history (self);
  update_missed (self);
}

static void
on_history_proxy_ready (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GError) error = NULL;
  GDBusProxy *proxy = g_dbus_proxy_new_finish (result, &error);
  BlinkMainWindow *self;

  if (proxy == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("No call history: %s", error->message);
      return;
    }
  self = BLINK_MAIN_WINDOW (user_data);
  self->history = proxy;
  g_signal_connect_object (proxy, "g-signal", G_CALLBACK (on_history_signal), self, 0);
  g_signal_connect_object (proxy, "g-properties-changed",
                           G_CALLBACK (on_history_properties_changed), self, 0);
  g_signal_connect_object (proxy, "notify::g-name-owner", G_CALLBACK (on_history_owner_changed),
                           self, 0);
  refresh_history (self);
  update_missed (self);
}

static void
on_address_changed (BlinkMainWindow *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->address_row));
  g_autofree char *did = blink_address_from_text (text, NULL);

  gtk_widget_set_sensitive (GTK_WIDGET (self->call_button), did != NULL);
  if (*text != '\0' && did == NULL)
    gtk_widget_add_css_class (GTK_WIDGET (self->address_row), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->address_row), "error");
}

static void
on_call_address (BlinkMainWindow *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->address_row));
  g_autofree char *did = blink_address_from_text (text, NULL);

  if (did == NULL)
    return;
  g_action_group_activate_action (G_ACTION_GROUP (get_app (self)), "call",
                                  g_variant_new_string (did));
  gtk_editable_set_text (GTK_EDITABLE (self->address_row), "");
}

/* Contacts */

static void
update_selection_bar (BlinkMainWindow *self)
{
  guint n = g_hash_table_size (self->picked);
  g_autofree char *label = NULL;

  /* TRANSLATORS: the button that calls the contacts picked, all together */
  label = g_strdup_printf (ngettext ("_Call %u Person", "_Call %u People", n), n);
  gtk_button_set_label (self->call_selected_button, label);
  gtk_revealer_set_reveal_child (self->selection_bar, self->selecting);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.add-contact", !self->selecting);
  gtk_widget_set_sensitive (GTK_WIDGET (self->call_selected_button), n > 0);
}

static void
on_pick_toggled (GtkCheckButton *check, BlinkMainWindow *self)
{
  const char *did = g_object_get_data (G_OBJECT (check), "did");

  if (gtk_check_button_get_active (check))
    g_hash_table_add (self->picked, g_strdup (did));
  else
    g_hash_table_remove (self->picked, did);
  update_selection_bar (self);
}

static GtkWidget *
contact_row_new (BlinkMainWindow *self, const char *did, const char *name, gboolean verified)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *avatar, *button, *menu_button, *badge;
  g_autoptr (GMenu) menu = g_menu_new ();
  g_autoptr (GMenuItem) rename = NULL, remove = NULL;
  g_autofree char *short_did = blink_short_did (did);
  g_autofree char *call_label = NULL, *more_label = NULL;
  const char *shown = *name != '\0' ? name : short_did;

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), shown);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), short_did);
  g_object_set_data_full (G_OBJECT (row), "did", g_strdup (did), g_free);
  g_object_set_data_full (G_OBJECT (row), "search",
                          g_utf8_casefold (g_strconcat (name, " ", did, NULL), -1), g_free);

  avatar = adw_avatar_new (32, shown, TRUE);
  adw_action_row_add_prefix (ADW_ACTION_ROW (row), avatar);
  /* Prefixes go before those added earlier: the check box leftmost. */
  if (self->selecting)
    {
      GtkWidget *check = gtk_check_button_new ();
      g_autofree char *pick_label = g_strdup_printf (_ ("Pick %s"), shown);

      gtk_widget_set_valign (check, GTK_ALIGN_CENTER);
      gtk_check_button_set_active (GTK_CHECK_BUTTON (check),
                                   g_hash_table_contains (self->picked, did));
      gtk_accessible_update_property (GTK_ACCESSIBLE (check), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      pick_label, -1);
      g_object_set_data_full (G_OBJECT (check), "did", g_strdup (did), g_free);
      g_signal_connect (check, "toggled", G_CALLBACK (on_pick_toggled), self);
      adw_action_row_add_prefix (ADW_ACTION_ROW (row), check);
      adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), check);
      g_object_set_data (G_OBJECT (row), "check", check);
    }
  if (verified)
    {
      badge = gtk_image_new_from_icon_name ("security-high-symbolic");
      gtk_widget_add_css_class (badge, "success");
      gtk_widget_set_tooltip_text (badge, _ ("Verified by voice"));
      gtk_accessible_update_property (GTK_ACCESSIBLE (badge), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      _ ("Verified by voice"), -1);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), badge);
    }

  button = gtk_button_new_from_icon_name ("call-start-symbolic");
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (button, "flat");
  call_label = g_strdup_printf (_ ("Call %s"), shown);
  gtk_widget_set_tooltip_text (button, call_label);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (button), "app.call");
  gtk_actionable_set_action_target (GTK_ACTIONABLE (button), "s", did);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);
  if (self->selecting)
    {
      gtk_widget_set_visible (button, FALSE);
      return row;
    }
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), button);

  rename = g_menu_item_new (_ ("_Rename…"), NULL);
  g_menu_item_set_action_and_target (rename, "win.rename-contact", "s", did);
  g_menu_append_item (menu, rename);
  remove = g_menu_item_new (_ ("Re_move"), NULL);
  g_menu_item_set_action_and_target (remove, "win.remove-contact", "s", did);
  g_menu_append_item (menu, remove);
  menu_button = gtk_menu_button_new ();
  gtk_menu_button_set_icon_name (GTK_MENU_BUTTON (menu_button), "view-more-symbolic");
  gtk_menu_button_set_menu_model (GTK_MENU_BUTTON (menu_button), G_MENU_MODEL (menu));
  gtk_widget_set_valign (menu_button, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (menu_button, "flat");
  more_label = g_strdup_printf (_ ("More about %s"), shown);
  gtk_widget_set_tooltip_text (menu_button, more_label);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), menu_button);
  return row;
}

static void
refresh_contacts (BlinkMainWindow *self)
{
  g_autoptr (GVariant) list = blink_contacts_get_list (self->contacts);
  GVariantIter iter;
  const char *did, *name;
  gboolean verified;

  clear_list (self->contacts_list);
  if (list == NULL)
    {
      gtk_stack_set_visible_child_name (self->contacts_stack, "unavailable");
      return;
    }
  g_variant_iter_init (&iter, list);
  while (g_variant_iter_next (&iter, "(&s&sb)", &did, &name, &verified))
    gtk_list_box_append (self->contacts_list, contact_row_new (self, did, name, verified));
  gtk_stack_set_visible_child_name (self->contacts_stack,
                                    g_variant_n_children (list) > 0 ? "list" : "empty");
  /* Names in Recent come from the address book too. */
  refresh_history (self);
}

static void
on_contacts_changed (BlinkContacts *contacts, BlinkMainWindow *self)
{
  refresh_contacts (self);
}

static gboolean
filter_contact (GtkListBoxRow *row, gpointer user_data)
{
  BlinkMainWindow *self = BLINK_MAIN_WINDOW (user_data);
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));
  g_autofree char *needle = NULL;
  const char *haystack = g_object_get_data (G_OBJECT (row), "search");

  if (*text == '\0' || haystack == NULL)
    return TRUE;
  needle = g_utf8_casefold (text, -1);
  return strstr (haystack, needle) != NULL;
}

static void
on_search_changed (BlinkMainWindow *self)
{
  gtk_list_box_invalidate_filter (self->contacts_list);
}

static void
on_contact_call_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (BlinkMainWindow) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply = blink_contacts_call_finish (BLINK_CONTACTS (source), result, &error);

  if (reply == NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    show_error (self, _ ("The Address Book Was Not Changed"), error);
}

static void
on_add_contact_response (AdwMessageDialog *dialog, const char *response, BlinkMainWindow *self)
{
  GtkEditable *address = g_object_get_data (G_OBJECT (dialog), "address");
  GtkEditable *name_entry = g_object_get_data (G_OBJECT (dialog), "name");
  const char *text = gtk_editable_get_text (address);
  const char *name = gtk_editable_get_text (name_entry);
  g_autofree char *link_name = NULL;
  g_autofree char *did = NULL;

  if (!g_str_equal (response, "add"))
    return;
  did = blink_address_from_text (text, &link_name);
  if (did == NULL)
    return;
  if (g_str_has_prefix (g_strstrip ((char *) text), "blink:") && *name == '\0')
    blink_contacts_call (self->contacts, "AddLink", g_variant_new ("(s)", text),
                         on_contact_call_done, g_object_ref (self));
  else
    blink_contacts_call (self->contacts, "Add",
                         g_variant_new ("(ss)", did,
                                        *name != '\0'       ? name
                                        : link_name != NULL ? link_name
                                                            : ""),
                         on_contact_call_done, g_object_ref (self));
}

static void
on_add_contact_text_changed (GtkEditable *address, AdwMessageDialog *dialog)
{
  g_autofree char *name = NULL;
  g_autofree char *did = blink_address_from_text (gtk_editable_get_text (address), &name);
  GtkEditable *name_entry = g_object_get_data (G_OBJECT (dialog), "name");

  adw_message_dialog_set_response_enabled (dialog, "add", did != NULL);
  if (name != NULL && *gtk_editable_get_text (name_entry) == '\0')
    gtk_editable_set_text (name_entry, name);
}

void
blink_main_window_ask_add_contact (BlinkMainWindow *self, const char *text)
{
  AdwMessageDialog *dialog;
  GtkWidget *box, *list, *address, *name;

  g_return_if_fail (BLINK_IS_MAIN_WINDOW (self));

  if (!blink_contacts_get_available (self->contacts))
    {
      blink_dialer_application_report (get_app (self), _ ("No Address Book"),
                                       _ ("The Blink service that runs here keeps no contacts "
                                          "yet. You can still call the address from Recent."));
      return;
    }
  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_WINDOW (self), _ ("Add Contact"),
                                                       _ ("Their address, or the blink: link "
                                                          "they gave you")));
  list = gtk_list_box_new ();
  gtk_list_box_set_selection_mode (GTK_LIST_BOX (list), GTK_SELECTION_NONE);
  gtk_widget_add_css_class (list, "boxed-list");
  address = adw_entry_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (address), _ ("_Address or link"));
  adw_preferences_row_set_use_underline (ADW_PREFERENCES_ROW (address), TRUE);
  name = adw_entry_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (name), _ ("_Name"));
  adw_preferences_row_set_use_underline (ADW_PREFERENCES_ROW (name), TRUE);
  adw_entry_row_set_activates_default (ADW_ENTRY_ROW (name), TRUE);
  gtk_list_box_append (GTK_LIST_BOX (list), address);
  gtk_list_box_append (GTK_LIST_BOX (list), name);
  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  gtk_box_append (GTK_BOX (box), list);
  adw_message_dialog_set_extra_child (dialog, box);
  g_object_set_data (G_OBJECT (dialog), "address", address);
  g_object_set_data (G_OBJECT (dialog), "name", name);

  adw_message_dialog_add_responses (dialog, "cancel", _ ("_Cancel"), "add", _ ("_Add"), NULL);
  adw_message_dialog_set_response_appearance (dialog, "add", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (dialog, "add");
  adw_message_dialog_set_close_response (dialog, "cancel");
  g_signal_connect (address, "changed", G_CALLBACK (on_add_contact_text_changed), dialog);
  g_signal_connect (dialog, "response", G_CALLBACK (on_add_contact_response), self);
  gtk_editable_set_text (GTK_EDITABLE (address), text != NULL ? text : "");
  on_add_contact_text_changed (GTK_EDITABLE (address), dialog);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
add_contact_activated (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  blink_main_window_ask_add_contact (BLINK_MAIN_WINDOW (widget), NULL);
}

static void
on_rename_response (AdwMessageDialog *dialog, const char *response, BlinkMainWindow *self)
{
  GtkEditable *entry = g_object_get_data (G_OBJECT (dialog), "name");
  const char *did = g_object_get_data (G_OBJECT (dialog), "did");

  if (!g_str_equal (response, "rename"))
    return;
  blink_contacts_call (self->contacts, "Rename",
                       g_variant_new ("(ss)", did, gtk_editable_get_text (entry)),
                       on_contact_call_done, g_object_ref (self));
}

static void
rename_contact_activated (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  BlinkMainWindow *self = BLINK_MAIN_WINDOW (widget);
  const char *did = g_variant_get_string (parameter, NULL);
  g_autofree char *name = blink_contacts_lookup (self->contacts, did, NULL);
  AdwMessageDialog *dialog;
  GtkWidget *entry;

  dialog =
      ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_WINDOW (self), _ ("Rename Contact"), NULL));
  entry = gtk_entry_new ();
  gtk_editable_set_text (GTK_EDITABLE (entry), name != NULL ? name : "");
  gtk_entry_set_activates_default (GTK_ENTRY (entry), TRUE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (entry), GTK_ACCESSIBLE_PROPERTY_LABEL, _ ("Name"),
                                  -1);
  adw_message_dialog_set_extra_child (dialog, entry);
  g_object_set_data (G_OBJECT (dialog), "name", entry);
  g_object_set_data_full (G_OBJECT (dialog), "did", g_strdup (did), g_free);
  adw_message_dialog_add_responses (dialog, "cancel", _ ("_Cancel"), "rename", _ ("_Rename"), NULL);
  adw_message_dialog_set_response_appearance (dialog, "rename", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (dialog, "rename");
  adw_message_dialog_set_close_response (dialog, "cancel");
  g_signal_connect (dialog, "response", G_CALLBACK (on_rename_response), self);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
on_remove_response (AdwMessageDialog *dialog, const char *response, BlinkMainWindow *self)
{
  const char *did = g_object_get_data (G_OBJECT (dialog), "did");

  if (g_str_equal (response, "remove"))
    blink_contacts_call (self->contacts, "Remove", g_variant_new ("(s)", did), on_contact_call_done,
                         g_object_ref (self));
}

static void
remove_contact_activated (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  BlinkMainWindow *self = BLINK_MAIN_WINDOW (widget);
  const char *did = g_variant_get_string (parameter, NULL);
  g_autofree char *name = blink_contacts_display_name (self->contacts, did);
  g_autofree char *heading = g_strdup_printf (_ ("Remove %s?"), name);
  AdwMessageDialog *dialog;

  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (
      GTK_WINDOW (self), heading,
      _ ("Calls from them will no longer show their name, and may not ring, depending on who "
         "may ring you.")));
  g_object_set_data_full (G_OBJECT (dialog), "did", g_strdup (did), g_free);
  adw_message_dialog_add_responses (dialog, "cancel", _ ("_Cancel"), "remove", _ ("_Remove"), NULL);
  adw_message_dialog_set_response_appearance (dialog, "remove", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_close_response (dialog, "cancel");
  g_signal_connect (dialog, "response", G_CALLBACK (on_remove_response), self);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
search_activated (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  BlinkMainWindow *self = BLINK_MAIN_WINDOW (widget);

  adw_view_stack_set_visible_child_name (self->stack, "contacts");
  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
}

static void
focus_address_activated (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  BlinkMainWindow *self = BLINK_MAIN_WINDOW (widget);

  adw_view_stack_set_visible_child_name (self->stack, "recent");
  gtk_widget_grab_focus (GTK_WIDGET (self->address_row));
}

/* Your address */

static const char *
our_did (BlinkMainWindow *self)
{
  const char *did = self->manager != NULL ? blink_dbus_manager1_get_did (self->manager) : NULL;

  return did != NULL && *did != '\0' ? did : NULL;
}

static void
show_link (BlinkMainWindow *self, const char *link)
{
  g_autoptr (GdkTexture) qr = NULL;

  g_free (self->link);
  self->link = g_strdup (link);
  qr = link != NULL ? blink_qr_texture_new (link, QR_MODULE_SIZE) : NULL;
  gtk_picture_set_paintable (self->qr_picture, GDK_PAINTABLE (qr));
  gtk_widget_set_visible (GTK_WIDGET (self->qr_picture), qr != NULL);
}

static void
on_link_ready (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply = blink_contacts_call_finish (BLINK_CONTACTS (source), result, &error);
  g_autoptr (BlinkMainWindow) self = user_data;
  const char *link;

  if (reply == NULL)
    return;
  g_variant_get (reply, "(&s)", &link);
  show_link (self, link);
}

static void
update_address (BlinkMainWindow *self)
{
  const char *did = our_did (self);
  g_autofree char *link = NULL;

  gtk_label_set_label (self->did_label, did != NULL ? did : _ ("Waiting for the Blink service…"));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.copy-address", did != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.copy-link", did != NULL);
  if (did == NULL)
    {
      show_link (self, NULL);
      return;
    }
  /* Our own link, as blinkd writes it when it can; the same without a name otherwise. */
  link = g_strconcat ("blink:", did, NULL);
  show_link (self, link);
  if (blink_contacts_get_available (self->contacts))
    blink_contacts_call (self->contacts, "Link", NULL, on_link_ready, g_object_ref (self));
}

static void
copy_address_activated (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  BlinkMainWindow *self = BLINK_MAIN_WINDOW (widget);
  const char *text = g_str_equal (action_name, "win.copy-link") ? self->link : our_did (self);

  if (text == NULL)
    return;
  gdk_clipboard_set_text (gtk_widget_get_clipboard (widget), text);
}

static void
on_manager_did (BlinkDbusManager1 *manager, GParamSpec *pspec, BlinkMainWindow *self)
{
  update_address (self);
}

static void
on_visible_page_changed (BlinkMainWindow *self)
{
  const char *page = adw_view_stack_get_visible_child_name (self->stack);

  if (self->settings != NULL && page != NULL)
    g_settings_set_string (self->settings, "last-view", page);
  mark_seen (self);
}

static void
on_active_changed (BlinkMainWindow *self)
{
  mark_seen (self);
}

static gboolean
blink_main_window_close_request (GtkWindow *window)
{
  BlinkMainWindow *self = BLINK_MAIN_WINDOW (window);
  int width, height;

  if (self->settings != NULL)
    {
      gtk_window_get_default_size (window, &width, &height);
      g_settings_set (self->settings, "window-size", "(ii)", width, height);
      g_settings_set_boolean (self->settings, "window-maximized", gtk_window_is_maximized (window));
    }
  return GTK_WINDOW_CLASS (blink_main_window_parent_class)->close_request (window);
}

static void
blink_main_window_dispose (GObject *object)
{
  BlinkMainWindow *self = BLINK_MAIN_WINDOW (object);

  g_cancellable_cancel (self->cancellable);
  if (self->manager != NULL)
    g_signal_handlers_disconnect_by_data (self->manager, self);
  if (self->contacts != NULL)
    g_signal_handlers_disconnect_by_data (self->contacts, self);
  g_clear_object (&self->manager);
  g_clear_object (&self->contacts);
  g_clear_object (&self->history);
  g_clear_object (&self->settings);
  g_clear_object (&self->cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), BLINK_TYPE_MAIN_WINDOW);
  G_OBJECT_CLASS (blink_main_window_parent_class)->dispose (object);
}

static void
blink_main_window_finalize (GObject *object)
{
  BlinkMainWindow *self = BLINK_MAIN_WINDOW (object);

  g_free (self->link);
  g_hash_table_unref (self->picked);
  G_OBJECT_CLASS (blink_main_window_parent_class)->finalize (object);
}

static void
blink_main_window_class_init (BlinkMainWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = blink_main_window_dispose;
  object_class->finalize = blink_main_window_finalize;
  window_class->close_request = blink_main_window_close_request;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/im/blink/Dialer/blink-main-window.ui");
  gtk_widget_class_bind_template_child (widget_class, BlinkMainWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, BlinkMainWindow, recent_page);
  gtk_widget_class_bind_template_child (widget_class, BlinkMainWindow, address_row);
  gtk_widget_class_bind_template_child (widget_class, BlinkMainWindow, call_button);
  gtk_widget_class_bind_template_child (widget_class, BlinkMainWindow, recent_stack);
  gtk_widget_class_bind_template_child (widget_class, BlinkMainWindow, recent_status);
  gtk_widget_class_bind_template_child (widget_class, BlinkMainWindow, recent_list);
  gtk_widget_class_bind_template_child (widget_class, BlinkMainWindow, contacts_stack);
  gtk_widget_class_bind_template_child (widget_class, BlinkMainWindow, search_entry);
  gtk_widget_class_bind_template_child (widget_class, BlinkMainWindow, contacts_list);
  gtk_widget_class_bind_template_child (widget_class, BlinkMainWindow, selection_bar);
  gtk_widget_class_bind_template_child (widget_class, BlinkMainWindow, call_selected_button);
  gtk_widget_class_bind_template_child (widget_class, BlinkMainWindow, qr_picture);
  gtk_widget_class_bind_template_child (widget_class, BlinkMainWindow, did_label);
  gtk_widget_class_bind_template_callback (widget_class, on_address_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_call_address);
  gtk_widget_class_bind_template_callback (widget_class, on_search_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_visible_page_changed);

  gtk_widget_class_install_action (widget_class, "win.add-contact", NULL, add_contact_activated);
  gtk_widget_class_install_action (widget_class, "win.rename-contact", "s",
                                   rename_contact_activated);
  gtk_widget_class_install_action (widget_class, "win.remove-contact", "s",
                                   remove_contact_activated);
  gtk_widget_class_install_action (widget_class, "win.copy-address", NULL, copy_address_activated);
  gtk_widget_class_install_action (widget_class, "win.copy-link", NULL, copy_address_activated);
  gtk_widget_class_install_action (widget_class, "win.search", NULL, search_activated);
  gtk_widget_class_install_action (widget_class, "win.focus-address", NULL,
                                   focus_address_activated);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_n, GDK_CONTROL_MASK, "win.add-contact",
                                       NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_f, GDK_CONTROL_MASK, "win.search",
                                       NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_l, GDK_CONTROL_MASK,
                                       "win.focus-address", NULL);
}

static void
blink_main_window_init (BlinkMainWindow *self)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr (GSettingsSchema) schema = NULL;

  self->picked = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
  update_selection_bar (self);
  gtk_list_box_set_filter_func (self->contacts_list, filter_contact, self, NULL);
  g_signal_connect (self, "notify::is-active", G_CALLBACK (on_active_changed), NULL);

  /* Run from a build tree, the schema may not be installed: nothing is
   * remembered then. */
  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, "im.blink.Dialer", TRUE);
  if (schema != NULL)
    {
      int width, height;
      g_autofree char *page = NULL;

      self->settings = g_settings_new ("im.blink.Dialer");
      g_settings_get (self->settings, "window-size", "(ii)", &width, &height);
      gtk_window_set_default_size (GTK_WINDOW (self), width, height);
      if (g_settings_get_boolean (self->settings, "window-maximized"))
        gtk_window_maximize (GTK_WINDOW (self));
      page = g_settings_get_string (self->settings, "last-view");
      if (adw_view_stack_get_child_by_name (self->stack, page) != NULL)
        adw_view_stack_set_visible_child_name (self->stack, page);
    }
}

BlinkMainWindow *
blink_main_window_new (GtkApplication *application)
{
  BlinkMainWindow *self;
  GDBusConnection *bus;

  g_return_val_if_fail (BLINK_IS_DIALER_APPLICATION (application), NULL);

  self = g_object_new (BLINK_TYPE_MAIN_WINDOW, "application", application, NULL);
  self->contacts =
      g_object_ref (blink_dialer_application_get_contacts (BLINK_DIALER_APPLICATION (application)));
  g_signal_connect (self->contacts, "changed", G_CALLBACK (on_contacts_changed), self);
  refresh_contacts (self);
  bus = blink_dialer_application_get_bus (BLINK_DIALER_APPLICATION (application));
  g_dbus_proxy_new (bus, G_DBUS_PROXY_FLAGS_DO_NOT_AUTO_START, NULL, BUS_NAME, OBJECT_PATH,
                    HISTORY_INTERFACE, self->cancellable, on_history_proxy_ready, self);
  blink_main_window_set_manager (
      self, blink_dialer_application_get_manager (BLINK_DIALER_APPLICATION (application)));
  return self;
}

void
blink_main_window_set_manager (BlinkMainWindow *self, BlinkDbusManager1 *manager)
{
  g_return_if_fail (BLINK_IS_MAIN_WINDOW (self));

  if (self->manager == manager)
    {
      update_address (self);
      return;
    }
  if (self->manager != NULL)
    g_signal_handlers_disconnect_by_data (self->manager, self);
  g_set_object (&self->manager, manager);
  if (manager != NULL)
    {
      g_signal_connect (manager, "notify::did", G_CALLBACK (on_manager_did), self);
      g_signal_connect (manager, "notify::g-name-owner", G_CALLBACK (on_manager_did), self);
    }
  update_address (self);
}

void
blink_main_window_show_page (BlinkMainWindow *self, const char *name)
{
  g_return_if_fail (BLINK_IS_MAIN_WINDOW (self));

  adw_view_stack_set_visible_child_name (self->stack, name);
}

/* Selection mode: contacts get a check box, and a bar calls those picked. */
void
blink_main_window_set_selection_mode (BlinkMainWindow *self, gboolean selecting)
{
  g_return_if_fail (BLINK_IS_MAIN_WINDOW (self));

  if (self->selecting == selecting)
    return;
  self->selecting = selecting;
  g_hash_table_remove_all (self->picked);
  if (selecting)
    adw_view_stack_set_visible_child_name (self->stack, "contacts");
  refresh_contacts (self);
  update_selection_bar (self);
}

/* Picks (or unpicks) a contact, as a click on its row in selection mode. */
void
blink_main_window_pick_contact (BlinkMainWindow *self, const char *did)
{
  g_return_if_fail (BLINK_IS_MAIN_WINDOW (self));
  g_return_if_fail (did != NULL);

  for (GtkWidget *row = gtk_widget_get_first_child (GTK_WIDGET (self->contacts_list)); row != NULL;
       row = gtk_widget_get_next_sibling (row))
    {
      GtkWidget *check = g_object_get_data (G_OBJECT (row), "check");

      if (check != NULL && g_strcmp0 (g_object_get_data (G_OBJECT (row), "did"), did) == 0)
        gtk_widget_activate (check);
    }
}

/* The dids picked, NULL-terminated. */
GStrv
blink_main_window_get_picked (BlinkMainWindow *self)
{
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
  GHashTableIter iter;
  gpointer did;

  g_return_val_if_fail (BLINK_IS_MAIN_WINDOW (self), NULL);

  g_hash_table_iter_init (&iter, self->picked);
  while (g_hash_table_iter_next (&iter, &did, NULL))
    g_strv_builder_add (builder, did);
  return g_strv_builder_end (builder);
}

/* What the window shows, read from its widgets, for the tests. */
void
blink_main_window_dump (BlinkMainWindow *self, JsonBuilder *builder)
{
  g_return_if_fail (BLINK_IS_MAIN_WINDOW (self));

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "visible");
  json_builder_add_boolean_value (builder, gtk_widget_get_visible (GTK_WIDGET (self)));
  json_builder_set_member_name (builder, "page");
  json_builder_add_string_value (builder, adw_view_stack_get_visible_child_name (self->stack));
  json_builder_set_member_name (builder, "address");
  json_builder_add_string_value (builder, gtk_label_get_label (self->did_label));
  json_builder_set_member_name (builder, "qr-code");
  json_builder_add_boolean_value (builder, gtk_picture_get_paintable (self->qr_picture) != NULL);
  json_builder_set_member_name (builder, "recent-page");
  json_builder_add_string_value (builder, gtk_stack_get_visible_child_name (self->recent_stack));
  json_builder_set_member_name (builder, "missed-badge");
  json_builder_add_int_value (builder, adw_view_stack_page_get_badge_number (self->recent_page));
  json_builder_set_member_name (builder, "recent");
  blink_debug_dump_rows (builder, self->recent_list);
  json_builder_set_member_name (builder, "contacts-page");
  json_builder_add_string_value (builder, gtk_stack_get_visible_child_name (self->contacts_stack));
  json_builder_set_member_name (builder, "contacts");
  blink_debug_dump_rows (builder, self->contacts_list);
  json_builder_set_member_name (builder, "selecting");
  json_builder_add_boolean_value (builder, self->selecting);
  json_builder_set_member_name (builder, "call-selected");
  json_builder_add_string_value (builder, gtk_revealer_get_reveal_child (self->selection_bar)
                                              ? gtk_button_get_label (self->call_selected_button)
                                              : NULL);
  json_builder_end_object (builder);
}
