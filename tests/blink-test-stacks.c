/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A test that waits in vain fails with an assertion, which aborts: the
 * stacks of all its threads at that moment say what held it (a deadlock,
 * a thread that never ran), where the assertion's line alone cannot, and
 * a failure seen once on another machine cannot be run again. gdb prints
 * them to stderr, which meson shows for a failed test. */
#include "config.h"

#include "blink-test-stacks.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

/* Made before: a signal handler allocates nothing. */
static char **gdb_argv;

static void
print_stacks (int signum)
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
  signal (signum, SIG_DFL);
  raise (signum);
}

/**
 * blink_test_print_stacks_on_abort:
 *
 * From now on, when the test aborts (a failed assertion, a fatal warning),
 * every thread's stack is printed to stderr first. Nothing when there is
 * no gdb.
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
}
