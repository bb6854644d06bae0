/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "blink-debug"

#include "config.h"

#include "blink-debug.h"

/*
 * What the tests look at (BLINK_DIALER_DEBUG=1): a window drawn by GTK's own
 * renderer into a PNG, the same pixels whatever the display server, with
 * no window manager's frame.
 */
gboolean
blink_debug_save_screenshot (GtkWidget *widget, const char *path, GError **error)
{
  g_autoptr (GdkPaintable) paintable = NULL;
  g_autoptr (GtkSnapshot) snapshot = NULL;
  g_autoptr (GskRenderNode) node = NULL;
  g_autoptr (GdkTexture) texture = NULL;
  GskRenderer *renderer;
  int width, height;

  g_return_val_if_fail (GTK_IS_WIDGET (widget), FALSE);

  width = gtk_widget_get_width (widget);
  height = gtk_widget_get_height (widget);
  renderer = gtk_native_get_renderer (gtk_widget_get_native (widget));
  if (width <= 0 || height <= 0 || renderer == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "the window is not shown");
      return FALSE;
    }
  paintable = gtk_widget_paintable_new (widget);
  snapshot = gtk_snapshot_new ();
  gdk_paintable_snapshot (paintable, GDK_SNAPSHOT (snapshot), width, height);
  node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
  if (node == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "nothing drawn");
      return FALSE;
    }
  texture = gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, width, height));
  if (!gdk_texture_save_to_png (texture, path))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot write %s", path);
      return FALSE;
    }
  return TRUE;
}

/* The visible AdwActionRows of @list: title, subtitle, the strings their
 * maker set as data ("did", "outcome", "direction"), whether the check box
 * it set as "check" is active, and what activating the row does. */
void
blink_debug_dump_rows (JsonBuilder *builder, GtkListBox *list)
{
  static const char *const keys[] = { "did", "outcome", "direction" };
  GtkWidget *button, *check;

  json_builder_begin_array (builder);
  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (list)); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      if (!ADW_IS_ACTION_ROW (child) || !gtk_widget_get_child_visible (child))
        continue;
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "title");
      json_builder_add_string_value (builder,
                                     adw_preferences_row_get_title (ADW_PREFERENCES_ROW (child)));
      json_builder_set_member_name (builder, "subtitle");
      json_builder_add_string_value (builder, adw_action_row_get_subtitle (ADW_ACTION_ROW (child)));
      for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
        if (g_object_get_data (G_OBJECT (child), keys[i]) != NULL)
          {
            json_builder_set_member_name (builder, keys[i]);
            json_builder_add_string_value (builder, g_object_get_data (G_OBJECT (child), keys[i]));
          }
      check = g_object_get_data (G_OBJECT (child), "check");
      if (check != NULL && GTK_IS_CHECK_BUTTON (check))
        {
          json_builder_set_member_name (builder, "picked");
          json_builder_add_boolean_value (builder,
                                          gtk_check_button_get_active (GTK_CHECK_BUTTON (check)));
        }
      /* What activating the row does: its button's action, as a click would. */
      button = adw_action_row_get_activatable_widget (ADW_ACTION_ROW (child));
      if (button != NULL && GTK_IS_ACTIONABLE (button) &&
          gtk_actionable_get_action_name (GTK_ACTIONABLE (button)) != NULL)
        {
          GVariant *target = gtk_actionable_get_action_target_value (GTK_ACTIONABLE (button));

          json_builder_set_member_name (builder, "action");
          json_builder_add_string_value (builder,
                                         gtk_actionable_get_action_name (GTK_ACTIONABLE (button)));
          json_builder_set_member_name (builder, "target");
          if (target != NULL)
            {
              g_autofree char *text = g_variant_print (target, FALSE);

              json_builder_add_string_value (builder, text);
            }
          else
            json_builder_add_null_value (builder);
        }
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
}

/* A message dialog shown: its heading, body, the text of the entries its
 * maker named with g_object_set_data ("address", "name"), the rows of the
 * list it named "list", and its default response while enabled (what
 * Enter does). */
void
blink_debug_dump_message_dialog (AdwMessageDialog *dialog, JsonBuilder *builder)
{
  static const char *const fields[] = { "address", "name" };
  const char *response;
  GObject *list;

  g_return_if_fail (ADW_IS_MESSAGE_DIALOG (dialog));

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "heading");
  json_builder_add_string_value (builder, adw_message_dialog_get_heading (dialog));
  json_builder_set_member_name (builder, "body");
  json_builder_add_string_value (builder, adw_message_dialog_get_body (dialog));
  for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
    {
      GObject *entry = g_object_get_data (G_OBJECT (dialog), fields[i]);

      if (entry == NULL || !GTK_IS_EDITABLE (entry))
        continue;
      json_builder_set_member_name (builder, fields[i]);
      json_builder_add_string_value (builder, gtk_editable_get_text (GTK_EDITABLE (entry)));
    }
  list = g_object_get_data (G_OBJECT (dialog), "list");
  if (list != NULL && GTK_IS_LIST_BOX (list))
    {
      json_builder_set_member_name (builder, "rows");
      blink_debug_dump_rows (builder, GTK_LIST_BOX (list));
    }
  response = adw_message_dialog_get_default_response (dialog);
  json_builder_set_member_name (builder, "default-response");
  if (response != NULL && adw_message_dialog_get_response_enabled (dialog, response))
    json_builder_add_string_value (builder, response);
  else
    json_builder_add_null_value (builder);
  json_builder_end_object (builder);
}

/* Where the keys go: @window, the active one (NULL: none is), and in it
 * the widget with the focus, if any: its type and how the user knows it:
 * from it up, the first row's title, button's label or tooltip; else the
 * first id of a .ui. */
void
blink_debug_dump_focus (GtkWindow *window, JsonBuilder *builder)
{
  GtkWidget *focus = window != NULL ? gtk_window_get_focus (window) : NULL;
  const char *name = NULL;

  if (window == NULL)
    {
      json_builder_add_null_value (builder);
      return;
    }
  for (GtkWidget *w = focus; w != NULL && name == NULL; w = gtk_widget_get_parent (w))
    {
      if (ADW_IS_PREFERENCES_ROW (w))
        name = adw_preferences_row_get_title (ADW_PREFERENCES_ROW (w));
      else if (GTK_IS_BUTTON (w))
        name = gtk_button_get_label (GTK_BUTTON (w));
      if (name == NULL)
        name = gtk_widget_get_tooltip_text (w);
    }
  for (GtkWidget *w = focus; w != NULL && name == NULL; w = gtk_widget_get_parent (w))
    name = gtk_buildable_get_buildable_id (GTK_BUILDABLE (w));

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "window");
  json_builder_add_string_value (builder, gtk_window_get_title (window));
  json_builder_set_member_name (builder, "type");
  if (focus != NULL)
    json_builder_add_string_value (builder, G_OBJECT_TYPE_NAME (focus));
  else
    json_builder_add_null_value (builder);
  json_builder_set_member_name (builder, "name");
  if (name != NULL)
    json_builder_add_string_value (builder, name);
  else
    json_builder_add_null_value (builder);
  json_builder_end_object (builder);
}
