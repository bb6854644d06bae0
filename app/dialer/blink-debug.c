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

/* A message dialog shown: its heading, body, and the text of the entries
 * its maker named with g_object_set_data ("address", "name"). */
void
blink_debug_dump_message_dialog (AdwMessageDialog *dialog, JsonBuilder *builder)
{
  static const char *const fields[] = { "address", "name" };

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
  json_builder_end_object (builder);
}
