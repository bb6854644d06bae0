/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "blink-test-bench.h"

#include <stdlib.h>
#include <string.h>

static int
compare_gint64 (const void *a,
                const void *b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return (x > y) - (x < y);
}

/**
 * blink_test_sort_samples:
 *
 * Sorts timings in place, so that percentiles can be read off by index.
 */
void
blink_test_sort_samples (gint64 *samples,
                         guint n)
{
  qsort (samples, n, sizeof (gint64), compare_gint64);
}

/**
 * blink_test_process_usage:
 * @pid: a process id, or "self"
 * @ticks: (out): user and system CPU time so far, in clock ticks
 * @rss_kib: (out): resident memory, KiB
 *
 * CPU time and resident memory of a process, from /proc.
 */
void
blink_test_process_usage (const char *pid,
                          guint64 *ticks,
                          guint64 *rss_kib)
{
  g_autofree char *stat_path = g_strdup_printf ("/proc/%s/stat", pid);
  g_autofree char *status_path = g_strdup_printf ("/proc/%s/status", pid);
  g_autofree char *stat = NULL, *status = NULL;
  g_auto (GStrv) fields = NULL;
  const char *vmrss;

  g_assert_true (g_file_get_contents (stat_path, &stat, NULL, NULL));
  g_assert_true (g_file_get_contents (status_path, &status, NULL, NULL));
  /* After the command name, which may hold spaces: field 14 is utime. */
  fields = g_strsplit (strrchr (stat, ')') + 2, " ", -1);
  *ticks = g_ascii_strtoull (fields[11], NULL, 10) + g_ascii_strtoull (fields[12], NULL, 10);
  vmrss = strstr (status, "VmRSS:");
  *rss_kib = vmrss != NULL ? g_ascii_strtoull (vmrss + 6, NULL, 10) : 0;
}
