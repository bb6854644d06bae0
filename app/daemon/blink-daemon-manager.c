/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "blinkd-manager"

#include "config.h"

#include "blink-daemon-manager.h"

#include "blink-daemon-call.h"
#include "blink-did.h"
#include "blink-daemon-ipfs.h"
#include "blink-audio-test.h"
#include "blink-device-monitor.h"
#include "blink-audio-processing.h"
#include "blink-turn.h"

#include <glib/gi18n.h>

/* blinkd's root object (im.blink.Manager1 at /im/blink/Blink1) and the
 * ObjectManager beside it that holds one object per call, from the engine's
 * call-added until its call-removed, which comes after every peer
 * connection of the call has closed. Beside them on the same path, the
 * contacts (im.blink.Contacts1) and the call history (im.blink.History1):
 * each call is followed from call-added to call-removed and noted then.
 * Who may ring is decided here: a call that may not ring is never
 * exported, and the signaller is quiet to its caller. */

/* What a call was, for its history entry. */
typedef struct
{
  gint64 start;        /* unix µs */
  gint64 connected_at; /* monotonic µs, 0 until started */
  gint64 ended_at;     /* monotonic µs, 0 until ending */
  gboolean accepted;   /* an incoming call that became the active one */
  gboolean declined;   /* an incoming call we declined */
  gboolean not_rung;
  char *reason;
} CallTrack;

static void
call_track_free (CallTrack *track)
{
  g_free (track->reason);
  g_free (track);
}

struct _BlinkDaemonManager
{
  BlinkDbusManager1Skeleton parent_instance;

  BlinkCallManager *engine;
  BlinkVerifiedStore *verified;
  BlinkContactStore *contacts;
  BlinkCallHistory *history;
  BlinkDbusContacts1 *contacts_iface;
  BlinkDbusHistory1 *history_iface;
  GHashTable *tracks;         /* BlinkCall* → CallTrack* */
  GDBusObjectManagerServer *objects;
  GHashTable *calls;          /* BlinkCall* → BlinkDbusObjectSkeleton* */
  BlinkDaemonIpfs *ipfs;      /* for IpfsApi, IpfsState, IpfsPeers */
  BlinkDeviceMonitor *devices; /* Devices, Microphone, Speaker */
  BlinkAudioTest *audio_test;
  guint audio_test_client;     /* watch of the bus name that started the test */
  BlinkRelayPolicy relay;      /* which connections only use TURN relays */
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
  { BLINK_CALL_ERROR_NO_SUCH_DEVICE, "im.blink.Error.NoSuchDevice" },
  { BLINK_CALL_ERROR_NO_SUCH_CONTACT, "im.blink.Error.NoSuchContact" },
  { BLINK_CALL_ERROR_NO_RELAY, "im.blink.Error.NoRelay" },
};

static char *
call_object_path (BlinkCall *call)
{
  return g_strdup_printf (BLINK_DAEMON_OBJECT_PATH "/Call/%s", blink_call_get_id (call));
}

/* ---- following calls for the history ---- */

static void
on_tracked_call_state (BlinkCall *call,
                       GParamSpec *pspec,
                       CallTrack *track)
{
  BlinkCallState state = blink_call_get_state (call);

  if (state == BLINK_CALL_STATE_STARTED && track->connected_at == 0)
    track->connected_at = g_get_monotonic_time ();
  if (state >= BLINK_CALL_STATE_ENDING && track->connected_at != 0 && track->ended_at == 0)
    track->ended_at = g_get_monotonic_time ();
}

static gboolean
on_decline_asked (BlinkDbusCall1 *object,
                  GDBusMethodInvocation *invocation,
                  CallTrack *track)
{
  track->declined = TRUE;
  return FALSE; /* BlinkDaemonCall declines it */
}

static gboolean
all_declined (BlinkCall *call)
{
  GPtrArray *participants = blink_call_get_participants (call);

  for (guint i = 0; i < participants->len; i++)
    if (blink_participant_get_state (g_ptr_array_index (participants, i)) !=
        BLINK_PARTICIPANT_STATE_DECLINED)
      return FALSE;
  return participants->len > 0;
}

static void
record_call (BlinkDaemonManager *self,
             BlinkCall *call,
             CallTrack *track)
{
  GPtrArray *participants = blink_call_get_participants (call);
  g_autoptr (GStrvBuilder) dids = g_strv_builder_new ();
  g_auto (GStrv) others = NULL;
  gboolean incoming = blink_call_get_incoming (call);
  gint64 duration = 0;
  const char *outcome;
  const char *reason = "";
  g_autoptr (GError) error = NULL;

  for (guint i = 0; i < participants->len; i++)
    g_strv_builder_add (dids, blink_participant_get_did (g_ptr_array_index (participants, i)));
  others = g_strv_builder_end (dids);
  if (track->connected_at != 0)
    duration = (track->ended_at != 0 ? track->ended_at : g_get_monotonic_time ()) -
               track->connected_at;

  if (track->not_rung)
    outcome = "not-rung", reason = track->reason;
  else if (track->connected_at != 0)
    outcome = "answered";
  /* Answered first: a Decline asked after that (another client of
   * blinkd) was refused. */
  else if (incoming && track->accepted)
    outcome = "failed",
    reason = track->reason != NULL ? track->reason : _("No connection could be made");
  else if (incoming && track->declined)
    outcome = "declined";
  else if (!incoming && track->reason != NULL)
    outcome = "failed", reason = track->reason;
  else if (!incoming && all_declined (call))
    outcome = "declined";
  else
    outcome = "missed";

  if (!blink_call_history_add (self->history,
                               blink_call_history_entry_new (blink_call_get_id (call), incoming,
                                                             (const char *const *) others,
                                                             track->start, duration, outcome,
                                                             reason),
                               &error))
    g_warning ("%s", error->message);
}

/* A stranger's call under "nobody": declined once call-added is over. */
static gboolean
decline_by_policy (gpointer user_data)
{
  g_autoptr (GPtrArray) pair = user_data;
  BlinkDaemonManager *self = g_ptr_array_index (pair, 0);
  BlinkCall *call = g_ptr_array_index (pair, 1);
  g_autoptr (GError) error = NULL;

  if (blink_call_get_state (call) == BLINK_CALL_STATE_RINGING &&
      !blink_call_manager_decline (self->engine, call, &error))
    g_debug ("Cannot decline call %s: %s", blink_call_get_id (call), error->message);
  return G_SOURCE_REMOVE;
}

/* TRUE if @call may ring under WhoMayRing; else it is noted as not rung,
 * and declined under "nobody". */
static gboolean
may_ring (BlinkDaemonManager *self,
          BlinkCall *call,
          CallTrack *track)
{
  BlinkWhoMayRing policy = blink_contact_store_get_who_may_ring (self->contacts);
  GPtrArray *pair;

  if (!blink_call_get_incoming (call) || policy == BLINK_WHO_MAY_RING_EVERYONE ||
      blink_contact_store_lookup (self->contacts, blink_call_get_caller (call)) != NULL)
    return TRUE;

  track->not_rung = TRUE;
  if (policy == BLINK_WHO_MAY_RING_CONTACTS)
    {
      track->reason = g_strdup (_("not a contact"));
      g_debug ("Call %s from %s, not a contact: not ringing", blink_call_get_id (call),
               blink_call_get_caller (call));
      return FALSE;
    }
  track->reason = g_strdup (_("declined by policy"));
  g_debug ("Call %s from %s, not a contact: declined", blink_call_get_id (call),
           blink_call_get_caller (call));
  pair = g_ptr_array_new_with_free_func (g_object_unref);
  g_ptr_array_add (pair, g_object_ref (self));
  g_ptr_array_add (pair, g_object_ref (call));
  g_idle_add (decline_by_policy, pair);
  return FALSE;
}

static void
export_call (BlinkDaemonManager *self,
             BlinkCall *call,
             CallTrack *track)
{
  g_autofree char *path = call_object_path (call);
  g_autoptr (BlinkDbusObjectSkeleton) object = blink_dbus_object_skeleton_new (path);
  g_autoptr (BlinkDaemonCall) daemon_call = blink_daemon_call_new (self->engine, call,
                                                                   self->verified);

  g_signal_connect (daemon_call, "handle-decline", G_CALLBACK (on_decline_asked), track);
  blink_dbus_object_skeleton_set_call1 (object, BLINK_DBUS_CALL1 (daemon_call));
  g_dbus_object_manager_server_export (self->objects, G_DBUS_OBJECT_SKELETON (object));
  g_hash_table_insert (self->calls, g_object_ref (call), g_object_ref (object));
  g_debug ("Call %s exported at %s", blink_call_get_id (call), path);
}

static void
on_call_added (BlinkCallManager *engine,
               BlinkCall *call,
               BlinkDaemonManager *self)
{
  CallTrack *track = g_new0 (CallTrack, 1);

  track->start = g_get_real_time ();
  g_hash_table_insert (self->tracks, g_object_ref (call), track);
  g_signal_connect (call, "notify::state", G_CALLBACK (on_tracked_call_state), track);
  if (!may_ring (self, call, track))
    return;

  export_call (self, call, track);
  if (blink_call_get_incoming (call))
    {
      g_autofree char *path = call_object_path (call);

      blink_dbus_manager1_emit_incoming_call (BLINK_DBUS_MANAGER1 (self), path,
                                              blink_call_get_caller (call));
    }
}

static void
on_call_removed (BlinkCallManager *engine,
                 BlinkCall *call,
                 BlinkDaemonManager *self)
{
  g_autofree char *path = call_object_path (call);
  BlinkDbusObject *object = g_hash_table_lookup (self->calls, call);
  CallTrack *track = g_hash_table_lookup (self->tracks, call);

  if (object != NULL)
    {
      g_autoptr (BlinkDbusCall1) daemon_call = blink_dbus_object_get_call1 (object);

      if (track != NULL && daemon_call != NULL)
        g_signal_handlers_disconnect_by_data (daemon_call, track);
      g_dbus_object_manager_server_unexport (self->objects, path);
      g_hash_table_remove (self->calls, call);
    }
  if (track != NULL)
    {
      g_signal_handlers_disconnect_by_data (call, track);
      /* A call that gave way to one that crossed it lives on in that one. */
      if (!blink_call_get_crossed (call))
        record_call (self, call, track);
      g_hash_table_remove (self->tracks, call);
    }
}

static void
on_call_failed (BlinkCallManager *engine,
                BlinkCall *call,
                GError *error,
                BlinkDaemonManager *self)
{
  g_autofree char *path = call_object_path (call);
  g_autofree char *name = g_dbus_error_encode_gerror (error);
  CallTrack *track = g_hash_table_lookup (self->tracks, call);

  if (track != NULL && track->reason == NULL)
    track->reason = g_strdup (error->message);
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
  CallTrack *track = g_hash_table_lookup (self->tracks, call);

  if (track != NULL && track->reason == NULL)
    track->reason = g_strdup (error->message);
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

/* ---- contacts ---- */

static void
update_contacts (BlinkDaemonManager *self)
{
  g_auto (GStrv) dids = blink_contact_store_list (self->contacts);
  BlinkSignaller *signaller = blink_call_manager_get_signaller (self->engine);
  BlinkWhoMayRing policy = blink_contact_store_get_who_may_ring (self->contacts);
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a(ssb)"));
  for (guint i = 0; dids[i] != NULL; i++)
    g_variant_builder_add (&builder, "(ssb)", dids[i],
                           blink_contact_store_lookup (self->contacts, dids[i]),
                           blink_verified_store_contains (self->verified, dids[i]));
  blink_dbus_contacts1_set_contacts (self->contacts_iface, g_variant_builder_end (&builder));
  blink_dbus_manager1_set_who_may_ring (BLINK_DBUS_MANAGER1 (self),
                                        blink_who_may_ring_to_string (policy));
  /* Contacts are no strangers: their connections may go direct. */
  blink_call_manager_set_relay (self->engine, self->relay, (const char *const *) dids);
  blink_dbus_manager1_set_relay (BLINK_DBUS_MANAGER1 (self),
                                 blink_relay_policy_to_string (self->relay));
  /* Who may not ring is not even told that we are online. */
  if (signaller != NULL)
    blink_signaller_set_quiet (signaller, policy != BLINK_WHO_MAY_RING_EVERYONE,
                               (const char *const *) dids);
}

static void
on_contacts_changed (BlinkContactStore *store,
                     BlinkDaemonManager *self)
{
  update_contacts (self);
}

static gboolean
return_result (GDBusMethodInvocation *invocation,
               GError *error)
{
  if (error != NULL)
    g_dbus_method_invocation_return_gerror (invocation, error);
  else
    g_dbus_method_invocation_return_value (invocation, NULL);
  return TRUE;
}

static gboolean
on_contacts_add (BlinkDbusContacts1 *iface,
                 GDBusMethodInvocation *invocation,
                 const char *did,
                 const char *name,
                 BlinkDaemonManager *self)
{
  g_autoptr (GError) error = NULL;

  blink_contact_store_add (self->contacts, did, name, &error);
  return return_result (invocation, error);
}

static gboolean
on_contacts_add_link (BlinkDbusContacts1 *iface,
                      GDBusMethodInvocation *invocation,
                      const char *link,
                      BlinkDaemonManager *self)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *did = NULL, *name = NULL;

  if (!blink_contact_parse_link (link, &did, &name, &error) ||
      !blink_contact_store_add (self->contacts, did, name, &error))
    return return_result (invocation, error);
  blink_dbus_contacts1_complete_add_link (iface, invocation, did, name);
  return TRUE;
}

static gboolean
on_contacts_remove (BlinkDbusContacts1 *iface,
                    GDBusMethodInvocation *invocation,
                    const char *did,
                    BlinkDaemonManager *self)
{
  g_autoptr (GError) error = NULL;

  blink_contact_store_remove (self->contacts, did, &error);
  return return_result (invocation, error);
}

static gboolean
on_contacts_rename (BlinkDbusContacts1 *iface,
                    GDBusMethodInvocation *invocation,
                    const char *did,
                    const char *name,
                    BlinkDaemonManager *self)
{
  g_autoptr (GError) error = NULL;

  blink_contact_store_rename (self->contacts, did, name, &error);
  return return_result (invocation, error);
}

static gboolean
on_contacts_link (BlinkDbusContacts1 *iface,
                  GDBusMethodInvocation *invocation,
                  BlinkDaemonManager *self)
{
  g_autofree char *link = blink_contact_make_link (blink_call_manager_get_did (self->engine),
                                                   NULL);

  blink_dbus_contacts1_complete_link (iface, invocation, link);
  return TRUE;
}

static gboolean
handle_set_who_may_ring (BlinkDbusManager1 *object,
                         GDBusMethodInvocation *invocation,
                         const char *name)
{
  BlinkDaemonManager *self = BLINK_DAEMON_MANAGER (object);
  g_autoptr (GError) error = NULL;
  BlinkWhoMayRing policy;

  if (!blink_who_may_ring_from_string (name, &policy))
    g_set_error (&error, BLINK_CALL_ERROR, BLINK_CALL_ERROR_INVALID_ARGUMENT,
                 _("Who may ring is “everyone”, “contacts” or “nobody”, not “%s”"), name);
  else
    blink_contact_store_set_who_may_ring (self->contacts, policy, &error);
  return return_result (invocation, error);
}

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

static gboolean
handle_set_audio_processing (BlinkDbusManager1 *object,
                             GDBusMethodInvocation *invocation,
                             const char *const *parts)
{
  BlinkDaemonManager *self = BLINK_DAEMON_MANAGER (object);
  g_autoptr (GError) error = NULL;
  BlinkAudioProcessing processing;

  if (!blink_audio_processing_from_strv (parts, &processing))
    g_set_error (&error, BLINK_CALL_ERROR, BLINK_CALL_ERROR_INVALID_ARGUMENT,
                 _("The microphone's processing is made of “echo-cancellation”, "
                   "“noise-suppression” and “gain-control”"));
  else
    {
      g_object_set (self->engine, "audio-processing", processing, NULL);
      show_audio_processing (self, self->engine);
    }
  return return_result (invocation, error);
}

/* ---- history ---- */

static void
on_call_recorded (BlinkCallHistory *history,
                  GVariant *entry,
                  BlinkDaemonManager *self)
{
  blink_dbus_history1_set_missed_count (self->history_iface,
                                        blink_call_history_get_missed_count (history));
  blink_dbus_history1_emit_call_recorded (self->history_iface, entry);
}

static gboolean
on_history_list (BlinkDbusHistory1 *iface,
                 GDBusMethodInvocation *invocation,
                 guint limit,
                 BlinkDaemonManager *self)
{
  blink_dbus_history1_complete_list (iface, invocation,
                                     blink_call_history_list (self->history, limit));
  return TRUE;
}

static gboolean
on_history_mark_seen (BlinkDbusHistory1 *iface,
                      GDBusMethodInvocation *invocation,
                      BlinkDaemonManager *self)
{
  g_autoptr (GError) error = NULL;

  blink_call_history_mark_seen (self->history, &error);
  blink_dbus_history1_set_missed_count (self->history_iface,
                                        blink_call_history_get_missed_count (self->history));
  return return_result (invocation, error);
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
  update_contacts (self);
}

static void
on_active_call (BlinkCallManager *engine,
                GParamSpec *pspec,
                BlinkDaemonManager *self)
{
  BlinkCall *active = blink_call_manager_get_active_call (engine);
  g_autofree char *path = active != NULL ? call_object_path (active) : g_strdup ("/");
  CallTrack *track = active != NULL ? g_hash_table_lookup (self->tracks, active) : NULL;

  if (track != NULL)
    track->accepted = TRUE;
  /* A call that did not ring under WhoMayRing and was answered all the
   * same: it crossed ours to its caller (docs/engine.md, "Crossed calls"). */
  if (track != NULL && track->not_rung)
    {
      track->not_rung = FALSE;
      g_clear_pointer (&track->reason, g_free);
      export_call (self, active, track);
    }
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

/* ---- devices and the audio test ---- */

static void
update_devices (BlinkDaemonManager *self)
{
  g_autoptr (GPtrArray) devices = blink_device_monitor_list (self->devices);
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a(sssb)"));
  for (guint i = 0; i < devices->len; i++)
    {
      GstDevice *device = g_ptr_array_index (devices, i);
      g_autofree char *id = blink_device_get_id (device);
      g_autofree char *name = gst_device_get_display_name (device);

      g_variant_builder_add (&builder, "(sssb)", id,
                             blink_device_kind_to_string (blink_device_get_kind (device)), name,
                             blink_device_is_default (device));
    }
  blink_dbus_manager1_set_devices (BLINK_DBUS_MANAGER1 (self),
                                   g_variant_builder_end (&builder));
}

static void
on_device_added (BlinkDeviceMonitor *devices,
                 GstDevice *device,
                 BlinkDaemonManager *self)
{
  g_autofree char *id = blink_device_get_id (device);
  g_autofree char *name = gst_device_get_display_name (device);

  update_devices (self);
  blink_dbus_manager1_emit_device_added (
    BLINK_DBUS_MANAGER1 (self), id, blink_device_kind_to_string (blink_device_get_kind (device)),
    name);
}

static void
on_device_removed (BlinkDeviceMonitor *devices,
                   GstDevice *device,
                   BlinkDaemonManager *self)
{
  g_autofree char *id = blink_device_get_id (device);
  g_autofree char *name = gst_device_get_display_name (device);

  update_devices (self);
  blink_dbus_manager1_emit_device_removed (
    BLINK_DBUS_MANAGER1 (self), id, blink_device_kind_to_string (blink_device_get_kind (device)),
    name);
}

static void
on_chosen_device (BlinkDeviceMonitor *devices,
                  GParamSpec *pspec,
                  BlinkDaemonManager *self)
{
  GstDevice *microphone = blink_device_monitor_get_chosen (devices, BLINK_DEVICE_MICROPHONE);
  GstDevice *speaker = blink_device_monitor_get_chosen (devices, BLINK_DEVICE_SPEAKER);
  g_autofree char *microphone_id = microphone != NULL ? blink_device_get_id (microphone) : NULL;
  g_autofree char *speaker_id = speaker != NULL ? blink_device_get_id (speaker) : NULL;

  blink_dbus_manager1_set_microphone (BLINK_DBUS_MANAGER1 (self),
                                      microphone_id != NULL ? microphone_id : "");
  blink_dbus_manager1_set_speaker (BLINK_DBUS_MANAGER1 (self),
                                   speaker_id != NULL ? speaker_id : "");
}

static void
on_device_fallback (BlinkDeviceMonitor *devices,
                    BlinkDeviceKind kind,
                    GstDevice *device,
                    BlinkDaemonManager *self)
{
  g_autofree char *id = blink_device_get_id (device);
  g_autofree char *name = gst_device_get_display_name (device);
  g_autoptr (GError) error = NULL;

  /* Our audio source or sink again, which follows the system's default. */
  if (!blink_call_manager_use_device (self->engine, kind, NULL, &error))
    g_warning ("The default %s cannot be used: %s", blink_device_kind_to_string (kind),
               error->message);
  blink_dbus_manager1_emit_device_fallback (BLINK_DBUS_MANAGER1 (self),
                                            blink_device_kind_to_string (kind), id, name);
}

static gboolean
use_device (BlinkDaemonManager *self,
            GDBusMethodInvocation *invocation,
            BlinkDeviceKind kind,
            const char *name)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GstDevice) device = NULL;

  /* Opened by the engine first: a device that cannot open is not chosen. */
  if ((*name != '\0' &&
       (device = blink_device_monitor_find (self->devices, kind, name, &error)) == NULL) ||
      !blink_call_manager_use_device (self->engine, kind, device, &error))
    {
      g_dbus_method_invocation_return_gerror (invocation, error);
      return TRUE;
    }
  {
    g_autofree char *id = device != NULL ? blink_device_get_id (device) : NULL;

    blink_device_monitor_choose (self->devices, kind, id != NULL ? id : "", NULL);
  }
  g_dbus_method_invocation_return_value (invocation, NULL);
  return TRUE;
}

static gboolean
handle_use_microphone (BlinkDbusManager1 *object,
                       GDBusMethodInvocation *invocation,
                       const char *name)
{
  return use_device (BLINK_DAEMON_MANAGER (object), invocation, BLINK_DEVICE_MICROPHONE, name);
}

static gboolean
handle_use_speaker (BlinkDbusManager1 *object,
                    GDBusMethodInvocation *invocation,
                    const char *name)
{
  return use_device (BLINK_DAEMON_MANAGER (object), invocation, BLINK_DEVICE_SPEAKER, name);
}

static void
on_microphone_level (BlinkAudioTest *test,
                     double level,
                     BlinkDaemonManager *self)
{
  blink_dbus_manager1_emit_microphone_level (BLINK_DBUS_MANAGER1 (self), level);
}

static void
stop_audio_test (BlinkDaemonManager *self)
{
  g_clear_handle_id (&self->audio_test_client, g_bus_unwatch_name);
  blink_audio_test_stop (self->audio_test);
}

static void
on_audio_test_running (BlinkAudioTest *test,
                       GParamSpec *pspec,
                       BlinkDaemonManager *self)
{
  gboolean running = blink_audio_test_get_running (test);

  if (!running)
    g_clear_handle_id (&self->audio_test_client, g_bus_unwatch_name);
  blink_dbus_manager1_set_audio_test (BLINK_DBUS_MANAGER1 (self), running);
}

/* Whoever started the test is gone: nobody looks at the meter any more. */
static void
on_audio_test_client_vanished (GDBusConnection *connection,
                               const char *name,
                               gpointer user_data)
{
  stop_audio_test (user_data);
}

/* A call takes the devices: the test gives them up. */
static void
on_call_pipeline (BlinkCallManager *engine,
                  GParamSpec *pspec,
                  BlinkDaemonManager *self)
{
  g_autoptr (GstBin) pipeline = NULL;

  g_object_get (engine, "pipeline", &pipeline, NULL);
  if (pipeline != NULL)
    stop_audio_test (self);
}

static gboolean
handle_start_audio_test (BlinkDbusManager1 *object,
                         GDBusMethodInvocation *invocation)
{
  BlinkDaemonManager *self = BLINK_DAEMON_MANAGER (object);
  g_autoptr (GstBin) pipeline = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *source = NULL;
  g_autofree char *sink = NULL;

  g_object_get (self->engine, "pipeline", &pipeline, "audio-source", &source, "audio-sink",
                &sink, NULL);
  if (pipeline != NULL)
    {
      g_dbus_method_invocation_return_error_literal (
        invocation, BLINK_CALL_ERROR, BLINK_CALL_ERROR_CALL_ACTIVE,
        _("A call uses the microphone and speaker: hang up before testing them"));
      return TRUE;
    }
  if (!blink_audio_test_start (
        self->audio_test, blink_device_monitor_get_chosen (self->devices, BLINK_DEVICE_MICROPHONE),
        source, blink_device_monitor_get_chosen (self->devices, BLINK_DEVICE_SPEAKER), sink,
        &error))
    {
      g_dbus_method_invocation_return_gerror (invocation, error);
      return TRUE;
    }
  g_clear_handle_id (&self->audio_test_client, g_bus_unwatch_name);
  self->audio_test_client = g_bus_watch_name_on_connection (
    g_dbus_method_invocation_get_connection (invocation),
    g_dbus_method_invocation_get_sender (invocation), G_BUS_NAME_WATCHER_FLAGS_NONE, NULL,
    on_audio_test_client_vanished, self, NULL);
  blink_dbus_manager1_complete_start_audio_test (object, invocation);
  return TRUE;
}

static gboolean
handle_stop_audio_test (BlinkDbusManager1 *object,
                        GDBusMethodInvocation *invocation)
{
  stop_audio_test (BLINK_DAEMON_MANAGER (object));
  blink_dbus_manager1_complete_stop_audio_test (object, invocation);
  return TRUE;
}

static void
blink_daemon_manager_iface_init (BlinkDbusManager1Iface *iface)
{
  iface->handle_use_microphone = handle_use_microphone;
  iface->handle_use_speaker = handle_use_speaker;
  iface->handle_start_audio_test = handle_start_audio_test;
  iface->handle_stop_audio_test = handle_stop_audio_test;
  iface->handle_set_verified = handle_set_verified;
  iface->handle_set_who_may_ring = handle_set_who_may_ring;
  iface->handle_set_audio_processing = handle_set_audio_processing;
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
  if (self->contacts != NULL)
    g_signal_handlers_disconnect_by_data (self->contacts, self);
  g_clear_object (&self->contacts);
  if (self->history != NULL)
    g_signal_handlers_disconnect_by_data (self->history, self);
  g_clear_object (&self->history);
  if (self->contacts_iface != NULL)
    g_signal_handlers_disconnect_by_data (self->contacts_iface, self);
  g_clear_object (&self->contacts_iface);
  if (self->history_iface != NULL)
    g_signal_handlers_disconnect_by_data (self->history_iface, self);
  g_clear_object (&self->history_iface);
  if (self->tracks != NULL)
    {
      GHashTableIter iter;
      gpointer call, track;

      g_hash_table_iter_init (&iter, self->tracks);
      while (g_hash_table_iter_next (&iter, &call, &track))
        g_signal_handlers_disconnect_by_data (call, track);
    }
  g_clear_pointer (&self->tracks, g_hash_table_unref);
  g_clear_object (&self->ipfs);
  g_clear_handle_id (&self->audio_test_client, g_bus_unwatch_name);
  if (self->audio_test != NULL)
    g_signal_handlers_disconnect_by_data (self->audio_test, self);
  g_clear_object (&self->audio_test);
  if (self->devices != NULL)
    g_signal_handlers_disconnect_by_data (self->devices, self);
  g_clear_object (&self->devices);
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
  self->tracks = g_hash_table_new_full (g_direct_hash, g_direct_equal, g_object_unref,
                                        (GDestroyNotify) call_track_free);
  self->contacts_iface = BLINK_DBUS_CONTACTS1 (blink_dbus_contacts1_skeleton_new ());
  self->history_iface = BLINK_DBUS_HISTORY1 (blink_dbus_history1_skeleton_new ());
  self->relay = BLINK_RELAY_STRANGERS;
}

/**
 * blink_daemon_manager_set_relay:
 *
 * Which connections only use TURN relays (blinkd's --relay): from the
 * next connection made on.
 */
void
blink_daemon_manager_set_relay (BlinkDaemonManager *self,
                                BlinkRelayPolicy policy)
{
  g_return_if_fail (BLINK_IS_DAEMON_MANAGER (self));

  self->relay = policy;
  update_contacts (self);
}

/* What processes the microphone, for the engine's source: fixed at start,
 * as blinkd's options are. */

/* The servers as blinkd was started with them; never a TURN password. */
static void
show_ice_servers (BlinkDaemonManager *self,
                  BlinkCallManager *engine)
{
  g_autofree char *stun = NULL;
  g_auto (GStrv) turn = NULL;
  g_autoptr (GPtrArray) shown = g_ptr_array_new_with_free_func (g_free);

  g_object_get (engine, "stun-server", &stun, "turn-servers", &turn, NULL);
  if (stun != NULL && *stun != '\0')
    g_ptr_array_add (shown, blink_ice_server_shown (stun));
  for (guint i = 0; turn != NULL && turn[i] != NULL; i++)
    g_ptr_array_add (shown, blink_ice_server_shown (turn[i]));
  g_ptr_array_add (shown, NULL);
  blink_dbus_manager1_set_ice_servers (BLINK_DBUS_MANAGER1 (self),
                                       (const char *const *) shown->pdata);
}

/**
 * blink_daemon_manager_new:
 * @engine: a started call manager
 * @verified: the addresses the user verified
 * @contacts: the user's contacts and who may ring
 * @history: where calls are noted once over
 */
BlinkDaemonManager *
blink_daemon_manager_new (BlinkCallManager *engine,
                          BlinkVerifiedStore *verified,
                          BlinkContactStore *contacts,
                          BlinkCallHistory *history)
{
  BlinkDaemonManager *self = g_object_new (BLINK_TYPE_DAEMON_MANAGER, NULL);
  g_autofree char *ipfs_api = NULL;
  g_autoptr (GError) error = NULL;

  self->engine = g_object_ref (engine);
  self->verified = g_object_ref (verified);
  self->contacts = g_object_ref (contacts);
  self->history = g_object_ref (history);
  g_signal_connect (contacts, "changed", G_CALLBACK (on_contacts_changed), self);
  g_signal_connect (history, "recorded", G_CALLBACK (on_call_recorded), self);
  g_signal_connect (self->contacts_iface, "handle-add", G_CALLBACK (on_contacts_add), self);
  g_signal_connect (self->contacts_iface, "handle-add-link", G_CALLBACK (on_contacts_add_link),
                    self);
  g_signal_connect (self->contacts_iface, "handle-remove", G_CALLBACK (on_contacts_remove), self);
  g_signal_connect (self->contacts_iface, "handle-rename", G_CALLBACK (on_contacts_rename), self);
  g_signal_connect (self->contacts_iface, "handle-link", G_CALLBACK (on_contacts_link), self);
  g_signal_connect (self->history_iface, "handle-list", G_CALLBACK (on_history_list), self);
  g_signal_connect (self->history_iface, "handle-mark-seen", G_CALLBACK (on_history_mark_seen),
                    self);
  blink_dbus_history1_set_missed_count (self->history_iface,
                                        blink_call_history_get_missed_count (history));
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
  show_ice_servers (self, engine);
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

  self->devices = blink_device_monitor_new ();
  g_clear_error (&error);
  if (!blink_device_monitor_start (self->devices, &error))
    g_warning ("%s", error->message);
  g_signal_connect (self->devices, "device-added", G_CALLBACK (on_device_added), self);
  g_signal_connect (self->devices, "device-removed", G_CALLBACK (on_device_removed), self);
  g_signal_connect (self->devices, "notify::microphone", G_CALLBACK (on_chosen_device), self);
  g_signal_connect (self->devices, "notify::speaker", G_CALLBACK (on_chosen_device), self);
  g_signal_connect (self->devices, "fallback", G_CALLBACK (on_device_fallback), self);
  update_devices (self);
  blink_dbus_manager1_set_microphone (BLINK_DBUS_MANAGER1 (self), "");
  blink_dbus_manager1_set_speaker (BLINK_DBUS_MANAGER1 (self), "");
  self->audio_test = blink_audio_test_new ();
  g_signal_connect (self->audio_test, "level", G_CALLBACK (on_microphone_level), self);
  g_signal_connect (self->audio_test, "notify::running", G_CALLBACK (on_audio_test_running),
                    self);
  g_signal_connect (engine, "notify::pipeline", G_CALLBACK (on_call_pipeline), self);
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
                                         BLINK_DAEMON_OBJECT_PATH, error) ||
      !g_dbus_interface_skeleton_export (G_DBUS_INTERFACE_SKELETON (self->contacts_iface),
                                         connection, BLINK_DAEMON_OBJECT_PATH, error) ||
      !g_dbus_interface_skeleton_export (G_DBUS_INTERFACE_SKELETON (self->history_iface),
                                         connection, BLINK_DAEMON_OBJECT_PATH, error))
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
  if (g_dbus_interface_skeleton_get_connection (G_DBUS_INTERFACE_SKELETON (self->contacts_iface)))
    g_dbus_interface_skeleton_unexport (G_DBUS_INTERFACE_SKELETON (self->contacts_iface));
  if (g_dbus_interface_skeleton_get_connection (G_DBUS_INTERFACE_SKELETON (self->history_iface)))
    g_dbus_interface_skeleton_unexport (G_DBUS_INTERFACE_SKELETON (self->history_iface));
}
