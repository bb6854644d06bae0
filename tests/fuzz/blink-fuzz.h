/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* libFuzzer's entry points. blink-fuzz.c defines the first for every
 * target: a warning or a critical is a finding, as in the tests. */
int LLVMFuzzerInitialize (int *argc,
                          char ***argv);
int LLVMFuzzerTestOneInput (const guint8 *data,
                            size_t size);

G_END_DECLS
