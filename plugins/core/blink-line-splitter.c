/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "blink-line-splitter"

#include "config.h"

#include "blink-line-splitter.h"

#include <string.h>

/* Cuts a byte stream that arrives in arbitrary chunks into lines, as NDJSON
 * needs. A line longer than @max_line is dropped whole and counted, so a
 * hostile peer cannot make the buffer grow without bound. */
struct _BlinkLineSplitter
{
  GByteArray *buffer;
  gsize max_line;
  gboolean discarding; /* inside an overlong line, until its "\n" */
  guint overlong;
};

BlinkLineSplitter *
blink_line_splitter_new (gsize max_line)
{
  BlinkLineSplitter *self = g_new0 (BlinkLineSplitter, 1);

  g_return_val_if_fail (max_line > 0, NULL);

  self->buffer = g_byte_array_new ();
  self->max_line = max_line;
  return self;
}

void
blink_line_splitter_free (BlinkLineSplitter *self)
{
  if (self == NULL)
    return;

  g_byte_array_unref (self->buffer);
  g_free (self);
}

void
blink_line_splitter_reset (BlinkLineSplitter *self)
{
  g_byte_array_set_size (self->buffer, 0);
  self->discarding = FALSE;
}

guint
blink_line_splitter_get_overlong (BlinkLineSplitter *self)
{
  return self->overlong;
}

/**
 * blink_line_splitter_push:
 *
 * Appends @data and calls @func for every line it completes.
 *
 * Returns: %FALSE if @func asked to stop
 */
gboolean
blink_line_splitter_push (BlinkLineSplitter *self,
                          const guint8 *data,
                          gsize len,
                          BlinkLineFunc func,
                          gpointer user_data)
{
  while (len > 0)
    {
      const guint8 *newline = memchr (data, '\n', len);
      gsize take = newline != NULL ? (gsize) (newline - data) : len;

      if (!self->discarding && self->buffer->len + take > self->max_line)
        {
          self->overlong++;
          self->discarding = TRUE;
          g_byte_array_set_size (self->buffer, 0);
        }

      if (!self->discarding)
        g_byte_array_append (self->buffer, data, take);

      if (newline == NULL)
        break;

      data += take + 1;
      len -= take + 1;

      if (self->discarding)
        {
          self->discarding = FALSE;
          continue;
        }

      {
        gsize line_len = self->buffer->len;
        gboolean go_on;

        if (line_len > 0 && self->buffer->data[line_len - 1] == '\r')
          line_len--;
        /* NUL-terminate for callers that want a string. */
        g_byte_array_set_size (self->buffer, line_len);
        g_byte_array_append (self->buffer, (const guint8 *) "", 1);
        go_on = func ((const char *) self->buffer->data, line_len, user_data);
        g_byte_array_set_size (self->buffer, 0);

        if (!go_on)
          return FALSE;
      }
    }

  return TRUE;
}
