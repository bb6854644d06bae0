/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "blink-invite-dialog"

#include "config.h"

#include <glib/gi18n.h>

#include "blink-invite-dialog.h"

/*
 * BlinkInviteDialog: whom to add to the running call: the contacts not in
 * it yet, with check boxes, and an address or blink: link pasted. Add
 * activates app.invite with them, the action `gapplication action` reaches
 * too; the call window shows what went wrong.
 */

struct _BlinkInviteDialog
{
  AdwMessageDialog parent_instance;

  GtkScrolledWindow *contacts_scroller;
  GtkListBox *contacts_list;
  GtkLabel *empty_label;
  AdwEntryRow *address_row;
};

G_DEFINE_FINAL_TYPE (BlinkInviteDialog, blink_invite_dialog, ADW_TYPE_MESSAGE_DIALOG)

static gboolean
is_blank (const char *text)
{
  for (; *text != '\0'; text++)
    if (!g_ascii_isspace (*text))
      return FALSE;
  return TRUE;
}

/* Add is enabled with someone to add and nothing wrong typed. */
static void
update_add (BlinkInviteDialog *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->address_row));
  g_autofree char *typed = blink_address_from_text (text, NULL);
  gboolean wrong = typed == NULL && !is_blank (text);
  g_auto (GStrv) dids = blink_invite_dialog_get_dids (self);

  if (wrong)
    gtk_widget_add_css_class (GTK_WIDGET (self->address_row), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->address_row), "error");
  adw_message_dialog_set_response_enabled (ADW_MESSAGE_DIALOG (self), "add",
                                           !wrong && dids[0] != NULL);
}

static GtkWidget *
pick_row_new (BlinkInviteDialog *self, const char *did, const char *name)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *check = gtk_check_button_new ();
  g_autofree char *short_did = blink_short_did (did);
  const char *shown = *name != '\0' ? name : short_did;
  g_autofree char *pick_label = g_strdup_printf (_ ("Pick %s"), shown);

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), shown);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), short_did);
  /* Prefixes go before those added earlier: the check box leftmost. */
  adw_action_row_add_prefix (ADW_ACTION_ROW (row), adw_avatar_new (32, shown, TRUE));
  gtk_widget_set_valign (check, GTK_ALIGN_CENTER);
  gtk_accessible_update_property (GTK_ACCESSIBLE (check), GTK_ACCESSIBLE_PROPERTY_LABEL, pick_label,
                                  -1);
  g_signal_connect_swapped (check, "toggled", G_CALLBACK (update_add), self);
  adw_action_row_add_prefix (ADW_ACTION_ROW (row), check);
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), check);
  g_object_set_data_full (G_OBJECT (row), "did", g_strdup (did), g_free);
  g_object_set_data (G_OBJECT (row), "check", check);
  return row;
}

static void
blink_invite_dialog_response (AdwMessageDialog *dialog, const char *response)
{
  BlinkInviteDialog *self = BLINK_INVITE_DIALOG (dialog);
  GtkWindow *parent = gtk_window_get_transient_for (GTK_WINDOW (self));
  GtkApplication *app = parent != NULL ? gtk_window_get_application (parent) : NULL;
  g_auto (GStrv) dids = NULL;

  if (!g_str_equal (response, "add") || app == NULL)
    return;
  dids = blink_invite_dialog_get_dids (self);
  if (dids[0] != NULL)
    g_action_group_activate_action (G_ACTION_GROUP (app), "invite",
                                    g_variant_new_strv ((const char *const *) dids, -1));
}

static void
blink_invite_dialog_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), BLINK_TYPE_INVITE_DIALOG);
  G_OBJECT_CLASS (blink_invite_dialog_parent_class)->dispose (object);
}

static void
blink_invite_dialog_class_init (BlinkInviteDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  AdwMessageDialogClass *dialog_class = ADW_MESSAGE_DIALOG_CLASS (klass);

  object_class->dispose = blink_invite_dialog_dispose;
  dialog_class->response = blink_invite_dialog_response;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/im/blink/Dialer/blink-invite-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, BlinkInviteDialog, contacts_scroller);
  gtk_widget_class_bind_template_child (widget_class, BlinkInviteDialog, contacts_list);
  gtk_widget_class_bind_template_child (widget_class, BlinkInviteDialog, empty_label);
  gtk_widget_class_bind_template_child (widget_class, BlinkInviteDialog, address_row);
  gtk_widget_class_bind_template_callback (widget_class, update_add);
}

static void
blink_invite_dialog_init (BlinkInviteDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  /* What the tests read (blink-debug.c). */
  g_object_set_data (G_OBJECT (self), "address", self->address_row);
  g_object_set_data (G_OBJECT (self), "list", self->contacts_list);
}

/* Over @parent, whose application's app.invite Add activates; the contacts
 * listed are those not in @in_call. */
BlinkInviteDialog *
blink_invite_dialog_new (GtkWindow *parent, BlinkContacts *contacts, const char *const *in_call)
{
  BlinkInviteDialog *self;
  g_autoptr (GVariant) list = NULL;
  GVariantIter iter;
  const char *did, *name;
  guint listed = 0;

  g_return_val_if_fail (GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (contacts == NULL || BLINK_IS_CONTACTS (contacts), NULL);

  self = g_object_new (BLINK_TYPE_INVITE_DIALOG, "transient-for", parent, "destroy-with-parent",
                       TRUE, NULL);
  list = contacts != NULL ? blink_contacts_get_list (contacts) : NULL;
  if (list != NULL)
    {
      g_variant_iter_init (&iter, list);
      while (g_variant_iter_next (&iter, "(&s&sb)", &did, &name, NULL))
        if (in_call == NULL || !g_strv_contains (in_call, did))
          {
            gtk_list_box_append (self->contacts_list, pick_row_new (self, did, name));
            listed++;
          }
    }
  gtk_widget_set_visible (GTK_WIDGET (self->contacts_scroller), listed > 0);
  gtk_widget_set_visible (GTK_WIDGET (self->empty_label), listed == 0);
  gtk_label_set_label (self->empty_label, list != NULL && g_variant_n_children (list) > 0
                                              ? _ ("All your contacts are in the call.")
                                              : _ ("You have no contacts yet."));
  /* Nobody picked: the address is what to fill in. */
  if (listed == 0)
    gtk_widget_grab_focus (GTK_WIDGET (self->address_row));
  update_add (self);
  return self;
}

/* Picks (or unpicks) a contact listed, as a click on its row. */
void
blink_invite_dialog_pick (BlinkInviteDialog *self, const char *did)
{
  g_return_if_fail (BLINK_IS_INVITE_DIALOG (self));
  g_return_if_fail (did != NULL);

  for (GtkWidget *row = gtk_widget_get_first_child (GTK_WIDGET (self->contacts_list)); row != NULL;
       row = gtk_widget_get_next_sibling (row))
    if (g_strcmp0 (g_object_get_data (G_OBJECT (row), "did"), did) == 0)
      gtk_widget_activate (g_object_get_data (G_OBJECT (row), "check"));
}

/* Whom Add adds: the contacts picked, then the address typed if it is one
 * (each once); NULL-terminated. */
GStrv
blink_invite_dialog_get_dids (BlinkInviteDialog *self)
{
  g_autoptr (GPtrArray) dids = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *typed = NULL;

  g_return_val_if_fail (BLINK_IS_INVITE_DIALOG (self), NULL);

  for (GtkWidget *row = gtk_widget_get_first_child (GTK_WIDGET (self->contacts_list)); row != NULL;
       row = gtk_widget_get_next_sibling (row))
    {
      GtkWidget *check = g_object_get_data (G_OBJECT (row), "check");

      if (check != NULL && gtk_check_button_get_active (GTK_CHECK_BUTTON (check)))
        g_ptr_array_add (dids, g_strdup (g_object_get_data (G_OBJECT (row), "did")));
    }
  typed = blink_address_from_text (gtk_editable_get_text (GTK_EDITABLE (self->address_row)), NULL);
  if (typed != NULL && !g_ptr_array_find_with_equal_func (dids, typed, g_str_equal, NULL))
    g_ptr_array_add (dids, g_steal_pointer (&typed));
  g_ptr_array_add (dids, NULL);
  return (GStrv) g_ptr_array_free (g_steal_pointer (&dids), FALSE);
}
