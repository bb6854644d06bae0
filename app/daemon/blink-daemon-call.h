/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "blink-call-manager.h"
#include "blink-dbus-generated.h"
#include "blink-verified-store.h"

G_BEGIN_DECLS

#define BLINK_TYPE_DAEMON_CALL (blink_daemon_call_get_type ())
G_DECLARE_FINAL_TYPE (BlinkDaemonCall, blink_daemon_call, BLINK, DAEMON_CALL,
                      BlinkDbusCall1Skeleton)

BlinkDaemonCall *blink_daemon_call_new (BlinkCallManager *manager,
                                        BlinkCall *call,
                                        BlinkVerifiedStore *verified);

BlinkCall *blink_daemon_call_get_call (BlinkDaemonCall *self);

G_END_DECLS
