/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "blinkd"

#include "config.h"

#include <glib-unix.h>
#include <glib/gi18n.h>
#include <gst/gst.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>

#include "blink-audio-processing.h"
#include "blink-call-manager.h"
#include "blink-daemon-manager.h"
#include "blink-identity.h"
#include "blink-turn.h"

/* blinkd: owns one identity and the call engine, and offers them on the
 * session bus as im.blink.Blink1 (docs/dbus.md). */

#define BUS_NAME "im.blink.Blink1"

typedef struct
{
  GMainLoop *loop;
  BlinkCallManager *engine;
  BlinkDaemonManager *manager;
  int status;
} Daemon;

/* @path as a gst-launch property value: double quotes, backslash escapes. */
static char *
quote_location (const char *path)
{
  GString *quoted = g_string_new ("\"");

  for (const char *c = path; *c != '\0'; c++)
    {
      if (*c == '"' || *c == '\\')
        g_string_append_c (quoted, '\\');
      g_string_append_c (quoted, *c);
    }
  g_string_append_c (quoted, '"');
  return g_string_free (quoted, FALSE);
}

/* Both inputs of a file source's mixer: with one fixed format neither can
 * configure the mixer to a format the other then cannot give it. */
#define FILE_SOURCE_FORMAT "audio/x-raw,format=S16LE,rate=48000,channels=2"

/* A recording played into calls. Read once here so that a wrong path is
 * told at start, not at the first call. A silent source beside it, in a
 * mixer, goes on after its end: an end of stream would stop our packets,
 * and the others would take us for gone.
 *
 * Neither input is live, so the mixer waits for both and drops nothing,
 * and the clocksync after it lets the result out in real time. A live
 * silence would make the mixer live, and a live mixer makes each moment's
 * output when the clock says so with what its inputs have given by then,
 * dropping what comes later: the file's first 10-40 ms at every start
 * (the mixer ignores an input until its caps arrive, and decodebin sends
 * them after finding the type, when the silence has been mixed already),
 * and 170 ms in the middle of a call on a loaded machine, its streaming
 * thread starved (tests/test-file-source.py). Giving that mixer a latency
 * bounds the second and does not help the first. Paced after the mixer,
 * audio that is late is late, not lost: its timestamps are its place in
 * the file, and the receivers' jitter buffers take the rest. */
static char *
file_source (const char *path,
             GError **error)
{
  g_autofree char *absolute = g_canonicalize_filename (path, NULL);
  g_autoptr (GFile) file = g_file_new_for_path (absolute);
  g_autoptr (GFileInputStream) stream = g_file_read (file, NULL, error);
  g_autofree char *location = NULL;

  if (stream == NULL)
    return NULL;
  location = quote_location (absolute);
  return g_strdup_printf ("filesrc location=%s ! decodebin ! audioconvert ! audioresample "
                          "! " FILE_SOURCE_FORMAT
                          " ! audiomixer name=file_then_silence ! clocksync "
                          "audiotestsrc wave=silence ! " FILE_SOURCE_FORMAT " ! file_then_silence.",
                          location);
}

/* Shortcuts for machines without sound devices, and for recordings. */
static char *
expand_device (const char *description,
               gboolean source,
               GError **error)
{
  if (description == NULL)
    return g_strdup (source ? "autoaudiosrc" : "autoaudiosink");
  if (source && g_str_has_prefix (description, "tone:"))
    return g_strdup_printf ("audiotestsrc is-live=true wave=sine volume=0.3 freq=%s",
                            description + strlen ("tone:"));
  if (source && g_str_has_prefix (description, "file:"))
    return file_source (description + strlen ("file:"), error);
  if (source && g_str_equal (description, "silence"))
    return g_strdup ("audiotestsrc is-live=true wave=silence");
  if (!source && g_str_equal (description, "null"))
    return g_strdup ("fakesink sync=true");
  if (!source && g_str_has_prefix (description, "wav:"))
    {
      g_autofree char *location = quote_location (description + strlen ("wav:"));

      return g_strdup_printf ("audioconvert ! audio/x-raw,format=S16LE ! wavenc "
                              "! filesink location=%s",
                              location);
    }
  return g_strdup (description);
}

/* The TURN URLs with their password, which is read from a file or the
 * environment: a command line is readable by every local user. */
static gboolean
turn_urls (char **servers,
           const char *password_file,
           char ***urls,
           GError **error)
{
  g_autofree char *contents = NULL;
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
  const char *password = g_getenv ("BLINK_TURN_PASSWORD");

  if (password_file != NULL)
    {
      if (!g_file_get_contents (password_file, &contents, NULL, error))
        return FALSE;
      contents[strcspn (contents, "\r\n")] = '\0';
      password = contents;
    }
  if (password == NULL || password[0] == '\0')
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           _("a TURN server needs its password: --turn-password-file FILE or "
                             "BLINK_TURN_PASSWORD"));
      return FALSE;
    }
  for (guint i = 0; servers[i] != NULL; i++)
    {
      g_autofree char *url = blink_turn_url_with_password (servers[i], password, error);

      if (url == NULL)
        return FALSE;
      g_strv_builder_add (builder, url);
    }
  *urls = g_strv_builder_end (builder);
  return TRUE;
}

static void
on_bus_acquired (GDBusConnection *connection,
                 const char *name,
                 gpointer user_data)
{
  Daemon *daemon = user_data;
  g_autoptr (GError) error = NULL;

  if (!blink_daemon_manager_export (daemon->manager, connection, &error))
    {
      g_printerr (_("blinkd: cannot export its objects on the bus: %s\n"), error->message);
      daemon->status = EXIT_FAILURE;
      g_main_loop_quit (daemon->loop);
    }
}

static void
on_name_acquired (GDBusConnection *connection,
                  const char *name,
                  gpointer user_data)
{
  Daemon *daemon = user_data;

  g_debug ("Serving %s as %s", blink_call_manager_get_did (daemon->engine), name);
}

static void
on_name_lost (GDBusConnection *connection,
              const char *name,
              gpointer user_data)
{
  Daemon *daemon = user_data;

  if (connection == NULL)
    g_printerr (_("blinkd: no session bus to serve on\n"));
  else
    g_printerr (_("blinkd: %s is taken: another blinkd runs on this bus\n"), name);
  daemon->status = EXIT_FAILURE;
  g_main_loop_quit (daemon->loop);
}

static void
on_engine_stopped (GObject *source,
                   GAsyncResult *result,
                   gpointer user_data)
{
  Daemon *daemon = user_data;

  blink_call_manager_stop_finish (BLINK_CALL_MANAGER (source), result, NULL);
  g_main_loop_quit (daemon->loop);
}

static gboolean
on_quit_signal (gpointer user_data)
{
  Daemon *daemon = user_data;

  g_debug ("Stopping: leaving calls");
  g_main_loop_quit (daemon->loop);
  return G_SOURCE_CONTINUE;
}

int
main (int argc,
      char **argv)
{
  g_autofree char *identity = NULL, *profile = NULL, *ipfs_api = NULL;
  g_autofree char *source = NULL, *sink = NULL, *stun = NULL;
  g_auto (GStrv) ice = NULL, turn = NULL, turn_servers = NULL;
  g_autofree char *turn_password_file = NULL;
  g_autofree char *relay_name = NULL;
  BlinkRelayPolicy relay = BLINK_RELAY_STRANGERS;
  int ringing_timeout = 60;
  g_autofree char *processing_mode_name = NULL;
  gboolean no_echo_cancellation = FALSE, no_noise_suppression = FALSE, no_gain_control = FALSE;
  BlinkAudioProcessingMode processing_mode = BLINK_AUDIO_PROCESSING_MODE_AUTO;
  BlinkAudioProcessing processing = BLINK_AUDIO_PROCESSING_ALL;
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *summary = NULL;
  g_autofree char *summary_examples = NULL;
  g_autofree char *source_description = NULL, *sink_description = NULL;
  Daemon daemon = { 0 };
  g_autoptr (BlinkVerifiedStore) verified = NULL;
  g_autoptr (BlinkContactStore) contacts = NULL;
  g_autoptr (BlinkCallHistory) history = NULL;
  guint owner_id, sigterm_id, sigint_id;
  const GOptionEntry entries[] = {
    { "identity", 'i', 0, G_OPTION_ARG_FILENAME, &identity,
      N_("Key file of the identity (default: $XDG_CONFIG_HOME/blink/identity.key)"), N_("FILE") },
    { "profile", 'p', 0, G_OPTION_ARG_STRING, &profile,
      N_("Use the identity of this profile ($XDG_CONFIG_HOME/blink/NAME/identity.key)"),
      N_("NAME") },
    { "ipfs-api", 0, 0, G_OPTION_ARG_STRING, &ipfs_api,
      N_("RPC API of the IPFS node (default: $BLINK_IPFS_API, $IPFS_API, the repo's api file, "
         "/ip4/127.0.0.1/tcp/5001)"),
      N_("ADDRESS") },
    { "audio-source", 0, 0, G_OPTION_ARG_STRING, &source,
      N_("Microphone: a gst-launch description, “tone:HZ”, “file:PATH” (a recording, played "
         "in real time from the start of each call) or “silence” (default: autoaudiosrc); "
         "“blink use-mic” replaces it with a device until “blink use-mic default”"),
      N_("SOURCE") },
    { "audio-sink", 0, 0, G_OPTION_ARG_STRING, &sink,
      N_("Speaker: a gst-launch description, “wav:FILE” to record what is heard, or “null” "
         "(default: autoaudiosink); “blink use-speaker” replaces it with a device"),
      N_("SINK") },
    { "relay", 0, 0, G_OPTION_ARG_STRING, &relay_name,
      N_("Which connections only use the TURN servers' relays, keeping our addresses from the "
         "peer: never, strangers (anyone not a contact; the default) or always"),
      "never|strangers|always" },
    { "audio-processing", 0, 0, G_OPTION_ARG_STRING, &processing_mode_name,
      N_("When the microphone is processed (echo cancellation, noise suppression, gain "
         "control): “auto” for a capture device and not for a tone, silence or a file, “on” "
         "for any source, “off” never (default: auto)"),
      N_("WHEN") },
    { "no-echo-cancellation", 0, 0, G_OPTION_ARG_NONE, &no_echo_cancellation,
      N_("Do not take what the speaker plays out of what the microphone hears"), NULL },
    { "no-noise-suppression", 0, 0, G_OPTION_ARG_NONE, &no_noise_suppression,
      N_("Do not take steady background noise out of the microphone"), NULL },
    { "no-gain-control", 0, 0, G_OPTION_ARG_NONE, &no_gain_control,
      N_("Do not bring the microphone to one level"), NULL },
    { "ice-address", 0, 0, G_OPTION_ARG_STRING_ARRAY, &ice,
      N_("Let ICE use only this local address (repeat for more)"), N_("ADDRESS") },
    { "stun-server", 0, 0, G_OPTION_ARG_STRING, &stun, N_("STUN server"), "stun://HOST:PORT" },
    { "turn-server", 0, 0, G_OPTION_ARG_STRING_ARRAY, &turn,
      N_("TURN server (repeat for more); its password comes from --turn-password-file or "
         "$BLINK_TURN_PASSWORD, never from the command line"),
      "turn://USER@HOST:PORT" },
    { "turn-password-file", 0, 0, G_OPTION_ARG_FILENAME, &turn_password_file,
      N_("File whose first line is the TURN password"), N_("FILE") },
    { "ringing-timeout", 0, 0, G_OPTION_ARG_INT, &ringing_timeout,
      N_("Seconds an unanswered call rings"), N_("SECONDS") },
    { NULL }
  };

  setlocale (LC_ALL, "");
  /* BLINK_LOCALEDIR: a build tree's translations (po/ in it), for its tests. */
  bindtextdomain (GETTEXT_PACKAGE, g_getenv ("BLINK_LOCALEDIR") != NULL
                                     ? g_getenv ("BLINK_LOCALEDIR") : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  context = g_option_context_new (_("— the Blink call service"));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_add_group (context, gst_init_get_option_group ());
  /* TRANSLATORS: %s is the bus name, im.blink.Blink1 */
  summary = g_strdup_printf (_("Serves calls on the session bus as %s; “blink” talks to it."),
                             BUS_NAME);
  summary_examples = g_strconcat (summary, "\n\n", _("Examples:"), "\n",
                                  "  blinkd\n"
                                  "  blinkd --profile work --audio-sink wav:heard.wav\n"
                                  "  blinkd --audio-source file:greeting.ogg\n"
                                  "  blinkd --no-noise-suppression --no-gain-control\n"
                                  "  blinkd --ipfs-api /ip4/127.0.0.1/tcp/5001 "
                                  "--audio-source tone:440 --audio-sink null",
                                  NULL);
  g_option_context_set_summary (context, summary_examples);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("blinkd: %s\n", error->message);
      return 2;
    }
  if (identity != NULL && profile != NULL)
    {
      g_printerr (_("blinkd: use --identity or --profile, not both\n"));
      return 2;
    }
  if (profile != NULL)
    identity = blink_identity_profile_path (profile);

  if (turn != NULL && !turn_urls (turn, turn_password_file, &turn_servers, &error))
    {
      g_printerr ("blinkd: %s\n", error->message);
      return 2;
    }

  if (relay_name != NULL && !blink_relay_policy_from_string (relay_name, &relay))
    {
      g_printerr (_("blinkd: --relay takes “never”, “strangers” or “always”, not “%s”\n"),
                  relay_name);
      return 2;
    }
  if (processing_mode_name != NULL &&
      !blink_audio_processing_mode_from_string (processing_mode_name, &processing_mode))
    {
      g_printerr (_("blinkd: --audio-processing takes “auto”, “on” or “off”, not “%s”\n"),
                  processing_mode_name);
      return 2;
    }
  if (no_echo_cancellation)
    processing &= ~BLINK_AUDIO_PROCESSING_ECHO_CANCELLATION;
  if (no_noise_suppression)
    processing &= ~BLINK_AUDIO_PROCESSING_NOISE_SUPPRESSION;
  if (no_gain_control)
    processing &= ~BLINK_AUDIO_PROCESSING_GAIN_CONTROL;

  source_description = expand_device (source, TRUE, &error);
  if (source_description == NULL)
    {
      g_printerr (_("blinkd: cannot play the audio file into calls: %s\n"), error->message);
      return 2;
    }
  sink_description = expand_device (sink, FALSE, NULL);
  daemon.engine = blink_call_manager_new ();
  g_object_set (daemon.engine, "identity", identity, "ipfs-api", ipfs_api, "audio-source",
                source_description, "audio-sink", sink_description, "ice-addresses", ice,
                "stun-server", stun, "turn-servers", turn_servers, "ringing-timeout",
                (guint) CLAMP (ringing_timeout, 1, 3600), "audio-processing", processing,
                "audio-processing-mode", processing_mode, NULL);
  if (!blink_call_manager_start (daemon.engine, &error))
    {
      g_printerr (_("blinkd: %s\n"), error->message);
      g_object_unref (daemon.engine);
      return EXIT_FAILURE;
    }

  daemon.loop = g_main_loop_new (NULL, FALSE);
  {
    /* Beside the key: each identity has its own. */
    g_autofree char *key = identity != NULL ? g_strdup (identity) : blink_identity_default_path ();
    g_autofree char *dir = g_path_get_dirname (key);
    g_autofree char *path = g_build_filename (dir, "verified", NULL);

    verified = blink_verified_store_new (path);
  }
  {
    /* The user's data, per profile; beside the key when it was named. */
    g_autofree char *data = NULL;
    g_autofree char *contacts_path = NULL, *history_path = NULL;

    if (identity != NULL && profile == NULL)
      data = g_path_get_dirname (identity);
    else
      data = g_build_filename (g_get_user_data_dir (), "blink", profile, NULL);
    contacts_path = g_build_filename (data, "contacts.json", NULL);
    history_path = g_build_filename (data, "history.json", NULL);
    contacts = blink_contact_store_new (contacts_path, blink_call_manager_get_did (daemon.engine));
    history = blink_call_history_new (history_path);
  }
  daemon.manager = blink_daemon_manager_new (daemon.engine, verified, contacts, history);
  blink_daemon_manager_set_relay (daemon.manager, relay);
  owner_id = g_bus_own_name (G_BUS_TYPE_SESSION, BUS_NAME, G_BUS_NAME_OWNER_FLAGS_NONE,
                             on_bus_acquired, on_name_acquired, on_name_lost, &daemon, NULL);
  sigterm_id = g_unix_signal_add (SIGTERM, on_quit_signal, &daemon);
  sigint_id = g_unix_signal_add (SIGINT, on_quit_signal, &daemon);

  g_main_loop_run (daemon.loop);

  /* Leave every call properly (peers are told, connections closed) while
   * still on the bus, so that clients see the calls end. */
  blink_call_manager_stop_async (daemon.engine, on_engine_stopped, &daemon);
  g_main_loop_run (daemon.loop);
  blink_daemon_manager_unexport (daemon.manager);
  g_bus_unown_name (owner_id);
  g_source_remove (sigterm_id);
  g_source_remove (sigint_id);
  g_object_unref (daemon.manager);
  g_object_unref (daemon.engine);
  g_main_loop_unref (daemon.loop);
  return daemon.status;
}
