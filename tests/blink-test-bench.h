/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

void blink_test_sort_samples (gint64 *samples,
                              guint n);
void blink_test_process_usage (const char *pid,
                               guint64 *ticks,
                               guint64 *rss_kib);

G_END_DECLS
