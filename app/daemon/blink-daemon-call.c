/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "blinkd-call"

#include "config.h"

#include "blink-daemon-call.h"

#include "blink-enum.h"

#include <glib/gi18n.h>

/* One call on the bus (im.blink.Call1): mirrors a BlinkCall's state and
 * participants into the skeleton's properties, and turns method calls into
 * call-manager calls. */

struct _BlinkDaemonCall
{
  BlinkDbusCall1Skeleton parent_instance;

  BlinkCallManager *manager;
  BlinkCall *call;
  BlinkVerifiedStore *verified;
};

static void blink_daemon_call_iface_init (BlinkDbusCall1Iface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (BlinkDaemonCall, blink_daemon_call, BLINK_DBUS_TYPE_CALL1_SKELETON,
                               G_IMPLEMENT_INTERFACE (BLINK_DBUS_TYPE_CALL1,
                                                      blink_daemon_call_iface_init))

static void update_quality (BlinkDaemonCall *self);

static void
update_participants (BlinkDaemonCall *self)
{
  GPtrArray *participants = blink_call_get_participants (self->call);
  g_autoptr (GPtrArray) recording = NULL;
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a(ssbb)"));
  for (guint i = 0; i < participants->len; i++)
    {
      BlinkParticipant *p = g_ptr_array_index (participants, i);
      BlinkParticipantState state = blink_participant_get_state (p);

      g_variant_builder_add (&builder, "(ssbb)", blink_participant_get_did (p),
                             blink_enum_nick (BLINK_TYPE_PARTICIPANT_STATE, state),
                             blink_participant_get_muted (p), blink_participant_get_deafened (p));
    }
  blink_dbus_call1_set_participants (BLINK_DBUS_CALL1 (self), g_variant_builder_end (&builder));

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a(ssb)"));
  for (guint i = 0; i < participants->len; i++)
    {
      BlinkParticipant *p = g_ptr_array_index (participants, i);
      const char *code = blink_participant_get_verification_code (p);

      if (code != NULL)
        g_variant_builder_add (&builder, "(ssb)", blink_participant_get_did (p), code,
                               blink_verified_store_contains (self->verified,
                                                              blink_participant_get_did (p)));
    }
  blink_dbus_call1_set_verification (BLINK_DBUS_CALL1 (self), g_variant_builder_end (&builder));

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a{sd}"));
  for (guint i = 0; i < participants->len; i++)
    {
      BlinkParticipant *p = g_ptr_array_index (participants, i);

      g_variant_builder_add (&builder, "{sd}", blink_participant_get_did (p),
                             blink_participant_get_volume (p));
    }
  blink_dbus_call1_set_volumes (BLINK_DBUS_CALL1 (self), g_variant_builder_end (&builder));

  recording = g_ptr_array_new ();
  for (guint i = 0; i < participants->len; i++)
    {
      BlinkParticipant *p = g_ptr_array_index (participants, i);

      if (blink_participant_get_recording (p))
        g_ptr_array_add (recording, (gpointer) blink_participant_get_did (p));
    }
  g_ptr_array_add (recording, NULL);
  blink_dbus_call1_set_recording_participants (BLINK_DBUS_CALL1 (self),
                                               (const char *const *) recording->pdata);
}

static void
on_verified_changed (BlinkVerifiedStore *store,
                     BlinkDaemonCall *self)
{
  update_participants (self);
}

static void
on_participant_changed (BlinkParticipant *participant,
                        GParamSpec *pspec,
                        BlinkDaemonCall *self)
{
  update_participants (self);
  /* Connected or not, a participant is listed in Quality or not. */
  if (g_str_equal (pspec->name, "state"))
    update_quality (self);
}

static void
on_call_state (BlinkCall *call,
               GParamSpec *pspec,
               BlinkDaemonCall *self)
{
  blink_dbus_call1_set_state (BLINK_DBUS_CALL1 (self),
                              blink_enum_nick (BLINK_TYPE_CALL_STATE, blink_call_get_state (call)));
}

static void
on_setup_time (BlinkCall *call,
               GParamSpec *pspec,
               BlinkDaemonCall *self)
{
  blink_dbus_call1_set_setup_time (BLINK_DBUS_CALL1 (self), blink_call_get_setup_time (call));
}

/* ---- speaking and quality ---- */

static void
update_speaking (BlinkDaemonCall *self)
{
  GPtrArray *participants = blink_call_get_participants (self->call);
  g_autoptr (GStrvBuilder) speaking = g_strv_builder_new ();
  g_auto (GStrv) dids = NULL;

  if (blink_call_get_speaking (self->call))
    g_strv_builder_add (speaking, blink_call_manager_get_did (self->manager));
  for (guint i = 0; i < participants->len; i++)
    if (blink_participant_get_speaking (g_ptr_array_index (participants, i)))
      g_strv_builder_add (speaking, blink_participant_get_did (g_ptr_array_index (participants, i)));
  dids = g_strv_builder_end (speaking);
  blink_dbus_call1_set_speaking (BLINK_DBUS_CALL1 (self), (const char *const *) dids);
}

static void
on_self_speaking (BlinkCall *call,
                  GParamSpec *pspec,
                  BlinkDaemonCall *self)
{
  update_speaking (self);
  blink_dbus_call1_emit_speaking_changed (BLINK_DBUS_CALL1 (self),
                                          blink_call_manager_get_did (self->manager),
                                          blink_call_get_speaking (call));
}

static void
on_participant_speaking (BlinkParticipant *participant,
                         GParamSpec *pspec,
                         BlinkDaemonCall *self)
{
  update_speaking (self);
  blink_dbus_call1_emit_speaking_changed (BLINK_DBUS_CALL1 (self),
                                          blink_participant_get_did (participant),
                                          blink_participant_get_speaking (participant));
}

static GVariant *
quality_figures (BlinkParticipant *participant)
{
  const BlinkQualityFigures *figures = blink_participant_get_quality_figures (participant);
  GVariantDict dict;

  g_variant_dict_init (&dict, NULL);
  if (figures != NULL)
    {
      if (figures->loss >= 0)
        g_variant_dict_insert (&dict, "loss", "d", figures->loss);
      g_variant_dict_insert (&dict, "jitter", "d", figures->jitter);
      if (figures->round_trip_time >= 0)
        g_variant_dict_insert (&dict, "round-trip-time", "d", figures->round_trip_time);
      g_variant_dict_insert (&dict, "silent-for", "d", figures->silent_for);
    }
  return g_variant_dict_end (&dict);
}

static void
update_quality (BlinkDaemonCall *self)
{
  GPtrArray *participants = blink_call_get_participants (self->call);
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a{sa{sv}}"));
  for (guint i = 0; i < participants->len; i++)
    {
      BlinkParticipant *p = g_ptr_array_index (participants, i);
      g_auto (GStrv) problems = NULL;
      g_autoptr (GVariant) figures = NULL;
      GVariantDict dict;

      if (blink_participant_get_state (p) != BLINK_PARTICIPANT_STATE_CONNECTED)
        continue;
      problems = blink_quality_problems_to_strv (blink_participant_get_quality_problems (p));
      /* g_variant_dict_init() reads the figures and does not take them. */
      figures = g_variant_ref_sink (quality_figures (p));
      g_variant_dict_init (&dict, figures);
      g_variant_dict_insert (&dict, "problems", "^as", problems);
      g_variant_builder_add (&builder, "{s@a{sv}}", blink_participant_get_did (p),
                             g_variant_dict_end (&dict));
    }
  blink_dbus_call1_set_quality (BLINK_DBUS_CALL1 (self), g_variant_builder_end (&builder));
}

static void
on_participant_quality (BlinkParticipant *participant,
                        GParamSpec *pspec,
                        BlinkDaemonCall *self)
{
  g_auto (GStrv) problems =
    blink_quality_problems_to_strv (blink_participant_get_quality_problems (participant));

  update_quality (self);
  blink_dbus_call1_emit_quality_changed (BLINK_DBUS_CALL1 (self),
                                         blink_participant_get_did (participant),
                                         (const char *const *) problems,
                                         quality_figures (participant));
}

static gboolean
return_result (GDBusMethodInvocation *invocation,
               gboolean ok,
               GError *error)
{
  if (ok)
    g_dbus_method_invocation_return_value (invocation, NULL);
  else
    g_dbus_method_invocation_return_gerror (invocation, error);
  return TRUE;
}

static gboolean
check_active (BlinkDaemonCall *self,
              GError **error)
{
  if (blink_call_manager_get_active_call (self->manager) == self->call)
    return TRUE;
  g_set_error (error, BLINK_CALL_ERROR, BLINK_CALL_ERROR_NO_SUCH_CALL,
               _("This call is not the active call"));
  return FALSE;
}

/* ---- recording ---- */

static void
on_recording (BlinkCall *call,
              GParamSpec *pspec,
              BlinkDaemonCall *self)
{
  const char *directory = blink_call_get_recording (call);

  blink_dbus_call1_set_recording (BLINK_DBUS_CALL1 (self), directory != NULL ? directory : "");
}

static gboolean
handle_start_recording (BlinkDbusCall1 *object,
                        GDBusMethodInvocation *invocation,
                        const char *directory)
{
  BlinkDaemonCall *self = BLINK_DAEMON_CALL (object);
  g_autoptr (GError) error = NULL;

  if (!blink_call_manager_start_recording (self->manager, self->call, directory, &error))
    g_dbus_method_invocation_return_gerror (invocation, error);
  else
    blink_dbus_call1_complete_start_recording (object, invocation,
                                               blink_call_get_recording (self->call));
  return TRUE;
}

static void
on_recording_stopped (GObject *source,
                      GAsyncResult *result,
                      gpointer user_data)
{
  g_autoptr (GDBusMethodInvocation) invocation = user_data;
  g_autoptr (GError) error = NULL;
  gboolean ok = blink_call_manager_stop_recording_finish (BLINK_CALL_MANAGER (source), result,
                                                          &error);

  return_result (invocation, ok, error);
}

static gboolean
handle_stop_recording (BlinkDbusCall1 *object,
                       GDBusMethodInvocation *invocation)
{
  BlinkDaemonCall *self = BLINK_DAEMON_CALL (object);

  blink_call_manager_stop_recording_async (self->manager, self->call, on_recording_stopped,
                                           g_object_ref (invocation));
  return TRUE;
}

static gboolean
handle_accept (BlinkDbusCall1 *object,
               GDBusMethodInvocation *invocation)
{
  BlinkDaemonCall *self = BLINK_DAEMON_CALL (object);
  g_autoptr (GError) error = NULL;
  gboolean ok = blink_call_manager_accept (self->manager, self->call, &error);

  return return_result (invocation, ok, error);
}

static gboolean
handle_decline (BlinkDbusCall1 *object,
                GDBusMethodInvocation *invocation)
{
  BlinkDaemonCall *self = BLINK_DAEMON_CALL (object);
  g_autoptr (GError) error = NULL;
  gboolean ok = blink_call_manager_decline (self->manager, self->call, &error);

  return return_result (invocation, ok, error);
}

static gboolean
handle_cancel (BlinkDbusCall1 *object,
               GDBusMethodInvocation *invocation)
{
  BlinkDaemonCall *self = BLINK_DAEMON_CALL (object);
  g_autoptr (GError) error = NULL;
  gboolean ok = blink_call_manager_cancel (self->manager, self->call, &error);

  return return_result (invocation, ok, error);
}

static gboolean
handle_hangup (BlinkDbusCall1 *object,
               GDBusMethodInvocation *invocation)
{
  BlinkDaemonCall *self = BLINK_DAEMON_CALL (object);
  g_autoptr (GError) error = NULL;
  gboolean ok = check_active (self, &error) && blink_call_manager_hang_up (self->manager, &error);

  return return_result (invocation, ok, error);
}

static gboolean
handle_invite (BlinkDbusCall1 *object,
               GDBusMethodInvocation *invocation,
               const char *const *dids)
{
  BlinkDaemonCall *self = BLINK_DAEMON_CALL (object);
  g_autoptr (GError) error = NULL;
  gboolean ok = blink_call_manager_invite (self->manager, self->call, dids, &error);

  return return_result (invocation, ok, error);
}

static gboolean
handle_set_volume (BlinkDbusCall1 *object,
                   GDBusMethodInvocation *invocation,
                   const char *did,
                   double volume)
{
  BlinkDaemonCall *self = BLINK_DAEMON_CALL (object);
  g_autoptr (GError) error = NULL;
  gboolean ok = blink_call_manager_set_volume (self->manager, self->call, did, volume, &error);

  return return_result (invocation, ok, error);
}

/* What the selected candidate pair says of the way the audio takes: "host"
 * when both ends are local addresses, "srflx" through a NAT's mapping
 * (server or peer reflexive), "relay-udp"/"relay-tcp"/"relay-tls" through
 * our TURN server, reached so, "relay" through the peer's only; "" before
 * ICE selected a pair. */
static const char *
candidate_path (const BlinkConnectionStats *s)
{
  static const char *const relays[] = { "relay-udp", "relay-tcp", "relay-tls" };

  if (s->local_candidate[0] == '\0' || s->remote_candidate[0] == '\0')
    return "";
  if (g_str_equal (s->local_candidate, "relay"))
    {
      for (guint i = 0; i < G_N_ELEMENTS (relays); i++)
        if (g_str_equal (relays[i] + strlen ("relay-"), s->relay_protocol))
          return relays[i];
      return "relay";
    }
  if (g_str_equal (s->remote_candidate, "relay"))
    return "relay";
  if (g_str_equal (s->local_candidate, "host") && g_str_equal (s->remote_candidate, "host"))
    return "host";
  return "srflx";
}

static void
on_stats (GObject *source,
          GAsyncResult *result,
          gpointer user_data)
{
  g_autoptr (GDBusMethodInvocation) invocation = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GHashTable) stats = NULL;
  GVariantBuilder builder;
  GHashTableIter iter;
  gpointer did, value;

  stats = blink_call_manager_get_stats_finish (BLINK_CALL_MANAGER (source), result, &error);
  if (stats == NULL)
    {
      g_dbus_method_invocation_return_gerror (invocation, error);
      return;
    }

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a{sa{sv}}"));
  g_hash_table_iter_init (&iter, stats);
  while (g_hash_table_iter_next (&iter, &did, &value))
    {
      const BlinkConnectionStats *s = value;
      GVariantDict dict;

      g_variant_dict_init (&dict, NULL);
      g_variant_dict_insert (&dict, "packets-sent", "t", s->packets_sent);
      g_variant_dict_insert (&dict, "packets-received", "t", s->packets_received);
      g_variant_dict_insert (&dict, "packets-lost", "x", s->packets_lost);
      g_variant_dict_insert (&dict, "jitter", "d", s->jitter);
      if (s->round_trip_time >= 0)
        g_variant_dict_insert (&dict, "round-trip-time", "d", s->round_trip_time);
      if (s->remote_fraction_lost >= 0)
        g_variant_dict_insert (&dict, "remote-fraction-lost", "d", s->remote_fraction_lost);
      g_variant_dict_insert (&dict, "expected-loss", "u", s->expected_loss);
      g_variant_dict_insert (&dict, "signals-dropped", "t", s->signals_dropped);
      g_variant_dict_insert (&dict, "candidates-dropped", "t", s->candidates_dropped);
      if (s->play_delay >= 0)
        {
          g_variant_dict_insert (&dict, "play-delay", "d", s->play_delay);
          g_variant_dict_insert (&dict, "late-audio", "d", s->late_audio);
        }
      if (*candidate_path (s) != '\0')
        {
          g_variant_dict_insert (&dict, "path", "s", candidate_path (s));
          g_variant_dict_insert (&dict, "local-candidate", "s", s->local_candidate);
          g_variant_dict_insert (&dict, "remote-candidate", "s", s->remote_candidate);
        }
      g_variant_builder_add (&builder, "{s@a{sv}}", (const char *) did, g_variant_dict_end (&dict));
    }
  g_dbus_method_invocation_return_value (invocation,
                                         g_variant_new ("(@a{sa{sv}})",
                                                        g_variant_builder_end (&builder)));
}

static gboolean
handle_get_stats (BlinkDbusCall1 *object,
                  GDBusMethodInvocation *invocation)
{
  BlinkDaemonCall *self = BLINK_DAEMON_CALL (object);
  g_autoptr (GError) error = NULL;

  if (!check_active (self, &error))
    return return_result (invocation, FALSE, error);
  blink_call_manager_get_stats_async (self->manager, on_stats, g_object_ref (invocation));
  return TRUE;
}

static void
blink_daemon_call_iface_init (BlinkDbusCall1Iface *iface)
{
  iface->handle_accept = handle_accept;
  iface->handle_decline = handle_decline;
  iface->handle_cancel = handle_cancel;
  iface->handle_hangup = handle_hangup;
  iface->handle_invite = handle_invite;
  iface->handle_get_stats = handle_get_stats;
  iface->handle_set_volume = handle_set_volume;
  iface->handle_start_recording = handle_start_recording;
  iface->handle_stop_recording = handle_stop_recording;
}

static void
blink_daemon_call_dispose (GObject *object)
{
  BlinkDaemonCall *self = BLINK_DAEMON_CALL (object);

  if (self->call != NULL)
    {
      GPtrArray *participants = blink_call_get_participants (self->call);

      for (guint i = 0; i < participants->len; i++)
        g_signal_handlers_disconnect_by_data (g_ptr_array_index (participants, i), self);
      g_signal_handlers_disconnect_by_data (self->call, self);
    }
  g_clear_object (&self->call);
  g_clear_object (&self->manager);
  g_clear_object (&self->verified);

  G_OBJECT_CLASS (blink_daemon_call_parent_class)->dispose (object);
}

static void
blink_daemon_call_class_init (BlinkDaemonCallClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = blink_daemon_call_dispose;
}

static void
blink_daemon_call_init (BlinkDaemonCall *self)
{
}

static void
follow_participant (BlinkDaemonCall *self,
                    BlinkParticipant *p)
{
  g_signal_connect_object (p, "notify", G_CALLBACK (on_participant_changed), self, 0);
  g_signal_connect_object (p, "notify::speaking", G_CALLBACK (on_participant_speaking), self, 0);
  g_signal_connect_object (p, "notify::quality-problems", G_CALLBACK (on_participant_quality),
                           self, 0);
}

/* Someone invited into the call: listed at once, as ringing. */
static void
on_participant_added (BlinkDaemonCall *self,
                      BlinkParticipant *participant)
{
  follow_participant (self, participant);
  update_participants (self);
  update_quality (self);
}

/**
 * blink_daemon_call_new:
 * @call: the call to mirror on the bus
 * @verified: the addresses the user verified
 */
BlinkDaemonCall *
blink_daemon_call_new (BlinkCallManager *manager,
                       BlinkCall *call,
                       BlinkVerifiedStore *verified)
{
  BlinkDaemonCall *self = g_object_new (BLINK_TYPE_DAEMON_CALL, NULL);
  BlinkDbusCall1 *object = BLINK_DBUS_CALL1 (self);
  GPtrArray *participants = blink_call_get_participants (call);

  self->manager = g_object_ref (manager);
  self->call = g_object_ref (call);
  self->verified = g_object_ref (verified);
  g_signal_connect_object (verified, "changed", G_CALLBACK (on_verified_changed), self, 0);

  blink_dbus_call1_set_id (object, blink_call_get_id (call));
  blink_dbus_call1_set_incoming (object, blink_call_get_incoming (call));
  blink_dbus_call1_set_caller (object, blink_call_get_caller (call));
  on_call_state (call, NULL, self);
  on_setup_time (call, NULL, self);
  update_participants (self);
  update_speaking (self);
  update_quality (self);

  g_signal_connect_object (call, "notify::state", G_CALLBACK (on_call_state), self, 0);
  g_signal_connect_object (call, "notify::speaking", G_CALLBACK (on_self_speaking), self, 0);
  g_signal_connect_object (call, "notify::setup-time", G_CALLBACK (on_setup_time), self, 0);
  on_recording (call, NULL, self);
  g_signal_connect_object (call, "notify::recording", G_CALLBACK (on_recording), self, 0);
  for (guint i = 0; i < participants->len; i++)
    follow_participant (self, g_ptr_array_index (participants, i));
  g_signal_connect_object (call, "participant-added", G_CALLBACK (on_participant_added), self,
                           G_CONNECT_SWAPPED);
  return self;
}

BlinkCall *
blink_daemon_call_get_call (BlinkDaemonCall *self)
{
  g_return_val_if_fail (BLINK_IS_DAEMON_CALL (self), NULL);

  return self->call;
}
