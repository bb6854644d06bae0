/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Runs blink-test-party processes, one per participant, each with its own
 * identity, IPFS node and tone, and talks to them (see blink-test-party.c). */
#define G_LOG_DOMAIN "blink-test"

#include "config.h"

#include "blink-test-calls.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>

static const int tones[MAX_PARTIES] = { 440, 660, 880, 1100, 1250, 1450, 1650, 1850 };

static void read_line (Party *p);

static void
on_line (GObject *source,
         GAsyncResult *result,
         gpointer user_data)
{
  Party *p = user_data;
  g_autoptr (GError) error = NULL;
  char *line;

  line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (source), result, NULL,
                                                    &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (line == NULL)
    {
      p->exited = TRUE;
      return;
    }
  g_test_message ("party %d: %s", p->tone, line);
  if (g_str_has_prefix (line, "did "))
    p->did = g_strdup (line + 4);
  g_ptr_array_add (p->lines, line);
  read_line (p);
}

static void
read_line (Party *p)
{
  g_data_input_stream_read_line_async (p->output, G_PRIORITY_DEFAULT, p->cancellable, on_line, p);
}

static void
die_with_parent (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

static gboolean
party_ready (gpointer user_data)
{
  Party *p = user_data;

  return p->did != NULL || p->exited;
}

void
party_spawn (Fixture *f,
             guint i,
             const char *const *extra)
{
  Party *p = &f->party[i];
  g_autoptr (GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr (GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GError) error = NULL;

  p->tone = tones[i];
  if (p->key_path == NULL)
    p->key_path = g_strdup_printf ("%s/party%u.key", f->dir, i);
  if (p->lines == NULL)
    p->lines = g_ptr_array_new_with_free_func (g_free);

  g_ptr_array_add (argv, g_strdup (g_getenv ("BLINK_TEST_PARTY")));
  g_ptr_array_add (argv, g_strdup_printf ("--identity=%s", p->key_path));
  g_ptr_array_add (argv, g_strdup_printf ("--ipfs-api=%s",
                                          blink_test_ipfs_network_get_api (f->network, i)));
  g_ptr_array_add (argv, g_strdup_printf ("--tone=%d", p->tone));
  for (guint j = 0; extra != NULL && extra[j] != NULL; j++)
    g_ptr_array_add (argv, g_strdup (extra[j]));
  g_ptr_array_add (argv, NULL);

  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  p->process = g_subprocess_launcher_spawnv (launcher, (const char *const *) argv->pdata, &error);
  g_assert_no_error (error);
  p->input = g_object_ref (g_subprocess_get_stdin_pipe (p->process));
  p->output = g_data_input_stream_new (g_subprocess_get_stdout_pipe (p->process));
  p->cancellable = g_cancellable_new ();
  p->exited = FALSE;
  g_clear_pointer (&p->did, g_free);
  read_line (p);
  g_assert_true (blink_test_wait_until (party_ready, p, WAIT_MS));
  g_assert_false (p->exited);
}

static gboolean
flag_set (gpointer user_data)
{
  return *(gboolean *) user_data;
}

static void
on_party_exit (GObject *source,
               GAsyncResult *result,
               gpointer user_data)
{
  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  *(gboolean *) user_data = TRUE;
}

/* What each of @p's threads has used of the CPU, and its stack: why a
 * party that should hear something does not, or does not stop. */
static void
party_log_threads (Party *p)
{
  const char *pid = g_subprocess_get_identifier (p->process);
  const char *top[] = { "top", "-H", "-b", "-n", "2", "-d", "1", "-w", "120", "-p", pid, NULL };
  const char *gdb[] = { "gdb", "-batch", "-p", pid, "-ex", "thread apply all bt 12", NULL };
  g_autofree char *threads = NULL;
  g_autofree char *stacks = NULL;

  if (pid == NULL)
    return;
  g_spawn_sync (NULL, (char **) top, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL,
                NULL, NULL, &threads, NULL, NULL, NULL);
  g_spawn_sync (NULL, (char **) gdb, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL,
                NULL, NULL, &stacks, NULL, NULL, NULL);
  g_test_message ("party %d's threads:\n%s\n%s", p->tone, threads != NULL ? threads : "",
                  stacks != NULL ? stacks : "");
}

/* Stops a party; one that does not stop within 10 s of SIGTERM is a bug:
 * its threads' stacks go to the test log, then it is killed. */
void
party_kill (Party *p,
            int signum)
{
  /* Static: the wait may complete after this returns, on a failure. */
  static gboolean exited;

  if (p->process == NULL)
    return;

  exited = FALSE;
  g_cancellable_cancel (p->cancellable);
  g_subprocess_send_signal (p->process, signum);
  g_subprocess_wait_async (p->process, NULL, on_party_exit, &exited);
  if (!blink_test_wait_until (flag_set, &exited, 10000))
    {
      g_test_message ("party %d did not stop", p->tone);
      party_log_threads (p);
      g_subprocess_force_exit (p->process);
      g_subprocess_wait (p->process, NULL, NULL);
      g_test_fail_printf ("party %d did not stop within 10 s of signal %d", p->tone, signum);
    }
  g_clear_object (&p->process);
  g_clear_object (&p->input);
  g_clear_object (&p->output);
  g_clear_object (&p->cancellable);
}

/**
 * parties_set_up_kinds:
 * @kinds: the kind of each party's IPFS node, one letter per party (see
 *   blink_test_ipfs_network_start_kinds())
 */
void
parties_set_up_kinds (Fixture *f,
                      const char *kinds,
                      const char *const *extra)
{
  g_autoptr (GError) error = NULL;
  guint n = strlen (kinds);

  g_assert_cmpuint (n, <=, MAX_PARTIES);
  if (!blink_test_ipfs_network_available_for (kinds))
    {
      g_test_skip (blink_test_ipfs_unavailable_reason ());
      return;
    }

  f->n = n;
  f->dir = g_dir_make_tmp ("blink-calls-XXXXXX", &error);
  g_assert_no_error (error);
  f->network = blink_test_ipfs_network_start_kinds (kinds, NULL);
  for (guint i = 0; i < n; i++)
    party_spawn (f, i, extra);
}

/* @n parties on nodes of the default kind. */
void
parties_set_up (Fixture *f,
                guint n,
                const char *const *extra)
{
  g_autofree char *kinds = g_strnfill (n, blink_test_ipfs_default_kind ());

  parties_set_up_kinds (f, kinds, extra);
}

void
parties_tear_down (Fixture *f,
           gconstpointer data)
{
  for (guint i = 0; i < f->n; i++)
    {
      Party *p = &f->party[i];

      party_kill (p, SIGTERM);
      g_unlink (p->key_path);
      g_free (p->key_path);
      g_free (p->did);
      g_clear_pointer (&p->lines, g_ptr_array_unref);
    }
  g_clear_pointer (&f->network, blink_test_ipfs_network_stop);
  if (f->dir != NULL)
    g_rmdir (f->dir);
  g_free (f->dir);
}

void
party_send (Party *p,
            const char *format,
      ...)
{
  g_autofree char *line = NULL;
  va_list args;

  va_start (args, format);
  line = g_strdup_vprintf (format, args);
  va_end (args);
  g_test_message ("→ party %d: %s", p->tone, line);
  g_assert_true (g_output_stream_printf (p->input, NULL, NULL, NULL, "%s\n", line));
}

typedef struct
{
  Party *party;
  const char *prefix;
  guint from;
} Wanted;

const char *
party_find_line (Party *p,
           const char *prefix,
           guint from)
{
  for (guint i = from; i < p->lines->len; i++)
    if (g_str_has_prefix (g_ptr_array_index (p->lines, i), prefix))
      return g_ptr_array_index (p->lines, i);
  return NULL;
}

static gboolean
line_seen (gpointer user_data)
{
  Wanted *w = user_data;

  return party_find_line (w->party, w->prefix, w->from) != NULL;
}

/* Waits for a line starting with the formatted prefix, among the lines the
 * party printed since @from. */
const char *
party_wait_line_from (Party *p,
                      guint from,
                      guint timeout_ms,
                      const char *format,
                ...)
{
  g_autofree char *prefix = NULL;
  Wanted w;
  va_list args;

  va_start (args, format);
  prefix = g_strdup_vprintf (format, args);
  va_end (args);

  w = (Wanted){ p, prefix, from };
  if (!blink_test_wait_until (line_seen, &w, timeout_ms))
    g_error ("party %d never said “%s”", p->tone, prefix);
  return party_find_line (p, prefix, from);
}

#define wait_line(p, ...) party_wait_line_from ((p), 0, WAIT_MS, __VA_ARGS__)

char *
party_offer (Party *caller,
       Party **callees,
       guint n)
{
  g_autoptr (GString) command = g_string_new ("offer");
  guint from = caller->lines->len;

  for (guint i = 0; i < n; i++)
    g_string_append_printf (command, " %s", callees[i]->did);
  party_send (caller, "%s", command->str);
  return g_strdup (party_wait_line_from (caller, from, WAIT_MS, "offered ") + strlen ("offered "));
}

/**
 * party_mouth_to_ear_ms:
 *
 * Switches @from's tone on once everything @to heard before has been
 * played, and measures how long until @to hears it; every other
 * microphone of the call must be off. @from's is off again after.
 *
 * Returns: the time from the tone on to heard, in ms
 */
gint64
party_mouth_to_ear_ms (Party *from,
                       Party *to)
{
  for (guint attempt = 0; attempt < 5; attempt++)
    {
      guint from_at, to_at = 0;
      gboolean quiet = FALSE;
      const char *on, *heard_at;
      gint64 on_ms, heard_ms;

      party_send (from, "mic off");
      blink_test_pass_time (400);
      /* Until what was said before has been heard: with the delay long
       * after a hiccup, it may still come. */
      for (guint i = 0; i < 50 && !quiet; i++)
        {
          to_at = to->lines->len;
          party_send (to, "ear-reset");
          blink_test_pass_time (300);
          quiet = party_find_line (to, "first-sound ", to_at) == NULL;
        }
      if (!quiet)
        g_error ("party %d still hears something 15 s after the others' microphones went off",
                 to->tone);
      from_at = from->lines->len;
      party_send (from, "mic on");
      on = party_wait_line_from (from, from_at, WAIT_MS, "mic-on ");
      heard_at = party_wait_line_from (to, to_at, WAIT_MS, "first-sound ");
      party_send (from, "mic off");
      on_ms = g_ascii_strtoll (on + strlen ("mic-on "), NULL, 10);
      heard_ms = g_ascii_strtoll (heard_at + strlen ("first-sound "), NULL, 10);
      /* Something before the tone, heard just after the last reset: the
       * ear tells only its first sound, so measure again. */
      if (heard_ms >= on_ms)
        return heard_ms - on_ms;
    }
  g_error ("party %d heard something before party %d's tone, 5 times", to->tone, from->tone);
}

/* Asks @p for the levels of every tone and checks it hears exactly the
 * parties in @hear (and never itself). Retries until it does, or fails. */
void
party_check_hears (Fixture *f,
             Party *p,
             Party **hear,
             guint n_hear)
{
  gint64 deadline = g_get_monotonic_time () + WAIT_MS * 1000;

  for (;;)
    {
      g_autoptr (GString) command = g_string_new ("check");
      guint from = p->lines->len;
      const char *levels;
      gboolean right = TRUE;

      for (guint i = 0; i < f->n; i++)
        g_string_append_printf (command, " %d", f->party[i].tone);
      party_send (p, "%s", command->str);
      levels = party_wait_line_from (p, from, WAIT_MS, "levels ");

      for (guint i = 0; i < f->n; i++)
        {
          Party *other = &f->party[i];
          g_autofree char *key = g_strdup_printf (" %d:", other->tone);
          const char *at = strstr (levels, key);
          double level = at != NULL ? g_ascii_strtod (at + strlen (key), NULL) : 0;
          gboolean want = FALSE;

          for (guint j = 0; j < n_hear; j++)
            want |= hear[j] == other;
          if ((level > 0.05) != want)
            right = FALSE;
        }

      if (right)
        return;
      if (g_get_monotonic_time () > deadline)
        {
          party_log_threads (p);
          g_error ("party %d hears the wrong tones: %s", p->tone, levels);
        }
      g_usleep (100 * 1000);
      {
        gint64 until = g_get_monotonic_time () + 200 * 1000;

        while (g_get_monotonic_time () < until)
          g_main_context_iteration (NULL, FALSE);
      }
    }
}


/* @a hears only @b and @b only @a: the two of a 1:1 call. */
void
party_check_hear_each_other (Fixture *f,
                             Party *a,
                             Party *b)
{
  Party *hear_a[] = { a }, *hear_b[] = { b };

  party_check_hears (f, a, hear_b, 1);
  party_check_hears (f, b, hear_a, 1);
}
