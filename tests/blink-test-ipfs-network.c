/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "blink-test"

#include "config.h"

#include "blink-test-ipfs-network.h"
#include "blink-test-stacks.h"
#include "blink-ipfs-client.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>

#define START_TIMEOUT_MS 20000

typedef struct
{
  char kind; /* 'k' Kubo, 'j' the js-libp2p node */
  GSubprocess *process;
  GDataInputStream *output;
  GCancellable *cancellable;
  char *repo;
  char *api;
  char *api_address; /* host:port, kept across restarts */
  char *peer_id;
  char *swarm;
  int peers;
  gboolean ready;
  gboolean exited;
} Node;

struct _BlinkTestIpfsNetwork
{
  GPtrArray *nodes;
  GStrv extra_args;
};

static gboolean
is_executable (const char *variable)
{
  const char *path = g_getenv (variable);

  return path != NULL && g_file_test (path, G_FILE_TEST_IS_EXECUTABLE);
}

/* The program and script that run one node of @kind. */
static void
node_command (char kind,
              const char **program,
              const char **script)
{
  *program = g_getenv (kind == 'k' ? "BLINK_TEST_PYTHON" : "BLINK_TEST_NODE");
  *script = g_getenv (kind == 'k' ? "BLINK_TEST_KUBO_NODE_SCRIPT" : "BLINK_TEST_IPFS_NODE_SCRIPT");
}

/**
 * blink_test_ipfs_default_kind:
 *
 * Returns: the kind of node tests run on unless they ask for one: 'k'
 *   (Kubo), or 'j' (tests/ipfs-node) when `BLINK_TEST_IPFS=js`
 */
char
blink_test_ipfs_default_kind (void)
{
  return g_strcmp0 (g_getenv ("BLINK_TEST_IPFS"), "js") == 0 ? 'j' : 'k';
}

/**
 * blink_test_ipfs_kind_name:
 *
 * Returns: "kubo" for 'k', "js" for 'j', for figures and messages
 */
const char *
blink_test_ipfs_kind_name (char kind)
{
  return kind == 'k' ? "kubo" : "js";
}

/**
 * blink_test_ipfs_network_available_for:
 * @kinds: one letter per node, 'k' (Kubo) or 'j' (tests/ipfs-node)
 *
 * Returns: whether every kind of node in @kinds is installed and can be run
 */
gboolean
blink_test_ipfs_network_available_for (const char *kinds)
{
  for (const char *kind = kinds; *kind != '\0'; kind++)
    {
      const char *program, *script;

      node_command (*kind, &program, &script);
      if (script == NULL || !is_executable (*kind == 'k' ? "BLINK_KUBO" : "BLINK_TEST_NODE"))
        return FALSE;
    }

  return TRUE;
}

/**
 * blink_test_ipfs_network_available:
 *
 * Returns: whether the default kind of node is installed and can be run
 */
gboolean
blink_test_ipfs_network_available (void)
{
  char kinds[] = { blink_test_ipfs_default_kind (), '\0' };

  return blink_test_ipfs_network_available_for (kinds);
}

/**
 * blink_test_ipfs_unavailable_reason:
 *
 * Returns: what to run to install the nodes, for g_test_skip()
 */
const char *
blink_test_ipfs_unavailable_reason (void)
{
  return "the IPFS test network is not installed (build-aux/blink-dev build installs Kubo "
         "and tests/ipfs-node)";
}

static void
die_with_parent (gpointer user_data)
{
  /* A test that crashes leaves no node behind. */
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

static void read_next_line (Node *node);

static void
on_line (GObject *source,
         GAsyncResult *result,
         gpointer user_data)
{
  Node *node = user_data;
  g_autofree char *line = NULL;
  g_autoptr (GError) error = NULL;
  const char *value;

  line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (source), result, NULL,
                                                    &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (line == NULL)
    {
      node->exited = TRUE;
      return;
    }

  g_debug ("ipfs node: %s", line);
  if ((value = g_str_has_prefix (line, "RPC API server listening on /ip4/") ? line + 33 : NULL))
    {
      g_auto (GStrv) parts = g_strsplit (value, "/", -1);

      g_free (node->api);
      node->api = g_strdup_printf ("http://%s:%s", parts[0], parts[2]);
      if (node->api_address == NULL)
        node->api_address = g_strdup_printf ("%s:%s", parts[0], parts[2]);
    }
  else if (g_str_has_prefix (line, "PeerID: "))
    {
      g_free (node->peer_id);
      node->peer_id = g_strdup (line + 8);
    }
  else if (g_str_has_prefix (line, "Swarm listening on "))
    {
      g_free (node->swarm);
      node->swarm = g_strdup (line + 19);
    }
  else if (g_str_equal (line, "Daemon is ready"))
    node->ready = TRUE;
  else if (g_str_has_prefix (line, "Peers: "))
    node->peers = atoi (line + 7);

  read_next_line (node);
}

static void
read_next_line (Node *node)
{
  g_data_input_stream_read_line_async (node->output, G_PRIORITY_DEFAULT, node->cancellable,
                                       on_line, node);
}

static gboolean
node_is_ready (gpointer user_data)
{
  Node *node = user_data;

  return node->ready || node->exited;
}

static void
node_spawn (BlinkTestIpfsNetwork *self,
            Node *node)
{
  g_autoptr (GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (GError) error = NULL;
  const char *program, *script;

  node_command (node->kind, &program, &script);
  g_ptr_array_add (argv, (gpointer) program);
  g_ptr_array_add (argv, (gpointer) script);
  g_ptr_array_add (argv, "--exit-with-stdin");
  g_ptr_array_add (argv, "--repo");
  g_ptr_array_add (argv, node->repo);
  g_ptr_array_add (argv, "--api");
  g_ptr_array_add (argv, node->api_address != NULL ? node->api_address : "127.0.0.1:0");
  for (guint i = 0; i < self->nodes->len; i++)
    {
      Node *other = g_ptr_array_index (self->nodes, i);

      if (other != node && other->swarm != NULL && !other->exited)
        {
          g_ptr_array_add (argv, "--peer");
          g_ptr_array_add (argv, other->swarm);
        }
    }
  for (guint i = 0; self->extra_args != NULL && self->extra_args[i] != NULL; i++)
    g_ptr_array_add (argv, self->extra_args[i]);
  g_ptr_array_add (argv, NULL);

  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  node->process = g_subprocess_launcher_spawnv (launcher, (const char *const *) argv->pdata, &error);
  g_assert_no_error (error);

  node->ready = FALSE;
  node->exited = FALSE;
  node->cancellable = g_cancellable_new ();
  node->output = g_data_input_stream_new (g_subprocess_get_stdout_pipe (node->process));
  read_next_line (node);

  g_assert_true (blink_test_wait_until (node_is_ready, node, START_TIMEOUT_MS));
  g_assert_false (node->exited);
}

static void
node_reap (Node *node,
           int signum)
{
  if (node->process == NULL)
    return;

  g_cancellable_cancel (node->cancellable);
  g_subprocess_send_signal (node->process, signum);
  g_subprocess_wait (node->process, NULL, NULL);
  g_clear_object (&node->process);
  g_clear_object (&node->output);
  g_clear_object (&node->cancellable);
  node->exited = TRUE;
  node->peers = 0;
}

typedef struct
{
  BlinkTestIpfsNetwork *self;
  int want;
} PeersWanted;

static gboolean
all_have_peers (gpointer user_data)
{
  PeersWanted *wanted = user_data;

  for (guint i = 0; i < wanted->self->nodes->len; i++)
    {
      Node *node = g_ptr_array_index (wanted->self->nodes, i);

      if (!node->exited && node->peers < wanted->want)
        return FALSE;
    }

  return TRUE;
}

/**
 * blink_test_ipfs_network_start_kinds:
 * @kinds: one letter per node: 'k' for Kubo, 'j' for tests/ipfs-node
 * @extra_args: (nullable): more arguments for every node
 *
 * Starts the nodes and waits until every one is ready and connected to
 * every other one. Fails the test if that does not happen in time.
 */
BlinkTestIpfsNetwork *
blink_test_ipfs_network_start_kinds (const char *kinds,
                                     const char *const *extra_args)
{
  BlinkTestIpfsNetwork *self = g_new0 (BlinkTestIpfsNetwork, 1);
  guint n_nodes = strlen (kinds);
  PeersWanted wanted = { self, n_nodes - 1 };

  self->nodes = g_ptr_array_new ();
  self->extra_args = g_strdupv ((char **) extra_args);

  for (guint i = 0; i < n_nodes; i++)
    {
      Node *node = g_new0 (Node, 1);
      g_autoptr (GError) error = NULL;

      node->kind = kinds[i];
      node->repo = g_dir_make_tmp ("blink-ipfs-XXXXXX", &error);
      g_assert_no_error (error);
      g_ptr_array_add (self->nodes, node);
      node_spawn (self, node);
    }

  g_assert_true (blink_test_wait_until (all_have_peers, &wanted, START_TIMEOUT_MS));

  return self;
}

/**
 * blink_test_ipfs_network_start:
 * @n_nodes: how many nodes, each connected to all the others
 * @extra_args: (nullable): more arguments for every node
 *
 * Starts @n_nodes nodes of the default kind (see
 * blink_test_ipfs_default_kind()), as blink_test_ipfs_network_start_kinds().
 */
BlinkTestIpfsNetwork *
blink_test_ipfs_network_start (guint n_nodes,
                               const char *const *extra_args)
{
  g_autofree char *kinds = g_strnfill (n_nodes, blink_test_ipfs_default_kind ());

  return blink_test_ipfs_network_start_kinds (kinds, extra_args);
}

static void
remove_tree (const char *path)
{
  g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      /* A Kubo repo has folders; a js node's has files only. */
      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        remove_tree (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

void
blink_test_ipfs_network_stop (BlinkTestIpfsNetwork *self)
{
  if (self == NULL)
    return;

  for (guint i = 0; i < self->nodes->len; i++)
    {
      Node *node = g_ptr_array_index (self->nodes, i);

      node_reap (node, SIGTERM);
      remove_tree (node->repo);
      g_free (node->repo);
      g_free (node->api);
      g_free (node->api_address);
      g_free (node->peer_id);
      g_free (node->swarm);
      g_free (node);
    }

  g_ptr_array_unref (self->nodes);
  g_strfreev (self->extra_args);
  g_free (self);
}

const char *
blink_test_ipfs_network_get_api (BlinkTestIpfsNetwork *self,
                                 guint node)
{
  return ((Node *) g_ptr_array_index (self->nodes, node))->api;
}

const char *
blink_test_ipfs_network_get_peer_id (BlinkTestIpfsNetwork *self,
                                     guint node)
{
  return ((Node *) g_ptr_array_index (self->nodes, node))->peer_id;
}

/**
 * blink_test_ipfs_network_kill:
 *
 * Kills a node with SIGKILL, as a crash would: it says goodbye to nobody.
 */
void
blink_test_ipfs_network_kill (BlinkTestIpfsNetwork *self,
                              guint node)
{
  node_reap (g_ptr_array_index (self->nodes, node), SIGKILL);
}

/**
 * blink_test_ipfs_network_restart:
 *
 * Starts a killed node again on the same API port, with the same peer key,
 * connected to the others; waits until they see each other again.
 */
void
blink_test_ipfs_network_restart (BlinkTestIpfsNetwork *self,
                                 guint node)
{
  PeersWanted wanted = { self, self->nodes->len - 1 };

  node_spawn (self, g_ptr_array_index (self->nodes, node));
  g_assert_true (blink_test_wait_until (all_have_peers, &wanted, START_TIMEOUT_MS));
}

static void
store_result (GObject *source,
              GAsyncResult *result,
              gpointer user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static gboolean
result_ready (gpointer user_data)
{
  return *(GAsyncResult **) user_data != NULL;
}

/**
 * blink_test_ipfs_network_wait_for_subscriber:
 * @node: the node that must know
 * @subscriber: the node that subscribes to @topic
 *
 * Waits until @node knows that @subscriber subscribes to @topic: only then
 * does a publish on @node reach @subscriber (pubsub drops what it cannot
 * deliver). Asks @node every 20 ms: its RPC API has no event for it.
 *
 * Returns: whether that happened within @timeout_ms
 */
gboolean
blink_test_ipfs_network_wait_for_subscriber (BlinkTestIpfsNetwork *self,
                                             guint node,
                                             const char *topic,
                                             guint subscriber,
                                             guint timeout_ms)
{
  const char *peer_id = blink_test_ipfs_network_get_peer_id (self, subscriber);
  gint64 deadline = g_get_monotonic_time () + timeout_ms * (gint64) 1000;
  g_autoptr (GError) error = NULL;
  g_autoptr (BlinkIpfsClient) client =
    blink_ipfs_client_new (blink_test_ipfs_network_get_api (self, node), &error);

  g_assert_no_error (error);
  while (g_get_monotonic_time () < deadline)
    {
      g_autoptr (GAsyncResult) result = NULL;
      g_auto (GStrv) peers = NULL;

      blink_ipfs_client_list_peers_async (client, topic, NULL, store_result, &result);
      if (!blink_test_wait_until (result_ready, &result, timeout_ms))
        return FALSE;
      peers = blink_ipfs_client_list_finish (client, result, NULL);
      if (peers != NULL && g_strv_contains ((const char *const *) peers, peer_id))
        return TRUE;
      g_usleep (20 * 1000);
    }

  return FALSE;
}

/**
 * blink_test_ipfs_network_find_topic:
 * @node: whose subscriptions to look at
 * @prefix: e.g. "blink/2/call/"
 *
 * Topic names are hashes under keys the test does not see: this finds one
 * by asking the node that subscribes to it.
 *
 * Returns: (transfer full) (nullable): the first topic @node subscribes to
 *   that starts with @prefix
 */
char *
blink_test_ipfs_network_find_topic (BlinkTestIpfsNetwork *self,
                                    guint node,
                                    const char *prefix)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (BlinkIpfsClient) client =
    blink_ipfs_client_new (blink_test_ipfs_network_get_api (self, node), &error);
  g_autoptr (GAsyncResult) result = NULL;
  g_auto (GStrv) topics = NULL;

  g_assert_no_error (error);
  blink_ipfs_client_list_topics_async (client, NULL, store_result, &result);
  if (!blink_test_wait_until (result_ready, &result, 5000))
    return NULL;
  topics = blink_ipfs_client_list_finish (client, result, NULL);
  for (guint i = 0; topics != NULL && topics[i] != NULL; i++)
    if (g_str_has_prefix (topics[i], prefix))
      return g_strdup (topics[i]);
  return NULL;
}

static gboolean
on_wait_tick (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

/**
 * blink_test_wait_until:
 *
 * Runs the main context until @condition holds or @timeout_ms pass, not
 * counting the time the whole process did not run (a machine that paused
 * it: blink_test_process_paused_us()).
 *
 * Returns: whether @condition holds
 */
gboolean
blink_test_wait_until (BlinkTestCondition condition,
                       gpointer user_data,
                       guint timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;
  gint64 paused = blink_test_process_paused_us ();
  /* Conditions may be made true by other threads (an appsink's), which do
   * not wake the main context: look again every 10 ms. */
  guint tick_id = g_timeout_add (10, on_wait_tick, NULL);

  blink_test_main_loop_watch (TRUE);
  while (!condition (user_data) &&
         g_get_monotonic_time () < deadline + blink_test_process_paused_us () - paused)
    {
      g_main_context_iteration (NULL, TRUE);
      blink_test_main_loop_turned ();
    }
  blink_test_main_loop_watch (FALSE);
  g_source_remove (tick_id);

  return condition (user_data);
}

static gboolean
never (gpointer user_data)
{
  return FALSE;
}

/**
 * blink_test_pass_time:
 *
 * Lets the main loop run for @ms: to see that nothing more happens, or to
 * give a process time.
 */
void
blink_test_pass_time (guint ms)
{
  blink_test_wait_until (never, NULL, ms);
}
