/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

void blink_test_watch_for_hangs (void);
gint64 blink_test_process_paused_us (void);
void blink_test_main_loop_watch (gboolean waiting);
void blink_test_main_loop_turned (void);

G_END_DECLS
