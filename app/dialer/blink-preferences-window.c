/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "blink-preferences"

#include "config.h"

#include <glib/gi18n.h>

#include "blink-dialer-application.h"
#include "blink-preferences-window.h"

/*
 * BlinkPreferencesWindow: what blinkd lets a front end choose (microphone,
 * speaker, who may ring) through Manager1, what it only reports (voice
 * processing, the IPFS API) shown with where it is set, and the app's own
 * settings in GSettings (im.blink.Dialer). The microphone and speaker test
 * is blinkd's: a tone on the speaker, the microphone's level ten times a
 * second, for as long as the Test button is down or the window is open.
 */

/* The level bar spans −60 to 0 dBFS: quieter is silence to the ear. */
#define LEVEL_FLOOR_DB -60.0

static const char *const who_may_ring_values[] = { "everyone", "contacts", "nobody" };

struct _BlinkPreferencesWindow
{
  AdwPreferencesWindow parent_instance;

  AdwComboRow *microphone_row;
  AdwComboRow *speaker_row;
  AdwActionRow *test_row;
  GtkLevelBar *level_bar;
  GtkToggleButton *test_button;
  AdwActionRow *echo_row;
  AdwActionRow *noise_row;
  AdwActionRow *gain_row;
  AdwComboRow *who_may_ring_row;
  GtkSwitch *missed_switch;
  GtkSwitch *echo_switch;
  GtkSwitch *noise_switch;
  GtkSwitch *gain_switch;
  AdwActionRow *ipfs_row;
  AdwActionRow *ice_row;
  AdwActionRow *relay_row;

  BlinkDbusManager1 *manager;
  GCancellable *cancellable;
  /* Device ids in the combo rows' order; "" first: blinkd's own */
  GPtrArray *microphones;
  GPtrArray *speakers;
  /* Rows being set from blinkd's properties, not by the user */
  gboolean updating;
  double level;
};

G_DEFINE_FINAL_TYPE (BlinkPreferencesWindow, blink_preferences_window, ADW_TYPE_PREFERENCES_WINDOW)

static void
show_error (BlinkPreferencesWindow *self, const char *heading, GError *error)
{
  GtkApplication *app = gtk_window_get_application (GTK_WINDOW (self));

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || app == NULL)
    return;
  if (g_dbus_error_is_remote_error (error))
    g_dbus_error_strip_remote_error (error);
  g_warning ("%s: %s", heading, error->message);
  blink_dialer_application_report (BLINK_DIALER_APPLICATION (app), heading, error->message);
}

/* Fills a device row with blinkd's devices of @kind and selects @current. */
static void
fill_devices (BlinkPreferencesWindow *self,
              AdwComboRow *row,
              GPtrArray *ids,
              const char *kind,
              const char *current)
{
  GVariant *devices = blink_dbus_manager1_get_devices (self->manager);
  g_autoptr (GtkStringList) names = gtk_string_list_new (NULL);
  guint selected = 0;
  GVariantIter iter;
  const char *id, *d_kind, *name;
  gboolean is_default;

  g_ptr_array_set_size (ids, 0);
  g_ptr_array_add (ids, g_strdup (""));
  /* TRANSLATORS: the device blinkd was started with (its --audio-source or --audio-sink) */
  gtk_string_list_append (names, C_ ("device", "Default"));
  if (devices != NULL && g_variant_is_of_type (devices, G_VARIANT_TYPE ("a(sssb)")))
    {
      g_variant_iter_init (&iter, devices);
      while (g_variant_iter_next (&iter, "(&s&s&sb)", &id, &d_kind, &name, &is_default))
        {
          if (!g_str_equal (d_kind, kind))
            continue;
          if (g_strcmp0 (id, current) == 0)
            selected = ids->len;
          g_ptr_array_add (ids, g_strdup (id));
          gtk_string_list_append (names, name);
        }
    }
  adw_combo_row_set_model (row, G_LIST_MODEL (names));
  adw_combo_row_set_selected (row, selected);
}

static void
update_devices (BlinkPreferencesWindow *self)
{
  self->updating = TRUE;
  fill_devices (self, self->microphone_row, self->microphones, "microphone",
                blink_dbus_manager1_get_microphone (self->manager));
  fill_devices (self, self->speaker_row, self->speakers, "speaker",
                blink_dbus_manager1_get_speaker (self->manager));
  self->updating = FALSE;
}

static void
set_processing_row (AdwActionRow *row, const char *const *processing, const char *what)
{
  gboolean on = processing != NULL && g_strv_contains (processing, what);

  adw_action_row_set_subtitle (row, on ? _ ("On") : _ ("Off"));
}

/* Which calls keep the user's addresses from the other side (blinkd's
 * --relay): only with a TURN server to relay them. */
static void
update_relay (BlinkPreferencesWindow *self, const char *const *servers)
{
  const char *relay = blink_dbus_manager1_get_relay (self->manager);
  gboolean turn = FALSE;

  for (guint i = 0; servers != NULL && servers[i] != NULL; i++)
    turn = turn || g_str_has_prefix (servers[i], "turn");
  /* A blinkd without Relay relays nothing. */
  if (!turn || relay == NULL || g_strcmp0 (relay, "never") == 0)
    adw_action_row_set_subtitle (self->relay_row,
                                 _ ("None: the other side learns this computer’s addresses"));
  else if (g_strcmp0 (relay, "always") == 0)
    adw_action_row_set_subtitle (self->relay_row,
                                 _ ("Every call: nobody learns this computer’s addresses"));
  else
    adw_action_row_set_subtitle (
      self->relay_row,
      _ ("Calls with people not in your contacts: they do not learn this computer’s addresses"));
}

static void
update_properties (BlinkPreferencesWindow *self)
{
  const char *const *processing = blink_dbus_manager1_get_audio_processing (self->manager);
  const char *policy = blink_dbus_manager1_get_who_may_ring (self->manager);
  const char *ipfs = blink_dbus_manager1_get_ipfs_api (self->manager);
  const char *state = blink_dbus_manager1_get_ipfs_state (self->manager);
  g_autofree char *ipfs_text = NULL;

  set_processing_row (self->echo_row, processing, "echo-cancellation");
  set_processing_row (self->noise_row, processing, "noise-suppression");
  set_processing_row (self->gain_row, processing, "gain-control");

  self->updating = TRUE;
  for (guint i = 0; i < G_N_ELEMENTS (who_may_ring_values); i++)
    if (g_strcmp0 (policy, who_may_ring_values[i]) == 0)
      adw_combo_row_set_selected (self->who_may_ring_row, i);
  gtk_widget_set_sensitive (GTK_WIDGET (self->who_may_ring_row), policy != NULL);
  self->updating = FALSE;

  if (ipfs == NULL || *ipfs == '\0')
    ipfs_text = g_strdup (_ ("Unknown"));
  else if (g_strcmp0 (state, "connected") == 0)
    {
      guint peers = blink_dbus_manager1_get_ipfs_peers (self->manager);

      /* TRANSLATORS: the IPFS node's API address and its number of peers */
      ipfs_text = g_strdup_printf (
          ngettext ("%s, connected to %u peer", "%s, connected to %u peers", peers), ipfs, peers);
    }
  else if (g_strcmp0 (state, "unreachable") == 0)
    ipfs_text = g_strdup_printf (_ ("%s, not answering"), ipfs);
  else if (g_strcmp0 (state, "pubsub-off") == 0)
    ipfs_text = g_strdup_printf (_ ("%s, its pubsub is off"), ipfs);
  else
    ipfs_text = g_strdup (ipfs);
  adw_action_row_set_subtitle (self->ipfs_row, ipfs_text);

  {
    const char *const *servers = blink_dbus_manager1_get_ice_servers (self->manager);
    g_autofree char *list = servers != NULL ? g_strjoinv (", ", (char **) servers) : NULL;

    adw_action_row_set_subtitle (
      self->ice_row, list != NULL && *list != '\0'
                       ? list
                       : _ ("None: calls connect through this computer’s own addresses only"));
    update_relay (self, servers);
  }

  if (!blink_dbus_manager1_get_audio_test (self->manager))
    {
      self->level = 0;
      gtk_level_bar_set_value (self->level_bar, 0);
    }
}

static void
on_manager_notify (BlinkDbusManager1 *manager, GParamSpec *pspec, BlinkPreferencesWindow *self)
{
  if (g_str_equal (pspec->name, "devices") || g_str_equal (pspec->name, "microphone") ||
      g_str_equal (pspec->name, "speaker"))
    update_devices (self);
  else
    update_properties (self);
}

static void
on_microphone_level (BlinkDbusManager1 *manager, double level, BlinkPreferencesWindow *self)
{
  self->level = CLAMP ((level - LEVEL_FLOOR_DB) / -LEVEL_FLOOR_DB, 0.0, 1.0);
  gtk_level_bar_set_value (self->level_bar, self->level);
}

static void
on_device_used (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (BlinkPreferencesWindow) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply = g_dbus_proxy_call_finish (G_DBUS_PROXY (source), result, &error);

  if (reply == NULL)
    {
      show_error (self, _ ("The Device Was Not Changed"), error);
      update_devices (self);
    }
}

static void
use_device (BlinkPreferencesWindow *self, AdwComboRow *row, GPtrArray *ids, const char *method)
{
  guint selected = adw_combo_row_get_selected (row);

  if (self->updating || self->manager == NULL || selected >= ids->len)
    return;
  g_dbus_proxy_call (G_DBUS_PROXY (self->manager), method,
                     g_variant_new ("(s)", (const char *) ids->pdata[selected]),
                     G_DBUS_CALL_FLAGS_NONE, -1, self->cancellable, on_device_used,
                     g_object_ref (self));
}

static void
on_microphone_selected (BlinkPreferencesWindow *self)
{
  use_device (self, self->microphone_row, self->microphones, "UseMicrophone");
}

static void
on_speaker_selected (BlinkPreferencesWindow *self)
{
  use_device (self, self->speaker_row, self->speakers, "UseSpeaker");
}

/* The switches show the user's choice (GSettings); each row's subtitle
 * what blinkd uses now. */
static void
show_processing_choice (BlinkPreferencesWindow *self)
{
  GtkApplication *app = gtk_window_get_application (GTK_WINDOW (self));
  GSettings *settings =
    app != NULL ? blink_dialer_application_get_settings (BLINK_DIALER_APPLICATION (app)) : NULL;
  g_auto (GStrv) chosen = settings != NULL ? g_settings_get_strv (settings, "audio-processing")
                                           : NULL;

  self->updating = TRUE;
  gtk_switch_set_active (self->echo_switch,
                         chosen != NULL && g_strv_contains ((const char *const *) chosen,
                                                            "echo-cancellation"));
  gtk_switch_set_active (self->noise_switch,
                         chosen != NULL && g_strv_contains ((const char *const *) chosen,
                                                            "noise-suppression"));
  gtk_switch_set_active (self->gain_switch,
                         chosen != NULL && g_strv_contains ((const char *const *) chosen,
                                                            "gain-control"));
  self->updating = FALSE;
}

/* Through the app's action, as `gapplication action` would. */
static void
on_processing_switched (BlinkPreferencesWindow *self)
{
  GtkApplication *app = gtk_window_get_application (GTK_WINDOW (self));
  g_autoptr (GStrvBuilder) parts = g_strv_builder_new ();
  g_auto (GStrv) chosen = NULL;

  if (self->updating || app == NULL)
    return;
  if (gtk_switch_get_active (self->echo_switch))
    g_strv_builder_add (parts, "echo-cancellation");
  if (gtk_switch_get_active (self->noise_switch))
    g_strv_builder_add (parts, "noise-suppression");
  if (gtk_switch_get_active (self->gain_switch))
    g_strv_builder_add (parts, "gain-control");
  chosen = g_strv_builder_end (parts);
  g_action_group_activate_action (G_ACTION_GROUP (app), "audio-processing",
                                  g_variant_new_strv ((const char *const *) chosen, -1));
}

/* Through the app's action, as `gapplication action` would: its state is blinkd's. */
static void
on_who_may_ring_selected (BlinkPreferencesWindow *self)
{
  guint selected = adw_combo_row_get_selected (self->who_may_ring_row);
  GtkApplication *app = gtk_window_get_application (GTK_WINDOW (self));

  if (self->updating || app == NULL || selected >= G_N_ELEMENTS (who_may_ring_values))
    return;
  g_action_group_change_action_state (G_ACTION_GROUP (app), "who-may-ring",
                                      g_variant_new_string (who_may_ring_values[selected]));
}

/* The test is for while the window is open. */
static gboolean
on_close_request (BlinkPreferencesWindow *self)
{
  GtkApplication *app = gtk_window_get_application (GTK_WINDOW (self));

  if (app != NULL && gtk_toggle_button_get_active (self->test_button))
    g_action_group_change_action_state (G_ACTION_GROUP (app), "audio-test",
                                        g_variant_new_boolean (FALSE));
  return FALSE;
}

static void
blink_preferences_window_dispose (GObject *object)
{
  BlinkPreferencesWindow *self = BLINK_PREFERENCES_WINDOW (object);

  g_cancellable_cancel (self->cancellable);
  if (self->manager != NULL)
    g_signal_handlers_disconnect_by_data (self->manager, self);
  g_clear_object (&self->manager);
  g_clear_object (&self->cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), BLINK_TYPE_PREFERENCES_WINDOW);
  G_OBJECT_CLASS (blink_preferences_window_parent_class)->dispose (object);
}

static void
blink_preferences_window_finalize (GObject *object)
{
  BlinkPreferencesWindow *self = BLINK_PREFERENCES_WINDOW (object);

  g_ptr_array_unref (self->microphones);
  g_ptr_array_unref (self->speakers);
  G_OBJECT_CLASS (blink_preferences_window_parent_class)->finalize (object);
}

static void
blink_preferences_window_class_init (BlinkPreferencesWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = blink_preferences_window_dispose;
  object_class->finalize = blink_preferences_window_finalize;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/im/blink/Dialer/blink-preferences-window.ui");
  gtk_widget_class_bind_template_child (widget_class, BlinkPreferencesWindow, microphone_row);
  gtk_widget_class_bind_template_child (widget_class, BlinkPreferencesWindow, speaker_row);
  gtk_widget_class_bind_template_child (widget_class, BlinkPreferencesWindow, test_row);
  gtk_widget_class_bind_template_child (widget_class, BlinkPreferencesWindow, level_bar);
  gtk_widget_class_bind_template_child (widget_class, BlinkPreferencesWindow, test_button);
  gtk_widget_class_bind_template_child (widget_class, BlinkPreferencesWindow, echo_row);
  gtk_widget_class_bind_template_child (widget_class, BlinkPreferencesWindow, noise_row);
  gtk_widget_class_bind_template_child (widget_class, BlinkPreferencesWindow, gain_row);
  gtk_widget_class_bind_template_child (widget_class, BlinkPreferencesWindow, who_may_ring_row);
  gtk_widget_class_bind_template_child (widget_class, BlinkPreferencesWindow, missed_switch);
  gtk_widget_class_bind_template_child (widget_class, BlinkPreferencesWindow, echo_switch);
  gtk_widget_class_bind_template_child (widget_class, BlinkPreferencesWindow, noise_switch);
  gtk_widget_class_bind_template_child (widget_class, BlinkPreferencesWindow, gain_switch);
  gtk_widget_class_bind_template_callback (widget_class, on_processing_switched);
  gtk_widget_class_bind_template_child (widget_class, BlinkPreferencesWindow, ipfs_row);
  gtk_widget_class_bind_template_child (widget_class, BlinkPreferencesWindow, ice_row);
  gtk_widget_class_bind_template_child (widget_class, BlinkPreferencesWindow, relay_row);
  gtk_widget_class_bind_template_callback (widget_class, on_microphone_selected);
  gtk_widget_class_bind_template_callback (widget_class, on_speaker_selected);
  gtk_widget_class_bind_template_callback (widget_class, on_who_may_ring_selected);
  gtk_widget_class_bind_template_callback (widget_class, on_close_request);
}

static void
blink_preferences_window_init (BlinkPreferencesWindow *self)
{
  self->microphones = g_ptr_array_new_with_free_func (g_free);
  self->speakers = g_ptr_array_new_with_free_func (g_free);
  self->cancellable = g_cancellable_new ();
  self->updating = TRUE;
  gtk_widget_init_template (GTK_WIDGET (self));
  self->updating = FALSE;
}

BlinkPreferencesWindow *
blink_preferences_window_new (GtkApplication *application)
{
  BlinkPreferencesWindow *self;
  GSettings *settings;
  BlinkDbusManager1 *manager;

  g_return_val_if_fail (BLINK_IS_DIALER_APPLICATION (application), NULL);

  self = g_object_new (BLINK_TYPE_PREFERENCES_WINDOW, "application", application, NULL);
  settings = blink_dialer_application_get_settings (BLINK_DIALER_APPLICATION (application));
  if (settings != NULL)
    {
      g_settings_bind (settings, "missed-call-notifications", self->missed_switch, "active",
                       G_SETTINGS_BIND_DEFAULT);
      g_signal_connect_object (settings, "changed::audio-processing",
                               G_CALLBACK (show_processing_choice), self, G_CONNECT_SWAPPED);
      show_processing_choice (self);
    }
  else
    gtk_widget_set_sensitive (GTK_WIDGET (self->missed_switch), FALSE);

  manager = blink_dialer_application_get_manager (BLINK_DIALER_APPLICATION (application));
  if (manager == NULL)
    {
      /* blinkd is not there (yet): nothing of it to show or change. */
      gtk_widget_set_sensitive (GTK_WIDGET (self->microphone_row), FALSE);
      gtk_widget_set_sensitive (GTK_WIDGET (self->speaker_row), FALSE);
      gtk_widget_set_sensitive (GTK_WIDGET (self->test_row), FALSE);
      gtk_widget_set_sensitive (GTK_WIDGET (self->who_may_ring_row), FALSE);
      return self;
    }
  self->manager = g_object_ref (manager);
  g_signal_connect (manager, "notify", G_CALLBACK (on_manager_notify), self);
  g_signal_connect (manager, "microphone-level", G_CALLBACK (on_microphone_level), self);
  update_devices (self);
  update_properties (self);
  return self;
}

static void
dump_combo (JsonBuilder *builder, const char *member, AdwComboRow *row)
{
  GObject *item = adw_combo_row_get_selected_item (row);

  json_builder_set_member_name (builder, member);
  if (item != NULL && GTK_IS_STRING_OBJECT (item))
    json_builder_add_string_value (builder,
                                   gtk_string_object_get_string (GTK_STRING_OBJECT (item)));
  else
    json_builder_add_null_value (builder);
}

/* What the window shows, for the tests. */
void
blink_preferences_window_dump (BlinkPreferencesWindow *self, JsonBuilder *builder)
{
  g_return_if_fail (BLINK_IS_PREFERENCES_WINDOW (self));

  json_builder_begin_object (builder);
  dump_combo (builder, "microphone", self->microphone_row);
  dump_combo (builder, "speaker", self->speaker_row);
  json_builder_set_member_name (builder, "microphones");
  json_builder_add_int_value (
      builder, g_list_model_get_n_items (adw_combo_row_get_model (self->microphone_row)));
  json_builder_set_member_name (builder, "testing");
  json_builder_add_boolean_value (builder, gtk_toggle_button_get_active (self->test_button));
  json_builder_set_member_name (builder, "level");
  json_builder_add_double_value (builder, gtk_level_bar_get_value (self->level_bar));
  json_builder_set_member_name (builder, "echo-cancellation");
  json_builder_add_string_value (builder, adw_action_row_get_subtitle (self->echo_row));
  json_builder_set_member_name (builder, "noise-suppression");
  json_builder_add_string_value (builder, adw_action_row_get_subtitle (self->noise_row));
  json_builder_set_member_name (builder, "processing-switches");
  json_builder_begin_array (builder);
  json_builder_add_boolean_value (builder, gtk_switch_get_active (self->echo_switch));
  json_builder_add_boolean_value (builder, gtk_switch_get_active (self->noise_switch));
  json_builder_add_boolean_value (builder, gtk_switch_get_active (self->gain_switch));
  json_builder_end_array (builder);
  dump_combo (builder, "who-may-ring", self->who_may_ring_row);
  json_builder_set_member_name (builder, "ipfs-api");
  json_builder_add_string_value (builder, adw_action_row_get_subtitle (self->ipfs_row));
  json_builder_set_member_name (builder, "ice-servers");
  json_builder_add_string_value (builder, adw_action_row_get_subtitle (self->ice_row));
  json_builder_set_member_name (builder, "relay");
  json_builder_add_string_value (builder, adw_action_row_get_subtitle (self->relay_row));
  json_builder_end_object (builder);
}
