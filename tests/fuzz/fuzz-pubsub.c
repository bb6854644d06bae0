/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A Kubo pubsub/sub stream as the node sends it: the first byte sets the size
 * of the chunks the rest arrives in (1 to 256 bytes), the line splitter cuts
 * lines (at most 4 KiB here rather than 2 MiB, so that overlong lines occur
 * in inputs small enough to run fast) and each line is decoded as
 * blink-ipfs-client does. The lines must not depend on where the
 * chunks end: the same bytes in one chunk give the same lines. */
#include "config.h"

#include <string.h>

#include "blink-errors.h"
#include "blink-fuzz.h"
#include "blink-line-splitter.h"
#include "blink-pubsub-message.h"

#define MAX_LINE 4096

static gboolean
on_line (const char *line,
         gsize len,
         gpointer user_data)
{
  GPtrArray *lines = user_data;

  g_assert_true (line[len] == '\0');
  g_assert_true (memchr (line, '\n', len) == NULL);
  g_ptr_array_add (lines, g_bytes_new (line, len));
  return TRUE;
}

static void
check_line (GBytes *line)
{
  g_autoptr (BlinkPubsubMessage) message = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *exact = NULL;
  gsize len;
  const char *data = g_bytes_get_data (line, &len);

  /* blink-ipfs-client skips empty lines (Kubo's keep-alives). */
  if (len == 0)
    return;

  /* Not NUL-terminated, so that reading past the end shows. */
  exact = g_memdup2 (data, len);
  message = blink_pubsub_message_parse (exact, len, &error);
  g_assert_true ((message == NULL) == (error != NULL));
  if (message == NULL)
    {
      g_assert_true (g_error_matches (error, BLINK_IPFS_ERROR, BLINK_IPFS_ERROR_MALFORMED) ||
                     g_error_matches (error, BLINK_IPFS_ERROR, BLINK_IPFS_ERROR_STREAM));
      return;
    }

  g_assert_nonnull (message->from);
  g_assert_nonnull (message->data);
  g_assert_nonnull (message->topics);
  g_assert_nonnull (message->topics[0]);
  for (guint i = 0; message->topics[i] != NULL; i++)
    g_assert_true (g_utf8_validate (message->topics[i], -1, NULL));
}

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t size)
{
  g_autoptr (BlinkLineSplitter) chunked = blink_line_splitter_new (MAX_LINE);
  g_autoptr (BlinkLineSplitter) whole = blink_line_splitter_new (MAX_LINE);
  g_autoptr (GPtrArray) chunked_lines = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  g_autoptr (GPtrArray) whole_lines = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  const guint8 *stream;
  gsize chunk, len;

  if (size < 1)
    return 0;

  chunk = (gsize) data[0] + 1;
  stream = data + 1;
  len = size - 1;

  for (gsize pos = 0; pos < len; pos += chunk)
    g_assert_true (blink_line_splitter_push (chunked, stream + pos, MIN (chunk, len - pos), on_line,
                                             chunked_lines));
  g_assert_true (blink_line_splitter_push (whole, stream, len, on_line, whole_lines));

  g_assert_cmpuint (chunked_lines->len, ==, whole_lines->len);
  g_assert_cmpuint (blink_line_splitter_get_overlong (chunked), ==,
                    blink_line_splitter_get_overlong (whole));
  for (guint i = 0; i < whole_lines->len; i++)
    {
      g_assert_true (g_bytes_equal (chunked_lines->pdata[i], whole_lines->pdata[i]));
      check_line (whole_lines->pdata[i]);
    }

  return 0;
}
