/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "blink-test-bench.h"

#include <stdlib.h>

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
