/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "blinkd-ipfs"

#include "config.h"

#include "blink-daemon-ipfs.h"

#include "blink-context.h"

#include "blink-errors.h"
#include "blink-ipfs-client.h"

#include <json-glib/json-glib.h>

/* What `blink status` shows of the IPFS node blinkd signals through, so
 * that a user sees a problem before calling: every few seconds blinkd asks
 * the node for its pubsub topics (which fails while Kubo's pubsub is off)
 * and for its swarm peers. */

#define CHECK_INTERVAL_S 2

enum
{
  PROP_0,
  PROP_STATE,
  PROP_PEERS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

struct _BlinkDaemonIpfs
{
  GObject parent_instance;

  BlinkIpfsClient *client;
  GCancellable *cancellable;
  GMainContext *context;
  GSource *check;
  const char *state; /* static: "connecting", "connected", "unreachable", "pubsub-off" */
  guint peers;
};

G_DEFINE_FINAL_TYPE (BlinkDaemonIpfs, blink_daemon_ipfs, G_TYPE_OBJECT)

static void check (BlinkDaemonIpfs *self);

static void
set_status (BlinkDaemonIpfs *self,
            const char *state,
            guint peers)
{
  if (!g_str_equal (state, self->state))
    {
      g_debug ("IPFS node %s: %s", blink_ipfs_client_get_api_url (self->client), state);
      self->state = state;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
    }
  if (peers != self->peers)
    {
      self->peers = peers;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PEERS]);
    }
}

static gboolean
on_check_timeout (gpointer user_data)
{
  BlinkDaemonIpfs *self = user_data;

  blink_clear_source (&self->check);
  check (self);
  return G_SOURCE_REMOVE;
}

static void
check_later (BlinkDaemonIpfs *self)
{
  self->check = blink_context_add_timeout (self->context, CHECK_INTERVAL_S * 1000,
                                           on_check_timeout, self, NULL);
}

static void
on_peers_done (GObject *source,
               GAsyncResult *result,
               gpointer user_data)
{
  g_autoptr (BlinkDaemonIpfs) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) node = blink_ipfs_client_call_finish (BLINK_IPFS_CLIENT (source), result,
                                                             &error);
  guint peers = 0;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (node != NULL && JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonNode *list = json_object_get_member (json_node_get_object (node), "Peers");

      /* Kubo answers "Peers": null when there are none. */
      if (list != NULL && JSON_NODE_HOLDS_ARRAY (list))
        peers = json_array_get_length (json_node_get_array (list));
    }
  set_status (self, error == NULL ? "connected" : "unreachable", peers);
  check_later (self);
}

static void
on_topics_done (GObject *source,
                GAsyncResult *result,
                gpointer user_data)
{
  g_autoptr (BlinkDaemonIpfs) self = user_data;
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) topics = blink_ipfs_client_list_finish (BLINK_IPFS_CLIENT (source), result,
                                                         &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (error != NULL)
    {
      set_status (self,
                  g_error_matches (error, BLINK_IPFS_ERROR, BLINK_IPFS_ERROR_PUBSUB_OFF)
                    ? "pubsub-off"
                    : "unreachable",
                  0);
      check_later (self);
      return;
    }

  blink_ipfs_client_call_async (self->client, "swarm/peers", NULL, self->cancellable,
                                on_peers_done, g_object_ref (self));
}

static void
check (BlinkDaemonIpfs *self)
{
  blink_ipfs_client_list_topics_async (self->client, self->cancellable, on_topics_done,
                                       g_object_ref (self));
}

static void
blink_daemon_ipfs_get_property (GObject *object,
                                guint prop_id,
                                GValue *value,
                                GParamSpec *pspec)
{
  BlinkDaemonIpfs *self = BLINK_DAEMON_IPFS (object);

  switch (prop_id)
    {
    case PROP_STATE:
      g_value_set_string (value, self->state);
      break;
    case PROP_PEERS:
      g_value_set_uint (value, self->peers);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
blink_daemon_ipfs_dispose (GObject *object)
{
  BlinkDaemonIpfs *self = BLINK_DAEMON_IPFS (object);

  g_cancellable_cancel (self->cancellable);
  blink_clear_source (&self->check);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_clear_object (&self->client);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (blink_daemon_ipfs_parent_class)->dispose (object);
}

static void
blink_daemon_ipfs_class_init (BlinkDaemonIpfsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = blink_daemon_ipfs_get_property;
  object_class->dispose = blink_daemon_ipfs_dispose;

  properties[PROP_STATE] = g_param_spec_string (
    "state", "State", "connecting, connected, unreachable or pubsub-off", "connecting",
    G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_PEERS] =
    g_param_spec_uint ("peers", "Peers", "The node's swarm peers", 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
blink_daemon_ipfs_init (BlinkDaemonIpfs *self)
{
  self->state = "connecting";
  self->cancellable = g_cancellable_new ();
  self->context = g_main_context_ref_thread_default ();
}

/**
 * blink_daemon_ipfs_new:
 * @api_address: (nullable): the node's RPC API, or %NULL to find it as the
 *   signaller does
 *
 * Starts watching the node at once.
 */
BlinkDaemonIpfs *
blink_daemon_ipfs_new (const char *api_address,
                       GError **error)
{
  g_autoptr (BlinkDaemonIpfs) self = g_object_new (BLINK_TYPE_DAEMON_IPFS, NULL);

  self->client = blink_ipfs_client_new (api_address, error);
  if (self->client == NULL)
    return NULL;
  check (self);
  return g_steal_pointer (&self);
}

const char *
blink_daemon_ipfs_get_api (BlinkDaemonIpfs *self)
{
  g_return_val_if_fail (BLINK_IS_DAEMON_IPFS (self), NULL);

  return blink_ipfs_client_get_api_url (self->client);
}
