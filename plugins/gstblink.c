/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/gst.h>

#include "gstblinkcall.h"
#include "gstblinksignaller.h"

static gboolean
plugin_init (GstPlugin *plugin)
{
  return GST_ELEMENT_REGISTER (blinksignaller, plugin) && GST_ELEMENT_REGISTER (blinkcall, plugin);
}

GST_PLUGIN_DEFINE (GST_VERSION_MAJOR, GST_VERSION_MINOR, blink,
                   "Blink: peer-to-peer encrypted calls over IPFS pubsub and WebRTC", plugin_init,
                   VERSION, "LGPL", PACKAGE_NAME, "https://blink.invalid/")
