/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "blinkd-manager"

#include "config.h"

#include "blink-daemon-manager.h"

#include "blink-daemon-call.h"
#include "blink-did.h"
#include "blink-daemon-ipfs.h"
#include "blink-audio-processing.h"

#include <glib/gi18n.h>

/* blinkd's root object (im.blink.Manager1 at /im/blink/Blink1) and the
 * ObjectManager beside it that holds one object per call, from the engine's
 * call-added until its call-removed, which comes after every peer
 * connection of the call has closed. */

struct _BlinkDaemonManager
{
  BlinkDbusManager1Skeleton parent_instance;

  BlinkCallManager *engine;
  BlinkVerifiedStore *verified;
  GDBusObjectManagerServer *objects;
  GHashTable *calls;          /* BlinkCall* → BlinkDbusObjectSkeleton* */
  BlinkDaemonIpfs *ipfs;      /* for IpfsApi, IpfsState, IpfsPeers */
};

static void blink_daemon_manager_iface_init (BlinkDbusManager1Iface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (BlinkDaemonManager, blink_daemon_manager,
                               BLINK_DBUS_TYPE_MANAGER1_SKELETON,
                               G_IMPLEMENT_INTERFACE (BLINK_DBUS_TYPE_MANAGER1,
                                                      blink_daemon_manager_iface_init))

static const GDBusErrorEntry call_error_entries[] = {
  { BLINK_CALL_ERROR_NO_IPFS_NODE, "im.blink.Error.NoIpfsNode" },
  { BLINK_CALL_ERROR_BAD_DID, "im.blink.Error.BadDid" },
  { BLINK_CALL_ERROR_NO_SUCH_CALL, "im.blink.Error.NoSuchCall" },
  { BLINK_CALL_ERROR_CALL_ACTIVE, "im.blink.Error.CallActive" },
  { BLINK_CALL_ERROR_DEVICE, "im.blink.Error.Device" },
  { BLINK_CALL_ERROR_CERTIFICATE, "im.blink.Error.Certificate" },
  { BLINK_CALL_ERROR_NO_SUCH_PARTICIPANT, "im.blink.Error.NoSuchParticipant" },
  { BLINK_CALL_ERROR_INVALID_ARGUMENT, "im.blink.Error.InvalidArgument" },
  { BLINK_CALL_ERROR_FAILED, "im.blink.Error.Failed" },
};

static char *
call_object_path (BlinkCall *call)
{
  return g_strdup_printf (BLINK_DAEMON_OBJECT_PATH "/Call/%s", blink_call_get_id (call));
}

static void
on_call_added (BlinkCallManager *engine,
               BlinkCall *call,
               BlinkDaemonManager *self)
{
  g_autofree char *path = call_object_path (call);
  g_autoptr (BlinkDbusObjectSkeleton) object = blink_dbus_object_skeleton_new (path);
  g_autoptr (BlinkDaemonCall) daemon_call = NULL;

  daemon_call = blink_daemon_call_new (engine, call, self->verified);
  blink_dbus_object_skeleton_set_call1 (object, BLINK_DBUS_CALL1 (daemon_call));
  g_dbus_object_manager_server_export (self->objects, G_DBUS_OBJECT_SKELETON (object));
  g_hash_table_insert (self->calls, g_object_ref (call), g_object_ref (object));
  g_debug ("Call %s exported at %s", blink_call_get_id (call), path);

  if (blink_call_get_incoming (call))
    blink_dbus_manager1_emit_incoming_call (BLINK_DBUS_MANAGER1 (self), path,
                                            blink_call_get_caller (call));
}

static void
on_call_removed (BlinkCallManager *engine,
                 BlinkCall *call,
                 BlinkDaemonManager *self)
{
  g_autofree char *path = call_object_path (call);

  g_dbus_object_manager_server_unexport (self->objects, path);
  g_hash_table_remove (self->calls, call);
}

static void
on_call_failed (BlinkCallManager *engine,
                BlinkCall *call,
                GError *error,
                BlinkDaemonManager *self)
{
  g_autofree char *path = call_object_path (call);
  g_autofree char *name = g_dbus_error_encode_gerror (error);

  blink_dbus_manager1_emit_call_failed (BLINK_DBUS_MANAGER1 (self), path, name, error->message);
}

static void
on_participant_failed (BlinkCallManager *engine,
                       BlinkCall *call,
                       const char *did,
                       GError *error,
                       BlinkDaemonManager *self)
{
  g_autofree char *path = call_object_path (call);
  g_autofree char *name = g_dbus_error_encode_gerror (error);

  blink_dbus_manager1_emit_participant_failed (BLINK_DBUS_MANAGER1 (self), path, did, name,
                                               error->message);
}

static void
on_certificate_mismatches (BlinkCallManager *engine,
                           GParamSpec *pspec,
                           BlinkDaemonManager *self)
{
  guint64 count;

  g_object_get (engine, "certificate-mismatches", &count, NULL);
  blink_dbus_manager1_set_certificate_mismatches (BLINK_DBUS_MANAGER1 (self), count);
}

static void
on_verified_changed (BlinkVerifiedStore *store,
                     BlinkDaemonManager *self)
{
  g_auto (GStrv) dids = blink_verified_store_list (store);
  BlinkSignaller *signaller = blink_call_manager_get_signaller (self->engine);

  blink_dbus_manager1_set_verified (BLINK_DBUS_MANAGER1 (self), (const char *const *) dids);
  /* People the user verified never give way to strangers' offers. */
  if (signaller != NULL)
    blink_signaller_set_trusted (signaller, (const char *const *) dids);
}

static void
on_active_call (BlinkCallManager *engine,
                GParamSpec *pspec,
                BlinkDaemonManager *self)
{
  BlinkCall *active = blink_call_manager_get_active_call (engine);
  g_autofree char *path = active != NULL ? call_object_path (active) : g_strdup ("/");

  blink_dbus_manager1_set_active_call (BLINK_DBUS_MANAGER1 (self), path);
}

static gboolean
handle_offer (BlinkDbusManager1 *object,
              GDBusMethodInvocation *invocation,
              const char *const *dids)
{
  BlinkDaemonManager *self = BLINK_DAEMON_MANAGER (object);
  g_autoptr (GError) error = NULL;
  BlinkCall *call;

  call = blink_call_manager_offer (self->engine, dids, &error);
  if (call == NULL)
    {
      g_dbus_method_invocation_return_gerror (invocation, error);
      return TRUE;
    }
  {
    g_autofree char *path = call_object_path (call);

    blink_dbus_manager1_complete_offer (object, invocation, path);
  }
  return TRUE;
}

static gboolean
handle_hangup (BlinkDbusManager1 *object,
               GDBusMethodInvocation *invocation)
{
  BlinkDaemonManager *self = BLINK_DAEMON_MANAGER (object);
  g_autoptr (GError) error = NULL;

  if (blink_call_manager_hang_up (self->engine, &error))
    blink_dbus_manager1_complete_hangup (object, invocation);
  else
    g_dbus_method_invocation_return_gerror (invocation, error);
  return TRUE;
}

static gboolean
handle_set_muted (BlinkDbusManager1 *object,
                  GDBusMethodInvocation *invocation,
                  gboolean muted)
{
  BlinkDaemonManager *self = BLINK_DAEMON_MANAGER (object);

  blink_call_manager_set_muted (self->engine, muted);
  blink_dbus_manager1_set_muted (object, muted);
  blink_dbus_manager1_complete_set_muted (object, invocation);
  return TRUE;
}

static gboolean
handle_set_deafened (BlinkDbusManager1 *object,
                     GDBusMethodInvocation *invocation,
                     gboolean deafened)
{
  BlinkDaemonManager *self = BLINK_DAEMON_MANAGER (object);

  blink_call_manager_set_deafened (self->engine, deafened);
  blink_dbus_manager1_set_deafened (object, deafened);
  blink_dbus_manager1_complete_set_deafened (object, invocation);
  return TRUE;
}

static gboolean
handle_set_verified (BlinkDbusManager1 *object,
                     GDBusMethodInvocation *invocation,
                     const char *did,
                     gboolean verified)
{
  BlinkDaemonManager *self = BLINK_DAEMON_MANAGER (object);
  g_autoptr (GError) error = NULL;

  if (!blink_did_is_valid (did))
    g_set_error (&error, BLINK_CALL_ERROR, BLINK_CALL_ERROR_BAD_DID,
                 _("“%s” is not a Blink address (did:key:z6Mk…)"), did);
  else
    blink_verified_store_set (self->verified, did, verified, &error);
  if (error != NULL)
    g_dbus_method_invocation_return_gerror (invocation, error);
  else
    blink_dbus_manager1_complete_set_verified (object, invocation);
  return TRUE;
}

static void
blink_daemon_manager_iface_init (BlinkDbusManager1Iface *iface)
{
  iface->handle_set_verified = handle_set_verified;
  iface->handle_offer = handle_offer;
  iface->handle_hangup = handle_hangup;
  iface->handle_set_muted = handle_set_muted;
  iface->handle_set_deafened = handle_set_deafened;
}

static void
blink_daemon_manager_dispose (GObject *object)
{
  BlinkDaemonManager *self = BLINK_DAEMON_MANAGER (object);

  if (self->engine != NULL)
    g_signal_handlers_disconnect_by_data (self->engine, self);
  g_clear_object (&self->engine);
  if (self->verified != NULL)
    g_signal_handlers_disconnect_by_data (self->verified, self);
  g_clear_object (&self->verified);
  g_clear_object (&self->ipfs);
  g_clear_pointer (&self->calls, g_hash_table_unref);
  g_clear_object (&self->objects);

  G_OBJECT_CLASS (blink_daemon_manager_parent_class)->dispose (object);
}

static void
blink_daemon_manager_class_init (BlinkDaemonManagerClass *klass)
{
  static gsize registered;

  G_OBJECT_CLASS (klass)->dispose = blink_daemon_manager_dispose;
  g_dbus_error_register_error_domain ("blink-call-error-quark", &registered, call_error_entries,
                                      G_N_ELEMENTS (call_error_entries));
}

static void
blink_daemon_manager_init (BlinkDaemonManager *self)
{
  self->calls = g_hash_table_new_full (g_direct_hash, g_direct_equal, g_object_unref,
                                       g_object_unref);
  self->objects = g_dbus_object_manager_server_new (BLINK_DAEMON_OBJECT_PATH);
}

/* What processes the microphone, for the engine's source: fixed at start,
 * as blinkd's options are. */
static void
show_audio_processing (BlinkDaemonManager *self,
                       BlinkCallManager *engine)
{
  g_autofree char *source = NULL;
  BlinkAudioProcessing wanted;
  BlinkAudioProcessingMode mode;
  g_auto (GStrv) parts = NULL;

  g_object_get (engine, "audio-source", &source, "audio-processing", &wanted,
                "audio-processing-mode", &mode, NULL);
  parts = blink_audio_processing_to_strv (
    blink_audio_processing_for_description (mode, wanted, source));
  blink_dbus_manager1_set_audio_processing (BLINK_DBUS_MANAGER1 (self),
                                            (const char *const *) parts);
}

/**
 * blink_daemon_manager_new:
 * @engine: a started call manager
 * @verified: the addresses the user verified
 */
BlinkDaemonManager *
blink_daemon_manager_new (BlinkCallManager *engine,
                          BlinkVerifiedStore *verified)
{
  BlinkDaemonManager *self = g_object_new (BLINK_TYPE_DAEMON_MANAGER, NULL);
  g_autofree char *ipfs_api = NULL;
  g_autoptr (GError) error = NULL;

  self->engine = g_object_ref (engine);
  self->verified = g_object_ref (verified);
  g_signal_connect (verified, "changed", G_CALLBACK (on_verified_changed), self);
  on_verified_changed (verified, self);
  /* The engine's signaller has checked the address already. */
  g_object_get (engine, "ipfs-api", &ipfs_api, NULL);
  self->ipfs = blink_daemon_ipfs_new (ipfs_api, &error);
  if (self->ipfs != NULL)
    {
      blink_dbus_manager1_set_ipfs_api (BLINK_DBUS_MANAGER1 (self),
                                        blink_daemon_ipfs_get_api (self->ipfs));
      g_object_bind_property (self->ipfs, "state", self, "ipfs-state", G_BINDING_SYNC_CREATE);
      g_object_bind_property (self->ipfs, "peers", self, "ipfs-peers", G_BINDING_SYNC_CREATE);
    }
  else
    g_warning ("%s", error->message);
  blink_dbus_manager1_set_did (BLINK_DBUS_MANAGER1 (self), blink_call_manager_get_did (engine));
  blink_dbus_manager1_set_active_call (BLINK_DBUS_MANAGER1 (self), "/");
  show_audio_processing (self, engine);
  g_signal_connect (engine, "call-added", G_CALLBACK (on_call_added), self);
  g_signal_connect (engine, "call-removed", G_CALLBACK (on_call_removed), self);
  g_signal_connect (engine, "call-failed", G_CALLBACK (on_call_failed), self);
  g_signal_connect (engine, "participant-failed", G_CALLBACK (on_participant_failed), self);
  g_signal_connect (engine, "notify::certificate-mismatches",
                    G_CALLBACK (on_certificate_mismatches), self);
  g_signal_connect (engine, "notify::active-call", G_CALLBACK (on_active_call), self);
  return self;
}

/**
 * blink_daemon_manager_export:
 *
 * Puts the manager and the calls' ObjectManager on @connection.
 */
gboolean
blink_daemon_manager_export (BlinkDaemonManager *self,
                             GDBusConnection *connection,
                             GError **error)
{
  g_return_val_if_fail (BLINK_IS_DAEMON_MANAGER (self), FALSE);

  if (!g_dbus_interface_skeleton_export (G_DBUS_INTERFACE_SKELETON (self), connection,
                                         BLINK_DAEMON_OBJECT_PATH, error))
    return FALSE;
  g_dbus_object_manager_server_set_connection (self->objects, connection);
  return TRUE;
}

void
blink_daemon_manager_unexport (BlinkDaemonManager *self)
{
  g_return_if_fail (BLINK_IS_DAEMON_MANAGER (self));

  g_dbus_object_manager_server_set_connection (self->objects, NULL);
  if (g_dbus_interface_skeleton_get_connection (G_DBUS_INTERFACE_SKELETON (self)) != NULL)
    g_dbus_interface_skeleton_unexport (G_DBUS_INTERFACE_SKELETON (self));
}
