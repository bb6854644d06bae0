/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* blinkd's D-Bus objects served in this process (library blinkdaemon) on a
 * private bus (GTestDBus), over a started engine on the local IPFS test
 * network, and called from a second connection as a client would. */
#include "config.h"

#include <glib/gstdio.h>
#include <gst/gst.h>

#include "blink-daemon-manager.h"
#include "blink-identity.h"
#include "blink-test-ipfs-network.h"
#include "blink-test-stacks.h"

#define WAIT_MS 20000

typedef struct
{
  GTestDBus *bus;
  GDBusConnection *server;
  GDBusConnection *client;
  BlinkTestIpfsNetwork *network;
  char *dir;
  BlinkCallManager *engine;
  BlinkVerifiedStore *verified;
  BlinkDaemonManager *manager;
  BlinkDbusManager1 *proxy;
} Fixture;

static gboolean
ipfs_connected (gpointer user_data)
{
  return blink_signaller_get_ipfs_state (blink_call_manager_get_signaller (user_data)) ==
         BLINK_IPFS_STATE_CONNECTED;
}

static void
fixture_set_up (Fixture *f,
                gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *key = NULL;
  g_autofree char *store = NULL;

  if (!blink_test_ipfs_network_available ())
    {
      g_test_skip ("tests/ipfs-node is not installed (npm ci)");
      return;
    }

  f->bus = g_test_dbus_new (G_TEST_DBUS_NONE);
  g_test_dbus_up (f->bus);
  f->server = g_dbus_connection_new_for_address_sync (
    g_test_dbus_get_bus_address (f->bus),
    G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT | G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
    NULL, NULL, &error);
  g_assert_no_error (error);
  f->client = g_dbus_connection_new_for_address_sync (
    g_test_dbus_get_bus_address (f->bus),
    G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT | G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
    NULL, NULL, &error);
  g_assert_no_error (error);

  f->dir = g_dir_make_tmp ("blink-dbus-objects-XXXXXX", &error);
  g_assert_no_error (error);
  f->network = blink_test_ipfs_network_start (1, NULL);
  g_assert_nonnull (f->network);
  key = g_build_filename (f->dir, "identity.key", NULL);
  f->engine = blink_call_manager_new ();
  g_object_set (f->engine, "identity", key, "ipfs-api",
                blink_test_ipfs_network_get_api (f->network, 0), "audio-source",
                "audiotestsrc is-live=true wave=silence", "audio-sink", "fakesink", NULL);
  g_assert_true (blink_call_manager_start (f->engine, &error));
  g_assert_true (blink_test_wait_until (ipfs_connected, f->engine, WAIT_MS));

  store = g_build_filename (f->dir, "verified", NULL);
  f->verified = blink_verified_store_new (store);
  {
    g_autofree char *contacts_path = g_build_filename (f->dir, "contacts.json", NULL);
    g_autofree char *history_path = g_build_filename (f->dir, "history.json", NULL);
    g_autoptr (BlinkContactStore) contacts = blink_contact_store_new (contacts_path, NULL);
    g_autoptr (BlinkCallHistory) history = blink_call_history_new (history_path);

    f->manager = blink_daemon_manager_new (f->engine, f->verified, contacts, history);
  }
  g_assert_true (blink_daemon_manager_export (f->manager, f->server, &error));

  /* No property cache: loading it would block on the loop that serves. */
  f->proxy = blink_dbus_manager1_proxy_new_sync (f->client,
                                                 G_DBUS_PROXY_FLAGS_DO_NOT_LOAD_PROPERTIES |
                                                   G_DBUS_PROXY_FLAGS_DO_NOT_CONNECT_SIGNALS,
                                                 g_dbus_connection_get_unique_name (f->server),
                                                 BLINK_DAEMON_OBJECT_PATH, NULL, &error);
  g_assert_no_error (error);
}

static void
on_stopped (GObject *source,
            GAsyncResult *result,
            gpointer user_data)
{
  *(gboolean *) user_data = blink_call_manager_stop_finish (BLINK_CALL_MANAGER (source), result,
                                                            NULL);
}

static gboolean
is_true (gpointer user_data)
{
  return *(gboolean *) user_data;
}

static void
fixture_tear_down (Fixture *f,
                   gconstpointer data)
{
  gboolean stopped = FALSE;

  if (f->bus == NULL)
    return;
  g_clear_object (&f->proxy);
  blink_daemon_manager_unexport (f->manager);
  g_clear_object (&f->manager);
  blink_call_manager_stop_async (f->engine, on_stopped, &stopped);
  g_assert_true (blink_test_wait_until (is_true, &stopped, WAIT_MS));
  g_clear_object (&f->engine);
  g_clear_object (&f->verified);
  g_clear_pointer (&f->network, blink_test_ipfs_network_stop);
  g_dbus_connection_close_sync (f->client, NULL, NULL);
  g_dbus_connection_close_sync (f->server, NULL, NULL);
  g_clear_object (&f->client);
  g_clear_object (&f->server);
  g_test_dbus_down (f->bus);
  g_clear_object (&f->bus);
  {
    g_autofree char *key = g_build_filename (f->dir, "identity.key", NULL);
    g_autofree char *store = g_build_filename (f->dir, "verified", NULL);

    g_unlink (key);
    g_unlink (store);
    g_rmdir (f->dir);
  }
  g_free (f->dir);
}

/* ---- calling the objects as a client does, without blocking the loop
 * that serves them ---- */

typedef struct
{
  gboolean done;
  GError *error;
} Reply;

static void
on_offer_reply (GObject *source,
                GAsyncResult *result,
                gpointer user_data)
{
  Reply *reply = user_data;

  blink_dbus_manager1_call_offer_finish (BLINK_DBUS_MANAGER1 (source), NULL, result,
                                         &reply->error);
  reply->done = TRUE;
}

static void
on_set_verified_reply (GObject *source,
                       GAsyncResult *result,
                       gpointer user_data)
{
  Reply *reply = user_data;

  blink_dbus_manager1_call_set_verified_finish (BLINK_DBUS_MANAGER1 (source), result,
                                                &reply->error);
  reply->done = TRUE;
}

static GError *
offer (Fixture *f,
       const char *const *dids)
{
  Reply reply = { 0 };

  blink_dbus_manager1_call_offer (f->proxy, dids, NULL, on_offer_reply, &reply);
  g_assert_true (blink_test_wait_until (is_true, &reply.done, WAIT_MS));
  return reply.error;
}

static GError *
set_verified (Fixture *f,
              const char *did,
              gboolean verified)
{
  Reply reply = { 0 };

  blink_dbus_manager1_call_set_verified (f->proxy, did, verified, NULL, on_set_verified_reply,
                                         &reply);
  g_assert_true (blink_test_wait_until (is_true, &reply.done, WAIT_MS));
  return reply.error;
}

static void
assert_bad_did (GError *error)
{
  g_autofree char *name = NULL;

  g_assert_nonnull (error);
  name = g_dbus_error_get_remote_error (error);
  g_assert_cmpstr (name, ==, "im.blink.Error.BadDid");
  g_error_free (error);
}

/* Hostile Offers: each is refused with BadDid and changes nothing. */
static void
test_refused_offers (Fixture *f,
                     gconstpointer data)
{
  const char *garbage[] = { "did:key:zNotAKey", NULL };
  const char *empty[] = { "", NULL };
  const char *newline[] = { NULL, NULL };
  const char *long_one[] = { NULL, NULL };
  const char *one_bad_among_good[] = { NULL, "did:key:z6Mk", NULL };
  g_autofree char *with_newline = NULL;
  g_autofree char *huge = NULL;
  BlinkSignallerStats before, after;
  const char *nobody[] = { NULL };
  const char *own[] = { blink_call_manager_get_did (f->engine), NULL };
  g_autoptr (GPtrArray) crowd = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) twice = g_ptr_array_new ();

  if (f->bus == NULL)
    return;

  for (guint i = 0; i < 16; i++)
    {
      g_autoptr (BlinkIdentity) someone = blink_identity_new_random ();

      g_ptr_array_add (crowd, g_strdup (blink_identity_get_did (someone)));
    }
  g_ptr_array_add (crowd, NULL);
  /* 16 others once each with one named twice more: still too many. */
  for (guint i = 0; i < 16; i++)
    g_ptr_array_add (twice, g_ptr_array_index (crowd, i));
  g_ptr_array_add (twice, g_ptr_array_index (crowd, 0));
  g_ptr_array_add (twice, NULL);
  with_newline = g_strconcat (g_ptr_array_index (crowd, 1), "\n", NULL);
  newline[0] = with_newline;
  huge = g_strnfill (100000, 'z');
  long_one[0] = huge;
  one_bad_among_good[0] = g_ptr_array_index (crowd, 2);

  blink_signaller_get_stats (blink_call_manager_get_signaller (f->engine), &before);
  assert_bad_did (offer (f, garbage));
  assert_bad_did (offer (f, empty));
  assert_bad_did (offer (f, newline));
  assert_bad_did (offer (f, long_one));
  assert_bad_did (offer (f, one_bad_among_good));
  assert_bad_did (offer (f, nobody));
  assert_bad_did (offer (f, own));
  assert_bad_did (offer (f, (const char *const *) crowd->pdata));
  assert_bad_did (offer (f, (const char *const *) twice->pdata));

  g_assert_null (blink_call_manager_get_active_call (f->engine));
  g_assert_cmpuint (blink_call_manager_get_calls (f->engine)->len, ==, 0);
  /* Not a byte went out for any of them. */
  blink_signaller_get_stats (blink_call_manager_get_signaller (f->engine), &after);
  g_assert_cmpuint (after.sent, ==, before.sent);
  g_assert_cmpstr (blink_dbus_manager1_get_active_call (BLINK_DBUS_MANAGER1 (f->manager)), ==, "/");
}

static void
test_set_verified (Fixture *f,
                   gconstpointer data)
{
  g_autoptr (BlinkIdentity) someone = blink_identity_new_random ();
  const char *did = blink_identity_get_did (someone);

  if (f->bus == NULL)
    return;

  assert_bad_did (set_verified (f, "did:key:zNope", TRUE));
  g_assert_null (set_verified (f, did, TRUE));
  g_assert_true (blink_verified_store_contains (f->verified, did));
  g_assert_cmpstr (blink_dbus_manager1_get_verified (BLINK_DBUS_MANAGER1 (f->manager))[0], ==,
                   did);

  /* What the store wrote, a fresh store reads. */
  {
    g_autofree char *path = g_build_filename (f->dir, "verified", NULL);
    g_autoptr (BlinkVerifiedStore) again = blink_verified_store_new (path);

    g_assert_true (blink_verified_store_contains (again, did));
  }

  g_assert_null (set_verified (f, did, FALSE));
  g_assert_false (blink_verified_store_contains (f->verified, did));
}

int
main (int argc,
      char **argv)
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  blink_test_watch_for_hangs ();

  g_test_add ("/blink/dbus-objects/refused-offers", Fixture, NULL, fixture_set_up,
              test_refused_offers, fixture_tear_down);
  g_test_add ("/blink/dbus-objects/set-verified", Fixture, NULL, fixture_set_up,
              test_set_verified, fixture_tear_down);

  return g_test_run ();
}
