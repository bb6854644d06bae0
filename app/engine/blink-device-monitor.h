/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>
#include <gst/gst.h>

G_BEGIN_DECLS

/**
 * BlinkDeviceKind:
 * @BLINK_DEVICE_MICROPHONE: an audio source
 * @BLINK_DEVICE_SPEAKER: an audio sink
 */
typedef enum
{
  BLINK_DEVICE_MICROPHONE,
  BLINK_DEVICE_SPEAKER,
} BlinkDeviceKind;

#define BLINK_TYPE_DEVICE_MONITOR (blink_device_monitor_get_type ())
G_DECLARE_FINAL_TYPE (BlinkDeviceMonitor, blink_device_monitor, BLINK, DEVICE_MONITOR, GObject)

BlinkDeviceMonitor *blink_device_monitor_new (void);
gboolean blink_device_monitor_start (BlinkDeviceMonitor *self,
                                     GError **error);

GPtrArray *blink_device_monitor_list (BlinkDeviceMonitor *self);
GstDevice *blink_device_monitor_find (BlinkDeviceMonitor *self,
                                      BlinkDeviceKind kind,
                                      const char *name,
                                      GError **error);
gboolean blink_device_monitor_choose (BlinkDeviceMonitor *self,
                                      BlinkDeviceKind kind,
                                      const char *name,
                                      GError **error);
GstDevice *blink_device_monitor_get_chosen (BlinkDeviceMonitor *self,
                                            BlinkDeviceKind kind);

char *blink_device_get_id (GstDevice *device);
BlinkDeviceKind blink_device_get_kind (GstDevice *device);
gboolean blink_device_is_default (GstDevice *device);
const char *blink_device_kind_to_string (BlinkDeviceKind kind);

G_END_DECLS
