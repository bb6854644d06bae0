/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "blink-participant-row"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "blink-participant-row.h"

/*
 * BlinkParticipantRow: one participant of the call window: who, in which
 * state, whether they speak (a ring around the avatar), what is wrong with
 * their connection, and how loud we play them.
 */

enum
{
  VOLUME_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

struct _BlinkParticipantRow
{
  GtkListBoxRow parent_instance;

  AdwAvatar *avatar;
  GtkLabel *name_label;
  GtkImage *verified_icon;
  GtkLabel *state_label;
  GtkImage *quality_icon;
  GtkScale *volume_scale;

  char *did;
  char *name;
  char *state;
  char *warning;
  gboolean muted;
  gboolean deafened;
  gboolean speaking;
  /* Set while the volume is changed for the daemon's sake, not the user's. */
  gboolean updating_volume;
};

G_DEFINE_FINAL_TYPE (BlinkParticipantRow, blink_participant_row, GTK_TYPE_LIST_BOX_ROW)

static const char *
state_text (const char *state)
{
  if (g_strcmp0 (state, "ringing") == 0)
    return _ ("Ringing…");
  if (g_strcmp0 (state, "connecting") == 0)
    return _ ("Connecting…");
  if (g_strcmp0 (state, "connected") == 0)
    return _ ("Connected");
  if (g_strcmp0 (state, "declined") == 0)
    return _ ("Declined");
  if (g_strcmp0 (state, "left") == 0)
    return _ ("Left");
  if (g_strcmp0 (state, "failed") == 0)
    return _ ("Could not connect");
  return state;
}

static void
update_labels (BlinkParticipantRow *self)
{
  g_autoptr (GString) text = g_string_new (state_text (self->state));
  g_autofree char *volume_label = NULL;

  if (self->speaking)
    g_string_append_printf (text, " · %s", _ ("Speaking"));
  if (self->muted)
    g_string_append_printf (text, " · %s", _ ("Muted"));
  if (self->deafened)
    g_string_append_printf (text, " · %s", _ ("Deafened"));
  gtk_label_set_label (self->state_label, text->str);

  volume_label = g_strdup_printf (_ ("Volume of %s"), self->name);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->volume_scale),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, volume_label, -1);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, self->name,
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, text->str, -1);
}

static void
on_volume_changed (GtkRange *range, BlinkParticipantRow *self)
{
  if (self->updating_volume)
    return;
  g_signal_emit (self, signals[VOLUME_CHANGED], 0, gtk_range_get_value (range));
}

static void
blink_participant_row_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), BLINK_TYPE_PARTICIPANT_ROW);
  G_OBJECT_CLASS (blink_participant_row_parent_class)->dispose (object);
}

static void
blink_participant_row_finalize (GObject *object)
{
  BlinkParticipantRow *self = BLINK_PARTICIPANT_ROW (object);

  g_free (self->did);
  g_free (self->name);
  g_free (self->state);
  g_free (self->warning);
  G_OBJECT_CLASS (blink_participant_row_parent_class)->finalize (object);
}

static void
blink_participant_row_class_init (BlinkParticipantRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = blink_participant_row_dispose;
  object_class->finalize = blink_participant_row_finalize;

  /* The user moved the volume slider: 0.0 silent, 1.0 as sent, 2.0 twice as loud. */
  signals[VOLUME_CHANGED] =
      g_signal_new ("volume-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                    NULL, G_TYPE_NONE, 1, G_TYPE_DOUBLE);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/im/blink/Dialer/blink-participant-row.ui");
  gtk_widget_class_bind_template_child (widget_class, BlinkParticipantRow, avatar);
  gtk_widget_class_bind_template_child (widget_class, BlinkParticipantRow, name_label);
  gtk_widget_class_bind_template_child (widget_class, BlinkParticipantRow, verified_icon);
  gtk_widget_class_bind_template_child (widget_class, BlinkParticipantRow, state_label);
  gtk_widget_class_bind_template_child (widget_class, BlinkParticipantRow, quality_icon);
  gtk_widget_class_bind_template_child (widget_class, BlinkParticipantRow, volume_scale);
  gtk_widget_class_bind_template_callback (widget_class, on_volume_changed);
}

static void
blink_participant_row_init (BlinkParticipantRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  /* "As they send" is worth finding again by eye. */
  gtk_scale_add_mark (self->volume_scale, 1.0, GTK_POS_BOTTOM, NULL);
}

GtkWidget *
blink_participant_row_new (const char *did)
{
  BlinkParticipantRow *self;

  g_return_val_if_fail (did != NULL, NULL);

  self = g_object_new (BLINK_TYPE_PARTICIPANT_ROW, NULL);
  self->did = g_strdup (did);
  self->state = g_strdup ("ringing");
  blink_participant_row_set_name (self, did);
  return GTK_WIDGET (self);
}

const char *
blink_participant_row_get_did (BlinkParticipantRow *self)
{
  g_return_val_if_fail (BLINK_IS_PARTICIPANT_ROW (self), NULL);

  return self->did;
}

void
blink_participant_row_set_name (BlinkParticipantRow *self, const char *name)
{
  g_return_if_fail (BLINK_IS_PARTICIPANT_ROW (self));
  g_return_if_fail (name != NULL);

  g_free (self->name);
  self->name = g_strdup (name);
  gtk_label_set_label (self->name_label, name);
  adw_avatar_set_text (self->avatar, name);
  update_labels (self);
}

const char *
blink_participant_row_get_name (BlinkParticipantRow *self)
{
  g_return_val_if_fail (BLINK_IS_PARTICIPANT_ROW (self), NULL);

  return self->name;
}

void
blink_participant_row_set_state (BlinkParticipantRow *self,
                                 const char *state,
                                 gboolean muted,
                                 gboolean deafened)
{
  g_return_if_fail (BLINK_IS_PARTICIPANT_ROW (self));
  g_return_if_fail (state != NULL);

  g_free (self->state);
  self->state = g_strdup (state);
  self->muted = muted;
  self->deafened = deafened;
  gtk_widget_set_sensitive (GTK_WIDGET (self->volume_scale), g_strcmp0 (state, "declined") != 0 &&
                                                                 g_strcmp0 (state, "left") != 0 &&
                                                                 g_strcmp0 (state, "failed") != 0);
  if (g_strcmp0 (state, "connected") != 0)
    blink_participant_row_set_speaking (self, FALSE);
  update_labels (self);
}

const char *
blink_participant_row_get_state (BlinkParticipantRow *self)
{
  g_return_val_if_fail (BLINK_IS_PARTICIPANT_ROW (self), NULL);

  return self->state;
}

void
blink_participant_row_set_speaking (BlinkParticipantRow *self, gboolean speaking)
{
  g_return_if_fail (BLINK_IS_PARTICIPANT_ROW (self));

  if (self->speaking == !!speaking)
    return;
  self->speaking = !!speaking;
  if (speaking)
    gtk_widget_add_css_class (GTK_WIDGET (self->avatar), "speaking");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->avatar), "speaking");
  update_labels (self);
}

gboolean
blink_participant_row_get_speaking (BlinkParticipantRow *self)
{
  g_return_val_if_fail (BLINK_IS_PARTICIPANT_ROW (self), FALSE);

  return self->speaking;
}

/* What the quality warnings mean to the user, most telling first. */
void
blink_participant_row_set_problems (BlinkParticipantRow *self, const char *const *problems)
{
  g_autoptr (GString) text = g_string_new (NULL);

  g_return_if_fail (BLINK_IS_PARTICIPANT_ROW (self));

  for (guint i = 0; problems != NULL && problems[i] != NULL; i++)
    {
      const char *what = problems[i];

      if (g_str_equal (problems[i], "no-audio"))
        what = _ ("No sound arrives");
      else if (g_str_equal (problems[i], "loss"))
        what = _ ("Sound is being lost");
      else if (g_str_equal (problems[i], "jitter"))
        what = _ ("Sound arrives unevenly");
      else if (g_str_equal (problems[i], "round-trip-time"))
        what = _ ("Long delay");
      if (text->len > 0)
        g_string_append (text, ", ");
      g_string_append (text, what);
    }
  g_free (self->warning);
  self->warning = text->len > 0 ? g_string_free (g_steal_pointer (&text), FALSE) : NULL;
  gtk_widget_set_visible (GTK_WIDGET (self->quality_icon), self->warning != NULL);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->quality_icon), self->warning);
  if (self->warning != NULL)
    gtk_accessible_update_property (GTK_ACCESSIBLE (self->quality_icon),
                                    GTK_ACCESSIBLE_PROPERTY_LABEL, self->warning, -1);
}

/* The quality warning shown, or NULL. */
const char *
blink_participant_row_get_warning (BlinkParticipantRow *self)
{
  g_return_val_if_fail (BLINK_IS_PARTICIPANT_ROW (self), NULL);

  return self->warning;
}

void
blink_participant_row_set_volume (BlinkParticipantRow *self, double volume)
{
  g_return_if_fail (BLINK_IS_PARTICIPANT_ROW (self));

  self->updating_volume = TRUE;
  gtk_range_set_value (GTK_RANGE (self->volume_scale), volume);
  self->updating_volume = FALSE;
}

void
blink_participant_row_set_verified (BlinkParticipantRow *self, gboolean verified)
{
  g_return_if_fail (BLINK_IS_PARTICIPANT_ROW (self));

  gtk_widget_set_visible (GTK_WIDGET (self->verified_icon), verified);
}
