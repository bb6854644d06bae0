/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>
#include <gst/gst.h>

G_BEGIN_DECLS

#define BLINK_TYPE_RECORDER (blink_recorder_get_type ())
G_DECLARE_FINAL_TYPE (BlinkRecorder, blink_recorder, BLINK, RECORDER, GObject)

BlinkRecorder *blink_recorder_new (GstElement *pipeline,
                                   const char *directory,
                                   GError **error);

const char *blink_recorder_get_directory (BlinkRecorder *self);
void blink_recorder_follow (GstPad *pad);
void blink_recorder_add_track (BlinkRecorder *self,
                               const char *name,
                               const char *title,
                               GstPad *pad);
void blink_recorder_stop_async (BlinkRecorder *self,
                                GAsyncReadyCallback callback,
                                gpointer user_data);
gboolean blink_recorder_stop_finish (BlinkRecorder *self,
                                     GAsyncResult *result,
                                     GError **error);

char *blink_recorder_default_directory (const char *call_id);
char *blink_recorder_track_name (const char *prefix,
                                 const char *did);

G_END_DECLS
