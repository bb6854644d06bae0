/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>
#include <gst/gst.h>

#include "blink-connection-stats.h"

G_BEGIN_DECLS

/**
 * BlinkPeerState:
 * @BLINK_PEER_STATE_CONNECTING: negotiating, or ICE checking
 * @BLINK_PEER_STATE_CONNECTED: ICE connected, DTLS done, and the peer's
 *   certificate is the one its signed SDP names
 * @BLINK_PEER_STATE_FAILED: ICE failed, or the certificate is another one
 *   (#BlinkPeer:failure says which)
 * @BLINK_PEER_STATE_CLOSING: its webrtcbin is going to NULL
 * @BLINK_PEER_STATE_CLOSED: its webrtcbin reached NULL and left the pipeline
 */
typedef enum
{
  BLINK_PEER_STATE_CONNECTING,
  BLINK_PEER_STATE_CONNECTED,
  BLINK_PEER_STATE_FAILED,
  BLINK_PEER_STATE_CLOSING,
  BLINK_PEER_STATE_CLOSED,
} BlinkPeerState;

#define BLINK_TYPE_PEER_STATE (blink_peer_state_get_type ())
GType blink_peer_state_get_type (void);

/**
 * BlinkMediaConfig:
 * How peers connect: which local addresses ICE may use (all when empty),
 * STUN and TURN servers, and the jitter buffer's latency.
 */
typedef struct
{
  char **ice_addresses;
  char *stun_server;
  char **turn_servers;
  guint latency_ms;
} BlinkMediaConfig;

#define BLINK_TYPE_PEER (blink_peer_get_type ())
G_DECLARE_FINAL_TYPE (BlinkPeer, blink_peer, BLINK, PEER, GObject)

BlinkPeer *blink_peer_new (GstBin *pipeline,
                           GstElement *tee,
                           GstElement *mixer,
                           GstCaps *mix_caps,
                           const char *did,
                           gboolean offerer,
                           const BlinkMediaConfig *config);

const char *blink_peer_get_did (BlinkPeer *self);
BlinkPeerState blink_peer_get_state (BlinkPeer *self);
const GError *blink_peer_get_failure (BlinkPeer *self);
char *blink_peer_get_verification_code (BlinkPeer *self,
                                        const char *self_did);
gint64 blink_peer_get_last_media_time (BlinkPeer *self);
gboolean blink_peer_get_receiving (BlinkPeer *self);

void blink_peer_start (BlinkPeer *self);
void blink_peer_set_remote_description (BlinkPeer *self,
                                        const char *type,
                                        const char *sdp);
void blink_peer_add_ice_candidate (BlinkPeer *self,
                                   guint mline,
                                   const char *candidate);
void blink_peer_set_volume (BlinkPeer *self,
                            double volume);
void blink_peer_close (BlinkPeer *self);
gboolean blink_peer_contains (BlinkPeer *self,
                              GstObject *object);
void blink_peer_get_stats_async (BlinkPeer *self,
                                 GAsyncReadyCallback callback,
                                 gpointer user_data);
gboolean blink_peer_get_stats_finish (BlinkPeer *self,
                                      GAsyncResult *result,
                                      BlinkConnectionStats *stats,
                                      GError **error);

void blink_peer_guard_decoder (GstPad *depayloader_sink);

G_END_DECLS
