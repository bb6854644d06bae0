/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

#include "blink-audio-pipeline.h"
#include "blink-call.h"
#include "blink-peer.h"

G_BEGIN_DECLS

/**
 * BlinkRelayPolicy:
 * @BLINK_RELAY_NEVER: ICE takes every path it finds
 * @BLINK_RELAY_STRANGERS: a connection to someone not known only goes
 *   through TURN relays
 * @BLINK_RELAY_ALWAYS: every connection only goes through TURN relays
 *
 * Which connections keep our addresses from the peer by only using TURN
 * relays (docs/security.md, "Addresses"). Without a TURN server a
 * connection could not be made so: then none is relayed.
 */
typedef enum
{
  BLINK_RELAY_NEVER,
  BLINK_RELAY_STRANGERS,
  BLINK_RELAY_ALWAYS,
} BlinkRelayPolicy;

#define BLINK_TYPE_RELAY_POLICY (blink_relay_policy_get_type ())
GType blink_relay_policy_get_type (void);

const char *blink_relay_policy_to_string (BlinkRelayPolicy policy);
gboolean blink_relay_policy_from_string (const char *text,
                                         BlinkRelayPolicy *policy);

#define BLINK_TYPE_CONNECTIONS (blink_connections_get_type ())
G_DECLARE_FINAL_TYPE (BlinkConnections, blink_connections, BLINK, CONNECTIONS, GObject)

BlinkConnections *blink_connections_new (GMainContext *context,
                                         const char *self_did,
                                         const BlinkMediaConfig *config);

void blink_connections_set_call (BlinkConnections *self,
                                 BlinkCall *call,
                                 BlinkAudioPipeline *media);
void blink_connections_set_held (BlinkConnections *self,
                                 gboolean held);
void blink_connections_set_recorder (BlinkConnections *self,
                                     BlinkRecorder *recorder);
void blink_connections_set_relay (BlinkConnections *self,
                                  BlinkRelayPolicy policy,
                                  const char *const *known);
gboolean blink_connections_relays (BlinkConnections *self,
                                   const char *did);
void blink_connections_ensure (BlinkConnections *self,
                               const char *did);
void blink_connections_prepare (BlinkConnections *self,
                                const char *did);
void blink_connections_set_remote_description (BlinkConnections *self,
                                               const char *did,
                                               guint connection,
                                               const char *type,
                                               const char *sdp);
void blink_connections_add_ice_candidate (BlinkConnections *self,
                                          const char *did,
                                          guint connection,
                                          guint mline,
                                          const char *candidate);
void blink_connections_note_announce (BlinkConnections *self,
                                      const char *did);
void blink_connections_close (BlinkConnections *self,
                              const char *did);
void blink_connections_close_all (BlinkConnections *self);
void blink_connections_set_aside (BlinkConnections *self);
gboolean blink_connections_close_broken (BlinkConnections *self,
                                         GstObject *element,
                                         const GError *error);
gboolean blink_connections_reconnect (BlinkConnections *self,
                                      const char *did);
gboolean blink_connections_was_up (BlinkConnections *self,
                                   const char *did);
gboolean blink_connections_reconnect_wanted (BlinkConnections *self,
                                             const char *did,
                                             guint connection);
guint blink_connections_get_n_closing (BlinkConnections *self);
guint64 blink_connections_get_certificate_mismatches (BlinkConnections *self);
guint64 blink_connections_get_signals_dropped (BlinkConnections *self);
BlinkPeer *blink_connections_get_peer (BlinkConnections *self,
                                      const char *did);
const char *blink_connections_find_owner (BlinkConnections *self,
                                          GstObject *object);

void blink_connections_get_stats_async (BlinkConnections *self,
                                        GAsyncReadyCallback callback,
                                        gpointer user_data);
GHashTable *blink_connections_get_stats_finish (BlinkConnections *self,
                                                GAsyncResult *result,
                                                GError **error);

G_END_DECLS
