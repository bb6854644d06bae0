/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Every thread's stack, printed by gdb to stderr (which meson shows for a
 * failed test), at the two moments that say what held a test up, where
 * the failed assertion's line alone cannot; and a failure seen once on
 * another machine cannot be run again:
 *
 * - when the test aborts (a failed assertion, a fatal warning): a wait
 *   that failed shows what the other threads were doing;
 * - when the main loop has not turned for STALL_US while a test waits
 *   (blink_test_wait_until()): something dispatched on it blocks, and once
 *   it is over and the wait has failed, nothing would show what it was. */
#include "config.h"

#include "blink-test-stacks.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#define STALL_US (5 * G_USEC_PER_SEC)

/* Made before: a signal handler allocates nothing. */
static char **gdb_argv;

static GMutex watch_lock;
static guint waits;       /* blink_test_wait_until()s under way */
static gint64 last_turn;  /* when the main loop last turned in one */
static gboolean reported; /* this stall's stacks printed */

static void
run_gdb (void)
{
  pid_t child = fork ();

  if (child == 0)
    {
      dup2 (STDERR_FILENO, STDOUT_FILENO);
      execv (gdb_argv[0], gdb_argv);
      _exit (127);
    }
  if (child > 0)
    waitpid (child, NULL, 0);
}

static void
print_stacks (int signum)
{
  run_gdb ();
  signal (signum, SIG_DFL);
  raise (signum);
}

static gpointer
watch_main_loop (gpointer data)
{
  for (;;)
    {
      gint64 stalled = 0;

      g_usleep (G_USEC_PER_SEC);
      g_mutex_lock (&watch_lock);
      if (waits > 0 && !reported && g_get_monotonic_time () - last_turn > STALL_US)
        {
          stalled = g_get_monotonic_time () - last_turn;
          reported = TRUE;
        }
      g_mutex_unlock (&watch_lock);
      if (stalled != 0)
        {
          g_printerr ("The main loop has not turned for %.1f s while the test waits; "
                      "every thread's stack:\n", (double) stalled / G_USEC_PER_SEC);
          run_gdb ();
        }
    }
  return NULL;
}

/**
 * blink_test_print_stacks_on_abort:
 *
 * From now on, every thread's stack is printed to stderr when the test
 * aborts, and when its main loop stalls while it waits. Nothing when
 * there is no gdb.
 */
void
blink_test_print_stacks_on_abort (void)
{
  g_autofree char *gdb = g_find_program_in_path ("gdb");
  struct sigaction action = { 0 };

  if (gdb == NULL || gdb_argv != NULL)
    return;

  gdb_argv = g_new0 (char *, 12);
  gdb_argv[0] = g_steal_pointer (&gdb);
  gdb_argv[1] = g_strdup ("-p");
  gdb_argv[2] = g_strdup_printf ("%d", (int) getpid ());
  gdb_argv[3] = g_strdup ("-batch");
  gdb_argv[4] = g_strdup ("-nx");
  gdb_argv[5] = g_strdup ("-ex");
  gdb_argv[6] = g_strdup ("set pagination off");
  gdb_argv[7] = g_strdup ("-ex");
  gdb_argv[8] = g_strdup ("thread apply all bt");

  action.sa_handler = print_stacks;
  sigemptyset (&action.sa_mask);
  sigaction (SIGABRT, &action, NULL);
  g_thread_unref (g_thread_new ("main-loop-watch", watch_main_loop, NULL));
}

/**
 * blink_test_main_loop_watch:
 * @waiting: %TRUE when a wait begins, %FALSE when it ends
 *
 * Called by blink_test_wait_until(), and blink_test_main_loop_turned()
 * each time its main loop turns.
 */
void
blink_test_main_loop_watch (gboolean waiting)
{
  g_mutex_lock (&watch_lock);
  if (waiting && waits++ == 0)
    {
      last_turn = g_get_monotonic_time ();
      reported = FALSE;
    }
  else if (!waiting)
    waits--;
  g_mutex_unlock (&watch_lock);
}

void
blink_test_main_loop_turned (void)
{
  g_mutex_lock (&watch_lock);
  last_turn = g_get_monotonic_time ();
  reported = FALSE;
  g_mutex_unlock (&watch_lock);
}
