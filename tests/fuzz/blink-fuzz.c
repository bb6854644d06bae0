/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "blink-fuzz.h"

int
LLVMFuzzerInitialize (int *argc,
                      char ***argv)
{
  g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
  return 0;
}
