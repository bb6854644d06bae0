/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define BLINK_TYPE_DAEMON_IPFS (blink_daemon_ipfs_get_type ())
G_DECLARE_FINAL_TYPE (BlinkDaemonIpfs, blink_daemon_ipfs, BLINK, DAEMON_IPFS, GObject)

BlinkDaemonIpfs *blink_daemon_ipfs_new (const char *api_address,
                                        GError **error);

const char *blink_daemon_ipfs_get_api (BlinkDaemonIpfs *self);

G_END_DECLS
