/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* blink_test_wait_until() on a shared machine: time the whole process did
 * not run (stopped from outside, as a machine that pauses it) is given
 * back to the wait; a main loop that the test itself blocks is not. */
#include "config.h"

#include <gio/gio.h>
#include <unistd.h>

#include "blink-test-ipfs-network.h"
#include "blink-test-stacks.h"

static gboolean
never (gpointer user_data)
{
  return FALSE;
}

static double
seconds_since (gint64 start)
{
  return (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC;
}

/* Stopped 3 s from 0.2 s on, a 5 s wait lasts at least 7 s: without the
 * pause given back it ends at 5 s. */
static void
test_paused_not_counted (void)
{
  g_autofree char *pid = g_strdup_printf ("%d", (int) getpid ());
  g_autoptr (GSubprocess) pauser = NULL;
  g_autoptr (GError) error = NULL;
  gint64 start = g_get_monotonic_time ();
  double waited;

  pauser = g_subprocess_new (G_SUBPROCESS_FLAGS_NONE, &error, "sh", "-c",
                             "sleep 0.2; kill -STOP $0; sleep 3; kill -CONT $0", pid, NULL);
  g_assert_no_error (error);
  g_assert_false (blink_test_wait_until (never, NULL, 5000));
  waited = seconds_since (start);
  g_test_message ("a 5 s wait, stopped 3 s: %.1f s", waited);
  g_assert_cmpfloat (waited, >=, 6.5);
  g_assert_cmpfloat (waited, <, 20);
  g_assert_true (g_subprocess_wait_check (pauser, NULL, &error));
  g_assert_no_error (error);
}

static gboolean
block (gpointer user_data)
{
  g_usleep (6 * G_USEC_PER_SEC);
  return G_SOURCE_REMOVE;
}

/* Blocked 6 s by a callback, a 2 s wait fails when the callback returns:
 * nothing is given back (its stacks are printed while it blocks). */
static void
test_blocked_counted (void)
{
  gint64 start = g_get_monotonic_time ();
  double waited;

  g_timeout_add (100, block, NULL);
  g_assert_false (blink_test_wait_until (never, NULL, 2000));
  waited = seconds_since (start);
  g_test_message ("a 2 s wait, its main loop blocked 6 s: %.1f s", waited);
  g_assert_cmpfloat (waited, >=, 6);
  /* gdb stops the process while it prints the stacks: a few seconds. */
  g_assert_cmpfloat (waited, <, 6 + 2 + 30);
}

int
main (int argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  blink_test_watch_for_hangs ();

  g_test_add_func ("/blink/wait/paused-not-counted", test_paused_not_counted);
  g_test_add_func ("/blink/wait/blocked-counted", test_blocked_counted);

  return g_test_run ();
}
