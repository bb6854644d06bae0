/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The judges behind the speaking indicators and the quality warnings, fed
 * levels and statistics on a clock of the test's own. */

#include "config.h"

#include "blink-quality-monitor.h"
#include "blink-voice-activity.h"

#include <math.h>

#define MS G_TIME_SPAN_MILLISECOND
#define BLOCK (50 * MS)

/* Pushes @n blocks of 50 ms at @db from @now on; returns the changes. */
static guint
push_blocks (BlinkVoiceActivity *voice,
             double db,
             guint n,
             gint64 *now)
{
  guint changes = 0;

  for (guint i = 0; i < n; i++)
    {
      *now += BLOCK;
      changes += blink_voice_activity_push_level (voice, db, BLOCK, *now);
    }
  return changes;
}

static void
test_voice_hysteresis (void)
{
  g_autoptr (BlinkVoiceActivity) voice = blink_voice_activity_new ();
  gint64 now = G_USEC_PER_SEC;

  /* 50 ms of a voice is a click, not speech. */
  g_assert_cmpuint (push_blocks (voice, -20, 1, &now), ==, 0);
  g_assert_cmpuint (push_blocks (voice, -INFINITY, 1, &now), ==, 0);
  g_assert_false (blink_voice_activity_get_speaking (voice));
  g_assert_cmpuint (push_blocks (voice, -20, 2, &now), ==, 1);
  g_assert_true (blink_voice_activity_get_speaking (voice));
  /* Between the thresholds, and short pauses, change nothing. */
  g_assert_cmpuint (push_blocks (voice, -50, 20, &now), ==, 0);
  g_assert_cmpuint (push_blocks (voice, -70, 7, &now), ==, 0);
  g_assert_cmpuint (push_blocks (voice, -30, 1, &now), ==, 0);
  g_assert_cmpuint (push_blocks (voice, -70, 7, &now), ==, 0);
  g_assert_true (blink_voice_activity_get_speaking (voice));
  g_assert_cmpuint (push_blocks (voice, -70, 1, &now), ==, 1);
  g_assert_false (blink_voice_activity_get_speaking (voice));
  /* Quiet above the off threshold is not silence, nor loud enough. */
  g_assert_cmpuint (push_blocks (voice, -50, 40, &now), ==, 0);
  g_assert_false (blink_voice_activity_get_speaking (voice));
}

static void
test_voice_rate_limit (void)
{
  g_autoptr (BlinkVoiceActivity) voice = blink_voice_activity_new ();
  gint64 now = G_USEC_PER_SEC, last = 0;
  guint changes = 0;

  /* 100 ms on, 400 ms off: the thresholds alone would change 100 ms after
   * the off, four times a second; the limit keeps changes 250 ms apart. */
  for (guint i = 0; i < 40; i++)
    {
      for (guint j = 0; j < 10; j++)
        {
          now += BLOCK;
          if (blink_voice_activity_push_level (voice, j < 2 ? -20 : -70, BLOCK, now))
            {
              if (last != 0)
                g_assert_cmpint (now - last, >=, BLINK_VOICE_MIN_CHANGE_US);
              last = now;
              changes++;
            }
        }
    }
  g_assert_cmpuint (changes, >, 10);

  /* Levels that come in a bunch count for their audio, but the changes
   * they make keep their distance by the clock. */
  g_clear_object (&voice);
  voice = blink_voice_activity_new ();
  g_assert_true (blink_voice_activity_push_level (voice, -20, 100 * MS, now));
  g_assert_false (blink_voice_activity_push_level (voice, -70, 400 * MS, now + 10 * MS));
  g_assert_true (blink_voice_activity_get_speaking (voice));
  g_assert_true (blink_voice_activity_push_level (voice, -70, BLOCK, now + 250 * MS));
}

static BlinkConnectionStats
stats_at (guint64 received,
          gint64 lost,
          gint64 last_media)
{
  BlinkConnectionStats stats = { 0 };

  stats.packets_received = received;
  stats.packets_lost = lost;
  stats.round_trip_time = 0.001;
  stats.connected_time = 1;
  stats.last_media_time = last_media;
  return stats;
}

static void
test_quality_loss (void)
{
  g_autoptr (BlinkQualityMonitor) monitor = blink_quality_monitor_new ();
  gint64 now = 10 * G_USEC_PER_SEC;
  guint64 received = 0;
  gint64 lost = 0;
  guint seconds;

  /* 50 packets a second, 3 % lost: under the raise threshold. */
  for (guint i = 0; i < 10; i++, now += G_USEC_PER_SEC)
    {
      BlinkConnectionStats s = stats_at (received += 97, lost += 3, now);

      g_assert_false (blink_quality_monitor_push (monitor, &s, now));
    }
  g_assert_cmpfloat_with_epsilon (blink_quality_monitor_get_figures (monitor)->loss, 0.03, 0.001);

  /* 10 % lost, counted in one step as RTCP does: raised at once. */
  {
    BlinkConnectionStats s = stats_at (received += 90, lost += 10 + 5 * 3, now);

    g_assert_true (blink_quality_monitor_push (monitor, &s, now));
    g_assert_cmpint (blink_quality_monitor_get_problems (monitor), ==, BLINK_QUALITY_LOSS);
    now += G_USEC_PER_SEC;
  }

  /* No loss any more: still raised while the window holds the loss, and
   * for 10 s under 2 %. */
  for (seconds = 0; seconds < 30; seconds++, now += G_USEC_PER_SEC)
    {
      BlinkConnectionStats s = stats_at (received += 50, lost, now);

      if (blink_quality_monitor_push (monitor, &s, now))
        break;
    }
  g_assert_cmpint (blink_quality_monitor_get_problems (monitor), ==, 0);
  g_assert_cmpuint (seconds, >=, 10 + 3);
  g_assert_cmpuint (seconds, <=, 10 + 5);
}

static void
test_quality_jitter_and_round_trip (void)
{
  g_autoptr (BlinkQualityMonitor) monitor = blink_quality_monitor_new ();
  BlinkConnectionStats s = stats_at (0, 0, 0);
  gint64 now = 10 * G_USEC_PER_SEC;
  guint seconds;

  s.jitter = 0.040;
  s.round_trip_time = 0.5;
  s.last_media_time = now;
  g_assert_true (blink_quality_monitor_push (monitor, &s, now));
  g_assert_cmpint (blink_quality_monitor_get_problems (monitor), ==,
                   BLINK_QUALITY_JITTER | BLINK_QUALITY_ROUND_TRIP);
  /* Between the thresholds: stays. */
  s.jitter = 0.025;
  s.round_trip_time = 0.350;
  for (seconds = 0; seconds < 20; seconds++)
    {
      now += G_USEC_PER_SEC;
      s.last_media_time = now;
      g_assert_false (blink_quality_monitor_push (monitor, &s, now));
    }
  /* Good again: gone after 10 s. */
  s.jitter = 0.005;
  s.round_trip_time = 0.050;
  for (seconds = 1; seconds < 30; seconds++)
    {
      now += G_USEC_PER_SEC;
      s.last_media_time = now;
      if (blink_quality_monitor_push (monitor, &s, now))
        break;
    }
  g_assert_cmpuint (seconds, ==, 11);
  g_assert_cmpint (blink_quality_monitor_get_problems (monitor), ==, 0);
}

static void
test_quality_no_audio (void)
{
  g_autoptr (BlinkQualityMonitor) monitor = blink_quality_monitor_new ();
  gint64 connected = 5 * G_USEC_PER_SEC;
  BlinkConnectionStats s = stats_at (0, 0, 0);

  /* Connected, and nothing ever came. */
  s.connected_time = connected;
  g_assert_false (blink_quality_monitor_push (monitor, &s, connected + G_USEC_PER_SEC));
  g_assert_true (blink_quality_monitor_push (monitor, &s, connected + 2 * G_USEC_PER_SEC));
  g_assert_cmpint (blink_quality_monitor_get_problems (monitor), ==, BLINK_QUALITY_NO_AUDIO);
  g_assert_cmpfloat (blink_quality_monitor_get_figures (monitor)->silent_for, ==, 2.0);
  /* Audio at last: gone at once. */
  s.packets_received = 10;
  s.last_media_time = connected + 2500 * MS;
  g_assert_true (blink_quality_monitor_push (monitor, &s, connected + 3 * G_USEC_PER_SEC));
  g_assert_cmpint (blink_quality_monitor_get_problems (monitor), ==, 0);
  /* And stopped again. */
  g_assert_true (blink_quality_monitor_push (monitor, &s, connected + 5 * G_USEC_PER_SEC));
  g_assert_cmpint (blink_quality_monitor_get_problems (monitor), ==, BLINK_QUALITY_NO_AUDIO);
}

/* Statistics that arrive less than a second after a change (a slow poll
 * then a quick one) hold the next change back until a second has passed. */
static void
test_quality_rate_limit (void)
{
  g_autoptr (BlinkQualityMonitor) monitor = blink_quality_monitor_new ();
  gint64 connected = 5 * G_USEC_PER_SEC;
  BlinkConnectionStats s = stats_at (0, 0, 0);

  s.connected_time = connected;
  g_assert_true (blink_quality_monitor_push (monitor, &s, connected + 2 * G_USEC_PER_SEC));
  s.packets_received = 10;
  s.last_media_time = connected + 2100 * MS;
  g_assert_false (blink_quality_monitor_push (monitor, &s, connected + 2200 * MS));
  g_assert_cmpint (blink_quality_monitor_get_problems (monitor), ==, BLINK_QUALITY_NO_AUDIO);
  g_assert_false (blink_quality_monitor_push (monitor, &s, connected + 2900 * MS));
  s.last_media_time = connected + 2950 * MS;
  g_assert_true (blink_quality_monitor_push (monitor, &s, connected + 3 * G_USEC_PER_SEC));
  g_assert_cmpint (blink_quality_monitor_get_problems (monitor), ==, 0);
}

static void
test_quality_nicks (void)
{
  g_auto (GStrv) all = blink_quality_problems_to_strv (BLINK_QUALITY_LOSS | BLINK_QUALITY_JITTER |
                                                       BLINK_QUALITY_ROUND_TRIP |
                                                       BLINK_QUALITY_NO_AUDIO);
  g_auto (GStrv) none = blink_quality_problems_to_strv (0);
  const char *expected[] = { "loss", "jitter", "round-trip-time", "no-audio", NULL };

  g_assert_cmpstrv (all, expected);
  g_assert_cmpuint (g_strv_length (none), ==, 0);
}

int
main (int argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/blink/voice-activity/hysteresis", test_voice_hysteresis);
  g_test_add_func ("/blink/voice-activity/rate-limit", test_voice_rate_limit);
  g_test_add_func ("/blink/quality/loss", test_quality_loss);
  g_test_add_func ("/blink/quality/jitter-and-round-trip", test_quality_jitter_and_round_trip);
  g_test_add_func ("/blink/quality/no-audio", test_quality_no_audio);
  g_test_add_func ("/blink/quality/rate-limit", test_quality_rate_limit);
  g_test_add_func ("/blink/quality/nicks", test_quality_nicks);
  return g_test_run ();
}
