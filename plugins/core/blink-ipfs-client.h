/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/**
 * BlinkIpfsState:
 * @BLINK_IPFS_STATE_CONNECTING: not heard from the node yet
 * @BLINK_IPFS_STATE_CONNECTED: the node answers and every subscription is live
 * @BLINK_IPFS_STATE_RECONNECTING: the node went away; retrying with backoff
 */
typedef enum
{
  BLINK_IPFS_STATE_CONNECTING,
  BLINK_IPFS_STATE_CONNECTED,
  BLINK_IPFS_STATE_RECONNECTING,
} BlinkIpfsState;

#define BLINK_TYPE_IPFS_STATE (blink_ipfs_state_get_type ())
GType blink_ipfs_state_get_type (void);

#define BLINK_TYPE_IPFS_CLIENT (blink_ipfs_client_get_type ())
G_DECLARE_FINAL_TYPE (BlinkIpfsClient, blink_ipfs_client, BLINK, IPFS_CLIENT, GObject)

BlinkIpfsClient *blink_ipfs_client_new (const char *api_address,
                                        GError **error);

const char *blink_ipfs_client_get_api_url (BlinkIpfsClient *self);
BlinkIpfsState blink_ipfs_client_get_state (BlinkIpfsClient *self);
guint blink_ipfs_client_get_malformed_lines (BlinkIpfsClient *self);

void blink_ipfs_client_subscribe (BlinkIpfsClient *self,
                                  const char *topic);
void blink_ipfs_client_unsubscribe (BlinkIpfsClient *self,
                                    const char *topic);
gboolean blink_ipfs_client_is_subscribed (BlinkIpfsClient *self,
                                          const char *topic);

void blink_ipfs_client_publish_async (BlinkIpfsClient *self,
                                      const char *topic,
                                      GBytes *data,
                                      guint attempts,
                                      GCancellable *cancellable,
                                      GAsyncReadyCallback callback,
                                      gpointer user_data);
gboolean blink_ipfs_client_publish_finish (BlinkIpfsClient *self,
                                           GAsyncResult *result,
                                           GError **error);
void blink_ipfs_client_flush_async (BlinkIpfsClient *self,
                                    GAsyncReadyCallback callback,
                                    gpointer user_data);
gboolean blink_ipfs_client_flush_finish (BlinkIpfsClient *self,
                                         GAsyncResult *result,
                                         GError **error);

void blink_ipfs_client_call_async (BlinkIpfsClient *self,
                                   const char *command,
                                   const char *arg,
                                   GCancellable *cancellable,
                                   GAsyncReadyCallback callback,
                                   gpointer user_data);
JsonNode *blink_ipfs_client_call_finish (BlinkIpfsClient *self,
                                         GAsyncResult *result,
                                         GError **error);

void blink_ipfs_client_id_async (BlinkIpfsClient *self,
                                 GCancellable *cancellable,
                                 GAsyncReadyCallback callback,
                                 gpointer user_data);
char *blink_ipfs_client_id_finish (BlinkIpfsClient *self,
                                   GAsyncResult *result,
                                   GError **error);

void blink_ipfs_client_list_topics_async (BlinkIpfsClient *self,
                                          GCancellable *cancellable,
                                          GAsyncReadyCallback callback,
                                          gpointer user_data);
void blink_ipfs_client_list_peers_async (BlinkIpfsClient *self,
                                         const char *topic,
                                         GCancellable *cancellable,
                                         GAsyncReadyCallback callback,
                                         gpointer user_data);
GStrv blink_ipfs_client_list_finish (BlinkIpfsClient *self,
                                     GAsyncResult *result,
                                     GError **error);

G_END_DECLS
