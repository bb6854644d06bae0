/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * BlinkConnectionStats:
 * What one connection to a remote participant measured, and what the engine
 * dropped of what the participant sent (a participant without a connection
 * has only these).
 * @packets_sent: RTP packets we sent to the peer
 * @packets_received: RTP packets that arrived from the peer
 * @packets_lost: gaps in the peer's sequence numbers, as the jitter buffer
 *   last counted them (it counts at RTCP time, and counts what the peer
 *   sent before the connection was up)
 * @jitter: interarrival jitter, seconds
 * @round_trip_time: seconds, from the peer's RTCP reports; negative until known
 * @remote_fraction_lost: the share (0 to 1) of our packets the peer lost
 *   over the interval of its last RTCP receiver report; negative until known
 * @expected_loss: percent of packets the call's encoder expects lost (one
 *   encoder for all peers: the same in every connection's figures)
 * @signals_dropped: SDPs and ICE candidates from the participant that reached
 *   no connection: they came after the participant declined, left or failed,
 *   or more waited than a connection takes while the previous one closed
 * @candidates_dropped: ICE candidates the connection refused: more than
 *   %BLINK_PEER_MAX_REMOTE_CANDIDATES different ones
 * @play_delay: seconds: how much later than it arrives the peer's audio is
 *   played (the jitter buffer's latency and a margin at first, more once
 *   some came too late for the mixer; docs/engine.md, "Late audio");
 *   negative without a connection
 * @late_audio: seconds of the peer's audio that came too late all the same,
 *   and the mixer dropped
 * @connected_time: when the connection was up (monotonic µs), 0 before
 * @last_media_time: when the peer's last RTP packet came (monotonic µs), 0
 *   before the first
 * @local_candidate: the type of our candidate in the pair ICE selected
 *   ("host", "srflx", "prflx", "relay"), empty before one is selected
 * @remote_candidate: the type of the peer's candidate in that pair
 * @relay_protocol: when @local_candidate is "relay", how we reach the TURN
 *   server ("udp", "tcp", "tls"); empty otherwise
 */
typedef struct
{
  guint64 packets_sent;
  guint64 packets_received;
  gint64 packets_lost;
  double jitter;
  double round_trip_time;
  double remote_fraction_lost;
  guint expected_loss;
  guint64 signals_dropped;
  guint64 candidates_dropped;
  double play_delay;
  double late_audio;
  gint64 connected_time;
  gint64 last_media_time;
  char local_candidate[8];
  char remote_candidate[8];
  char relay_protocol[4];
} BlinkConnectionStats;

G_END_DECLS
