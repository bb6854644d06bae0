/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Starts a local IPFS pubsub network for a test, of Kubo nodes
 * (tests/kubo_node.py), tests/ipfs-node processes or both, and makes sure none
 * of them outlives it. */

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct _BlinkTestIpfsNetwork BlinkTestIpfsNetwork;

char blink_test_ipfs_default_kind (void);
const char *blink_test_ipfs_kind_name (char kind);
gboolean blink_test_ipfs_network_available (void);
gboolean blink_test_ipfs_network_available_for (const char *kinds);
const char *blink_test_ipfs_unavailable_reason (void);

BlinkTestIpfsNetwork *blink_test_ipfs_network_start (guint n_nodes,
                                                     const char *const *extra_args);
BlinkTestIpfsNetwork *blink_test_ipfs_network_start_kinds (const char *kinds,
                                                           const char *const *extra_args);
void blink_test_ipfs_network_stop (BlinkTestIpfsNetwork *self);

const char *blink_test_ipfs_network_get_api (BlinkTestIpfsNetwork *self,
                                             guint node);
const char *blink_test_ipfs_network_get_peer_id (BlinkTestIpfsNetwork *self,
                                                 guint node);

void blink_test_ipfs_network_kill (BlinkTestIpfsNetwork *self,
                                   guint node);
void blink_test_ipfs_network_restart (BlinkTestIpfsNetwork *self,
                                      guint node);

char *blink_test_ipfs_network_find_topic (BlinkTestIpfsNetwork *self,
                                          guint node,
                                          const char *prefix);
gboolean blink_test_ipfs_network_wait_for_subscriber (BlinkTestIpfsNetwork *self,
                                                      guint node,
                                                      const char *topic,
                                                      guint subscriber,
                                                      guint timeout_ms);

typedef gboolean (*BlinkTestCondition) (gpointer user_data);

gboolean blink_test_wait_until (BlinkTestCondition condition,
                                gpointer user_data,
                                guint timeout_ms);
void blink_test_pass_time (guint ms);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BlinkTestIpfsNetwork, blink_test_ipfs_network_stop)

G_END_DECLS
