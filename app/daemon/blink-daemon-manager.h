/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "blink-call-manager.h"
#include "blink-dbus-generated.h"
#include "blink-call-history.h"
#include "blink-contact-store.h"
#include "blink-verified-store.h"

G_BEGIN_DECLS

#define BLINK_DAEMON_OBJECT_PATH "/im/blink/Blink1"

#define BLINK_TYPE_DAEMON_MANAGER (blink_daemon_manager_get_type ())
G_DECLARE_FINAL_TYPE (BlinkDaemonManager, blink_daemon_manager, BLINK, DAEMON_MANAGER,
                      BlinkDbusManager1Skeleton)

BlinkDaemonManager *blink_daemon_manager_new (BlinkCallManager *engine,
                                              BlinkVerifiedStore *verified,
                                              BlinkContactStore *contacts,
                                              BlinkCallHistory *history);

gboolean blink_daemon_manager_export (BlinkDaemonManager *self,
                                      GDBusConnection *connection,
                                      GError **error);
void blink_daemon_manager_unexport (BlinkDaemonManager *self);
void blink_daemon_manager_set_relay (BlinkDaemonManager *self,
                                     BlinkRelayPolicy policy);

G_END_DECLS
