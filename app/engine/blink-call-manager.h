/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

#include "blink-call.h"
#include "blink-connection-stats.h"
#include "blink-device-monitor.h"
#include "blink-connections.h"
#include "blink-engine-errors.h"
#include "blink-peer.h"
#include "blink-signaller.h"

G_BEGIN_DECLS

#define BLINK_TYPE_CALL_MANAGER (blink_call_manager_get_type ())
G_DECLARE_FINAL_TYPE (BlinkCallManager, blink_call_manager, BLINK, CALL_MANAGER, GObject)

BlinkCallManager *blink_call_manager_new (void);

gboolean blink_call_manager_start (BlinkCallManager *self,
                                   GError **error);
void blink_call_manager_stop_async (BlinkCallManager *self,
                                    GAsyncReadyCallback callback,
                                    gpointer user_data);
gboolean blink_call_manager_stop_finish (BlinkCallManager *self,
                                         GAsyncResult *result,
                                         GError **error);

const char *blink_call_manager_get_did (BlinkCallManager *self);
BlinkSignaller *blink_call_manager_get_signaller (BlinkCallManager *self);
BlinkConnections *blink_call_manager_get_connections (BlinkCallManager *self);
BlinkCall *blink_call_manager_get_active_call (BlinkCallManager *self);
void blink_call_manager_set_relay (BlinkCallManager *self,
                                   BlinkRelayPolicy policy,
                                   const char *const *known);
gboolean blink_call_manager_get_setup_timeline (BlinkCallManager *self,
                                                const char *did,
                                                BlinkPeerTimeline *timeline);
GPtrArray *blink_call_manager_get_calls (BlinkCallManager *self);
BlinkCall *blink_call_manager_find_call (BlinkCallManager *self,
                                         const char *id);

BlinkCall *blink_call_manager_offer (BlinkCallManager *self,
                                     const char *const *dids,
                                     GError **error);
gboolean blink_call_manager_accept (BlinkCallManager *self,
                                    BlinkCall *call,
                                    GError **error);
gboolean blink_call_manager_decline (BlinkCallManager *self,
                                     BlinkCall *call,
                                     GError **error);
gboolean blink_call_manager_cancel (BlinkCallManager *self,
                                    BlinkCall *call,
                                    GError **error);
gboolean blink_call_manager_hang_up (BlinkCallManager *self,
                                     GError **error);
gboolean blink_call_manager_start_recording (BlinkCallManager *self,
                                             BlinkCall *call,
                                             const char *directory,
                                             GError **error);
void blink_call_manager_stop_recording_async (BlinkCallManager *self,
                                              BlinkCall *call,
                                              GAsyncReadyCallback callback,
                                              gpointer user_data);
gboolean blink_call_manager_stop_recording_finish (BlinkCallManager *self,
                                                   GAsyncResult *result,
                                                   GError **error);
gboolean blink_call_manager_invite (BlinkCallManager *self,
                                   BlinkCall *call,
                                   const char *const *dids,
                                   GError **error);
void blink_call_manager_set_muted (BlinkCallManager *self,
                                   gboolean muted);
void blink_call_manager_set_deafened (BlinkCallManager *self,
                                      gboolean deafened);
gboolean blink_call_manager_use_device (BlinkCallManager *self,
                                        BlinkDeviceKind kind,
                                        GstDevice *device,
                                        GError **error);
gboolean blink_call_manager_set_volume (BlinkCallManager *self,
                                        BlinkCall *call,
                                        const char *did,
                                        double volume,
                                        GError **error);

void blink_call_manager_get_stats_async (BlinkCallManager *self,
                                         GAsyncReadyCallback callback,
                                         gpointer user_data);
GHashTable *blink_call_manager_get_stats_finish (BlinkCallManager *self,
                                                 GAsyncResult *result,
                                                 GError **error);

G_END_DECLS
