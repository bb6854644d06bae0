/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "blink-device-monitor"

#include "config.h"

#include "blink-device-monitor.h"
#include "blink-engine-errors.h"

#include <glib/gi18n-lib.h>
#include <string.h>

/* The microphones and speakers the system has (GstDeviceMonitor on
 * Audio/Source and Audio/Sink), kept up to date as they come and go, and
 * the ones the user chose. Nothing chosen (NULL) means the system's
 * default. A chosen device that goes away is forgotten, and "fallback"
 * says so: PulseAudio moves a stream whose device was unloaded to another
 * one without a word to pulsesrc or pulsesink, so this removal is the only
 * sign of it that we get. */

enum
{
  PROP_0,
  PROP_MICROPHONE,
  PROP_SPEAKER,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum
{
  SIGNAL_DEVICE_ADDED,
  SIGNAL_DEVICE_REMOVED,
  SIGNAL_FALLBACK,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

struct _BlinkDeviceMonitor
{
  GObject parent_instance;

  GstDeviceMonitor *monitor;
  GSource *bus_watch;
  GPtrArray *devices; /* GstDevice*, as announced on the monitor's bus */
  GstDevice *chosen[2]; /* by BlinkDeviceKind; NULL: the default */
};

G_DEFINE_FINAL_TYPE (BlinkDeviceMonitor, blink_device_monitor, G_TYPE_OBJECT)

/**
 * blink_device_get_id:
 *
 * Returns: (transfer full): a name for @device that stays the same from
 *   one start to the next: PulseAudio's name for it (e.g.
 *   "alsa_input.usb-…"), else its display name
 */
char *
blink_device_get_id (GstDevice *device)
{
  g_autoptr (GstStructure) props = gst_device_get_properties (device);
  char *id = NULL;
  const char *name;

  /* GstPulseDevice's "internal-name" is the device= of pulsesrc/pulsesink. */
  if (g_object_class_find_property (G_OBJECT_GET_CLASS (device), "internal-name") != NULL)
    g_object_get (device, "internal-name", &id, NULL);
  if (id != NULL && *id != '\0')
    return id;
  g_free (id);
  if (props != NULL && (name = gst_structure_get_string (props, "device.name")) != NULL)
    return g_strdup (name);
  return gst_device_get_display_name (device);
}

BlinkDeviceKind
blink_device_get_kind (GstDevice *device)
{
  return gst_device_has_classes (device, "Audio/Sink") ? BLINK_DEVICE_SPEAKER
                                                        : BLINK_DEVICE_MICROPHONE;
}

gboolean
blink_device_is_default (GstDevice *device)
{
  g_autoptr (GstStructure) props = gst_device_get_properties (device);
  gboolean is_default = FALSE;

  if (props != NULL)
    gst_structure_get_boolean (props, "is-default", &is_default);
  return is_default;
}

const char *
blink_device_kind_to_string (BlinkDeviceKind kind)
{
  return kind == BLINK_DEVICE_SPEAKER ? "speaker" : "microphone";
}

static gboolean
same_device (GstDevice *a,
             GstDevice *b)
{
  g_autofree char *id_a = NULL;
  g_autofree char *id_b = NULL;

  if (a == b)
    return TRUE;
  if (blink_device_get_kind (a) != blink_device_get_kind (b))
    return FALSE;
  id_a = blink_device_get_id (a);
  id_b = blink_device_get_id (b);
  return g_str_equal (id_a, id_b);
}

/* Whether @device is new: the monitor may announce a device that its
 * first list had already. */
static gboolean
remember (BlinkDeviceMonitor *self,
          GstDevice *device)
{
  for (guint i = 0; i < self->devices->len; i++)
    if (same_device (g_ptr_array_index (self->devices, i), device))
      return FALSE;
  g_ptr_array_add (self->devices, gst_object_ref (device));
  return TRUE;
}

static void
device_added (BlinkDeviceMonitor *self,
              GstDevice *device)
{
  if (remember (self, device))
    g_signal_emit (self, signals[SIGNAL_DEVICE_ADDED], 0, device);
}

static void
device_removed (BlinkDeviceMonitor *self,
                GstDevice *device)
{
  g_autoptr (GstDevice) known = NULL;
  BlinkDeviceKind kind;

  for (guint i = 0; i < self->devices->len && known == NULL; i++)
    if (same_device (g_ptr_array_index (self->devices, i), device))
      known = g_ptr_array_steal_index (self->devices, i);
  if (known == NULL)
    return;
  g_signal_emit (self, signals[SIGNAL_DEVICE_REMOVED], 0, known);

  kind = blink_device_get_kind (known);
  if (self->chosen[kind] != NULL && same_device (self->chosen[kind], known))
    {
      g_autofree char *id = blink_device_get_id (known);

      g_message ("The %s in use, “%s”, is gone: back to the default",
                 blink_device_kind_to_string (kind), id);
      gst_clear_object (&self->chosen[kind]);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MICROPHONE + kind]);
      g_signal_emit (self, signals[SIGNAL_FALLBACK], 0, kind, known);
    }
}

static gboolean
on_monitor_message (GstBus *bus,
                    GstMessage *message,
                    gpointer user_data)
{
  BlinkDeviceMonitor *self = user_data;
  g_autoptr (GstDevice) device = NULL;

  switch (GST_MESSAGE_TYPE (message))
    {
    case GST_MESSAGE_DEVICE_ADDED:
      gst_message_parse_device_added (message, &device);
      device_added (self, device);
      break;
    case GST_MESSAGE_DEVICE_REMOVED:
      gst_message_parse_device_removed (message, &device);
      device_removed (self, device);
      break;
    default:
      break;
    }
  return G_SOURCE_CONTINUE;
}

static void
blink_device_monitor_get_property (GObject *object,
                                   guint prop_id,
                                   GValue *value,
                                   GParamSpec *pspec)
{
  BlinkDeviceMonitor *self = BLINK_DEVICE_MONITOR (object);

  switch (prop_id)
    {
    case PROP_MICROPHONE:
      g_value_set_object (value, self->chosen[BLINK_DEVICE_MICROPHONE]);
      break;
    case PROP_SPEAKER:
      g_value_set_object (value, self->chosen[BLINK_DEVICE_SPEAKER]);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
blink_device_monitor_dispose (GObject *object)
{
  BlinkDeviceMonitor *self = BLINK_DEVICE_MONITOR (object);

  if (self->bus_watch != NULL)
    g_source_destroy (self->bus_watch);
  g_clear_pointer (&self->bus_watch, g_source_unref);
  if (self->monitor != NULL)
    gst_device_monitor_stop (self->monitor);
  gst_clear_object (&self->monitor);
  gst_clear_object (&self->chosen[BLINK_DEVICE_MICROPHONE]);
  gst_clear_object (&self->chosen[BLINK_DEVICE_SPEAKER]);
  g_clear_pointer (&self->devices, g_ptr_array_unref);

  G_OBJECT_CLASS (blink_device_monitor_parent_class)->dispose (object);
}

static void
blink_device_monitor_class_init (BlinkDeviceMonitorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = blink_device_monitor_get_property;
  object_class->dispose = blink_device_monitor_dispose;

  properties[PROP_MICROPHONE] =
    g_param_spec_object ("microphone", "Microphone", "The chosen microphone; NULL: the default",
                         GST_TYPE_DEVICE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_SPEAKER] =
    g_param_spec_object ("speaker", "Speaker", "The chosen speaker; NULL: the default",
                         GST_TYPE_DEVICE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * BlinkDeviceMonitor::device-added:
   * @device: a microphone or speaker that appeared
   */
  signals[SIGNAL_DEVICE_ADDED] = g_signal_new ("device-added", G_TYPE_FROM_CLASS (klass),
                                               G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                               G_TYPE_NONE, 1, GST_TYPE_DEVICE);
  /**
   * BlinkDeviceMonitor::device-removed:
   * @device: a microphone or speaker that went away
   */
  signals[SIGNAL_DEVICE_REMOVED] = g_signal_new ("device-removed", G_TYPE_FROM_CLASS (klass),
                                                 G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                                 G_TYPE_NONE, 1, GST_TYPE_DEVICE);
  /**
   * BlinkDeviceMonitor::fallback:
   * @kind: a #BlinkDeviceKind
   * @device: the chosen device that went away
   *
   * The default device of @kind is used again; emitted after the
   * property's notify.
   */
  signals[SIGNAL_FALLBACK] = g_signal_new ("fallback", G_TYPE_FROM_CLASS (klass),
                                           G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE,
                                           2, G_TYPE_INT, GST_TYPE_DEVICE);
}

static void
blink_device_monitor_init (BlinkDeviceMonitor *self)
{
  self->devices = g_ptr_array_new_with_free_func (gst_object_unref);
}

BlinkDeviceMonitor *
blink_device_monitor_new (void)
{
  return g_object_new (BLINK_TYPE_DEVICE_MONITOR, NULL);
}

/**
 * blink_device_monitor_start:
 *
 * Lists the devices there are now, and follows their changes on the
 * calling thread's default main context.
 */
gboolean
blink_device_monitor_start (BlinkDeviceMonitor *self,
                            GError **error)
{
  g_autoptr (GstBus) bus = NULL;
  GList *devices;

  g_return_val_if_fail (BLINK_IS_DEVICE_MONITOR (self), FALSE);
  g_return_val_if_fail (self->monitor == NULL, FALSE);

  self->monitor = gst_device_monitor_new ();
  gst_device_monitor_add_filter (self->monitor, "Audio/Source", NULL);
  gst_device_monitor_add_filter (self->monitor, "Audio/Sink", NULL);
  bus = gst_device_monitor_get_bus (self->monitor);
  self->bus_watch = gst_bus_create_watch (bus);
  g_source_set_callback (self->bus_watch, (GSourceFunc) G_CALLBACK (on_monitor_message), self,
                         NULL);
  g_source_attach (self->bus_watch, g_main_context_get_thread_default ());
  if (!gst_device_monitor_start (self->monitor))
    {
      g_set_error_literal (error, BLINK_CALL_ERROR, BLINK_CALL_ERROR_DEVICE,
                           _("The list of audio devices cannot be followed"));
      return FALSE;
    }
  devices = gst_device_monitor_get_devices (self->monitor);
  for (GList *l = devices; l != NULL; l = l->next)
    remember (self, l->data);
  g_list_free_full (devices, gst_object_unref);
  return TRUE;
}

/**
 * blink_device_monitor_list:
 *
 * Returns: (transfer container) (element-type GstDevice): the microphones
 *   and speakers there are
 */
GPtrArray *
blink_device_monitor_list (BlinkDeviceMonitor *self)
{
  GPtrArray *list;

  g_return_val_if_fail (BLINK_IS_DEVICE_MONITOR (self), NULL);

  list = g_ptr_array_new_with_free_func (gst_object_unref);
  for (guint i = 0; i < self->devices->len; i++)
    g_ptr_array_add (list, gst_object_ref (g_ptr_array_index (self->devices, i)));
  return list;
}

/**
 * blink_device_monitor_find:
 * @name: a device's id, or its display name or an unambiguous part of it
 *   (case does not matter)
 *
 * Returns: (transfer full) (nullable): the device of @kind; else NULL with
 *   %BLINK_CALL_ERROR_NO_SUCH_DEVICE, unknown or ambiguous
 */
GstDevice *
blink_device_monitor_find (BlinkDeviceMonitor *self,
                           BlinkDeviceKind kind,
                           const char *name,
                           GError **error)
{
  g_autofree char *wanted = NULL;
  g_autoptr (GPtrArray) matches = g_ptr_array_new ();
  g_autoptr (GString) names = NULL;

  g_return_val_if_fail (BLINK_IS_DEVICE_MONITOR (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  wanted = g_utf8_casefold (name, -1);
  for (guint pass = 0; pass < 3 && matches->len == 0; pass++)
    for (guint i = 0; i < self->devices->len; i++)
      {
        GstDevice *device = g_ptr_array_index (self->devices, i);
        g_autofree char *id = blink_device_get_id (device);
        g_autofree char *display = gst_device_get_display_name (device);
        g_autofree char *folded = g_utf8_casefold (display, -1);

        if (blink_device_get_kind (device) != kind)
          continue;
        /* An exact id first, then an exact name, then a part of a name:
         * "Mic" is not ambiguous beside "Mic 2". */
        if ((pass == 0 && g_str_equal (id, name)) || (pass == 1 && g_str_equal (folded, wanted)) ||
            (pass == 2 && *wanted != '\0' && strstr (folded, wanted) != NULL))
          g_ptr_array_add (matches, device);
      }

  if (matches->len == 1)
    return gst_object_ref (g_ptr_array_index (matches, 0));
  if (matches->len == 0)
    {
      g_set_error (error, BLINK_CALL_ERROR, BLINK_CALL_ERROR_NO_SUCH_DEVICE,
                   kind == BLINK_DEVICE_SPEAKER
                     ? _("There is no speaker “%s”: “blink devices” lists them")
                     : _("There is no microphone “%s”: “blink devices” lists them"),
                   name);
      return NULL;
    }
  names = g_string_new (NULL);
  for (guint i = 0; i < matches->len; i++)
    {
      g_autofree char *display = gst_device_get_display_name (g_ptr_array_index (matches, i));

      g_string_append_printf (names, "%s“%s”", i > 0 ? ", " : "", display);
    }
  g_set_error (error, BLINK_CALL_ERROR, BLINK_CALL_ERROR_NO_SUCH_DEVICE,
               _("“%s” could be any of %s: give more of the name, or the id"), name, names->str);
  return NULL;
}

/**
 * blink_device_monitor_choose:
 * @name: as for blink_device_monitor_find(); "" for the default
 *
 * Nothing changes when @name names no device of @kind, or more than one.
 */
gboolean
blink_device_monitor_choose (BlinkDeviceMonitor *self,
                             BlinkDeviceKind kind,
                             const char *name,
                             GError **error)
{
  g_autoptr (GstDevice) device = NULL;

  g_return_val_if_fail (BLINK_IS_DEVICE_MONITOR (self), FALSE);
  g_return_val_if_fail (name != NULL, FALSE);

  if (*name != '\0' && (device = blink_device_monitor_find (self, kind, name, error)) == NULL)
    return FALSE;
  if (device == self->chosen[kind])
    return TRUE;
  gst_object_replace ((GstObject **) &self->chosen[kind], GST_OBJECT (device));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MICROPHONE + kind]);
  return TRUE;
}

/**
 * blink_device_monitor_get_chosen:
 *
 * Returns: (transfer none) (nullable): the device of @kind the user chose;
 *   NULL: the default
 */
GstDevice *
blink_device_monitor_get_chosen (BlinkDeviceMonitor *self,
                                 BlinkDeviceKind kind)
{
  g_return_val_if_fail (BLINK_IS_DEVICE_MONITOR (self), NULL);

  return self->chosen[kind];
}
