/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "blink-call-window"

#include "config.h"

#include <glib/gi18n.h>

#include "blink-call-window.h"
#include "blink-contacts.h"
#include "blink-dialer-application.h"
#include "blink-invite-dialog.h"
#include "blink-participant-row.h"

/*
 * BlinkCallWindow: the window of one call, shown only while there is one:
 * the ringing page of an incoming call (Answer, Decline), then the
 * participants, the verification code, mute, deafen and hang up, and a
 * button to add someone. Everything it shows comes from the call's D-Bus
 * object; what the user does goes through the application's actions
 * (app.answer, app.mute, app.invite…), as a notification's buttons would.
 * What went wrong with the call shows as a toast over it.
 */

/* Call1.Invite's limit (data/im.blink.Blink1.xml), us included. */
#define MAX_PEOPLE 16

struct _BlinkCallWindow
{
  AdwApplicationWindow parent_instance;

  AdwWindowTitle *window_title;
  GtkButton *add_button;
  AdwToastOverlay *toast_overlay;
  GtkStack *stack;
  AdwStatusPage *ringing_page;
  GtkButton *answer_button;
  GtkButton *decline_button;
  GtkRevealer *recording_revealer;
  GtkLabel *recording_label;
  GtkRevealer *verification_revealer;
  GtkLabel *verification_heading;
  GtkLabel *verification_code;
  GtkListBox *participants_list;

  BlinkDbusCall1 *call;
  /* did → BlinkParticipantRow, owned by the list */
  GHashTable *rows;
  /* The address whose code is shown, and those the user checked in this call. */
  char *verifying;
  GHashTable *checked;
  gint64 started_at;
  guint tick_id;
  /* The picker of whom to add while it is shown (a weak pointer), and
   * the toast shown last, until it is dismissed. */
  BlinkInviteDialog *invite_dialog;
  AdwToast *toast;
};

G_DEFINE_FINAL_TYPE (BlinkCallWindow, blink_call_window, ADW_TYPE_APPLICATION_WINDOW)

static BlinkContacts *
get_contacts (BlinkCallWindow *self)
{
  GtkApplication *app = gtk_window_get_application (GTK_WINDOW (self));

  return blink_dialer_application_get_contacts (BLINK_DIALER_APPLICATION (app));
}

static char *
display_name (BlinkCallWindow *self, const char *did)
{
  BlinkContacts *contacts = get_contacts (self);

  return contacts != NULL ? blink_contacts_display_name (contacts, did) : blink_short_did (did);
}

static BlinkParticipantRow *
row_for (BlinkCallWindow *self, const char *did)
{
  return g_hash_table_lookup (self->rows, did);
}

/* Everybody the call lists, whatever their state: blinkd counts those who
 * left or declined as in the call, and invites none of them again;
 * NULL-terminated. */
static GStrv
get_in_call (BlinkCallWindow *self)
{
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
  GVariant *participants =
      self->call != NULL ? blink_dbus_call1_get_participants (self->call) : NULL;
  GVariantIter iter;
  const char *did;

  if (participants != NULL)
    {
      g_variant_iter_init (&iter, participants);
      while (g_variant_iter_next (&iter, "(&s&sbb)", &did, NULL, NULL, NULL))
        g_strv_builder_add (builder, did);
    }
  return g_strv_builder_end (builder);
}

static void
update_title (BlinkCallWindow *self)
{
  const char *state = blink_dbus_call1_get_state (self->call);
  g_autofree char *title = NULL;
  g_autofree char *subtitle = NULL;
  guint n = g_hash_table_size (self->rows);

  if (n == 1)
    {
      GHashTableIter iter;
      gpointer did;

      g_hash_table_iter_init (&iter, self->rows);
      g_hash_table_iter_next (&iter, &did, NULL);
      title = display_name (self, did);
    }
  else
    title = g_strdup_printf (
        g_dngettext (GETTEXT_PACKAGE, "Call with %u person", "Call with %u people", n), n);

  if (self->started_at != 0)
    {
      gint64 seconds = (g_get_monotonic_time () - self->started_at) / G_USEC_PER_SEC;

      if (seconds >= 3600)
        subtitle = g_strdup_printf ("%d:%02d:%02d", (int) (seconds / 3600),
                                    (int) (seconds / 60 % 60), (int) (seconds % 60));
      else
        subtitle = g_strdup_printf ("%02d:%02d", (int) (seconds / 60), (int) (seconds % 60));
    }
  else if (g_strcmp0 (state, "ringing") == 0)
    subtitle = g_strdup (blink_dbus_call1_get_incoming (self->call) ? _ ("Incoming call")
                                                                    : _ ("Calling…"));
  else if (g_strcmp0 (state, "ending") == 0 || g_strcmp0 (state, "ended") == 0)
    subtitle = g_strdup (_ ("Call ended"));
  else
    subtitle = g_strdup (_ ("Connecting…"));

  adw_window_title_set_title (self->window_title, title);
  adw_window_title_set_subtitle (self->window_title, subtitle);
  gtk_window_set_title (GTK_WINDOW (self), title);
}

static gboolean
on_tick (gpointer user_data)
{
  BlinkCallWindow *self = BLINK_CALL_WINDOW (user_data);

  update_title (self);
  return G_SOURCE_CONTINUE;
}

static void
update_ringing_page (BlinkCallWindow *self)
{
  const char *caller = blink_dbus_call1_get_caller (self->call);
  BlinkContacts *contacts = get_contacts (self);
  g_autofree char *name = NULL;
  const char *path = g_dbus_proxy_get_object_path (G_DBUS_PROXY (self->call));

  if (caller == NULL)
    caller = "";
  if (contacts != NULL)
    name = blink_contacts_lookup (contacts, caller, NULL);
  adw_status_page_set_title (self->ringing_page,
                             name != NULL && *name != '\0' ? name : _ ("Unknown Caller"));
  adw_status_page_set_description (self->ringing_page, caller);
  /* The target first: an action of type s named without one is refused
   * with a warning. */
  gtk_actionable_set_action_target (GTK_ACTIONABLE (self->answer_button), "s", path);
  gtk_actionable_set_action_target (GTK_ACTIONABLE (self->decline_button), "s", path);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (self->answer_button), "app.answer");
  gtk_actionable_set_action_name (GTK_ACTIONABLE (self->decline_button), "app.decline");
}

static void
update_state (BlinkCallWindow *self)
{
  const char *state = blink_dbus_call1_get_state (self->call);
  gboolean ringing_here =
      blink_dbus_call1_get_incoming (self->call) && g_strcmp0 (state, "ringing") == 0;

  /* Nobody to add to a call that rings here. */
  gtk_widget_set_visible (GTK_WIDGET (self->add_button), !ringing_here);
  if (ringing_here)
    {
      update_ringing_page (self);
      gtk_stack_set_visible_child_name (self->stack, "ringing");
      gtk_window_set_default_widget (GTK_WINDOW (self), GTK_WIDGET (self->answer_button));
      gtk_widget_grab_focus (GTK_WIDGET (self->answer_button));
    }
  else
    {
      gtk_stack_set_visible_child_name (self->stack, "call");
      gtk_window_set_default_widget (GTK_WINDOW (self), NULL);
    }

  if (g_strcmp0 (state, "started") == 0 && self->started_at == 0)
    {
      self->started_at = g_get_monotonic_time ();
      self->tick_id = g_timeout_add_seconds (1, on_tick, self);
    }
  else if ((g_strcmp0 (state, "ending") == 0 || g_strcmp0 (state, "ended") == 0))
    g_clear_handle_id (&self->tick_id, g_source_remove);
  update_title (self);
}

static void
on_row_volume_changed (BlinkParticipantRow *row, double volume, BlinkCallWindow *self)
{
  if (self->call == NULL)
    return;
  blink_dbus_call1_call_set_volume (self->call, blink_participant_row_get_did (row), volume, NULL,
                                    NULL, NULL);
}

static void
update_participants (BlinkCallWindow *self)
{
  GVariant *participants = blink_dbus_call1_get_participants (self->call);
  GVariantIter iter;
  const char *did, *state;
  gboolean muted, deafened;

  if (participants == NULL)
    return;
  g_variant_iter_init (&iter, participants);
  while (g_variant_iter_next (&iter, "(&s&sbb)", &did, &state, &muted, &deafened))
    {
      BlinkParticipantRow *row = row_for (self, did);
      g_autofree char *name = display_name (self, did);

      if (row == NULL)
        {
          row = BLINK_PARTICIPANT_ROW (blink_participant_row_new (did));
          g_signal_connect (row, "volume-changed", G_CALLBACK (on_row_volume_changed), self);
          gtk_list_box_append (self->participants_list, GTK_WIDGET (row));
          g_hash_table_insert (self->rows, g_strdup (did), row);
        }
      blink_participant_row_set_name (row, name);
      blink_participant_row_set_state (row, state, muted, deafened);
    }
  update_title (self);
}

static void
update_speaking (BlinkCallWindow *self)
{
  const char *const *speaking = blink_dbus_call1_get_speaking (self->call);
  GHashTableIter iter;
  gpointer did, row;

  g_hash_table_iter_init (&iter, self->rows);
  while (g_hash_table_iter_next (&iter, &did, &row))
    blink_participant_row_set_speaking (row, speaking != NULL && g_strv_contains (speaking, did));
}

static void
update_volumes (BlinkCallWindow *self)
{
  GVariant *volumes = blink_dbus_call1_get_volumes (self->call);
  GVariantIter iter;
  const char *did;
  double volume;

  if (volumes == NULL)
    return;
  g_variant_iter_init (&iter, volumes);
  while (g_variant_iter_next (&iter, "{&sd}", &did, &volume))
    {
      BlinkParticipantRow *row = row_for (self, did);

      if (row != NULL)
        blink_participant_row_set_volume (row, volume);
    }
}

static void
update_quality (BlinkCallWindow *self)
{
  GVariant *quality = blink_dbus_call1_get_quality (self->call);
  GVariantIter iter;
  const char *did;
  GVariant *figures;

  if (quality == NULL)
    return;
  g_variant_iter_init (&iter, quality);
  while (g_variant_iter_next (&iter, "{&s@a{sv}}", &did, &figures))
    {
      BlinkParticipantRow *row = row_for (self, did);
      g_autofree const char **problems = NULL;

      if (row != NULL && g_variant_lookup (figures, "problems", "^a&s", &problems))
        blink_participant_row_set_problems (row, problems);
      g_variant_unref (figures);
    }
}

static void
update_recording (BlinkCallWindow *self)
{
  const char *const *others = blink_dbus_call1_get_recording_participants (self->call);
  const char *here = blink_dbus_call1_get_recording (self->call);
  g_autoptr (GString) text = g_string_new (NULL);
  guint n = others != NULL ? g_strv_length ((GStrv) others) : 0;

  if (n == 1)
    {
      g_autofree char *name = display_name (self, others[0]);

      g_string_printf (text, _ ("%s is recording this call"), name);
    }
  else if (n > 1)
    g_string_printf (text,
                     g_dngettext (GETTEXT_PACKAGE, "%u person is recording this call",
                                  "%u people are recording this call", n),
                     n);
  if (here != NULL && *here != '\0')
    {
      if (text->len > 0)
        g_string_append (text, " · ");
      g_string_append (text, _ ("You are recording this call"));
    }
  gtk_label_set_label (self->recording_label, text->str);
  gtk_revealer_set_reveal_child (self->recording_revealer, text->len > 0);
}

/* "123456" is read as "123 456". */
static char *
spaced_code (const char *code)
{
  size_t len = strlen (code);

  if (len != 6)
    return g_strdup (code);
  return g_strdup_printf ("%.3s %s", code, code + 3);
}

static void
update_verification (BlinkCallWindow *self)
{
  GVariant *verification = blink_dbus_call1_get_verification (self->call);
  GVariantIter iter;
  const char *did, *code;
  gboolean verified;
  const char *shown = NULL, *shown_code = NULL;

  if (verification != NULL)
    {
      g_variant_iter_init (&iter, verification);
      while (g_variant_iter_next (&iter, "(&s&sb)", &did, &code, &verified))
        {
          BlinkParticipantRow *row = row_for (self, did);
          gboolean checked = verified || g_hash_table_contains (self->checked, did);

          if (row != NULL)
            blink_participant_row_set_verified (row, checked);
          if (!checked && shown == NULL)
            {
              shown = did;
              shown_code = code;
            }
        }
    }

  g_free (self->verifying);
  self->verifying = g_strdup (shown);
  if (shown != NULL)
    {
      g_autofree char *name = display_name (self, shown);
      g_autofree char *heading = g_strdup_printf (_ ("Your code with %s"), name);
      g_autofree char *spaced = spaced_code (shown_code);

      gtk_label_set_label (self->verification_heading, heading);
      gtk_label_set_label (self->verification_code, spaced);
    }
  gtk_revealer_set_reveal_child (self->verification_revealer, shown != NULL);
}

static void
on_match_clicked (BlinkCallWindow *self)
{
  GtkApplication *app = gtk_window_get_application (GTK_WINDOW (self));
  BlinkDbusManager1 *manager;

  if (self->verifying == NULL)
    return;
  manager = blink_dialer_application_get_manager (BLINK_DIALER_APPLICATION (app));
  if (manager != NULL)
    blink_dbus_manager1_call_set_verified (manager, self->verifying, TRUE, NULL, NULL, NULL);
  g_hash_table_add (self->checked, g_strdup (self->verifying));
  update_verification (self);
}

static void
on_mismatch_clicked (BlinkCallWindow *self)
{
  GtkApplication *app = gtk_window_get_application (GTK_WINDOW (self));
  g_autofree char *name = NULL;
  g_autofree char *body = NULL;

  if (self->verifying == NULL)
    return;
  name = display_name (self, self->verifying);
  g_action_group_activate_action (G_ACTION_GROUP (app), "hangup", NULL);
  body = g_strdup_printf (_ ("The code you saw was not the one %s saw, so the call did not go "
                             "straight between the two of you: someone may have been listening. "
                             "Check the address with them another way (in person, or a message "
                             "you trust) before you call again."),
                          name);
  blink_dialer_application_report (BLINK_DIALER_APPLICATION (app),
                                   _ ("Call Ended: the Codes Did Not Match"), body);
}

static void
on_call_notify (BlinkDbusCall1 *call, GParamSpec *pspec, BlinkCallWindow *self)
{
  const char *name = g_param_spec_get_name (pspec);

  if (g_str_equal (name, "participants"))
    {
      update_participants (self);
      update_speaking (self);
      update_volumes (self);
      update_verification (self);
    }
  else if (g_str_equal (name, "state"))
    update_state (self);
  else if (g_str_equal (name, "speaking"))
    update_speaking (self);
  else if (g_str_equal (name, "volumes"))
    update_volumes (self);
  else if (g_str_equal (name, "quality"))
    update_quality (self);
  else if (g_str_equal (name, "verification"))
    update_verification (self);
  else if (g_str_equal (name, "recording") || g_str_equal (name, "recording-participants"))
    update_recording (self);
}

static void
on_speaking_changed (BlinkDbusCall1 *call,
                     const char *did,
                     gboolean speaking,
                     BlinkCallWindow *self)
{
  BlinkParticipantRow *row = row_for (self, did);

  if (row != NULL)
    blink_participant_row_set_speaking (row, speaking);
}

static void
on_quality_changed (BlinkDbusCall1 *call,
                    const char *did,
                    const char *const *problems,
                    GVariant *figures,
                    BlinkCallWindow *self)
{
  BlinkParticipantRow *row = row_for (self, did);

  if (row != NULL)
    blink_participant_row_set_problems (row, problems);
}

static void
clear_call (BlinkCallWindow *self)
{
  GtkWidget *child;

  /* Whom to add was to this call. */
  if (self->invite_dialog != NULL)
    {
      g_object_remove_weak_pointer (G_OBJECT (self->invite_dialog),
                                    (gpointer *) &self->invite_dialog);
      gtk_window_destroy (GTK_WINDOW (self->invite_dialog));
      self->invite_dialog = NULL;
    }

  if (self->call != NULL)
    g_signal_handlers_disconnect_by_data (self->call, self);
  g_clear_object (&self->call);
  g_clear_handle_id (&self->tick_id, g_source_remove);
  self->started_at = 0;
  g_hash_table_remove_all (self->rows);
  g_hash_table_remove_all (self->checked);
  g_clear_pointer (&self->verifying, g_free);
  /* No focus in the rows when they go: a focused widget removed has the
   * window move the focus at its next frame, which for a hidden window is
   * once it shows again, over the Answer button a ringing call focuses. */
  gtk_window_set_focus (GTK_WINDOW (self), NULL);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->participants_list))) != NULL)
    gtk_list_box_remove (self->participants_list, child);
  gtk_revealer_set_reveal_child (self->verification_revealer, FALSE);
  gtk_revealer_set_reveal_child (self->recording_revealer, FALSE);
}

static void
blink_call_window_dispose (GObject *object)
{
  BlinkCallWindow *self = BLINK_CALL_WINDOW (object);

  clear_call (self);
  g_clear_object (&self->toast);
  gtk_widget_dispose_template (GTK_WIDGET (self), BLINK_TYPE_CALL_WINDOW);
  G_OBJECT_CLASS (blink_call_window_parent_class)->dispose (object);
}

static void
blink_call_window_finalize (GObject *object)
{
  BlinkCallWindow *self = BLINK_CALL_WINDOW (object);

  g_hash_table_unref (self->rows);
  g_hash_table_unref (self->checked);
  G_OBJECT_CLASS (blink_call_window_parent_class)->finalize (object);
}

static void
blink_call_window_class_init (BlinkCallWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = blink_call_window_dispose;
  object_class->finalize = blink_call_window_finalize;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/im/blink/Dialer/blink-call-window.ui");
  gtk_widget_class_bind_template_child (widget_class, BlinkCallWindow, window_title);
  gtk_widget_class_bind_template_child (widget_class, BlinkCallWindow, add_button);
  gtk_widget_class_bind_template_child (widget_class, BlinkCallWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, BlinkCallWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, BlinkCallWindow, ringing_page);
  gtk_widget_class_bind_template_child (widget_class, BlinkCallWindow, answer_button);
  gtk_widget_class_bind_template_child (widget_class, BlinkCallWindow, decline_button);
  gtk_widget_class_bind_template_child (widget_class, BlinkCallWindow, recording_revealer);
  gtk_widget_class_bind_template_child (widget_class, BlinkCallWindow, recording_label);
  gtk_widget_class_bind_template_child (widget_class, BlinkCallWindow, verification_revealer);
  gtk_widget_class_bind_template_child (widget_class, BlinkCallWindow, verification_heading);
  gtk_widget_class_bind_template_child (widget_class, BlinkCallWindow, verification_code);
  gtk_widget_class_bind_template_child (widget_class, BlinkCallWindow, participants_list);
  gtk_widget_class_bind_template_callback (widget_class, on_match_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_mismatch_clicked);
}

static void
blink_call_window_init (BlinkCallWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  /* The rows are the list's children: the table only finds them. */
  self->rows = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->checked = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

BlinkCallWindow *
blink_call_window_new (GtkApplication *application)
{
  return g_object_new (BLINK_TYPE_CALL_WINDOW, "application", application, NULL);
}

/* Shows @call, or nothing when NULL. */
void
blink_call_window_set_call (BlinkCallWindow *self, BlinkDbusCall1 *call)
{
  g_return_if_fail (BLINK_IS_CALL_WINDOW (self));
  g_return_if_fail (call == NULL || BLINK_DBUS_IS_CALL1 (call));

  if (call == self->call)
    return;
  clear_call (self);
  if (call == NULL)
    return;
  self->call = g_object_ref (call);
  g_signal_connect (call, "notify", G_CALLBACK (on_call_notify), self);
  g_signal_connect (call, "speaking-changed", G_CALLBACK (on_speaking_changed), self);
  g_signal_connect (call, "quality-changed", G_CALLBACK (on_quality_changed), self);
  update_participants (self);
  update_speaking (self);
  update_volumes (self);
  update_quality (self);
  update_recording (self);
  update_verification (self);
  update_state (self);
}

BlinkDbusCall1 *
blink_call_window_get_call (BlinkCallWindow *self)
{
  g_return_val_if_fail (BLINK_IS_CALL_WINDOW (self), NULL);

  return self->call;
}

static void
on_toast_dismissed (AdwToast *toast, BlinkCallWindow *self)
{
  if (self->toast == toast)
    g_clear_object (&self->toast);
}

/* A short message over the call, for a few seconds. */
void
blink_call_window_show_toast (BlinkCallWindow *self, const char *text)
{
  AdwToast *toast;

  g_return_if_fail (BLINK_IS_CALL_WINDOW (self));

  toast = adw_toast_new (text);
  adw_toast_set_priority (toast, ADW_TOAST_PRIORITY_HIGH);
  g_signal_connect_object (toast, "dismissed", G_CALLBACK (on_toast_dismissed), self, 0);
  g_set_object (&self->toast, toast);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

/* Asks whom to add to the call shown, among the contacts not in it. */
void
blink_call_window_ask_invite (BlinkCallWindow *self)
{
  g_auto (GStrv) in_call = NULL;

  g_return_if_fail (BLINK_IS_CALL_WINDOW (self));

  if (self->call == NULL)
    return;
  if (self->invite_dialog == NULL)
    {
      in_call = get_in_call (self);
      self->invite_dialog = blink_invite_dialog_new (GTK_WINDOW (self), get_contacts (self),
                                                     (const char *const *) in_call);
      g_object_add_weak_pointer (G_OBJECT (self->invite_dialog), (gpointer *) &self->invite_dialog);
    }
  gtk_window_present (GTK_WINDOW (self->invite_dialog));
}

/* The picker of whom to add, or NULL when not shown. */
BlinkInviteDialog *
blink_call_window_get_invite_dialog (BlinkCallWindow *self)
{
  g_return_val_if_fail (BLINK_IS_CALL_WINDOW (self), NULL);

  return self->invite_dialog;
}

typedef struct
{
  BlinkCallWindow *self;
  GStrv dids;
} Invite;

static void
invite_free (Invite *invite)
{
  g_object_unref (invite->self);
  g_strfreev (invite->dids);
  g_free (invite);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Invite, invite_free)

/* Why Call1.Invite added nobody, in the user's words: the daemon's
 * errors name the cause, not whom it was about. */
static char *
invite_error_text (BlinkCallWindow *self, const char *const *dids, GError *error)
{
  g_autofree char *name = g_dbus_error_get_remote_error (error);
  g_auto (GStrv) in_call = get_in_call (self);
  GtkApplication *app = gtk_window_get_application (GTK_WINDOW (self));
  BlinkDbusManager1 *manager =
      app != NULL ? blink_dialer_application_get_manager (BLINK_DIALER_APPLICATION (app)) : NULL;
  const char *me = manager != NULL ? blink_dbus_manager1_get_did (manager) : NULL;
  guint outside = 0;

  for (guint i = 0; dids[i] != NULL; i++)
    if (!g_strv_contains ((const char *const *) in_call, dids[i]))
      outside++;
  if (g_strcmp0 (name, "im.blink.Error.BadDid") == 0)
    return g_strdup (me != NULL && g_strv_contains (dids, me) ? _ ("You cannot add yourself")
                                                              : _ ("That is not a Blink address"));
  if (g_strcmp0 (name, "im.blink.Error.NoSuchCall") == 0)
    return g_strdup (_ ("This call is over"));
  if (g_strcmp0 (name, "im.blink.Error.InvalidArgument") == 0 && outside == 0)
    {
      g_autofree char *who = NULL;

      if (dids[1] != NULL)
        return g_strdup (_ ("They are all in the call already"));
      who = display_name (self, dids[0]);
      return g_strdup_printf (_ ("%s is in the call already"), who);
    }
  if (g_strcmp0 (name, "im.blink.Error.InvalidArgument") == 0 &&
      g_strv_length (in_call) + outside + 1 > MAX_PEOPLE)
    return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "A call has room for %u person",
                                         "A call has room for %u people", MAX_PEOPLE),
                            MAX_PEOPLE);
  g_dbus_error_strip_remote_error (error);
  return g_strdup_printf (_ ("Nobody was added: %s"), error->message);
}

static void
on_invited (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (Invite) invite = user_data;
  g_autoptr (GError) error = NULL;
  g_autofree char *text = NULL;

  if (blink_dbus_call1_call_invite_finish (BLINK_DBUS_CALL1 (source), result, &error))
    return;
  g_message ("Call1.Invite: %s", error->message);
  text = invite_error_text (invite->self, (const char *const *) invite->dids, error);
  blink_call_window_show_toast (invite->self, text);
}

/* Adds @dids to the call shown (Call1.Invite); they show as its
 * participants, or a toast says why not. */
void
blink_call_window_invite (BlinkCallWindow *self, const char *const *dids)
{
  Invite *invite;

  g_return_if_fail (BLINK_IS_CALL_WINDOW (self));
  g_return_if_fail (dids != NULL && dids[0] != NULL);

  if (self->call == NULL)
    return;
  invite = g_new0 (Invite, 1);
  invite->self = g_object_ref (self);
  invite->dids = g_strdupv ((GStrv) dids);
  blink_dbus_call1_call_invite (self->call, dids, NULL, on_invited, invite);
}

/* What the window shows, read from its widgets, for the tests. */
void
blink_call_window_dump (BlinkCallWindow *self, JsonBuilder *builder)
{
  g_return_if_fail (BLINK_IS_CALL_WINDOW (self));

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "visible");
  json_builder_add_boolean_value (builder, gtk_widget_get_visible (GTK_WIDGET (self)));
  json_builder_set_member_name (builder, "call");
  json_builder_add_string_value (
      builder, self->call != NULL ? g_dbus_proxy_get_object_path (G_DBUS_PROXY (self->call)) : "");
  json_builder_set_member_name (builder, "page");
  json_builder_add_string_value (builder, gtk_stack_get_visible_child_name (self->stack));
  json_builder_set_member_name (builder, "title");
  json_builder_add_string_value (builder, adw_window_title_get_title (self->window_title));
  json_builder_set_member_name (builder, "subtitle");
  json_builder_add_string_value (builder, adw_window_title_get_subtitle (self->window_title));
  json_builder_set_member_name (builder, "caller");
  json_builder_add_string_value (builder, adw_status_page_get_title (self->ringing_page));
  json_builder_set_member_name (builder, "verification-code");
  json_builder_add_string_value (builder,
                                 gtk_revealer_get_reveal_child (self->verification_revealer)
                                     ? gtk_label_get_label (self->verification_code)
                                     : "");
  json_builder_set_member_name (builder, "can-add");
  json_builder_add_boolean_value (builder,
                                  gtk_widget_get_visible (GTK_WIDGET (self->add_button)) &&
                                      gtk_widget_is_sensitive (GTK_WIDGET (self->add_button)));
  json_builder_set_member_name (builder, "toast");
  json_builder_add_string_value (builder,
                                 self->toast != NULL ? adw_toast_get_title (self->toast) : "");
  json_builder_set_member_name (builder, "recording");
  json_builder_add_string_value (builder, gtk_revealer_get_reveal_child (self->recording_revealer)
                                              ? gtk_label_get_label (self->recording_label)
                                              : "");
  json_builder_set_member_name (builder, "participants");
  json_builder_begin_array (builder);
  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->participants_list));
       child != NULL; child = gtk_widget_get_next_sibling (child))
    {
      BlinkParticipantRow *row;

      if (!BLINK_IS_PARTICIPANT_ROW (child))
        continue;
      row = BLINK_PARTICIPANT_ROW (child);
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "did");
      json_builder_add_string_value (builder, blink_participant_row_get_did (row));
      json_builder_set_member_name (builder, "name");
      json_builder_add_string_value (builder, blink_participant_row_get_name (row));
      json_builder_set_member_name (builder, "state");
      json_builder_add_string_value (builder, blink_participant_row_get_state (row));
      json_builder_set_member_name (builder, "speaking");
      json_builder_add_boolean_value (builder, blink_participant_row_get_speaking (row));
      json_builder_set_member_name (builder, "warning");
      json_builder_add_string_value (builder, blink_participant_row_get_warning (row));
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);
}
