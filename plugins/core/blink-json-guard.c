/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "blink-json-guard"

#include "config.h"

#include "blink-json-guard.h"
#include "blink-errors.h"

#include <string.h>

/* A strict check of JSON text from the network, run before json-glib builds
 * a tree of it. json-glib 1.6 recurses once per level of nesting with no
 * limit, so a 64 KiB "[[[[…" needs megabytes of stack; it keeps the last of
 * duplicate members where another implementation may keep the first; and it
 * reads much that RFC 8259 does not allow: comments, single quotes, hex and
 * octal numbers, a byte-order mark, bytes after the value, a "\u0000" that
 * cuts a string short, integers beyond 64 bits that wrap around. Each of these
 * lets two implementations read one signed message two ways.
 *
 * One pass over the bytes without recursion: a fixed stack of the open
 * containers and the list of the member names of the open objects are all
 * it keeps. Member names holding an escape are refused, so that names
 * compare as raw bytes (every name of the protocol and of Kubo's stream is
 * plain ASCII). */

#define INT64_MAX_DIGITS "9223372036854775807"
/* How much of a duplicate member's name an error message quotes. */
#define NAME_SHOWN_MAX 32

typedef struct
{
  gboolean is_object;
  guint first_name; /* this object's first member name in Scan.names */
} Frame;

typedef struct
{
  guint64 head; /* the first 8 bytes, big-endian, zero-padded: most names
                 * compare on this alone */
  gsize start;  /* the name's first byte, after its quote */
  gsize len;
} Name;

typedef enum
{
  EXPECT_NAME_OR_END, /* just after "{" */
  EXPECT_NAME,
  EXPECT_COLON,
  EXPECT_VALUE_OR_END, /* just after "[" */
  EXPECT_VALUE,
  EXPECT_COMMA_OR_END,
} Expect;

typedef struct
{
  const guchar *data;
  gsize len;
  gsize pos;
  guint max_depth;
  guint depth;
  Frame frames[BLINK_JSON_GUARD_DEPTH_CAP];
  GArray *names; /* Name: the members of every open object, innermost last */
  GError **error;
} Scan;

static gboolean G_GNUC_PRINTF (3, 4)
fail (Scan *scan,
      gsize at,
      const char *format,
      ...)
{
  g_autofree char *reason = NULL;
  va_list args;

  va_start (args, format);
  reason = g_strdup_vprintf (format, args);
  va_end (args);

  g_set_error (scan->error, BLINK_PROTOCOL_ERROR, BLINK_PROTOCOL_ERROR_MALFORMED,
               "%s at byte %" G_GSIZE_FORMAT, reason, at);
  return FALSE;
}

static gboolean
unexpected (Scan *scan,
            const char *expected)
{
  guchar c;

  if (scan->pos >= scan->len)
    return fail (scan, scan->pos, "the text ends where %s was expected", expected);

  c = scan->data[scan->pos];
  if (g_ascii_isgraph (c))
    return fail (scan, scan->pos, "“%c” where %s was expected", c, expected);

  return fail (scan, scan->pos, "byte 0x%02x where %s was expected", c, expected);
}

static void
skip_whitespace (Scan *scan)
{
  while (scan->pos < scan->len)
    {
      guchar c = scan->data[scan->pos];

      if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
        break;
      scan->pos++;
    }
}

/* The length of the UTF-8 sequence at @p, or 0 if there is none: RFC 3629
 * forbids overlong forms, surrogates and code points over U+10FFFF, as
 * g_utf8_validate() (which json-glib applies) does. */
static guint
utf8_sequence_length (const guchar *p,
                      gsize avail)
{
  guchar second_min = 0x80, second_max = 0xbf;
  guint n;

  if (p[0] >= 0xc2 && p[0] <= 0xdf)
    n = 2;
  else if (p[0] >= 0xe0 && p[0] <= 0xef)
    n = 3;
  else if (p[0] >= 0xf0 && p[0] <= 0xf4)
    n = 4;
  else
    return 0;

  if (p[0] == 0xe0)
    second_min = 0xa0; /* overlong below U+0800 */
  else if (p[0] == 0xed)
    second_max = 0x9f; /* U+D800…U+DFFF */
  else if (p[0] == 0xf0)
    second_min = 0x90; /* overlong below U+10000 */
  else if (p[0] == 0xf4)
    second_max = 0x8f; /* above U+10FFFF */

  if (avail < n || p[1] < second_min || p[1] > second_max)
    return 0;
  for (guint i = 2; i < n; i++)
    {
      if ((p[i] & 0xc0) != 0x80)
        return 0;
    }

  return n;
}

static gboolean
read_hex4 (const guchar *p,
           gsize avail,
           guint *out)
{
  guint value = 0;

  if (avail < 4)
    return FALSE;

  for (guint i = 0; i < 4; i++)
    {
      int digit = g_ascii_xdigit_value (p[i]);

      if (digit < 0)
        return FALSE;
      value = value << 4 | (guint) digit;
    }

  *out = value;
  return TRUE;
}

/* The escape at @pos (a backslash); sets *@escape_len. */
static gboolean
scan_escape (Scan *scan,
             gsize pos,
             gsize *escape_len)
{
  const guchar *data = scan->data;
  gsize avail = scan->len - pos;
  guint unit, low;

  if (avail < 2)
    return fail (scan, pos, "unterminated string");

  switch (data[pos + 1])
    {
    case '"':
    case '\\':
    case '/':
    case 'b':
    case 'f':
    case 'n':
    case 'r':
    case 't':
      *escape_len = 2;
      return TRUE;

    case 'u':
      if (!read_hex4 (data + pos + 2, avail - 2, &unit))
        return fail (scan, pos, "bad \\u escape");
      /* json-glib would end the string there, other parsers would not. */
      if (unit == 0)
        return fail (scan, pos, "escaped NUL");
      if (unit >= 0xdc00 && unit <= 0xdfff)
        return fail (scan, pos, "unpaired surrogate");
      if (unit < 0xd800 || unit > 0xdbff)
        {
          *escape_len = 6;
          return TRUE;
        }
      if (avail < 12 || data[pos + 6] != '\\' || data[pos + 7] != 'u' ||
          !read_hex4 (data + pos + 8, avail - 8, &low) || low < 0xdc00 || low > 0xdfff)
        return fail (scan, pos, "unpaired surrogate");
      *escape_len = 12;
      return TRUE;

    default:
      return fail (scan, pos, "bad escape");
    }
}

/* The string whose opening quote is at scan->pos; sets *@escaped if it
 * holds an escape. */
static gboolean
scan_string (Scan *scan,
             gboolean *escaped)
{
  const guchar *data = scan->data;
  gsize pos = scan->pos + 1;

  *escaped = FALSE;

  for (;;)
    {
      gsize step = 1;
      guchar c;

      if (pos >= scan->len)
        return fail (scan, pos, "unterminated string");

      c = data[pos];
      if (c == '"')
        break;

      if (c < 0x20)
        return fail (scan, pos, "control character 0x%02x in a string", c);

      if (c == '\\')
        {
          *escaped = TRUE;
          if (!scan_escape (scan, pos, &step))
            return FALSE;
        }
      else if (c >= 0x80 && (step = utf8_sequence_length (data + pos, scan->len - pos)) == 0)
        {
          return fail (scan, pos, "bad UTF-8");
        }

      pos += step;
    }

  scan->pos = pos + 1;
  return TRUE;
}

static gboolean
skip_digits (Scan *scan)
{
  gsize start = scan->pos;

  while (scan->pos < scan->len && g_ascii_isdigit (scan->data[scan->pos]))
    scan->pos++;

  return scan->pos > start;
}

static gboolean
scan_number (Scan *scan)
{
  gsize start = scan->pos, digits_start, digits;
  gboolean integer = TRUE;

  if (scan->data[scan->pos] == '-')
    scan->pos++;

  digits_start = scan->pos;
  if (scan->pos < scan->len && scan->data[scan->pos] == '0')
    {
      scan->pos++;
      if (scan->pos < scan->len && g_ascii_isdigit (scan->data[scan->pos]))
        return fail (scan, start, "number with a leading zero");
    }
  else if (!skip_digits (scan))
    {
      return fail (scan, start, "bad number");
    }
  digits = scan->pos - digits_start;

  if (scan->pos < scan->len && scan->data[scan->pos] == '.')
    {
      integer = FALSE;
      scan->pos++;
      if (!skip_digits (scan))
        return fail (scan, start, "bad number");
    }

  if (scan->pos < scan->len && (scan->data[scan->pos] == 'e' || scan->data[scan->pos] == 'E'))
    {
      integer = FALSE;
      scan->pos++;
      if (scan->pos < scan->len && (scan->data[scan->pos] == '+' || scan->data[scan->pos] == '-'))
        scan->pos++;
      if (!skip_digits (scan))
        return fail (scan, start, "bad number");
    }

  /* json-glib wraps integers into 64 bits without a word
   * ("-9223372036854775809" reads as 9223372036854775807): refuse any
   * whose magnitude a gint64 cannot hold, whatever its sign. */
  if (integer && (digits > strlen (INT64_MAX_DIGITS) ||
                  (digits == strlen (INT64_MAX_DIGITS) &&
                   memcmp (scan->data + digits_start, INT64_MAX_DIGITS, digits) > 0)))
    return fail (scan, start, "integer beyond 64 bits");

  return TRUE;
}

static gboolean
scan_literal (Scan *scan)
{
  static const char *const literals[] = { "true", "false", "null" };

  for (guint i = 0; i < G_N_ELEMENTS (literals); i++)
    {
      gsize len = strlen (literals[i]);

      if (scan->len - scan->pos >= len && memcmp (scan->data + scan->pos, literals[i], len) == 0)
        {
          scan->pos += len;
          return TRUE;
        }
    }

  return unexpected (scan, "a value");
}

/* Byte order. Names hold no NUL (no control characters, no escapes), so
 * zero padding sorts a name before the longer names it begins. */
static int
compare_names (gconstpointer a,
               gconstpointer b,
               gpointer user_data)
{
  const guchar *data = user_data;
  const Name *x = a, *y = b;
  int order;

  if (x->head != y->head)
    return x->head < y->head ? -1 : 1;
  if (x->len <= sizeof x->head || y->len <= sizeof y->head)
    return x->len < y->len ? -1 : x->len > y->len;

  order = memcmp (data + x->start + sizeof x->head, data + y->start + sizeof y->head,
                  MIN (x->len, y->len) - sizeof x->head);
  if (order != 0)
    return order;

  return x->len < y->len ? -1 : x->len > y->len;
}

/* Sorting an object's names when it closes, rather than hashing them as they
 * come, keeps the worst case at n log n whatever names a peer picks: there
 * is no hash function to attack. (g_qsort_with_data() is a merge sort.) */
static gboolean
check_duplicates (Scan *scan,
                  guint first)
{
  Name *names = &g_array_index (scan->names, Name, first);
  guint n = scan->names->len - first;

  if (n < 2)
    return TRUE;

  g_qsort_with_data (names, (gint) n, sizeof (Name), compare_names, (gpointer) scan->data);

  for (guint i = 1; i < n; i++)
    {
      const Name *name = &names[i];
      gsize shown = MIN (name->len, NAME_SHOWN_MAX);

      if (compare_names (&names[i - 1], name, (gpointer) scan->data) != 0)
        continue;

      /* Cut the name between two characters. */
      while (shown > 0 && shown < name->len && (scan->data[name->start + shown] & 0xc0) == 0x80)
        shown--;

      return fail (scan, MAX (names[i - 1].start, name->start) - 1, "duplicate member “%.*s%s”",
                   (int) shown, (const char *) scan->data + name->start,
                   shown < name->len ? "…" : "");
    }

  return TRUE;
}

static gboolean
open_container (Scan *scan,
                gboolean is_object)
{
  Frame *frame;

  if (scan->depth == scan->max_depth)
    return fail (scan, scan->pos, "nested deeper than %u levels", scan->max_depth);

  frame = &scan->frames[scan->depth++];
  frame->is_object = is_object;
  frame->first_name = scan->names->len;
  scan->pos++;
  return TRUE;
}

static gboolean
close_container (Scan *scan)
{
  Frame *frame = &scan->frames[--scan->depth];

  if (frame->is_object)
    {
      if (!check_duplicates (scan, frame->first_name))
        return FALSE;
      g_array_set_size (scan->names, frame->first_name);
    }

  scan->pos++;
  return TRUE;
}

/* The member name whose opening quote is at scan->pos. */
static gboolean
scan_name (Scan *scan)
{
  Name name = { 0, scan->pos + 1, 0 };
  gboolean escaped;

  if (!scan_string (scan, &escaped))
    return FALSE;
  if (escaped)
    return fail (scan, name.start - 1, "escape in a member name");

  name.len = scan->pos - 1 - name.start;
  for (gsize i = 0; i < sizeof name.head; i++)
    name.head = name.head << 8 | (i < name.len ? scan->data[name.start + i] : 0);
  g_array_append_val (scan->names, name);
  return TRUE;
}

/* Reads the value that starts at scan->pos, or opens it if it is a
 * container; says what comes next. */
static gboolean
scan_value (Scan *scan,
            Expect *next)
{
  gboolean escaped;

  *next = EXPECT_COMMA_OR_END;

  switch (scan->data[scan->pos])
    {
    case '{':
      *next = EXPECT_NAME_OR_END;
      return open_container (scan, TRUE);
    case '[':
      *next = EXPECT_VALUE_OR_END;
      return open_container (scan, FALSE);
    case '"':
      return scan_string (scan, &escaped);
    case '-':
    case '0':
    case '1':
    case '2':
    case '3':
    case '4':
    case '5':
    case '6':
    case '7':
    case '8':
    case '9':
      return scan_number (scan);
    default:
      return scan_literal (scan);
    }
}

static const char *
expected_text (Expect expect,
               const Frame *top)
{
  switch (expect)
    {
    case EXPECT_NAME_OR_END:
      return "a member name or “}”";
    case EXPECT_NAME:
      return "a member name";
    case EXPECT_COLON:
      return "“:”";
    case EXPECT_VALUE_OR_END:
      return "a value or “]”";
    case EXPECT_VALUE:
      return "a value";
    case EXPECT_COMMA_OR_END:
      return top->is_object ? "“,” or “}”" : "“,” or “]”";
    default:
      g_assert_not_reached ();
    }
}

/**
 * blink_json_guard_check:
 * @data: JSON text, not necessarily NUL-terminated
 * @max_depth: how many objects and arrays may be open at once, the
 *   top-level object counting as one (1 to %BLINK_JSON_GUARD_DEPTH_CAP)
 *
 * Checks that @data is one JSON object by RFC 8259's grammar, in UTF-8,
 * optionally surrounded by whitespace, nested at most @max_depth deep, with
 * no two members of one object of the same name and no escape in a member
 * name; strings hold no "\u0000" and no unpaired surrogate, and integers fit
 * in 64 bits. Takes time linear in @len (n log n for objects of many members)
 * and no recursion, so it is safe on any input.
 *
 * Returns: %TRUE if json-glib may parse @data, or %FALSE with a
 * %BLINK_PROTOCOL_ERROR_MALFORMED error naming the reason and the offset of
 * the byte at fault
 */
gboolean
blink_json_guard_check (const char *data,
                        gsize len,
                        guint max_depth,
                        GError **error)
{
  g_autoptr (GArray) names = g_array_sized_new (FALSE, FALSE, sizeof (Name), 16);
  Scan scan = { (const guchar *) data, len, 0, max_depth, 0, { { 0 } }, names, error };
  Expect expect = EXPECT_NAME_OR_END;

  g_return_val_if_fail (data != NULL || len == 0, FALSE);
  g_return_val_if_fail (max_depth >= 1 && max_depth <= BLINK_JSON_GUARD_DEPTH_CAP, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  /* json-glib takes lengths as gssize and GLib sorts gint elements. */
  if (len > G_MAXINT)
    {
      g_set_error (error, BLINK_PROTOCOL_ERROR, BLINK_PROTOCOL_ERROR_MALFORMED,
                   "The text has %" G_GSIZE_FORMAT " bytes, more than %d", len, G_MAXINT);
      return FALSE;
    }

  skip_whitespace (&scan);
  if (scan.pos >= len || data[scan.pos] != '{')
    return unexpected (&scan, "an object");
  open_container (&scan, TRUE);

  while (scan.depth > 0)
    {
      const Frame *top = &scan.frames[scan.depth - 1];
      gboolean ok = TRUE;
      guchar c;

      skip_whitespace (&scan);
      if (scan.pos >= len)
        return unexpected (&scan, expected_text (expect, top));
      c = scan.data[scan.pos];

      switch (expect)
        {
        case EXPECT_NAME_OR_END:
          if (c == '}')
            {
              ok = close_container (&scan);
              expect = EXPECT_COMMA_OR_END;
              break;
            }
          G_GNUC_FALLTHROUGH;
        case EXPECT_NAME:
          if (c != '"')
            return unexpected (&scan, expected_text (expect, top));
          ok = scan_name (&scan);
          expect = EXPECT_COLON;
          break;

        case EXPECT_COLON:
          if (c != ':')
            return unexpected (&scan, expected_text (expect, top));
          scan.pos++;
          expect = EXPECT_VALUE;
          break;

        case EXPECT_VALUE_OR_END:
          if (c == ']')
            {
              ok = close_container (&scan);
              expect = EXPECT_COMMA_OR_END;
              break;
            }
          G_GNUC_FALLTHROUGH;
        case EXPECT_VALUE:
          ok = scan_value (&scan, &expect);
          break;

        case EXPECT_COMMA_OR_END:
          if (c == ',')
            {
              scan.pos++;
              expect = top->is_object ? EXPECT_NAME : EXPECT_VALUE;
            }
          else if (c == (top->is_object ? '}' : ']'))
            {
              ok = close_container (&scan);
            }
          else
            {
              return unexpected (&scan, expected_text (expect, top));
            }
          break;

        default:
          g_assert_not_reached ();
        }

      if (!ok)
        return FALSE;
    }

  skip_whitespace (&scan);
  if (scan.pos < len)
    return fail (&scan, scan.pos, "more bytes after the object");

  return TRUE;
}
