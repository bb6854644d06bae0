/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

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
test_bounded (void)
{
  g_autoptr (BlinkReplayGuard) guard = blink_replay_guard_new (120000, 100);
  const gint64 now = 1700000000000;
  guint8 id[16];

  for (guint i = 0; i < 10000; i++)
    {
      make_id (i, id);
      g_assert_true (blink_replay_guard_check (guard, sender_a, id, now, now, NULL));
      g_assert_cmpuint (blink_replay_guard_get_size (guard), <=, 100);
    }

  /* The most recent ones are still remembered. */
  make_id (9999, id);
  g_assert_false (blink_replay_guard_check (guard, sender_a, id, now, now, NULL));
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
  g_test_add_func ("/blink/replay-guard/bounded", test_bounded);
  g_test_add_func ("/blink/replay-guard/forgets-expired", test_forgets_expired);

  return g_test_run ();
}
