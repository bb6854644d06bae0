/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "blink-errors.h"
#include "blink-replay-guard.h"

static const guint8 sender_a[32] = { 1 };
static const guint8 sender_b[32] = { 2 };

static void
make_id (guint n,
         guint8 id[16])
{
  memset (id, 0, 16);
  memcpy (id, &n, sizeof n);
}

static void
test_window (void)
{
  g_autoptr (BlinkReplayGuard) guard = blink_replay_guard_new (120000, 16);
  const gint64 now = 1700000000000;
  guint8 id[16];
  g_autoptr (GError) error = NULL;

  make_id (1, id);
  g_assert_true (blink_replay_guard_check (guard, sender_a, id, now - 120000, now, &error));
  g_assert_no_error (error);
  make_id (2, id);
  g_assert_true (blink_replay_guard_check (guard, sender_a, id, now + 120000, now, &error));
  g_assert_no_error (error);

  make_id (3, id);
  g_assert_false (blink_replay_guard_check (guard, sender_a, id, now - 120001, now, &error));
  g_assert_error (error, BLINK_PROTOCOL_ERROR, BLINK_PROTOCOL_ERROR_EXPIRED);
  g_clear_error (&error);
  g_assert_false (blink_replay_guard_check (guard, sender_a, id, now + 120001, now, &error));
  g_assert_error (error, BLINK_PROTOCOL_ERROR, BLINK_PROTOCOL_ERROR_EXPIRED);
  g_clear_error (&error);

  /* Rejections are not remembered. */
  g_assert_cmpuint (blink_replay_guard_get_size (guard), ==, 2);
}

static void
test_replay (void)
{
  g_autoptr (BlinkReplayGuard) guard = blink_replay_guard_new (120000, 16);
  const gint64 now = 1700000000000;
  guint8 id[16];
  g_autoptr (GError) error = NULL;

  make_id (7, id);
  g_assert_true (blink_replay_guard_check (guard, sender_a, id, now, now, &error));
  g_assert_false (blink_replay_guard_check (guard, sender_a, id, now, now + 1000, &error));
  g_assert_error (error, BLINK_PROTOCOL_ERROR, BLINK_PROTOCOL_ERROR_REPLAYED);
  g_clear_error (&error);

  /* Same id from someone else is another message. */
  g_assert_true (blink_replay_guard_check (guard, sender_b, id, now, now, &error));
  g_assert_no_error (error);
}

static void
make_sender (guint n,
             guint8 key[32])
{
  memset (key, 0xee, 32);
  memcpy (key, &n, sizeof n);
}

/* A flood of valid messages from random identities fills the guard: then
 * new messages are refused, and nothing still inside the window is ever
 * forgotten, so the real message stays a replay. */
static void
test_flood_fails_closed (void)
{
  g_autoptr (BlinkReplayGuard) guard = blink_replay_guard_new (120000, 100);
  const gint64 now = 1700000000000;
  g_autoptr (GError) error = NULL;
  guint8 id[16], sender[32];

  make_id (1, id);
  g_assert_true (blink_replay_guard_check (guard, sender_a, id, now, now, NULL));

  for (guint i = 0; i < 10000; i++)
    {
      guint8 junk[16];

      make_sender (i, sender);
      make_id (i, junk);
      blink_replay_guard_check (guard, sender, junk, now, now, NULL);
      g_assert_cmpuint (blink_replay_guard_get_size (guard), <=, 100);
    }

  g_assert_false (blink_replay_guard_check (guard, sender_a, id, now, now + 1000, &error));
  g_assert_error (error, BLINK_PROTOCOL_ERROR, BLINK_PROTOCOL_ERROR_REPLAYED);
  g_clear_error (&error);

  make_sender (20000, sender);
  make_id (20000, id);
  g_assert_false (blink_replay_guard_check (guard, sender, id, now, now + 1000, &error));
  g_assert_error (error, BLINK_PROTOCOL_ERROR, BLINK_PROTOCOL_ERROR_OVERLOADED);
  g_clear_error (&error);

  /* Once the flood's timestamps leave the window, there is room again. */
  g_assert_true (blink_replay_guard_check (guard, sender, id, now + 120500, now + 120500, NULL));
  g_assert_cmpuint (blink_replay_guard_get_size (guard), ==, 1);
}

/* One sender cannot take the room of everyone else. */
static void
test_sender_quota (void)
{
  g_autoptr (BlinkReplayGuard) guard = blink_replay_guard_new (120000, 1000);
  const gint64 now = 1700000000000;
  g_autoptr (GError) error = NULL;
  guint8 id[16];

  blink_replay_guard_set_sender_capacity (guard, 10);
  for (guint i = 0; i < 10; i++)
    {
      make_id (i, id);
      g_assert_true (blink_replay_guard_check (guard, sender_a, id, now, now, NULL));
    }
  make_id (10, id);
  g_assert_false (blink_replay_guard_check (guard, sender_a, id, now, now, &error));
  g_assert_error (error, BLINK_PROTOCOL_ERROR, BLINK_PROTOCOL_ERROR_OVERLOADED);
  g_assert_true (blink_replay_guard_check (guard, sender_b, id, now, now, NULL));
}

/* Senders choose their timestamps: a message dated early but received
 * late must expire by its date, and one dated late must not be forgotten
 * because it arrived first. */
static void
test_expires_by_time (void)
{
  g_autoptr (BlinkReplayGuard) guard = blink_replay_guard_new (1000, 100);
  g_autoptr (GError) error = NULL;
  guint8 late[16], early[16], other[16];

  make_id (1, late);
  make_id (2, early);
  make_id (3, other);
  g_assert_true (blink_replay_guard_check (guard, sender_a, late, 10900, 10000, NULL));
  g_assert_true (blink_replay_guard_check (guard, sender_a, early, 9100, 10000, NULL));

  /* At 10 500 the early one is out of the window; the late one is not. */
  g_assert_true (blink_replay_guard_check (guard, sender_a, other, 10500, 10500, NULL));
  g_assert_cmpuint (blink_replay_guard_get_size (guard), ==, 2);
  g_assert_false (blink_replay_guard_check (guard, sender_a, late, 10900, 10500, &error));
  g_assert_error (error, BLINK_PROTOCOL_ERROR, BLINK_PROTOCOL_ERROR_REPLAYED);
}

/* A restarted receiver remembers nothing: whatever was sent before it
 * started is refused. */
static void
test_not_before (void)
{
  g_autoptr (BlinkReplayGuard) guard = blink_replay_guard_new (120000, 100);
  const gint64 started = 1700000000000;
  g_autoptr (GError) error = NULL;
  guint8 id[16];

  blink_replay_guard_set_not_before (guard, started);
  make_id (1, id);
  g_assert_false (blink_replay_guard_check (guard, sender_a, id, started - 1, started + 5000,
                                            &error));
  g_assert_error (error, BLINK_PROTOCOL_ERROR, BLINK_PROTOCOL_ERROR_EXPIRED);
  g_assert_true (blink_replay_guard_check (guard, sender_a, id, started, started + 5000, NULL));
}

/* A message dated after the restart by a clock ahead of ours, but accepted
 * before it, is written down and refused after it. */
static void
test_state_file (void)
{
  g_autofree char *dir = g_dir_make_tmp ("blink-guard-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "seen", NULL);
  const gint64 now = 1700000000000;
  g_autoptr (GError) error = NULL;
  guint8 ahead[16], behind[16];

  make_id (1, ahead);
  make_id (2, behind);
  {
    g_autoptr (BlinkReplayGuard) guard = blink_replay_guard_new (120000, 100);

    g_assert_true (blink_replay_guard_set_state_file (guard, path, now, &error));
    g_assert_no_error (error);
    g_assert_true (blink_replay_guard_check (guard, sender_a, ahead, now + 60000, now, NULL));
    g_assert_true (blink_replay_guard_check (guard, sender_a, behind, now - 1000, now, NULL));
  }

  /* The process restarts ten seconds later. */
  {
    g_autoptr (BlinkReplayGuard) guard = blink_replay_guard_new (120000, 100);

    blink_replay_guard_set_not_before (guard, now + 10000);
    g_assert_true (blink_replay_guard_set_state_file (guard, path, now + 10000, &error));
    g_assert_no_error (error);
    g_assert_cmpuint (blink_replay_guard_get_size (guard), ==, 1);
    g_assert_false (blink_replay_guard_check (guard, sender_a, ahead, now + 60000, now + 10000,
                                              &error));
    g_assert_error (error, BLINK_PROTOCOL_ERROR, BLINK_PROTOCOL_ERROR_REPLAYED);
    g_clear_error (&error);
    g_assert_false (blink_replay_guard_check (guard, sender_a, behind, now - 1000, now + 10000,
                                              &error));
    g_assert_error (error, BLINK_PROTOCOL_ERROR, BLINK_PROTOCOL_ERROR_EXPIRED);
    g_clear_error (&error);
  }

  /* Garbage in the file is replaced, not trusted. */
  g_assert_true (g_file_set_contents (path, "garbage", -1, NULL));
  {
    g_autoptr (BlinkReplayGuard) guard = blink_replay_guard_new (120000, 100);

    g_test_expect_message ("blink-replay-guard", G_LOG_LEVEL_WARNING, "*not a Blink state file*");
    g_assert_true (blink_replay_guard_set_state_file (guard, path, now, &error));
    g_test_assert_expected_messages ();
    g_assert_cmpuint (blink_replay_guard_get_size (guard), ==, 0);
  }

  /* A record dated beyond the window is not someone's clock: not loaded. */
  {
    g_autoptr (BlinkReplayGuard) guard = blink_replay_guard_new (120000, 100);
    g_autoptr (BlinkReplayGuard) again = blink_replay_guard_new (120000, 100);

    g_assert_true (blink_replay_guard_set_state_file (guard, path, now, NULL));
    g_assert_true (blink_replay_guard_check (guard, sender_a, ahead, now + 60000, now, NULL));
    g_assert_true (blink_replay_guard_set_state_file (again, path, now - 3600000, NULL));
    g_assert_cmpuint (blink_replay_guard_get_size (again), ==, 0);
  }

  /* A link where the file should be is not followed. */
  g_unlink (path);
  g_assert_cmpint (symlink ("/dev/zero", path), ==, 0);
  {
    g_autoptr (BlinkReplayGuard) guard = blink_replay_guard_new (120000, 100);

    g_assert_false (blink_replay_guard_set_state_file (guard, path, now, &error));
    g_assert_nonnull (error);
    g_clear_error (&error);
    /* Without a file it still guards. */
    g_assert_true (blink_replay_guard_check (guard, sender_a, ahead, now, now, NULL));
    g_assert_false (blink_replay_guard_check (guard, sender_a, ahead, now, now, NULL));
  }

  g_unlink (path);
  g_rmdir (dir);
}

/* The clock stepped back after the start: offers are not refused until it
 * catches up again. */
static void
test_clock_steps_back (void)
{
  g_autoptr (BlinkReplayGuard) guard = blink_replay_guard_new (120000, 100);
  const gint64 started = 1700000000000, two_hours = 7200000;
  guint8 id[16];

  blink_replay_guard_set_not_before (guard, started);
  make_id (1, id);
  g_assert_true (blink_replay_guard_check (guard, sender_a, id, started - two_hours,
                                           started - two_hours, NULL));
  g_assert_true (blink_replay_guard_contains (guard, sender_a, id));
  g_assert_false (blink_replay_guard_contains (guard, sender_b, id));
}

static void
test_forgets_expired (void)
{
  g_autoptr (BlinkReplayGuard) guard = blink_replay_guard_new (1000, 100);
  guint8 id[16];

  for (guint i = 0; i < 50; i++)
    {
      make_id (i, id);
      g_assert_true (blink_replay_guard_check (guard, sender_a, id, 10000, 10000, NULL));
    }
  g_assert_cmpuint (blink_replay_guard_get_size (guard), ==, 50);

  make_id (1000, id);
  g_assert_true (blink_replay_guard_check (guard, sender_a, id, 20000, 20000, NULL));
  g_assert_cmpuint (blink_replay_guard_get_size (guard), ==, 1);
}

int
main (int argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/blink/replay-guard/window", test_window);
  g_test_add_func ("/blink/replay-guard/replay", test_replay);
  g_test_add_func ("/blink/replay-guard/flood-fails-closed", test_flood_fails_closed);
  g_test_add_func ("/blink/replay-guard/sender-quota", test_sender_quota);
  g_test_add_func ("/blink/replay-guard/expires-by-time", test_expires_by_time);
  g_test_add_func ("/blink/replay-guard/not-before", test_not_before);
  g_test_add_func ("/blink/replay-guard/state-file", test_state_file);
  g_test_add_func ("/blink/replay-guard/clock-steps-back", test_clock_steps_back);
  g_test_add_func ("/blink/replay-guard/forgets-expired", test_forgets_expired);

  return g_test_run ();
}
