/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_TYPE_BLINK_SIGNALLER (gst_blink_signaller_get_type ())
G_DECLARE_FINAL_TYPE (GstBlinkSignaller, gst_blink_signaller, GST, BLINK_SIGNALLER, GstElement)

GST_ELEMENT_REGISTER_DECLARE (blinksignaller);

G_END_DECLS
