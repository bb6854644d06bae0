/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Real calls: each participant is a blink-test-party process with its own
 * identity, its own IPFS node, its own tone; everyone checks by ear that it
 * hears each connected participant and not itself. */
#include "config.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>

#include "blink-test-ipfs-network.h"

#define WAIT_MS 20000
#define MAX_PARTIES 4

typedef struct
{
  GSubprocess *process;
  GDataInputStream *output;
  GOutputStream *input;
  GCancellable *cancellable;
  GPtrArray *lines;
  char *did;
  char *key_path;
  int tone;
  gboolean exited;
} Party;

typedef struct
{
  BlinkTestIpfsNetwork *network;
  char *dir;
  Party party[MAX_PARTIES];
  guint n;
} Fixture;

static const int tones[MAX_PARTIES] = { 440, 660, 880, 1100 };

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

static void
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

/* Stops a party; one that does not stop within 10 s of SIGTERM is a bug:
 * its threads' stacks go to the test log, then it is killed. */
static void
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
      g_autofree char *pid = g_strdup (g_subprocess_get_identifier (p->process));
      g_autofree char *stacks = NULL;
      const char *gdb[] = { "gdb", "-batch", "-p", pid, "-ex", "thread apply all bt", NULL };

      g_spawn_sync (NULL, (char **) gdb, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL,
                    NULL, NULL, &stacks, NULL, NULL, NULL);
      g_test_message ("party %d did not stop:\n%s", p->tone, stacks != NULL ? stacks : "");
      g_subprocess_force_exit (p->process);
      g_subprocess_wait (p->process, NULL, NULL);
      g_test_fail_printf ("party %d did not stop within 10 s of signal %d", p->tone, signum);
    }
  g_clear_object (&p->process);
  g_clear_object (&p->input);
  g_clear_object (&p->output);
  g_clear_object (&p->cancellable);
}

static void
set_up (Fixture *f,
        guint n,
        const char *const *extra)
{
  g_autoptr (GError) error = NULL;

  if (!blink_test_ipfs_network_available ())
    {
      g_test_skip ("tests/ipfs-node is not installed (run npm ci there)");
      return;
    }

  f->n = n;
  f->dir = g_dir_make_tmp ("blink-calls-XXXXXX", &error);
  g_assert_no_error (error);
  f->network = blink_test_ipfs_network_start (n, NULL);
  for (guint i = 0; i < n; i++)
    party_spawn (f, i, extra);
}

static void
tear_down (Fixture *f,
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

static void
send (Party *p,
      const char *format,
      ...) G_GNUC_PRINTF (2, 3);

static void
send (Party *p,
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

static const char *
find_line (Party *p,
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

  return find_line (w->party, w->prefix, w->from) != NULL;
}

/* Waits for a line starting with the formatted prefix, among the lines the
 * party printed since @from. */
static const char *
wait_line_from (Party *p,
                guint from,
                guint timeout_ms,
                const char *format,
                ...) G_GNUC_PRINTF (4, 5);

static const char *
wait_line_from (Party *p,
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
  return find_line (p, prefix, from);
}

#define wait_line(p, ...) wait_line_from ((p), 0, WAIT_MS, __VA_ARGS__)

static char *
offer (Party *caller,
       Party **callees,
       guint n)
{
  g_autoptr (GString) command = g_string_new ("offer");
  guint from = caller->lines->len;

  for (guint i = 0; i < n; i++)
    g_string_append_printf (command, " %s", callees[i]->did);
  send (caller, "%s", command->str);
  return g_strdup (wait_line_from (caller, from, WAIT_MS, "offered ") + strlen ("offered "));
}

/* Asks @p for the levels of every tone and checks it hears exactly the
 * parties in @hear (and never itself). Retries until it does, or fails. */
static void
check_hears (Fixture *f,
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
      send (p, "%s", command->str);
      levels = wait_line_from (p, from, WAIT_MS, "levels ");

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
        g_error ("party %d hears the wrong tones: %s", p->tone, levels);
      g_usleep (100 * 1000);
      {
        gint64 until = g_get_monotonic_time () + 200 * 1000;

        while (g_get_monotonic_time () < until)
          g_main_context_iteration (NULL, FALSE);
      }
    }
}

/* ---- 1:1 ---- */

static void
set_up_two (Fixture *f,
            gconstpointer data)
{
  set_up (f, 2, NULL);
}

static void
set_up_three (Fixture *f,
              gconstpointer data)
{
  set_up (f, 3, NULL);
}

static void
set_up_four (Fixture *f,
             gconstpointer data)
{
  set_up (f, 4, NULL);
}

static void
set_up_two_odd_formats (Fixture *f,
                        gconstpointer data)
{
  static const char *const odd[] = { "--source-caps=audio/x-raw,rate=44100,channels=2",
                                     "--ear-rate=16000", NULL };

  set_up (f, 2, odd);
}

static void
set_up_two_short_ring (Fixture *f,
                       gconstpointer data)
{
  static const char *const short_ring[] = { "--ringing-timeout=3", NULL };

  set_up (f, 2, short_ring);
}

static char *
connect_two (Fixture *f)
{
  Party *a = &f->party[0], *b = &f->party[1];
  Party *to_b[] = { b };
  char *id = offer (a, to_b, 1);

  wait_line (b, "call-added %s incoming %s", id, a->did);
  send (b, "accept %s", id);
  wait_line (a, "call-state %s started", id);
  wait_line (b, "call-state %s started", id);
  wait_line (a, "participant %s %s connected", id, b->did);
  return id;
}

static void
test_one_to_one (Fixture *f,
                 gconstpointer data)
{
  Party *a = &f->party[0], *b = &f->party[1];
  Party *hear_a[] = { a }, *hear_b[] = { b };
  g_autofree char *id = NULL;
  gboolean caller_hangs_up = GPOINTER_TO_INT (data);
  Party *leaver = caller_hangs_up ? a : b, *other = caller_hangs_up ? b : a;

  if (f->network == NULL)
    return;

  id = connect_two (f);
  check_hears (f, a, hear_b, 1);
  check_hears (f, b, hear_a, 1);

  send (leaver, "hangup");
  wait_line (leaver, "call-state %s ending", id);
  wait_line (leaver, "call-removed %s", id);
  wait_line (other, "participant %s %s left", id, leaver->did);
  wait_line (other, "call-removed %s", id);
}

static void
test_odd_formats (Fixture *f,
                  gconstpointer data)
{
  Party *a = &f->party[0], *b = &f->party[1];
  Party *hear_a[] = { a }, *hear_b[] = { b };
  g_autofree char *id = NULL;

  if (f->network == NULL)
    return;

  id = connect_two (f);
  check_hears (f, a, hear_b, 1);
  check_hears (f, b, hear_a, 1);
}

static void
test_decline (Fixture *f,
              gconstpointer data)
{
  Party *a = &f->party[0], *b = &f->party[1];
  Party *to_b[] = { b };
  g_autofree char *id = NULL;

  if (f->network == NULL)
    return;

  id = offer (a, to_b, 1);
  wait_line (b, "call-added %s incoming", id);
  send (b, "decline %s", id);
  wait_line (b, "call-removed %s", id);
  wait_line (a, "participant %s %s declined", id, b->did);
  wait_line (a, "call-removed %s", id);
}

static void
test_cancel_before_answer (Fixture *f,
                           gconstpointer data)
{
  Party *a = &f->party[0], *b = &f->party[1];
  Party *to_b[] = { b };
  g_autofree char *id = NULL;
  guint from;

  if (f->network == NULL)
    return;

  id = offer (a, to_b, 1);
  wait_line (b, "call-added %s incoming", id);
  send (a, "hangup");
  wait_line (a, "call-removed %s", id);
  /* Gone from Bob's pending calls: answering it now fails. */
  wait_line (b, "call-removed %s", id);
  from = b->lines->len;
  send (b, "accept %s", id);
  wait_line_from (b, from, WAIT_MS, "error ");
}

static void
test_ringing_timeout (Fixture *f,
                      gconstpointer data)
{
  Party *a = &f->party[0], *b = &f->party[1];
  Party *to_b[] = { b };
  g_autofree char *id = NULL;

  if (f->network == NULL)
    return;

  id = offer (a, to_b, 1);
  wait_line (b, "call-added %s incoming", id);
  wait_line (b, "call-removed %s", id);
  wait_line (a, "call-removed %s", id);
}

/* ---- groups ---- */

static char *
connect_group (Fixture *f)
{
  Party *a = &f->party[0];
  Party *callees[MAX_PARTIES];
  char *id;

  for (guint i = 1; i < f->n; i++)
    callees[i - 1] = &f->party[i];
  id = offer (a, callees, f->n - 1);
  for (guint i = 1; i < f->n; i++)
    {
      wait_line (&f->party[i], "call-added %s incoming", id);
      send (&f->party[i], "accept %s", id);
    }
  /* Everyone connects to everyone. */
  for (guint i = 0; i < f->n; i++)
    for (guint j = 0; j < f->n; j++)
      if (i != j)
        wait_line (&f->party[i], "participant %s %s connected", id, f->party[j].did);
  return id;
}

static void
check_everyone_hears_everyone (Fixture *f,
                               const gboolean *present)
{
  for (guint i = 0; i < f->n; i++)
    {
      Party *others[MAX_PARTIES];
      guint n = 0;

      if (!present[i])
        continue;
      for (guint j = 0; j < f->n; j++)
        if (j != i && present[j])
          others[n++] = &f->party[j];
      check_hears (f, &f->party[i], others, n);
    }
}

static void
test_group (Fixture *f,
            gconstpointer data)
{
  gboolean present[MAX_PARTIES] = { TRUE, TRUE, TRUE, TRUE };
  g_autofree char *id = NULL;
  guint leaver = GPOINTER_TO_UINT (data); /* 0: the offerer leaves */
  Party *gone;

  if (f->network == NULL)
    return;

  id = connect_group (f);
  check_everyone_hears_everyone (f, present);

  /* One leaves; the others go on and still hear each other. */
  gone = &f->party[leaver];
  send (gone, "hangup");
  wait_line (gone, "call-removed %s", id);
  present[leaver] = FALSE;
  for (guint i = 0; i < f->n; i++)
    if (present[i])
      wait_line (&f->party[i], "participant %s %s left", id, gone->did);
  check_everyone_hears_everyone (f, present);
  for (guint i = 0; i < f->n; i++)
    if (present[i])
      g_assert_null (find_line (&f->party[i], g_strdup_printf ("call-removed %s", id), 0));
}

static void
test_killed_participant (Fixture *f,
                         gconstpointer data)
{
  gboolean present[MAX_PARTIES] = { TRUE, TRUE, TRUE, TRUE };
  g_autofree char *id = NULL;
  Party *victim = &f->party[2];
  gint64 killed_at;

  if (f->network == NULL)
    return;

  id = connect_group (f);
  check_everyone_hears_everyone (f, present);

  killed_at = g_get_monotonic_time ();
  party_kill (victim, SIGKILL);
  present[2] = FALSE;
  for (guint i = 0; i < 2; i++)
    wait_line_from (&f->party[i], 0, 15000, "participant %s %s left", id, victim->did);
  g_test_message ("the others saw the killed participant leave after %.1f s",
                  (g_get_monotonic_time () - killed_at) / 1e6);
  g_assert_cmpint (g_get_monotonic_time () - killed_at, <, 15 * G_USEC_PER_SEC);

  {
    Party *hear_0[] = { &f->party[1] }, *hear_1[] = { &f->party[0] };

    check_hears (f, &f->party[0], hear_0, 1);
    check_hears (f, &f->party[1], hear_1, 1);
  }
  f->n = 2; /* the victim is gone already */
  g_clear_pointer (&victim->lines, g_ptr_array_unref);
  g_unlink (victim->key_path);
  g_clear_pointer (&victim->key_path, g_free);
  g_clear_pointer (&victim->did, g_free);
  f->n = 3;
}

static void
test_call_again_and_again (Fixture *f,
                           gconstpointer data)
{
  Party *a = &f->party[0], *b = &f->party[1];
  Party *hear_a[] = { a }, *hear_b[] = { b };

  if (f->network == NULL)
    return;

  for (guint round = 0; round < 20; round++)
    {
      g_autofree char *id = connect_two (f);

      g_test_message ("round %u", round);
      check_hears (f, a, hear_b, 1);
      check_hears (f, b, hear_a, 1);
      send (round % 2 == 0 ? a : b, "hangup");
      wait_line (a, "call-removed %s", id);
      wait_line (b, "call-removed %s", id);
    }
}

static void
test_offer_while_active (Fixture *f,
                         gconstpointer data)
{
  Party *a = &f->party[0], *b = &f->party[1], *c = &f->party[2];
  Party *to_c[] = { c };
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;

  if (f->network == NULL)
    return;

  {
    Party *to_b[] = { b };

    first = offer (a, to_b, 1);
    wait_line (b, "call-added %s incoming", first);
    send (b, "accept %s", first);
    wait_line (a, "participant %s %s connected", first, b->did);
  }

  /* Alice calls Carol: the call with Bob is left, and Bob is told. */
  second = offer (a, to_c, 1);
  wait_line (a, "call-removed %s", first);
  wait_line (b, "participant %s %s left", first, a->did);
  wait_line (b, "call-removed %s", first);
  wait_line (c, "call-added %s incoming", second);
  send (c, "accept %s", second);
  wait_line (a, "participant %s %s connected", second, c->did);
  {
    Party *hear_a[] = { a }, *hear_c[] = { c };

    check_hears (f, a, hear_c, 1);
    check_hears (f, c, hear_a, 1);
  }
}

int
main (int argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, setup, func, data) \
  g_test_add ("/blink/calls/" path, Fixture, data, setup, func, tear_down)

  ADD ("one-to-one/caller-hangs-up", set_up_two, test_one_to_one, GINT_TO_POINTER (TRUE));
  ADD ("one-to-one/callee-hangs-up", set_up_two, test_one_to_one, GINT_TO_POINTER (FALSE));
  ADD ("one-to-one/decline", set_up_two, test_decline, NULL);
  ADD ("one-to-one/cancel-before-answer", set_up_two, test_cancel_before_answer, NULL);
  ADD ("one-to-one/ringing-timeout", set_up_two_short_ring, test_ringing_timeout, NULL);
  ADD ("one-to-one/odd-device-formats", set_up_two_odd_formats, test_odd_formats, NULL);
  ADD ("group-of-3/one-leaves", set_up_three, test_group, GUINT_TO_POINTER (2));
  ADD ("group-of-3/offerer-leaves", set_up_three, test_group, GUINT_TO_POINTER (0));
  ADD ("group-of-4/one-leaves", set_up_four, test_group, GUINT_TO_POINTER (3));
  ADD ("group-of-3/killed-participant", set_up_three, test_killed_participant, NULL);
  ADD ("offer-while-active", set_up_three, test_offer_while_active, NULL);
  ADD ("call-again-20-times", set_up_two, test_call_again_and_again, NULL);

#undef ADD

  return g_test_run ();
}
