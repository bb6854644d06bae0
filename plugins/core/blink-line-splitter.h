/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _BlinkLineSplitter BlinkLineSplitter;

/* Called with each complete line, without its "\n" (nor a "\r" before it).
 * Return FALSE to stop at this line: the rest of the chunk is dropped, as
 * when the stream is abandoned. */
typedef gboolean (*BlinkLineFunc) (const char *line,
                                   gsize len,
                                   gpointer user_data);

BlinkLineSplitter *blink_line_splitter_new (gsize max_line);
void blink_line_splitter_free (BlinkLineSplitter *self);

gboolean blink_line_splitter_push (BlinkLineSplitter *self,
                                   const guint8 *data,
                                   gsize len,
                                   BlinkLineFunc func,
                                   gpointer user_data);
guint blink_line_splitter_get_overlong (BlinkLineSplitter *self);
void blink_line_splitter_reset (BlinkLineSplitter *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BlinkLineSplitter, blink_line_splitter_free)

G_END_DECLS
