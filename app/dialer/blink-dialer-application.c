/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "blink-dialer"

#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "blink-call-window.h"
#include "blink-debug.h"
#include "blink-dialer-application.h"
#include "blink-main-window.h"
#include "blink-notifier.h"
#include "blink-preferences-window.h"

/*
 * BlinkDialerApplication: im.blink.Dialer, a D-Bus client of blinkd
 * (im.blink.Blink1). It follows the calls blinkd exports, shows the main
 * window, the call window while there is a call, and notifications. What
 * the user can do is an action (app.call, app.answer, app.decline,
 * app.hangup, app.invite, app.mute, app.deafen), for the windows' buttons,
 * the notifications' buttons and `gapplication action` alike. It stays
 * running with its windows closed, so that calls still ring, until app.quit.
 */

#define BUS_NAME "im.blink.Blink1"
#define OBJECT_PATH "/im/blink/Blink1"
#define HISTORY_INTERFACE "im.blink.History1"

typedef struct
{
  char *caller;
  /* Answered here or elsewhere, or declined here: it rings no more, and
   * (where blinkd keeps no history to tell) was not missed when it goes. */
  gboolean handled;
} Incoming;

struct _BlinkDialerApplication
{
  AdwApplication parent_instance;

  GDBusConnection *bus;
  GCancellable *cancellable;
  BlinkDbusManager1 *manager;
  GDBusObjectManager *objects;
  /* Says which calls were missed, where blinkd keeps a history */
  GDBusProxy *history;
  BlinkContacts *contacts;
  BlinkNotifier *notifier;
  /* NULL when the schema is not installed (run from a build tree) */
  GSettings *settings;
  BlinkMainWindow *main_window;
  BlinkCallWindow *call_window;
  BlinkPreferencesWindow *preferences;
  /* Activations that came before blinkd's proxies: (name, parameter) */
  GPtrArray *pending;
  /* Incoming calls by path */
  GHashTable *incoming;
  /* The call we offered, until its object shows */
  char *offered;
  gboolean held;
};

G_DEFINE_FINAL_TYPE (BlinkDialerApplication, blink_dialer_application, ADW_TYPE_APPLICATION)

static void
incoming_free (gpointer data)
{
  Incoming *incoming = data;

  g_free (incoming->caller);
  g_free (incoming);
}

static BlinkMainWindow *
get_main_window (BlinkDialerApplication *self)
{
  if (self->main_window == NULL)
    {
      self->main_window = blink_main_window_new (GTK_APPLICATION (self));
      g_object_add_weak_pointer (G_OBJECT (self->main_window), (gpointer *) &self->main_window);
    }
  return self->main_window;
}

static BlinkCallWindow *
get_call_window (BlinkDialerApplication *self)
{
  if (self->call_window == NULL)
    {
      self->call_window = blink_call_window_new (GTK_APPLICATION (self));
      g_object_add_weak_pointer (G_OBJECT (self->call_window), (gpointer *) &self->call_window);
    }
  return self->call_window;
}

static gboolean
window_shown (BlinkDialerApplication *self)
{
  return (self->main_window != NULL && gtk_widget_get_visible (GTK_WIDGET (self->main_window))) ||
         (self->call_window != NULL && gtk_widget_get_visible (GTK_WIDGET (self->call_window)));
}

static BlinkDbusCall1 *
lookup_call (BlinkDialerApplication *self, const char *path)
{
  if (self->objects == NULL || path == NULL || !g_variant_is_object_path (path))
    return NULL;
  return BLINK_DBUS_CALL1 (
      g_dbus_object_manager_get_interface (self->objects, path, "im.blink.Call1"));
}

static void
report_error (BlinkDialerApplication *self, const char *heading, GError *error)
{
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (g_dbus_error_is_remote_error (error))
    g_dbus_error_strip_remote_error (error);
  g_warning ("%s: %s", heading, error->message);
  blink_dialer_application_report (self, heading, error->message);
}

/*
 * Which call the call window shows: the active one, else the newest
 * incoming call that rings; it is presented when there is one, hidden
 * when not. A ringing call presents it only while a window of ours is
 * shown; otherwise a notification rings.
 */
static void
update_calls (BlinkDialerApplication *self)
{
  const char *active =
      self->manager != NULL ? blink_dbus_manager1_get_active_call (self->manager) : NULL;
  g_autoptr (BlinkDbusCall1) shown = NULL;
  g_autoptr (BlinkDbusCall1) ringing = NULL;
  GList *list;

  if (self->objects == NULL)
    return;
  if (active != NULL && g_strcmp0 (active, "/") != 0)
    shown = lookup_call (self, active);
  if (shown == NULL && self->offered != NULL)
    shown = lookup_call (self, self->offered);

  list = g_dbus_object_manager_get_objects (self->objects);
  for (GList *l = list; l != NULL; l = l->next)
    {
      BlinkDbusCall1 *call = blink_dbus_object_get_call1 (BLINK_DBUS_OBJECT (l->data));
      const char *path;
      Incoming *incoming;

      if (call == NULL)
        continue;
      path = g_dbus_proxy_get_object_path (G_DBUS_PROXY (call));
      incoming = g_hash_table_lookup (self->incoming, path);
      if (incoming != NULL && g_strcmp0 (blink_dbus_call1_get_state (call), "ringing") == 0 &&
          !incoming->handled)
        g_set_object (&ringing, call);
      else if (incoming != NULL)
        blink_notifier_stop_ringing (self->notifier, path);
      g_object_unref (call);
    }
  g_list_free_full (list, g_object_unref);

  /* Someone is added to the active call once it has started. */
  g_simple_action_set_enabled (
      G_SIMPLE_ACTION (g_action_map_lookup_action (G_ACTION_MAP (self), "add-someone")),
      shown != NULL && active != NULL &&
          g_strcmp0 (g_dbus_proxy_get_object_path (G_DBUS_PROXY (shown)), active) == 0 &&
          g_strcmp0 (blink_dbus_call1_get_state (shown), "started") == 0);

  if (shown != NULL)
    {
      blink_call_window_set_call (get_call_window (self), shown);
      gtk_window_present (GTK_WINDOW (self->call_window));
    }
  else if (ringing != NULL)
    {
      const char *path = g_dbus_proxy_get_object_path (G_DBUS_PROXY (ringing));
      const char *caller = blink_dbus_call1_get_caller (ringing);
      gboolean shown_before = window_shown (self);

      blink_call_window_set_call (get_call_window (self), ringing);
      if (shown_before)
        gtk_window_present (GTK_WINDOW (self->call_window));
      else if (caller != NULL)
        {
          g_autofree char *name = blink_contacts_lookup (self->contacts, caller, NULL);

          blink_notifier_ring (self->notifier, path, name, caller);
        }
    }
  else if (self->call_window != NULL)
    {
      blink_call_window_set_call (self->call_window, NULL);
      gtk_widget_set_visible (GTK_WIDGET (self->call_window), FALSE);
    }
}

static void
on_call_state (BlinkDbusCall1 *call, GParamSpec *pspec, BlinkDialerApplication *self)
{
  const char *path = g_dbus_proxy_get_object_path (G_DBUS_PROXY (call));
  Incoming *incoming = g_hash_table_lookup (self->incoming, path);
  const char *state = blink_dbus_call1_get_state (call);

  /* Answered here or by another client of blinkd: not missed. */
  if (incoming != NULL && g_strcmp0 (state, "ringing") != 0 && g_strcmp0 (state, "ended") != 0)
    incoming->handled = TRUE;
  update_calls (self);
}

static void
track_call (BlinkDialerApplication *self, BlinkDbusCall1 *call)
{
  const char *path = g_dbus_proxy_get_object_path (G_DBUS_PROXY (call));

  g_signal_connect_object (call, "notify::state", G_CALLBACK (on_call_state), self, 0);
  if (blink_dbus_call1_get_incoming (call) && !g_hash_table_contains (self->incoming, path))
    {
      Incoming *incoming = g_new0 (Incoming, 1);

      incoming->caller = g_strdup (blink_dbus_call1_get_caller (call));
      incoming->handled = g_strcmp0 (blink_dbus_call1_get_state (call), "ringing") != 0;
      g_hash_table_insert (self->incoming, g_strdup (path), incoming);
    }
}

/* GDBusObjectManagerClient replaces an object's interface proxy when the
 * interface is added again (an InterfacesAdded that crossed its first
 * GetManagedObjects does): the old proxy hears nothing any more, so the
 * new one is followed, and shown where the old one was. */
static void
on_interface_added (GDBusObject *object, GDBusInterface *interface, BlinkDialerApplication *self)
{
  if (!BLINK_DBUS_IS_CALL1 (interface))
    return;
  track_call (self, BLINK_DBUS_CALL1 (interface));
  update_calls (self);
}

/* Follows the call at @object, if it is one; returns whether it is. */
static gboolean
follow_object (BlinkDialerApplication *self, GDBusObject *object)
{
  g_autoptr (BlinkDbusCall1) call = blink_dbus_object_get_call1 (BLINK_DBUS_OBJECT (object));

  if (call == NULL)
    return FALSE;
  track_call (self, call);
  g_signal_connect_object (object, "interface-added", G_CALLBACK (on_interface_added), self, 0);
  return TRUE;
}

static void
on_object_added (GDBusObjectManager *objects, GDBusObject *object, BlinkDialerApplication *self)
{
  if (follow_object (self, object))
    update_calls (self);
}

static void
notify_missed (BlinkDialerApplication *self, const char *caller)
{
  g_autofree char *name = NULL;

  if (self->settings != NULL &&
      !g_settings_get_boolean (self->settings, "missed-call-notifications"))
    return;
  name = blink_contacts_display_name (self->contacts, caller);
  blink_notifier_missed (self->notifier, name, caller);
}

/* Whether blinkd keeps a history, which tells missed calls from those
 * declined by another of its clients: both go without a state we see. */
static gboolean
has_history (BlinkDialerApplication *self)
{
  g_autoptr (GVariant) missed = NULL;

  if (self->history == NULL)
    return FALSE;
  missed = g_dbus_proxy_get_cached_property (self->history, "MissedCount");
  return missed != NULL;
}

static void
on_history_signal (GDBusProxy *proxy,
                   const char *sender,
                   const char *signal_name,
                   GVariant *parameters,
                   BlinkDialerApplication *self)
{
  g_autoptr (GVariant) entry = NULL;
  g_autofree const char **participants = NULL;
  const char *direction, *outcome;

  if (!g_str_equal (signal_name, "CallRecorded") ||
      !g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(a{sv})")))
    return;
  entry = g_variant_get_child_value (parameters, 0);
  if (g_variant_lookup (entry, "direction", "&s", &direction) &&
      g_str_equal (direction, "incoming") && g_variant_lookup (entry, "outcome", "&s", &outcome) &&
      g_str_equal (outcome, "missed") &&
      g_variant_lookup (entry, "participants", "^a&s", &participants) && participants[0] != NULL)
    notify_missed (self, participants[0]);
}

static void
on_history_ready (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GError) error = NULL;
  GDBusProxy *history = g_dbus_proxy_new_finish (result, &error);
  BlinkDialerApplication *self;

  if (history == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("No call history: %s", error->message);
      return;
    }
  self = BLINK_DIALER_APPLICATION (user_data);
  self->history = history;
  g_signal_connect_object (history, "g-signal", G_CALLBACK (on_history_signal), self, 0);
}

static void
on_object_removed (GDBusObjectManager *objects, GDBusObject *object, BlinkDialerApplication *self)
{
  const char *path = g_dbus_object_get_object_path (object);
  Incoming *incoming = g_hash_table_lookup (self->incoming, path);

  blink_notifier_stop_ringing (self->notifier, path);
  /* Without a history: gone without being answered or declined here. */
  if (incoming != NULL && !incoming->handled && incoming->caller != NULL && !has_history (self))
    notify_missed (self, incoming->caller);
  g_hash_table_remove (self->incoming, path);
  if (g_strcmp0 (path, self->offered) == 0)
    g_clear_pointer (&self->offered, g_free);
  if (self->call_window != NULL)
    {
      BlinkDbusCall1 *shown = blink_call_window_get_call (self->call_window);

      if (shown != NULL &&
          g_strcmp0 (g_dbus_proxy_get_object_path (G_DBUS_PROXY (shown)), path) == 0)
        blink_call_window_set_call (self->call_window, NULL);
    }
  update_calls (self);
}

static void replay_pending (BlinkDialerApplication *self);

static void
on_manager_changed (BlinkDbusManager1 *manager, GParamSpec *pspec, BlinkDialerApplication *self)
{
  GAction *mute = g_action_map_lookup_action (G_ACTION_MAP (self), "mute");
  GAction *deafen = g_action_map_lookup_action (G_ACTION_MAP (self), "deafen");

  g_simple_action_set_state (G_SIMPLE_ACTION (mute),
                             g_variant_new_boolean (blink_dbus_manager1_get_muted (manager)));
  GAction *who_may_ring = g_action_map_lookup_action (G_ACTION_MAP (self), "who-may-ring");
  GAction *audio_test = g_action_map_lookup_action (G_ACTION_MAP (self), "audio-test");
  const char *policy = blink_dbus_manager1_get_who_may_ring (manager);

  g_simple_action_set_state (G_SIMPLE_ACTION (deafen),
                             g_variant_new_boolean (blink_dbus_manager1_get_deafened (manager)));
  if (policy != NULL)
    g_simple_action_set_state (G_SIMPLE_ACTION (who_may_ring), g_variant_new_string (policy));
  g_simple_action_set_state (G_SIMPLE_ACTION (audio_test),
                             g_variant_new_boolean (blink_dbus_manager1_get_audio_test (manager)));
  update_calls (self);
}

static void
on_objects_ready (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GError) error = NULL;
  GDBusObjectManager *objects =
      blink_dbus_object_manager_client_new_for_bus_finish (result, &error);
  BlinkDialerApplication *self;
  GList *list;

  if (objects == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_warning ("Cannot follow blinkd's calls: %s", error->message);
      return;
    }
  self = BLINK_DIALER_APPLICATION (user_data);
  self->objects = objects;
  g_signal_connect_object (objects, "object-added", G_CALLBACK (on_object_added), self, 0);
  g_signal_connect_object (objects, "object-removed", G_CALLBACK (on_object_removed), self, 0);
  list = g_dbus_object_manager_get_objects (objects);
  for (GList *l = list; l != NULL; l = l->next)
    follow_object (self, l->data);
  g_list_free_full (list, g_object_unref);
  update_calls (self);
  replay_pending (self);
}

static void
on_audio_processing_set (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (BlinkDialerApplication) self = user_data;
  g_autoptr (GError) error = NULL;

  if (!blink_dbus_manager1_call_set_audio_processing_finish (BLINK_DBUS_MANAGER1 (source), result,
                                                             &error))
    report_error (self, _ ("Voice Processing Was Not Changed"), error);
}

static void
send_audio_processing (BlinkDialerApplication *self, const char *const *parts)
{
  blink_dbus_manager1_call_set_audio_processing (self->manager, parts, self->cancellable,
                                                 on_audio_processing_set, g_object_ref (self));
}

static void
on_manager_ready (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GError) error = NULL;
  BlinkDbusManager1 *manager = blink_dbus_manager1_proxy_new_finish (result, &error);
  BlinkDialerApplication *self;

  if (manager == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_warning ("Cannot reach blinkd: %s", error->message);
      return;
    }
  self = BLINK_DIALER_APPLICATION (user_data);
  self->manager = manager;
  g_signal_connect_object (manager, "notify::muted", G_CALLBACK (on_manager_changed), self, 0);
  g_signal_connect_object (manager, "notify::deafened", G_CALLBACK (on_manager_changed), self, 0);
  g_signal_connect_object (manager, "notify::who-may-ring", G_CALLBACK (on_manager_changed), self,
                           0);
  g_signal_connect_object (manager, "notify::audio-test", G_CALLBACK (on_manager_changed), self, 0);
  g_signal_connect_object (manager, "notify::active-call", G_CALLBACK (on_manager_changed), self,
                           0);
  on_manager_changed (manager, NULL, self);
  if (self->main_window != NULL)
    blink_main_window_set_manager (self->main_window, manager);
  /* The user's choice, once made here, holds over blinkd's options. */
  if (self->settings != NULL)
    {
      g_autoptr (GVariant) chosen = g_settings_get_user_value (self->settings, "audio-processing");

      if (chosen != NULL)
        {
          g_autofree const char **parts = g_variant_get_strv (chosen, NULL);

          send_audio_processing (self, parts);
        }
    }
  replay_pending (self);
}

/* Actions */

/* Whether blinkd's proxies are there; if not, the activation is kept for then. */
static gboolean
ready_or_wait (BlinkDialerApplication *self, const char *action, GVariant *parameter)
{
  if (self->manager != NULL && self->objects != NULL)
    return TRUE;
  g_ptr_array_add (self->pending, g_variant_ref_sink (g_variant_new ("(smv)", action, parameter)));
  return FALSE;
}

static void
replay_pending (BlinkDialerApplication *self)
{
  g_autoptr (GPtrArray) pending = NULL;

  if (self->manager == NULL || self->objects == NULL)
    return;
  pending = g_steal_pointer (&self->pending);
  self->pending = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
  for (guint i = 0; i < pending->len; i++)
    {
      const char *action;
      g_autoptr (GVariant) parameter = NULL;

      g_variant_get (pending->pdata[i], "(&smv)", &action, &parameter);
      g_action_group_activate_action (G_ACTION_GROUP (self), action, parameter);
    }
}

static void
on_offered (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (BlinkDialerApplication) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autofree char *path = NULL;

  if (!blink_dbus_manager1_call_offer_finish (BLINK_DBUS_MANAGER1 (source), &path, result, &error))
    {
      report_error (self, _ ("The Call Could Not Be Made"), error);
      return;
    }
  g_free (self->offered);
  self->offered = g_steal_pointer (&path);
  update_calls (self);
}

/* app.call: one address or blink: link, or several separated by spaces (a group call). */
static void
call_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  BlinkDialerApplication *self = BLINK_DIALER_APPLICATION (user_data);
  g_auto (GStrv) words = NULL;
  g_autoptr (GPtrArray) dids = g_ptr_array_new_with_free_func (g_free);

  if (!ready_or_wait (self, "call", parameter))
    return;
  words = g_strsplit_set (g_variant_get_string (parameter, NULL), " \t\n,", -1);
  for (guint i = 0; words[i] != NULL; i++)
    {
      char *did;

      if (*words[i] == '\0')
        continue;
      did = blink_address_from_text (words[i], NULL);
      if (did == NULL)
        {
          g_autofree char *body =
              g_strdup_printf (_ ("“%s” is not a Blink address. Addresses start with did:key:z, "
                                  "links with blink:did:key:z."),
                               words[i]);

          blink_dialer_application_report (self, _ ("The Call Could Not Be Made"), body);
          return;
        }
      g_ptr_array_add (dids, did);
    }
  if (dids->len == 0)
    return;
  g_ptr_array_add (dids, NULL);
  blink_dbus_manager1_call_offer (self->manager, (const char *const *) dids->pdata,
                                  self->cancellable, on_offered, g_object_ref (self));
}

static void
on_call_method_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (BlinkDialerApplication) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply = g_dbus_proxy_call_finish (G_DBUS_PROXY (source), result, &error);

  if (reply == NULL)
    report_error (self, _ ("The Call Did Not Change"), error);
}

static void
call_method (BlinkDialerApplication *self, BlinkDbusCall1 *call, const char *method)
{
  g_dbus_proxy_call (G_DBUS_PROXY (call), method, NULL, G_DBUS_CALL_FLAGS_NONE, -1,
                     self->cancellable, on_call_method_done, g_object_ref (self));
}

static void
answer_or_decline (BlinkDialerApplication *self,
                   const char *action,
                   GVariant *parameter,
                   const char *method)
{
  const char *path;
  g_autoptr (BlinkDbusCall1) call = NULL;
  Incoming *incoming;

  if (!ready_or_wait (self, action, parameter))
    return;
  path = g_variant_get_string (parameter, NULL);
  call = lookup_call (self, path);
  if (call == NULL)
    {
      blink_dialer_application_report (self, _ ("The Call Is Over"),
                                       _ ("The caller hung up or the call stopped ringing."));
      return;
    }
  incoming = g_hash_table_lookup (self->incoming, path);
  if (incoming != NULL)
    incoming->handled = TRUE;
  blink_notifier_stop_ringing (self->notifier, path);
  call_method (self, call, method);
  if (g_str_equal (method, "Accept"))
    {
      blink_call_window_set_call (get_call_window (self), call);
      gtk_window_present (GTK_WINDOW (self->call_window));
    }
  else
    update_calls (self);
}

static void
answer_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  answer_or_decline (user_data, "answer", parameter, "Accept");
}

static void
decline_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  answer_or_decline (user_data, "decline", parameter, "Decline");
}

/* app.hangup: leaves the call the call window shows, whatever its state. */
static void
hangup_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  BlinkDialerApplication *self = BLINK_DIALER_APPLICATION (user_data);
  BlinkDbusCall1 *call;
  const char *state;

  if (!ready_or_wait (self, "hangup", parameter))
    return;
  call = self->call_window != NULL ? blink_call_window_get_call (self->call_window) : NULL;
  if (call == NULL)
    {
      blink_dbus_manager1_call_hangup (self->manager, NULL, NULL, NULL);
      return;
    }
  state = blink_dbus_call1_get_state (call);
  if (g_strcmp0 (state, "ringing") == 0)
    {
      g_autoptr (GVariant) path = g_variant_ref_sink (
          g_variant_new_string (g_dbus_proxy_get_object_path (G_DBUS_PROXY (call))));

      if (blink_dbus_call1_get_incoming (call))
        answer_or_decline (self, "decline", path, "Decline");
      else
        call_method (self, call, "Cancel");
    }
  else
    call_method (self, call, "Hangup");
}

/* The call window showing the active call, or NULL when there is none. */
static BlinkCallWindow *
active_call_window (BlinkDialerApplication *self)
{
  const char *active = blink_dbus_manager1_get_active_call (self->manager);
  g_autoptr (BlinkDbusCall1) call = NULL;

  if (active == NULL || g_strcmp0 (active, "/") == 0)
    return NULL;
  call = lookup_call (self, active);
  if (call == NULL)
    return NULL;
  blink_call_window_set_call (get_call_window (self), call);
  return self->call_window;
}

/* app.add-someone: asks whom to add to the active call (the call window's button). */
static void
add_someone_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  BlinkDialerApplication *self = BLINK_DIALER_APPLICATION (user_data);
  BlinkCallWindow *window;

  if (!ready_or_wait (self, "add-someone", parameter))
    return;
  window = active_call_window (self);
  if (window != NULL)
    {
      gtk_window_present (GTK_WINDOW (window));
      blink_call_window_ask_invite (window);
    }
}

/* app.invite ['address', …]: adds them to the active call (Call1.Invite);
 * addresses or blink: links. The picker's Add comes here too. */
static void
invite_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  BlinkDialerApplication *self = BLINK_DIALER_APPLICATION (user_data);
  g_autofree const char **words = NULL;
  g_autoptr (GPtrArray) dids = g_ptr_array_new_with_free_func (g_free);
  BlinkCallWindow *window;

  if (!ready_or_wait (self, "invite", parameter))
    return;
  window = active_call_window (self);
  if (window == NULL)
    {
      blink_dialer_application_report (self, _ ("Nobody Was Added"),
                                       _ ("You are in no call to add them to."));
      return;
    }
  words = g_variant_get_strv (parameter, NULL);
  for (guint i = 0; words[i] != NULL; i++)
    {
      char *did = blink_address_from_text (words[i], NULL);

      if (did == NULL)
        {
          g_autofree char *text = g_strdup_printf (_ ("“%s” is not a Blink address"), words[i]);

          blink_call_window_show_toast (window, text);
          return;
        }
      g_ptr_array_add (dids, did);
    }
  if (dids->len == 0)
    return;
  g_ptr_array_add (dids, NULL);
  blink_call_window_invite (window, (const char *const *) dids->pdata);
}

static void
mute_change_state (GSimpleAction *action, GVariant *value, gpointer user_data)
{
  BlinkDialerApplication *self = BLINK_DIALER_APPLICATION (user_data);

  if (self->manager == NULL)
    return;
  /* The state follows blinkd's Muted when it has changed. */
  blink_dbus_manager1_call_set_muted (self->manager, g_variant_get_boolean (value), NULL, NULL,
                                      NULL);
}

static void
deafen_change_state (GSimpleAction *action, GVariant *value, gpointer user_data)
{
  BlinkDialerApplication *self = BLINK_DIALER_APPLICATION (user_data);

  if (self->manager == NULL)
    return;
  blink_dbus_manager1_call_set_deafened (self->manager, g_variant_get_boolean (value), NULL, NULL,
                                         NULL);
}

static void
on_who_may_ring_set (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (BlinkDialerApplication) self = user_data;
  g_autoptr (GError) error = NULL;

  if (!blink_dbus_manager1_call_set_who_may_ring_finish (BLINK_DBUS_MANAGER1 (source), result,
                                                         &error))
    report_error (self, _ ("Who May Ring Was Not Changed"), error);
  /* The state is blinkd's, changed or not. */
  on_manager_changed (self->manager, NULL, self);
}

/* app.audio-processing ['echo-cancellation', …]: kept in GSettings, and
 * Manager1.SetAudioProcessing for the calls to come. */
static void
audio_processing_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  BlinkDialerApplication *self = BLINK_DIALER_APPLICATION (user_data);
  g_autofree const char **parts = g_variant_get_strv (parameter, NULL);

  if (self->settings != NULL)
    g_settings_set_strv (self->settings, "audio-processing", parts);
  if (!ready_or_wait (self, "audio-processing", parameter))
    return;
  send_audio_processing (self, parts);
}

/* app.who-may-ring 'everyone'|'contacts'|'nobody': Manager1.SetWhoMayRing. */
static void
who_may_ring_change_state (GSimpleAction *action, GVariant *value, gpointer user_data)
{
  BlinkDialerApplication *self = BLINK_DIALER_APPLICATION (user_data);

  if (!ready_or_wait (self, "who-may-ring", value))
    return;
  blink_dbus_manager1_call_set_who_may_ring (self->manager, g_variant_get_string (value, NULL),
                                             self->cancellable, on_who_may_ring_set,
                                             g_object_ref (self));
}

static void
on_audio_test_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (BlinkDialerApplication) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply = g_dbus_proxy_call_finish (G_DBUS_PROXY (source), result, &error);

  if (reply == NULL)
    report_error (self, _ ("The Sound Test Did Not Start"), error);
  on_manager_changed (self->manager, NULL, self);
}

/* app.audio-test: blinkd's test tone on the speaker and the microphone's level. */
static void
audio_test_change_state (GSimpleAction *action, GVariant *value, gpointer user_data)
{
  BlinkDialerApplication *self = BLINK_DIALER_APPLICATION (user_data);

  if (self->manager == NULL)
    return;
  g_dbus_proxy_call (G_DBUS_PROXY (self->manager),
                     g_variant_get_boolean (value) ? "StartAudioTest" : "StopAudioTest", NULL,
                     G_DBUS_CALL_FLAGS_NONE, -1, self->cancellable, on_audio_test_done,
                     g_object_ref (self));
}

/* app.selection-mode: contacts picked for a group call (toggles, as its button does). */
static void
selection_mode_change_state (GSimpleAction *action, GVariant *value, gpointer user_data)
{
  BlinkDialerApplication *self = BLINK_DIALER_APPLICATION (user_data);
  BlinkMainWindow *window = get_main_window (self);

  blink_main_window_set_selection_mode (window, g_variant_get_boolean (value));
  g_simple_action_set_state (action, value);
  gtk_window_present (GTK_WINDOW (window));
}

/* app.pick-contact 'did': a click on a contact's row in the picker of whom
 * to add to the call while it is shown, else in selection mode. */
static void
pick_contact_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  BlinkDialerApplication *self = BLINK_DIALER_APPLICATION (user_data);
  const char *did = g_variant_get_string (parameter, NULL);
  BlinkInviteDialog *picker =
      self->call_window != NULL ? blink_call_window_get_invite_dialog (self->call_window) : NULL;

  if (picker != NULL)
    blink_invite_dialog_pick (picker, did);
  else if (self->main_window != NULL)
    blink_main_window_pick_contact (self->main_window, did);
}

/* app.call-selected: one call to everyone picked, and selection mode ends. */
static void
call_selected_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  BlinkDialerApplication *self = BLINK_DIALER_APPLICATION (user_data);
  g_auto (GStrv) picked = NULL;
  g_autofree char *joined = NULL;

  if (self->main_window == NULL)
    return;
  picked = blink_main_window_get_picked (self->main_window);
  if (picked[0] == NULL)
    return;
  joined = g_strjoinv (" ", picked);
  g_action_group_change_action_state (G_ACTION_GROUP (self), "selection-mode",
                                      g_variant_new_boolean (FALSE));
  g_action_group_activate_action (G_ACTION_GROUP (self), "call", g_variant_new_string (joined));
}

static void
show_call_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  BlinkDialerApplication *self = BLINK_DIALER_APPLICATION (user_data);
  g_autoptr (BlinkDbusCall1) call = NULL;

  if (!ready_or_wait (self, "show-call", parameter))
    return;
  call = lookup_call (self, g_variant_get_string (parameter, NULL));
  if (call == NULL)
    {
      gtk_window_present (GTK_WINDOW (get_main_window (self)));
      return;
    }
  blink_call_window_set_call (get_call_window (self), call);
  gtk_window_present (GTK_WINDOW (self->call_window));
}

static void
show_page_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  BlinkDialerApplication *self = BLINK_DIALER_APPLICATION (user_data);
  BlinkMainWindow *window = get_main_window (self);

  blink_main_window_show_page (window, g_variant_get_string (parameter, NULL));
  gtk_window_present (GTK_WINDOW (window));
}

static void
on_contact_added (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (BlinkDialerApplication) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply = blink_contacts_call_finish (BLINK_CONTACTS (source), result, &error);

  if (reply == NULL)
    report_error (self, _ ("The Contact Was Not Added"), error);
}

/* app.add-contact ('did', 'name'): adds (or renames) a contact without asking. */
static void
add_contact_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  BlinkDialerApplication *self = BLINK_DIALER_APPLICATION (user_data);
  const char *text, *name;
  g_autofree char *did = NULL;

  g_variant_get (parameter, "(&s&s)", &text, &name);
  did = blink_address_from_text (text, NULL);
  if (did == NULL)
    {
      g_autofree char *body = g_strdup_printf (
          _ ("“%s” is not a Blink address. Addresses start with did:key:z."), text);

      blink_dialer_application_report (self, _ ("The Contact Was Not Added"), body);
      return;
    }
  blink_contacts_call (self->contacts, "Add", g_variant_new ("(ss)", did, name), on_contact_added,
                       g_object_ref (self));
}

/* app.open-link 'blink:…': as the desktop opening the link, asks to add the contact. */
static void
open_link_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  BlinkDialerApplication *self = BLINK_DIALER_APPLICATION (user_data);
  BlinkMainWindow *window = get_main_window (self);

  gtk_window_present (GTK_WINDOW (window));
  blink_main_window_show_page (window, "contacts");
  blink_main_window_ask_add_contact (window, g_variant_get_string (parameter, NULL));
}

static void
preferences_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  BlinkDialerApplication *self = BLINK_DIALER_APPLICATION (user_data);

  if (self->preferences == NULL)
    {
      self->preferences = blink_preferences_window_new (GTK_APPLICATION (self));
      g_object_add_weak_pointer (G_OBJECT (self->preferences), (gpointer *) &self->preferences);
    }
  if (self->main_window != NULL && gtk_widget_get_visible (GTK_WIDGET (self->main_window)))
    gtk_window_set_transient_for (GTK_WINDOW (self->preferences), GTK_WINDOW (self->main_window));
  gtk_window_present (GTK_WINDOW (self->preferences));
}

static void
about_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  BlinkDialerApplication *self = BLINK_DIALER_APPLICATION (user_data);
  GtkWindow *parent = gtk_application_get_active_window (GTK_APPLICATION (self));

  adw_show_about_window (parent, "application-name", _ ("Blink"), "application-icon",
                         "im.blink.Dialer", "version", PACKAGE_VERSION, "comments",
                         _ ("Private calls, peer to peer and end-to-end encrypted"), "license-type",
                         GTK_LICENSE_LGPL_2_1, NULL);
}

static void
quit_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  BlinkDialerApplication *self = BLINK_DIALER_APPLICATION (user_data);

  if (self->held)
    {
      self->held = FALSE;
      g_application_release (G_APPLICATION (self));
    }
  if (self->main_window != NULL)
    gtk_window_destroy (GTK_WINDOW (self->main_window));
  if (self->call_window != NULL)
    gtk_window_destroy (GTK_WINDOW (self->call_window));
}

/* Debug actions, for the tests: what the windows show, and their pictures. */

/* The message dialog shown, the newest if several: dialogs are transient
 * for a window, not the app's, so among all toplevels. */
static AdwMessageDialog *
shown_dialog (void)
{
  g_autoptr (GList) toplevels = gtk_window_list_toplevels ();

  for (GList *l = toplevels; l != NULL; l = l->next)
    if (ADW_IS_MESSAGE_DIALOG (l->data) && gtk_widget_get_visible (l->data))
      return l->data;
  return NULL;
}

static void
debug_dump_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  BlinkDialerApplication *self = BLINK_DIALER_APPLICATION (user_data);
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (JsonGenerator) generator = json_generator_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *path = g_strdup (g_variant_get_string (parameter, NULL));
  g_autofree char *partial = g_strconcat (path, ".part", NULL);
  GtkWindow *window;
  GList *toplevels;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "ready");
  json_builder_add_boolean_value (builder, self->manager != NULL && self->objects != NULL);
  json_builder_set_member_name (builder, "focus");
  window = NULL;
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (self)); l != NULL && !window;
       l = l->next)
    if (gtk_widget_get_visible (l->data) && gtk_window_is_active (l->data))
      window = l->data;
  blink_debug_dump_focus (window, builder);
  json_builder_set_member_name (builder, "ringing-notifications");
  json_builder_add_int_value (builder, blink_notifier_get_ringing (self->notifier));
  json_builder_set_member_name (builder, "main");
  if (self->main_window != NULL)
    blink_main_window_dump (self->main_window, builder);
  else
    json_builder_add_null_value (builder);
  json_builder_set_member_name (builder, "call");
  if (self->call_window != NULL)
    blink_call_window_dump (self->call_window, builder);
  else
    json_builder_add_null_value (builder);
  json_builder_set_member_name (builder, "dialogs");
  json_builder_begin_array (builder);
  /* Dialogs are transient for a window, not the app's: all toplevels. */
  toplevels = gtk_window_list_toplevels ();
  for (GList *l = toplevels; l != NULL; l = l->next)
    if (ADW_IS_MESSAGE_DIALOG (l->data) && gtk_widget_get_visible (l->data))
      blink_debug_dump_message_dialog (l->data, builder);
  g_list_free (toplevels);
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "preferences");
  if (self->preferences != NULL && gtk_widget_get_visible (GTK_WIDGET (self->preferences)))
    blink_preferences_window_dump (self->preferences, builder);
  else
    json_builder_add_null_value (builder);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  /* Written whole, then renamed: a reader never sees half of it. */
  if (!json_generator_to_file (generator, partial, &error) || g_rename (partial, path) != 0)
    g_warning ("Cannot write %s: %s", path, error != NULL ? error->message : g_strerror (errno));
}

static void
debug_screenshot_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  BlinkDialerApplication *self = BLINK_DIALER_APPLICATION (user_data);
  const char *which, *path;
  GtkWidget *window = NULL;
  g_autoptr (GError) error = NULL;

  g_variant_get (parameter, "(&s&s)", &which, &path);
  if (g_str_equal (which, "main"))
    window = GTK_WIDGET (self->main_window);
  else if (g_str_equal (which, "call"))
    window = GTK_WIDGET (self->call_window);
  else if (g_str_equal (which, "preferences"))
    window = GTK_WIDGET (self->preferences);
  else if (g_str_equal (which, "dialog"))
    window = GTK_WIDGET (shown_dialog ());
  else
    window = GTK_WIDGET (gtk_application_get_active_window (GTK_APPLICATION (self)));
  if (window == NULL)
    {
      g_warning ("No window %s to take a picture of", which);
      return;
    }
  if (!blink_debug_save_screenshot (window, path, &error))
    g_warning ("No picture of %s: %s", which, error->message);
}

/* debug-respond 'RESPONSE': the newest message dialog shown answers, as if
 * clicked; a button not enabled cannot be. */
static void
debug_respond_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  const char *response = g_variant_get_string (parameter, NULL);
  AdwMessageDialog *dialog = shown_dialog ();

  if (dialog == NULL)
    g_warning ("No dialog to answer %s", response);
  else if (!adw_message_dialog_has_response (dialog, response))
    g_warning ("The dialog has no response %s", response);
  else if (!adw_message_dialog_get_response_enabled (dialog, response))
    g_warning ("The dialog's response %s is not enabled", response);
  else
    {
      /* A click answers, then closes the dialog. */
      adw_message_dialog_response (dialog, response);
      gtk_window_close (GTK_WINDOW (dialog));
    }
}

static const GActionEntry app_actions[] = {
  { "call", call_activated, "s" },
  { "answer", answer_activated, "s" },
  { "decline", decline_activated, "s" },
  { "hangup", hangup_activated },
  { "add-someone", add_someone_activated },
  { "invite", invite_activated, "as" },
  { "mute", NULL, NULL, "false", mute_change_state },
  { "deafen", NULL, NULL, "false", deafen_change_state },
  { "who-may-ring", NULL, "s", "'everyone'", who_may_ring_change_state },
  { "audio-processing", audio_processing_activated, "as" },
  { "audio-test", NULL, NULL, "false", audio_test_change_state },
  { "show-call", show_call_activated, "s" },
  { "show-page", show_page_activated, "s" },
  { "add-contact", add_contact_activated, "(ss)" },
  { "selection-mode", NULL, NULL, "false", selection_mode_change_state },
  { "pick-contact", pick_contact_activated, "s" },
  { "call-selected", call_selected_activated },
  { "open-link", open_link_activated, "s" },
  { "preferences", preferences_activated },
  { "about", about_activated },
  { "quit", quit_activated },
};

static const GActionEntry debug_actions[] = {
  { "debug-dump", debug_dump_activated, "s" },
  { "debug-screenshot", debug_screenshot_activated, "(ss)" },
  { "debug-respond", debug_respond_activated, "s" },
};

static void
blink_dialer_application_startup (GApplication *application)
{
  BlinkDialerApplication *self = BLINK_DIALER_APPLICATION (application);
  static const char *quit_accels[] = { "<Control>q", NULL };
  static const char *close_accels[] = { "<Control>w", NULL };
  static const char *mute_accels[] = { "<Control>m", NULL };
  static const char *deafen_accels[] = { "<Control>d", NULL };
  static const char *preferences_accels[] = { "<Control>comma", NULL };
  g_autoptr (GError) error = NULL;

  G_APPLICATION_CLASS (blink_dialer_application_parent_class)->startup (application);

  g_action_map_add_action_entries (G_ACTION_MAP (self), app_actions, G_N_ELEMENTS (app_actions),
                                   self);
  /* Until there is a call to add someone to (update_calls). */
  g_simple_action_set_enabled (
      G_SIMPLE_ACTION (g_action_map_lookup_action (G_ACTION_MAP (self), "add-someone")), FALSE);
  if (g_strcmp0 (g_getenv ("BLINK_DIALER_DEBUG"), "1") == 0)
    g_action_map_add_action_entries (G_ACTION_MAP (self), debug_actions,
                                     G_N_ELEMENTS (debug_actions), self);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.quit", quit_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "window.close", close_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.mute", mute_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.deafen", deafen_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.preferences",
                                         preferences_accels);

  self->bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  if (self->bus == NULL)
    {
      g_critical ("No session bus: %s", error->message);
      return;
    }
  self->contacts = blink_contacts_new (self->bus);
  {
    GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
    g_autoptr (GSettingsSchema) schema =
        source != NULL ? g_settings_schema_source_lookup (source, "im.blink.Dialer", TRUE) : NULL;

    if (schema != NULL)
      self->settings = g_settings_new ("im.blink.Dialer");
  }
  self->notifier = blink_notifier_new (application);
  blink_dbus_manager1_proxy_new (self->bus, G_DBUS_PROXY_FLAGS_NONE, BUS_NAME, OBJECT_PATH,
                                 self->cancellable, on_manager_ready, self);
  blink_dbus_object_manager_client_new (self->bus, G_DBUS_OBJECT_MANAGER_CLIENT_FLAGS_NONE,
                                        BUS_NAME, OBJECT_PATH, self->cancellable, on_objects_ready,
                                        self);
  g_dbus_proxy_new (self->bus, G_DBUS_PROXY_FLAGS_DO_NOT_AUTO_START, NULL, BUS_NAME, OBJECT_PATH,
                    HISTORY_INTERFACE, self->cancellable, on_history_ready, self);

  /* Calls ring with every window closed: the app stays until app.quit. */
  g_application_hold (application);
  self->held = TRUE;
}

static void
blink_dialer_application_activate (GApplication *application)
{
  BlinkDialerApplication *self = BLINK_DIALER_APPLICATION (application);

  gtk_window_present (GTK_WINDOW (get_main_window (self)));
}

/* blink: links ask to add the contact; they never call by themselves. */
static void
blink_dialer_application_open (GApplication *application,
                               GFile **files,
                               int n_files,
                               const char *hint)
{
  for (int i = 0; i < n_files; i++)
    {
      g_autofree char *uri = g_file_get_uri (files[i]);

      if (g_str_has_prefix (uri, "blink:"))
        g_action_group_activate_action (G_ACTION_GROUP (application), "open-link",
                                        g_variant_new_string (uri));
      else
        gtk_window_present (GTK_WINDOW (get_main_window (BLINK_DIALER_APPLICATION (application))));
    }
}

static void
blink_dialer_application_shutdown (GApplication *application)
{
  BlinkDialerApplication *self = BLINK_DIALER_APPLICATION (application);

  g_cancellable_cancel (self->cancellable);
  G_APPLICATION_CLASS (blink_dialer_application_parent_class)->shutdown (application);
}

static void
blink_dialer_application_dispose (GObject *object)
{
  BlinkDialerApplication *self = BLINK_DIALER_APPLICATION (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->objects);
  g_clear_object (&self->history);
  g_clear_object (&self->manager);
  g_clear_object (&self->contacts);
  g_clear_object (&self->notifier);
  g_clear_object (&self->settings);
  g_clear_object (&self->bus);
  g_clear_object (&self->cancellable);
  G_OBJECT_CLASS (blink_dialer_application_parent_class)->dispose (object);
}

static void
blink_dialer_application_finalize (GObject *object)
{
  BlinkDialerApplication *self = BLINK_DIALER_APPLICATION (object);

  g_ptr_array_unref (self->pending);
  g_hash_table_unref (self->incoming);
  g_free (self->offered);
  G_OBJECT_CLASS (blink_dialer_application_parent_class)->finalize (object);
}

static void
blink_dialer_application_class_init (BlinkDialerApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->dispose = blink_dialer_application_dispose;
  object_class->finalize = blink_dialer_application_finalize;
  app_class->startup = blink_dialer_application_startup;
  app_class->activate = blink_dialer_application_activate;
  app_class->open = blink_dialer_application_open;
  app_class->shutdown = blink_dialer_application_shutdown;
}

static void
blink_dialer_application_init (BlinkDialerApplication *self)
{
  self->cancellable = g_cancellable_new ();
  self->pending = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
  self->incoming = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, incoming_free);
}

BlinkDialerApplication *
blink_dialer_application_new (void)
{
  return g_object_new (BLINK_TYPE_DIALER_APPLICATION, "application-id", "im.blink.Dialer", "flags",
                       G_APPLICATION_HANDLES_OPEN, "resource-base-path", "/im/blink/Dialer", NULL);
}

GDBusConnection *
blink_dialer_application_get_bus (BlinkDialerApplication *self)
{
  g_return_val_if_fail (BLINK_IS_DIALER_APPLICATION (self), NULL);

  return self->bus;
}

/* blinkd's manager, or NULL until its proxy is made. */
BlinkDbusManager1 *
blink_dialer_application_get_manager (BlinkDialerApplication *self)
{
  g_return_val_if_fail (BLINK_IS_DIALER_APPLICATION (self), NULL);

  return self->manager;
}

BlinkContacts *
blink_dialer_application_get_contacts (BlinkDialerApplication *self)
{
  g_return_val_if_fail (BLINK_IS_DIALER_APPLICATION (self), NULL);

  return self->contacts;
}

/* The app's own settings, or NULL when their schema is not installed. */
GSettings *
blink_dialer_application_get_settings (BlinkDialerApplication *self)
{
  g_return_val_if_fail (BLINK_IS_DIALER_APPLICATION (self), NULL);

  return self->settings;
}

/* Tells the user something went wrong, over the window they see. */
void
blink_dialer_application_report (BlinkDialerApplication *self,
                                 const char *heading,
                                 const char *body)
{
  GtkWindow *parent;
  GtkWidget *dialog;

  g_return_if_fail (BLINK_IS_DIALER_APPLICATION (self));

  parent = gtk_application_get_active_window (GTK_APPLICATION (self));
  if (parent == NULL || !gtk_widget_get_visible (GTK_WIDGET (parent)) ||
      parent == GTK_WINDOW (self->call_window))
    {
      parent = GTK_WINDOW (get_main_window (self));
      gtk_window_present (parent);
    }
  dialog = adw_message_dialog_new (parent, heading, body);
  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _ ("_Close"));
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "close");
  gtk_window_present (GTK_WINDOW (dialog));
}
