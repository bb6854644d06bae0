/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_TYPE_BLINK_CALL (gst_blink_call_get_type ())
G_DECLARE_FINAL_TYPE (GstBlinkCall, gst_blink_call, GST, BLINK_CALL, GstBin)

GST_ELEMENT_REGISTER_DECLARE (blinkcall);

G_END_DECLS
