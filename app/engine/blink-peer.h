/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>
#include <gst/gst.h>

#include "blink-connection-stats.h"
#include "blink-recorder.h"

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
 * STUN and TURN servers, the jitter buffer's latency, the time between two
 * ICE connectivity checks (0: libnice's 20 ms), and whether ICE may only
 * use the TURN servers' relays (the peer then learns none of our
 * addresses).
 */
typedef struct
{
  char **ice_addresses;
  char *stun_server;
  char **turn_servers;
  guint latency_ms;
  guint ice_pacing_ms;
  gboolean relay_only;
} BlinkMediaConfig;

/* RFC 8445's floor for the pacing of checks: a call has one stream and a
 * few candidates, so checking at 5 ms rather than libnice's 20 ms brings
 * the first nominated pair ~45 ms sooner (docs/benchmarks.md). */
#define BLINK_PEER_ICE_PACING_MS 5

/* What a peer's audio is played later than it arrived, beyond the jitter
 * buffer's latency, at first: the time a loaded machine takes to make the
 * decoding branch and to schedule its threads (docs/engine.md, "The start
 * of a call"); more while it comes later than that (BlinkPlayDelay). 20 ms
 * was tried: "The margin, 40 → 20 ms, tried". */
#define BLINK_PEER_PLAY_MARGIN_MS 40

/**
 * BLINK_PEER_MAX_REMOTE_CANDIDATES:
 *
 * How many distinct ICE candidates a connection takes from its peer over
 * its life, those kept until the remote description is set included; the
 * others are dropped and counted (#BlinkConnectionStats.candidates_dropped).
 *
 * Why 128: libnice (0.1.21) gathers, per local address, a host candidate
 * for UDP, TCP active and TCP passive (3); behind a NAT and with a STUN
 * server a server-reflexive one for each (3); and per TURN server a relayed
 * one on the UDP and on the TCP active base (2). A global IPv6 address has
 * no server-reflexive ones (they would be the host's own), a link-local one
 * only the 3 host ones. A dual-stack laptop on Wi-Fi and Ethernet (per
 * network an IPv4 address, two global IPv6 ones and a link-local one) with
 * one STUN and one TURN server sends 2 × (8 + 2 × 5 + 3) = 42 candidates;
 * with a second TURN server and a VPN, about 70. 128 leaves room above
 * that, and bounds what one peer makes us keep and makes libnice check.
 */
#define BLINK_PEER_MAX_REMOTE_CANDIDATES 128

/**
 * BlinkPeerTimeline:
 * When a connection passed each step of its setup, on the monotonic clock
 * (µs; 0: not yet), for the setup-time breakdown (docs/benchmarks.md).
 * @started: blink_peer_start() or blink_peer_prepare()
 * @speaking: it began to send what it says: at its start, or at
 *   blink_peer_speak() for one prepared
 * @local_description: our SDP (offer or answer) was made (and sent, unless
 *   the peer is quiet)
 * @remote_description: the peer's SDP was applied
 * @ice_connected: ICE found a working candidate pair
 * @connected: DTLS done, the connection up
 * @first_media: the peer's first RTP packet came out of webrtcbin (after
 *   its jitter buffer)
 */
typedef struct
{
  gint64 started;
  gint64 speaking;
  gint64 local_description;
  gint64 remote_description;
  gint64 ice_connected;
  gint64 connected;
  gint64 first_media;
} BlinkPeerTimeline;

#define BLINK_TYPE_PEER (blink_peer_get_type ())
G_DECLARE_FINAL_TYPE (BlinkPeer, blink_peer, BLINK, PEER, GObject)

void blink_peer_warm_up (void);

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
void blink_peer_get_timeline (BlinkPeer *self,
                              BlinkPeerTimeline *timeline);
gboolean blink_peer_get_receiving (BlinkPeer *self);
guint blink_peer_get_n_remote_candidates (BlinkPeer *self);
guint64 blink_peer_get_candidates_dropped (BlinkPeer *self);

void blink_peer_start (BlinkPeer *self);
void blink_peer_prepare (BlinkPeer *self);
void blink_peer_speak (BlinkPeer *self);
gboolean blink_peer_is_quiet (BlinkPeer *self);
void blink_peer_set_remote_description (BlinkPeer *self,
                                        const char *type,
                                        const char *sdp);
void blink_peer_add_ice_candidate (BlinkPeer *self,
                                   guint mline,
                                   const char *candidate);
void blink_peer_set_held (BlinkPeer *self,
                          gboolean send,
                          gboolean receive);
void blink_peer_set_volume (BlinkPeer *self,
                            double volume);
void blink_peer_set_recorder (BlinkPeer *self,
                              BlinkRecorder *recorder);
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
