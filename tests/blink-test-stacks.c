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
 *   it is over and the wait has failed, nothing would show what it was.
 *
 * The same watch tells a wait the time the whole process did not run. */
#define _GNU_SOURCE
#include "config.h"

#include "blink-test-stacks.h"

#include <errno.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#define STALL_US (5 * G_USEC_PER_SEC)
#define BEAT_US G_USEC_PER_SEC
/* The watch slept this much longer than it asked: the process did not run. */
#define PAUSE_US (2 * G_USEC_PER_SEC)
/* gdb stuck attaching must not hold the test up until meson kills it. */
#define GDB_SECONDS 60

/* Made before: a signal handler allocates nothing. NULL without gdb. */
static char **gdb_argv;

static GMutex watch_lock;
static gboolean watch_started;
static guint waits;       /* blink_test_wait_until()s under way */
static gint64 last_turn;  /* when the main loop last turned in one */
static gboolean reported; /* this stall's stacks printed */
static gint64 last_beat;  /* when the watch last woke */
static gint64 paused_us;  /* how long the process did not run, in all */
static gboolean in_gdb;   /* the watch is printing stacks: it does not beat */

/* Async-signal-safe: from an abort in malloc, fork() would wait for the
 * arena lock the aborting thread holds. */
static void
run_gdb (void)
{
  pid_t child;
  sigset_t none;

  if (gdb_argv == NULL)
    return;
#ifdef HAVE__FORK
  child = _Fork ();
#else
  child = fork ();
#endif
  if (child == 0)
    {
      /* Not the aborting thread's mask: gdb must hear meson's SIGTERM. */
      sigemptyset (&none);
      sigprocmask (SIG_SETMASK, &none, NULL);
      alarm (GDB_SECONDS);
      dup2 (STDERR_FILENO, STDOUT_FILENO);
      execv (gdb_argv[0], gdb_argv);
      _exit (127);
    }
  if (child > 0)
    while (waitpid (child, NULL, 0) < 0 && errno == EINTR)
      ;
}

static void
print_stacks (int signum)
{
  run_gdb ();
  signal (signum, SIG_DFL);
  raise (signum);
}

/* Wakes every second. Having slept much longer than that, the whole
 * process did not run (a shared machine that paused it): that time is
 * nobody's fault here, and a wait gets it back. Otherwise a main loop
 * that has not turned for STALL_US while a test waits has its stacks
 * printed. */
static gpointer
watch_main_loop (gpointer data)
{
  for (;;)
    {
      gint64 stalled = 0, paused = 0, now;

      g_usleep (BEAT_US);
      g_mutex_lock (&watch_lock);
      now = g_get_monotonic_time ();
      if (now - last_beat > PAUSE_US)
        {
          paused = now - last_beat - BEAT_US;
          paused_us += paused;
          last_turn = MIN (last_turn + paused, now);
        }
      last_beat = now;
      if (waits > 0 && !reported && now - last_turn > STALL_US)
        {
          stalled = now - last_turn;
          reported = TRUE;
          in_gdb = TRUE;
        }
      g_mutex_unlock (&watch_lock);
      if (paused != 0)
        g_printerr ("This process did not run for %.1f s: waits are longer by that\n",
                    (double) paused / G_USEC_PER_SEC);
      if (stalled == 0)
        continue;
      g_printerr ("The main loop has not turned for %.1f s while the test waits%s\n",
                  (double) stalled / G_USEC_PER_SEC,
                  gdb_argv != NULL ? "; every thread's stack:" : " (no gdb: no stacks)");
      run_gdb ();
      /* gdb's time is no pause of the process, nor the main loop's. */
      g_mutex_lock (&watch_lock);
      last_beat = g_get_monotonic_time ();
      in_gdb = FALSE;
      g_mutex_unlock (&watch_lock);
    }
  return NULL;
}

/**
 * blink_test_watch_for_hangs:
 *
 * From now on, every thread's stack is printed to stderr when the test
 * aborts, and when its main loop stalls while it waits (when there is
 * gdb); and waits do not count the time the process did not run
 * (blink_test_process_paused_us()).
 */
void
blink_test_watch_for_hangs (void)
{
  g_autofree char *gdb = g_find_program_in_path ("gdb");

  if (watch_started)
    return;
  if (gdb != NULL)
    {
      struct sigaction action = { 0 };

      gdb_argv = g_new0 (char *, 10);
      gdb_argv[0] = g_steal_pointer (&gdb);
      gdb_argv[1] = g_strdup ("-p");
      gdb_argv[2] = g_strdup_printf ("%d", (int) getpid ());
      gdb_argv[3] = g_strdup ("-batch");
      gdb_argv[4] = g_strdup ("-nx");
      gdb_argv[5] = g_strdup ("-ex");
      gdb_argv[6] = g_strdup ("set pagination off");
      gdb_argv[7] = g_strdup ("-ex");
      gdb_argv[8] = g_strdup ("thread apply all bt");
      /* Where Yama lets a process be traced by its ancestors only. */
      prctl (PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0);
      action.sa_handler = print_stacks;
      sigemptyset (&action.sa_mask);
      sigaction (SIGABRT, &action, NULL);
    }
  g_mutex_lock (&watch_lock);
  watch_started = TRUE;
  last_beat = g_get_monotonic_time ();
  g_mutex_unlock (&watch_lock);
  g_thread_unref (g_thread_new ("main-loop-watch", watch_main_loop, NULL));
}

/**
 * blink_test_process_paused_us:
 *
 * Returns: how long, in all, the process did not run since the watch
 *   started (0 without it), a pause it has not woken from yet included:
 *   the main thread may run first after one
 */
gint64
blink_test_process_paused_us (void)
{
  gint64 paused, since_beat;

  g_mutex_lock (&watch_lock);
  paused = paused_us;
  since_beat = g_get_monotonic_time () - last_beat;
  if (watch_started && !in_gdb && since_beat > PAUSE_US)
    paused += since_beat - BEAT_US;
  g_mutex_unlock (&watch_lock);
  return paused;
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
