/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* One participant of an integration test, in its own process: a
 * BlinkCallManager with its own identity and IPFS node, sending a tone of
 * its own and listening to what it hears. Commands come on stdin, one per
 * line; events go to stdout, one per line:
 *
 *   offer DID…          → "offered ID"
 *   accept [ID]         answers ID, or the newest pending call
 *   decline [ID]
 *   hangup
 *   check F…            → "levels F:share …" (share of what it hears at F Hz)
 *   auto-answer         accept incoming calls at once from now on
 *   know DID…           they are known (contacts): their calls connect while ringing
 *   mic on|off          → "mic-on MS" when the tone is switched on (monotonic ms)
 *   ear-reset           the next sound heard is reported as first-sound again
 *   timeline DID        → "timeline DID STARTED LOCAL REMOTE ICE CONNECTED MEDIA"
 *                       (monotonic µs of the connection's setup steps, 0 not
 *                       yet: BlinkPeerTimeline) or "timeline DID none"
 *
 *   did DID
 *   call-added ID incoming|outgoing CALLER
 *   rang ID US          (after call-added of an incoming call: monotonic µs)
 *   call-state ID STATE
 *   call-removed ID
 *   connection-closed DID
 *   participant ID DID STATE
 *   first-sound MS      (monotonic ms of the first non-silent audio heard
 *                        since the audio pipeline was made)
 *
 * With --auto-answer, incoming calls are accepted at once. BLINK_TEST_FRAME_MS
 * in the environment sets the frame length of the calls it offers (the
 * load benchmark's comparison of lengths, docs/benchmarks.md).
 *   error MESSAGE
 */
#include "config.h"

#include <gio/gunixinputstream.h>
#include <glib-unix.h>
#include <gst/gst.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <signal.h>

#include "blink-audio-processing.h"
#include "blink-call-manager.h"
#include "blink-enum.h"
#include "blink-test-audio.h"
#include "blink-test-media.h"

static BlinkCallManager *manager;
static BlinkTestEar *ear;
static GstElement *mic;
static gboolean first_sound_told;
static GMainLoop *loop;
static guint ear_rate;
static gboolean auto_answer;

static void
say (const char *format,
     ...) G_GNUC_PRINTF (1, 2);

static void
say (const char *format,
     ...)
{
  va_list args;

  va_start (args, format);
  vprintf (format, args);
  va_end (args);
  putchar ('\n');
  fflush (stdout);
}

static void
on_participant_state (BlinkParticipant *participant,
                      GParamSpec *pspec,
                      BlinkCall *call)
{
  say ("participant %s %s %s", blink_call_get_id (call), blink_participant_get_did (participant),
       blink_enum_nick (BLINK_TYPE_PARTICIPANT_STATE, blink_participant_get_state (participant)));
}

static void
on_call_state (BlinkCall *call,
               GParamSpec *pspec,
               gpointer user_data)
{
  say ("call-state %s %s", blink_call_get_id (call),
       blink_enum_nick (BLINK_TYPE_CALL_STATE, blink_call_get_state (call)));
}

static void
on_call_added (BlinkCallManager *m,
               BlinkCall *call,
               gpointer user_data)
{
  GPtrArray *participants = blink_call_get_participants (call);

  say ("call-added %s %s %s", blink_call_get_id (call),
       blink_call_get_incoming (call) ? "incoming" : "outgoing", blink_call_get_caller (call));
  /* When it rang here, for the setup's breakdown (bench-calls). */
  if (blink_call_get_incoming (call))
    say ("rang %s %" G_GINT64_FORMAT, blink_call_get_id (call), g_get_monotonic_time ());
  g_signal_connect (call, "notify::state", G_CALLBACK (on_call_state), NULL);
  for (guint i = 0; i < participants->len; i++)
    g_signal_connect_object (g_ptr_array_index (participants, i), "notify::state",
                             G_CALLBACK (on_participant_state), call, 0);

  if (auto_answer && blink_call_get_incoming (call))
    {
      g_autoptr (GError) error = NULL;

      if (!blink_call_manager_accept (m, call, &error))
        say ("error %s", error->message);
    }
}

static void
on_call_removed (BlinkCallManager *m,
                 BlinkCall *call,
                 gpointer user_data)
{
  say ("call-removed %s", blink_call_get_id (call));
}

static void
on_connection_closed (BlinkCallManager *m,
                      const char *did,
                      gpointer user_data)
{
  say ("connection-closed %s", did);
}

static BlinkCall *
pick_call (const char *id)
{
  GPtrArray *calls = blink_call_manager_get_calls (manager);

  if (id != NULL)
    return blink_call_manager_find_call (manager, id);

  for (guint i = calls->len; i > 0; i--)
    {
      BlinkCall *call = g_ptr_array_index (calls, i - 1);

      if (blink_call_get_incoming (call) && call != blink_call_manager_get_active_call (manager))
        return call;
    }
  return NULL;
}

static void
run_command (char **words)
{
  g_autoptr (GError) error = NULL;

  if (words[0] == NULL)
    return;

  if (g_str_equal (words[0], "offer"))
    {
      BlinkCall *call = blink_call_manager_offer (manager, (const char *const *) words + 1, &error);

      if (call != NULL)
        say ("offered %s", blink_call_get_id (call));
    }
  else if (g_str_equal (words[0], "accept"))
    blink_call_manager_accept (manager, pick_call (words[1]), &error);
  else if (g_str_equal (words[0], "decline"))
    blink_call_manager_decline (manager, pick_call (words[1]), &error);
  else if (g_str_equal (words[0], "hangup"))
    blink_call_manager_hang_up (manager, &error);
  else if (g_str_equal (words[0], "check") && ear != NULL)
    {
      g_autoptr (GString) line = g_string_new ("levels");

      for (guint i = 1; words[i] != NULL; i++)
        g_string_append_printf (line, " %s:%.3f", words[i],
                                blink_test_ear_level (ear, g_ascii_strtod (words[i], NULL)));
      say ("%s", line->str);
    }
  else if (g_str_equal (words[0], "timeline") && words[1] != NULL)
    {
      BlinkPeerTimeline t;

      if (blink_call_manager_get_setup_timeline (manager, words[1], &t))
        say ("timeline %s %" G_GINT64_FORMAT " %" G_GINT64_FORMAT " %" G_GINT64_FORMAT
             " %" G_GINT64_FORMAT " %" G_GINT64_FORMAT " %" G_GINT64_FORMAT,
             words[1], t.started, t.local_description, t.remote_description, t.ice_connected,
             t.connected, t.first_media);
      else
        say ("timeline %s none", words[1]);
    }
  else if (g_str_equal (words[0], "auto-answer"))
    auto_answer = TRUE;
  else if (g_str_equal (words[0], "know"))
    blink_call_manager_set_relay (manager, BLINK_RELAY_NEVER, (const char *const *) words + 1);
  else if (g_str_equal (words[0], "mic") && words[1] != NULL && mic != NULL)
    {
      gboolean on = g_str_equal (words[1], "on");

      g_object_set (mic, "volume", on ? 0.3 : 0.0, NULL);
      if (on)
        say ("mic-on %" G_GINT64_FORMAT, g_get_monotonic_time () / 1000);
    }
  else if (g_str_equal (words[0], "ear-reset") && ear != NULL)
    {
      blink_test_ear_reset (ear);
      first_sound_told = FALSE;
    }
  else if (g_str_equal (words[0], "quit"))
    g_main_loop_quit (loop);
  else
    say ("error unknown command %s", words[0]);

  if (error != NULL)
    say ("error %s", error->message);
}

static void read_command (GDataInputStream *input);

static void
on_command (GObject *source,
            GAsyncResult *result,
            gpointer user_data)
{
  g_autofree char *line = NULL;
  g_auto (GStrv) words = NULL;

  line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (source), result, NULL,
                                                    NULL);
  if (line == NULL)
    {
      /* The test went away. */
      g_main_loop_quit (loop);
      return;
    }

  words = g_strsplit_set (g_strstrip (line), " ", -1);
  run_command (words);
  read_command (G_DATA_INPUT_STREAM (source));
}

static void
read_command (GDataInputStream *input)
{
  g_data_input_stream_read_line_async (input, G_PRIORITY_DEFAULT, NULL, on_command, NULL);
}

/* The pipeline's speaker and microphone; a pipeline made for a call that
 * only rings has them once it is answered. */
static void
find_devices (void)
{
  g_autoptr (GstBin) bin = NULL;
  g_autoptr (GstElement) speaker = NULL;

  g_object_get (manager, "pipeline", &bin, NULL);
  if (bin == NULL || (speaker = gst_bin_get_by_name (bin, "ear")) == NULL)
    return;
  ear = blink_test_ear_new (bin, ear_rate);
  mic = gst_bin_get_by_name (bin, "mic");
}

static void
on_pipeline (BlinkCallManager *m,
             GParamSpec *pspec,
             gpointer user_data)
{
  g_clear_pointer (&ear, blink_test_ear_free);
  gst_clear_object (&mic);
  first_sound_told = FALSE;
  find_devices ();
}

static gboolean
on_sound_check (gpointer user_data)
{
  if (ear == NULL)
    find_devices ();
  if (!first_sound_told && ear != NULL && blink_test_ear_first_sound (ear) != 0)
    {
      first_sound_told = TRUE;
      say ("first-sound %" G_GINT64_FORMAT, blink_test_ear_first_sound (ear) / 1000);
    }
  return G_SOURCE_CONTINUE;
}

static gboolean
on_quit_signal (gpointer user_data)
{
  g_main_loop_quit (loop);
  return G_SOURCE_REMOVE;
}

static void
on_ipfs_state (BlinkSignaller *signaller,
               GParamSpec *pspec,
               gpointer user_data)
{
  static gboolean told;

  if (told || blink_signaller_get_ipfs_state (signaller) != BLINK_IPFS_STATE_CONNECTED)
    return;
  told = TRUE;
  say ("did %s", blink_signaller_get_did (signaller));
}

static void
on_stopped (GObject *source,
            GAsyncResult *result,
            gpointer user_data)
{
  blink_call_manager_stop_finish (BLINK_CALL_MANAGER (source), result, NULL);
  g_main_loop_quit (loop);
}

int
main (int argc,
      char **argv)
{
  g_autofree char *identity = NULL, *ipfs_api = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GOptionContext) context = g_option_context_new ("— a Blink test participant");
  g_autoptr (GDataInputStream) input = NULL;
  g_autofree char *source = NULL, *sink = NULL, *source_caps = NULL;
  int tone = 440, ringing_timeout = 60, announce_interval = 1000;
  const char *ice[] = { "127.0.0.1", NULL };
  GOptionEntry entries[] = {
    { "identity", 0, 0, G_OPTION_ARG_FILENAME, &identity, "Key file", "FILE" },
    { "ipfs-api", 0, 0, G_OPTION_ARG_STRING, &ipfs_api, "IPFS API", "ADDRESS" },
    { "tone", 0, 0, G_OPTION_ARG_INT, &tone, "Frequency to send", "HZ" },
    { "ear-rate", 0, 0, G_OPTION_ARG_INT, &ear_rate, "Sample rate of the speaker", "HZ" },
    { "source-caps", 0, 0, G_OPTION_ARG_STRING, &source_caps, "Format of the microphone", "CAPS" },
    { "ringing-timeout", 0, 0, G_OPTION_ARG_INT, &ringing_timeout, "Seconds", "S" },
    { "announce-interval", 0, 0, G_OPTION_ARG_INT, &announce_interval, "ms", "MS" },
    { "auto-answer", 0, 0, G_OPTION_ARG_NONE, &auto_answer, "Accept incoming calls", NULL },
    { NULL }
  };

  prctl (PR_SET_PDEATHSIG, SIGKILL);
  gst_init (&argc, &argv);
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      say ("error %s", error->message);
      return 2;
    }
  if (ear_rate == 0)
    ear_rate = 48000;

  /* 10 ms buffers: the tone starts within 10 ms of "mic on". */
  source = g_strdup_printf ("audiotestsrc name=mic is-live=true samplesperbuffer=480 freq=%d "
                            "volume=0.3%s%s", tone,
                            source_caps != NULL ? " ! capsfilter caps=" : "",
                            source_caps != NULL ? source_caps : "");
  sink = g_strdup_printf ("appsink name=ear emit-signals=true sync=false "
                          "caps=audio/x-raw,format=S16LE,channels=1,rate=%u", ear_rate);

  loop = g_main_loop_new (NULL, FALSE);
  manager = blink_call_manager_new ();
  g_object_set (manager, "identity", identity, "ipfs-api", ipfs_api, "audio-source", source,
                "audio-sink", sink, "ice-addresses", ice, "ringing-timeout", ringing_timeout,
                "announce-interval", announce_interval, NULL);
  {
    BlinkAudioFormat format;

    if (blink_test_audio_format (&format))
      g_object_set (manager, "audio-format", &format, NULL);
  }
  /* The load benchmark's processing variant: a tone is not processed
   * otherwise. */
  if (g_strcmp0 (g_getenv ("BLINK_TEST_AUDIO_PROCESSING"), "on") == 0)
    g_object_set (manager, "audio-processing-mode", BLINK_AUDIO_PROCESSING_MODE_ON, NULL);
  g_signal_connect (manager, "call-added", G_CALLBACK (on_call_added), NULL);
  g_signal_connect (manager, "call-removed", G_CALLBACK (on_call_removed), NULL);
  g_signal_connect (manager, "notify::pipeline", G_CALLBACK (on_pipeline), NULL);
  g_signal_connect (manager, "connection-closed", G_CALLBACK (on_connection_closed), NULL);
  /* A daemon warms up as it starts (its DTLS certificate above all), long
   * before anyone calls it. A test calls as soon as its parties are up,
   * and eight of them starting at once with their IPFS nodes took up to
   * 7 s each to make their certificates, their calls stalled meanwhile
   * (docs/engine.md, "Group size"): done before we say we are up. */
  blink_peer_warm_up ();
  if (!blink_call_manager_start (manager, &error))
    {
      say ("error %s", error->message);
      return 1;
    }
  /* Ready once the IPFS node has taken our subscription: an offer made
   * before would be refused (no IPFS node). */
  g_signal_connect (blink_call_manager_get_signaller (manager), "notify::ipfs-state",
                    G_CALLBACK (on_ipfs_state), NULL);
  on_ipfs_state (blink_call_manager_get_signaller (manager), NULL, NULL);

  input = g_data_input_stream_new (g_unix_input_stream_new (0, FALSE));
  read_command (input);
  g_timeout_add (10, on_sound_check, NULL);
  g_unix_signal_add (SIGTERM, on_quit_signal, NULL);
  g_main_loop_run (loop);

  blink_call_manager_stop_async (manager, on_stopped, NULL);
  g_main_loop_run (loop);
  g_clear_pointer (&ear, blink_test_ear_free);
  g_clear_object (&manager);
  return 0;
}
