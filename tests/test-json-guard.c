/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "blink-errors.h"
#include "blink-json-guard.h"
#include "blink-message.h"
#include "blink-pubsub-message.h"
#include "blink-wire.h"

#define HOSTILE_BYTES 65536
/* The start of a message line of Kubo's pubsub stream, topic "hello" after it. */
#define KUBO_LINE_START \
  "{\"from\":\"12D3KooWKhPxTRrjboGvhEtMpX64KP7kWQpRR2bbrawF8wZLhSUN\",\"data\":\"ucGF5bG9hZA\","
#define KUBO_TOPIC "\"topicIDs\":[\"uaGVsbG8\"]"
#define ANY_DEPTH 8

typedef struct
{
  const char *text;
  const char *reason; /* a part of the error message */
} Rejection;

static void
assert_accepted (const char *text,
                 gsize len,
                 guint max_depth)
{
  g_autoptr (JsonParser) parser = json_parser_new_immutable ();
  g_autoptr (GError) error = NULL;
  g_autofree char *shown = g_strescape (text, NULL);

  g_test_message ("accepts %s", shown);
  g_assert_true (blink_json_guard_check (text, len, max_depth, &error));
  g_assert_no_error (error);

  /* Whatever the guard lets through, json-glib must read as an object. */
  g_assert_true (json_parser_load_from_data (parser, text, (gssize) len, &error));
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));
}

static void
assert_rejected (const char *text,
                 gsize len,
                 guint max_depth,
                 const char *reason)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *shown = g_strescape (len > 80 ? "(long)" : text, NULL);

  g_test_message ("rejects %s", shown);
  g_assert_false (blink_json_guard_check (text, len, max_depth, &error));
  g_assert_error (error, BLINK_PROTOCOL_ERROR, BLINK_PROTOCOL_ERROR_MALFORMED);
  g_assert_true (g_utf8_validate (error->message, -1, NULL));
  if (strstr (error->message, reason) == NULL)
    g_error ("“%s” does not say “%s”", error->message, reason);
}

static void
assert_rejections (const Rejection *cases,
                   gsize n_cases)
{
  for (gsize i = 0; i < n_cases; i++)
    assert_rejected (cases[i].text, strlen (cases[i].text), ANY_DEPTH, cases[i].reason);
}

/* "{"a": … {"a":{}} … }", @depth objects deep. */
static char *
nested_objects (guint depth)
{
  g_autoptr (GString) text = g_string_new (NULL);

  for (guint i = 1; i < depth; i++)
    g_string_append (text, "{\"a\":");
  g_string_append (text, "{}");
  for (guint i = 1; i < depth; i++)
    g_string_append_c (text, '}');

  return g_string_free (g_steal_pointer (&text), FALSE);
}

/* "{"a":[[ … ]]}": an object, then @depth - 1 arrays. */
static char *
nested_arrays (guint depth)
{
  g_autoptr (GString) text = g_string_new ("{\"a\":");

  for (guint i = 1; i < depth; i++)
    g_string_append_c (text, '[');
  for (guint i = 1; i < depth; i++)
    g_string_append_c (text, ']');
  g_string_append_c (text, '}');

  return g_string_free (g_steal_pointer (&text), FALSE);
}

/* @unit repeated up to HOSTILE_BYTES, after @prefix. */
static GString *
hostile (const char *prefix,
         const char *unit)
{
  GString *text = g_string_new (prefix);

  while (text->len + strlen (unit) <= HOSTILE_BYTES)
    g_string_append (text, unit);

  return text;
}

/* A flat object of distinct members, 64 KiB, whose last member repeats the
 * first: the guard reads all of it and sorts thousands of names. */
static GString *
hostile_duplicate_at_end (void)
{
  GString *text = g_string_new ("{\"m0\":0");

  for (guint i = 1; text->len < HOSTILE_BYTES - 16; i++)
    g_string_append_printf (text, ",\"m%u\":0", i);
  g_string_append (text, ",\"m0\":0}");

  return text;
}

static void
test_accepts_strict_json (void)
{
  static const char *const texts[] = {
    "{}",
    " \t\r\n{ \t\r\n} \t\r\n",
    "{\"a\":1}",
    "{\"\":0}",
    "{\"a\":[],\"b\":{},\"c\":[{}],\"d\":[[]]}",
    "{ \"a\" : [ 1 , 2 ] , \"b\" : { \"c\" : null } }",
    "{\"t\":true,\"f\":false,\"n\":null}",
    "{\"n\":[0,-0,1,-1,10,0.5,-0.5,0e0,0E+0,1e-0,1.25e+10,-1.5E-300,123456789.987654321]}",
    /* Only integers must fit in 64 bits; json-glib reads any float. */
    "{\"n\":[9223372036854775807,-9223372036854775807,18446744073709551616.0,1e400]}",
    "{\"s\":\"\\\" \\\\ \\/ \\b \\f \\n \\r \\t\"}",
    "{\"s\":\"\\u0001\\u001f\\u00e9\\u20AC\\uFFFF\\ud83d\\ude00\\uDBFF\\uDFFF\\uD800\\uDC00\"}",
    "{\"s\":\"é € 😀 \x7f \xc2\x80 \xee\x80\x80 \xef\xbf\xbf \xf4\x8f\xbf\xbf\"}",
    "{\"é\":1,\"😀\":2}",
    /* The same name in different objects, and names that share a prefix. */
    "{\"a\":{\"x\":1},\"b\":{\"x\":1},\"c\":[{\"x\":1},{\"x\":2}]}",
    "{\"a\":{\"a\":{\"a\":1}},\"ab\":2,\"b\":3,\"ba\":4,\"A\":5}",
  };

  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    assert_accepted (texts[i], strlen (texts[i]), ANY_DEPTH);
}

static void
test_rejects_bad_grammar (void)
{
  static const Rejection cases[] = {
    { "", "the text ends where an object was expected at byte 0" },
    { "  \n", "the text ends where an object was expected at byte 3" },
    { "[]", "“[” where an object was expected at byte 0" },
    { "\"a\"", "“\"” where an object was expected" },
    { "1", "“1” where an object was expected" },
    { "null", "“n” where an object was expected" },
    { "\xef\xbb\xbf{}", "byte 0xef where an object was expected at byte 0" },
    { "/* c */{}", "“/” where an object was expected" },
    { "{", "the text ends where a member name or “}” was expected at byte 1" },
    { "{\"a\"", "the text ends where “:” was expected at byte 4" },
    { "{\"a\":", "the text ends where a value was expected at byte 5" },
    { "{\"a\":1", "the text ends where “,” or “}” was expected at byte 6" },
    { "{\"a\":[", "the text ends where a value or “]” was expected at byte 6" },
    { "{\"a\":[1", "the text ends where “,” or “]” was expected at byte 7" },
    { "{\"a\":1,}", "“}” where a member name was expected at byte 7" },
    { "{\"a\":[1,]}", "“]” where a value was expected at byte 8" },
    { "{,}", "“,” where a member name or “}” was expected at byte 1" },
    { "{\"a\" 1}", "“1” where “:” was expected at byte 5" },
    { "{\"a\"=1}", "“=” where “:” was expected" },
    { "{\"a\":1 \"b\":2}", "“\"” where “,” or “}” was expected at byte 7" },
    { "{\"a\":1;\"b\":2}", "“;” where “,” or “}” was expected" },
    { "{\"a\":[1 2]}", "“2” where “,” or “]” was expected at byte 8" },
    { "{\"a\":[1}", "“}” where “,” or “]” was expected" },
    { "{\"a\":{]}", "“]” where a member name or “}” was expected" },
    { "{'a':1}", "“'” where a member name or “}” was expected" },
    { "{a:1}", "“a” where a member name or “}” was expected" },
    { "{1:1}", "“1” where a member name or “}” was expected" },
    { "{\"a\":'x'}", "“'” where a value was expected" },
    { "{\"a\":}", "“}” where a value was expected" },
    { "{\"a\":1}{}", "more bytes after the object at byte 7" },
    { "{\"a\":1} x", "more bytes after the object at byte 8" },
    { "{\"a\":1}//", "more bytes after the object" },
    { "{}\n\n,", "more bytes after the object at byte 4" },
    { "{/**/}", "“/” where a member name or “}” was expected" },
    { "{\"a\":1\f}", "byte 0x0c where “,” or “}” was expected" },
    { "{\"a\":\xc2\xa0}", "byte 0xc2 where a value was expected" },
    /* Literals */
    { "{\"a\":tru}", "“t” where a value was expected at byte 5" },
    { "{\"a\":True}", "“T” where a value was expected" },
    { "{\"a\":nul}", "“n” where a value was expected" },
    { "{\"a\":truex}", "“x” where “,” or “}” was expected at byte 9" },
    { "{\"a\":nulll}", "“l” where “,” or “}” was expected" },
    { "{\"a\":undefined}", "“u” where a value was expected" },
    { "{\"a\":NaN}", "“N” where a value was expected" },
    { "{\"a\":Infinity}", "“I” where a value was expected" },
    /* Numbers */
    { "{\"a\":-Infinity}", "bad number at byte 5" },
    { "{\"a\":01}", "number with a leading zero at byte 5" },
    { "{\"a\":-01}", "number with a leading zero at byte 5" },
    { "{\"a\":00}", "number with a leading zero" },
    { "{\"a\":-}", "bad number at byte 5" },
    { "{\"a\":- 1}", "bad number at byte 5" },
    { "{\"a\":--1}", "bad number" },
    { "{\"a\":+1}", "“+” where a value was expected" },
    { "{\"a\":.5}", "“.” where a value was expected" },
    { "{\"a\":1.}", "bad number at byte 5" },
    { "{\"a\":1.e5}", "bad number" },
    { "{\"a\":1e}", "bad number" },
    { "{\"a\":1e+}", "bad number" },
    { "{\"a\":1E-}", "bad number" },
    { "{\"a\":1e5.0}", "“.” where “,” or “}” was expected" },
    { "{\"a\":1.5.0}", "“.” where “,” or “}” was expected" },
    { "{\"a\":0x10}", "“x” where “,” or “}” was expected" },
    { "{\"a\":1_000}", "“_” where “,” or “}” was expected" },
    { "{\"a\":1a}", "“a” where “,” or “}” was expected" },
    { "{\"a\":9223372036854775808}", "integer beyond 64 bits at byte 5" },
    { "{\"a\":-9223372036854775808}", "integer beyond 64 bits" },
    { "{\"a\":-9223372036854775809}", "integer beyond 64 bits" },
    { "{\"a\":18446744073709551616}", "integer beyond 64 bits" },
    { "{\"a\":100000000000000000000}", "integer beyond 64 bits" },
    /* Strings */
    { "{\"a\":\"abc", "unterminated string at byte 9" },
    { "{\"a\":\"abc\\", "unterminated string at byte 9" },
    { "{\"a\":\"abc\\\"}", "unterminated string at byte 12" },
    { "{\"a\":\"a\x01\"}", "control character 0x01 in a string at byte 7" },
    { "{\"a\":\"a\tb\"}", "control character 0x09 in a string at byte 7" },
    { "{\"a\":\"a\nb\"}", "control character 0x0a in a string" },
    { "{\"a\":\"a\x1f\"}", "control character 0x1f in a string" },
    { "{\"a\x01\":1}", "control character 0x01 in a string at byte 3" },
    { "{\"a\":\"\\x41\"}", "bad escape at byte 6" },
    { "{\"a\":\"\\'\"}", "bad escape" },
    { "{\"a\":\"\\a\"}", "bad escape" },
    { "{\"a\":\"\\0\"}", "bad escape" },
    { "{\"a\":\"\\U0041\"}", "bad escape" },
    { "{\"a\":\"\\u12\"}", "bad \\u escape at byte 6" },
    { "{\"a\":\"\\u12G4\"}", "bad \\u escape" },
    { "{\"a\":\"\\u-123\"}", "bad \\u escape" },
    { "{\"a\":\"\\u", "bad \\u escape" },
    { "{\"a\":\"\\u0000\"}", "escaped NUL at byte 6" },
    { "{\"a\":\"x\\u0000y\"}", "escaped NUL at byte 7" },
    { "{\"a\":\"\\ud800\"}", "unpaired surrogate at byte 6" },
    { "{\"a\":\"\\udbff\"}", "unpaired surrogate" },
    { "{\"a\":\"\\udc00\"}", "unpaired surrogate at byte 6" },
    { "{\"a\":\"\\udfff\\ud800\"}", "unpaired surrogate" },
    { "{\"a\":\"\\ud800x\"}", "unpaired surrogate" },
    { "{\"a\":\"\\ud800\\n\"}", "unpaired surrogate" },
    { "{\"a\":\"\\ud800\\u0041\"}", "unpaired surrogate" },
    { "{\"a\":\"\\ud800\\ud800\"}", "unpaired surrogate" },
    { "{\"a\":\"\\ud800\\ue000\"}", "unpaired surrogate" },
    { "{\"a\":\"\\ud800\\udc0\"}", "unpaired surrogate" },
    { "{\"a\":\"\\ud800\\u", "unpaired surrogate" },
    /* Names are compared as written, so they must be written plainly. */
    { "{\"\\u0061\":1}", "escape in a member name at byte 1" },
    { "{\"a\\n\":1}", "escape in a member name at byte 1" },
    { "{\"a\":1,\"b\\/\":1}", "escape in a member name at byte 7" },
  };

  assert_rejections (cases, G_N_ELEMENTS (cases));
  /* A NUL byte is neither whitespace nor allowed in a string. */
  assert_rejected ("{}\0", 3, ANY_DEPTH, "more bytes after the object at byte 2");
  assert_rejected ("{\"a\":\"\0\"}", 9, ANY_DEPTH, "control character 0x00 in a string at byte 6");
  assert_rejected ("{\0}", 3, ANY_DEPTH, "byte 0x00 where a member name or “}” was expected");
}

static void
test_rejects_bad_utf8 (void)
{
  static const char *const sequences[] = {
    "\x80", /* a continuation byte alone */
    "\xbf",
    "\xc0\x80", /* overlong NUL */
    "\xc1\xbf", /* overlong U+007F */
    "\xe0\x80\x80", /* overlong three-byte forms */
    "\xe0\x9f\xbf",
    "\xed\xa0\x80", /* U+D800, a surrogate in UTF-8 */
    "\xed\xbf\xbf", /* U+DFFF */
    "\xf0\x80\x80\x80", /* overlong four-byte forms */
    "\xf0\x8f\xbf\xbf",
    "\xf4\x90\x80\x80", /* U+110000 */
    "\xf5\x80\x80\x80",
    "\xf8\x88\x80\x80\x80",
    "\xfe",
    "\xff",
    "\xc3", /* cut short by the closing quote */
    "\xe2\x82",
    "\xf0\x9f\x98",
    "\xc3\x28", /* a lead byte before ASCII */
    "\xe2\x28\xa1",
    "\xf0\x9f\x28\x80",
  };

  for (guint i = 0; i < G_N_ELEMENTS (sequences); i++)
    {
      g_autofree char *value = g_strdup_printf ("{\"a\":\"%s\"}", sequences[i]);
      g_autofree char *after = g_strdup_printf ("{\"a\":\"é%s\"}", sequences[i]);
      g_autofree char *name = g_strdup_printf ("{\"%s\":1}", sequences[i]);

      /* GLib, which json-glib asks, agrees that these are not UTF-8. */
      g_assert_false (g_utf8_validate (sequences[i], -1, NULL));
      assert_rejected (value, strlen (value), ANY_DEPTH, "bad UTF-8 at byte 6");
      assert_rejected (after, strlen (after), ANY_DEPTH, "bad UTF-8 at byte 8");
      assert_rejected (name, strlen (name), ANY_DEPTH, "bad UTF-8 at byte 2");
    }

  /* Outside strings no byte over 0x7f is allowed. */
  assert_rejected ("{\"a\":1}\xff", 8, ANY_DEPTH, "more bytes after the object at byte 7");
  assert_rejected ("{\xc3\xa9:1}", 6, ANY_DEPTH, "byte 0xc3 where a member name or “}” was expected");
}

static void
test_depth_limit (void)
{
  for (guint max_depth = 1; max_depth <= 8; max_depth++)
    {
      g_autofree char *objects = nested_objects (max_depth);
      g_autofree char *deeper_objects = nested_objects (max_depth + 1);
      g_autofree char *reason = g_strdup_printf ("nested deeper than %u levels at byte %u",
                                                 max_depth, 5 * max_depth);

      assert_accepted (objects, strlen (objects), max_depth);
      assert_rejected (deeper_objects, strlen (deeper_objects), max_depth, reason);

      if (max_depth > 1)
        {
          g_autofree char *arrays = nested_arrays (max_depth);
          g_autofree char *deeper_arrays = nested_arrays (max_depth + 1);
          g_autofree char *array_reason =
            g_strdup_printf ("nested deeper than %u levels at byte %u", max_depth, 4 + max_depth);

          assert_accepted (arrays, strlen (arrays), max_depth);
          assert_rejected (deeper_arrays, strlen (deeper_arrays), max_depth, array_reason);
        }
    }

  /* The limit is on what is open at once, not on how many containers. */
  {
    static const char wide[] = "{\"a\":[1],\"b\":[[2]],\"c\":{\"d\":[]},\"e\":[{},{}]}";

    assert_accepted (wide, strlen (wide), 3);
  }

  {
    g_autofree char *cap = nested_objects (BLINK_JSON_GUARD_DEPTH_CAP);
    g_autofree char *over_cap = nested_objects (BLINK_JSON_GUARD_DEPTH_CAP + 1);

    assert_accepted (cap, strlen (cap), BLINK_JSON_GUARD_DEPTH_CAP);
    assert_rejected (over_cap, strlen (over_cap), BLINK_JSON_GUARD_DEPTH_CAP, "nested deeper");
  }
}

static void
test_deep_nesting (void)
{
  g_autoptr (GString) arrays = hostile ("", "[");
  g_autoptr (GString) objects = hostile ("", "{\"a\":");
  g_autoptr (GString) arrays_in_object = hostile ("{\"a\":", "[");
  g_autoptr (GString) mixed = hostile ("", "{\"a\":[");
  g_autoptr (GError) error = NULL;

  g_assert_cmpuint (arrays->len, ==, HOSTILE_BYTES);
  assert_rejected (arrays->str, arrays->len, BLINK_WIRE_MESSAGE_MAX_DEPTH,
                   "“[” where an object was expected at byte 0");
  assert_rejected (objects->str, objects->len, BLINK_WIRE_MESSAGE_MAX_DEPTH,
                   "nested deeper than 4 levels at byte 20");
  assert_rejected (arrays_in_object->str, arrays_in_object->len, BLINK_WIRE_MESSAGE_MAX_DEPTH,
                   "nested deeper than 4 levels at byte 8");
  assert_rejected (mixed->str, mixed->len, BLINK_WIRE_ENVELOPE_MAX_DEPTH,
                   "nested deeper than 2 levels at byte 6");
  assert_rejected (objects->str, objects->len, BLINK_JSON_GUARD_DEPTH_CAP,
                   "nested deeper than 64 levels");

  /* Through each of the parsers that read network bytes. */
  g_assert_null (blink_message_parse (objects->str, objects->len, &error));
  g_assert_error (error, BLINK_PROTOCOL_ERROR, BLINK_PROTOCOL_ERROR_MALFORMED);
  g_assert_nonnull (strstr (error->message, "The message is not valid JSON: nested deeper"));
  g_clear_error (&error);

  g_assert_null (blink_wire_parse_object (arrays_in_object->str, arrays_in_object->len, "envelope", BLINK_WIRE_ENVELOPE_MAX_DEPTH,
                                          &error));
  g_assert_error (error, BLINK_PROTOCOL_ERROR, BLINK_PROTOCOL_ERROR_MALFORMED);
  g_assert_nonnull (strstr (error->message, "The envelope is not valid JSON: nested deeper"));
  g_clear_error (&error);

  g_assert_null (blink_pubsub_message_parse (objects->str, objects->len, &error));
  g_assert_error (error, BLINK_IPFS_ERROR, BLINK_IPFS_ERROR_MALFORMED);
  g_assert_nonnull (strstr (error->message, "nested deeper than 3 levels"));
}

/* Each parser's own limit: its deepest legal shape passes, one level more
 * does not. */
static void
test_depth_of_each_parser (void)
{
  static const char leave_prefix[] =
    "{\"kind\":\"leave\",\"id\":\"sLGys7S1tre4ubq7vL2+vw==\",\"ts\":1764000000005,\"body\":";
  static const char kubo_prefix[] = KUBO_LINE_START KUBO_TOPIC ",\"extra\":";
  static const char envelope_2[] = "{\"v\":1,\"x\":[]}";
  static const char envelope_3[] = "{\"v\":1,\"x\":[{}]}";
  g_autofree char *leave_4 = g_strconcat (leave_prefix, "{\"x\":{\"y\":[]}}}", NULL);
  g_autofree char *leave_5 = g_strconcat (leave_prefix, "{\"x\":{\"y\":[[]]}}}", NULL);
  g_autofree char *kubo_3 = g_strconcat (kubo_prefix, "{\"y\":[]}}", NULL);
  g_autofree char *kubo_4 = g_strconcat (kubo_prefix, "{\"y\":[[]]}}", NULL);
  g_autoptr (BlinkMessage) message = NULL;
  g_autoptr (BlinkPubsubMessage) line = NULL;
  g_autoptr (JsonObject) envelope = NULL;
  g_autoptr (GError) error = NULL;

  message = blink_message_parse (leave_4, strlen (leave_4), &error);
  g_assert_no_error (error);
  g_assert_cmpint (message->kind, ==, BLINK_MESSAGE_LEAVE);
  g_assert_null (blink_message_parse (leave_5, strlen (leave_5), &error));
  g_assert_error (error, BLINK_PROTOCOL_ERROR, BLINK_PROTOCOL_ERROR_MALFORMED);
  g_clear_error (&error);

  envelope = blink_wire_parse_object (envelope_2, strlen (envelope_2), "envelope", BLINK_WIRE_ENVELOPE_MAX_DEPTH, &error);
  g_assert_no_error (error);
  g_assert_null (blink_wire_parse_object (envelope_3, strlen (envelope_3), "envelope", BLINK_WIRE_ENVELOPE_MAX_DEPTH, &error));
  g_assert_error (error, BLINK_PROTOCOL_ERROR, BLINK_PROTOCOL_ERROR_MALFORMED);
  g_clear_error (&error);

  line = blink_pubsub_message_parse (kubo_3, strlen (kubo_3), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (line->topics[0], ==, "hello");
  g_assert_null (blink_pubsub_message_parse (kubo_4, strlen (kubo_4), &error));
  g_assert_error (error, BLINK_IPFS_ERROR, BLINK_IPFS_ERROR_MALFORMED);
}

static void
test_duplicates (void)
{
  static const Rejection cases[] = {
    { "{\"a\":1,\"a\":1}", "duplicate member “a” at byte 7" },
    { "{\"a\":1,\"b\":2,\"a\":3}", "duplicate member “a” at byte 13" },
    { "{\"b\":2,\"a\":1,\"a\":3,\"c\":4}", "duplicate member “a” at byte 13" },
    { "{\"\":1,\"\":2}", "duplicate member “” at byte 6" },
    { "{\"é\":1,\"é\":2}", "duplicate member “é”" },
    /* At depth, in arrays, and after a nested object closed. */
    { "{\"body\":{\"audio\":{\"rate\":1,\"rate\":2}}}", "duplicate member “rate” at byte 27" },
    { "{\"a\":[{\"x\":1},{\"x\":1,\"y\":2,\"x\":3}]}", "duplicate member “x” at byte 27" },
    { "{\"a\":{\"b\":1},\"a\":2}", "duplicate member “a” at byte 13" },
    { "{\"a\":{\"a\":{\"a\":1,\"a\":2}}}", "duplicate member “a” at byte 17" },
  };
  g_autoptr (GString) many = hostile_duplicate_at_end ();
  g_autoptr (GString) long_name = g_string_new (NULL);
  g_autofree char *long_names = NULL;
  g_autoptr (GError) error = NULL;

  assert_rejections (cases, G_N_ELEMENTS (cases));
  assert_rejected (many->str, many->len, ANY_DEPTH, "duplicate member “m0”");

  /* A long name is quoted in part, cut between two characters. */
  for (guint i = 0; i < 100; i++)
    g_string_append (long_name, "é");
  long_names = g_strdup_printf ("{\"%s\":1,\"%s\":2}", long_name->str, long_name->str);
  assert_rejected (long_names, strlen (long_names), ANY_DEPTH,
                   "duplicate member “éééééééééééééééé…” at byte 206");
}

/* Where json-glib would keep the last of two members, each parser now
 * refuses the text. */
static void
test_duplicates_in_each_parser (void)
{
  static const char offer_then_leave[] =
    "{\"kind\":\"offer\",\"id\":\"sLGys7S1tre4ubq7vL2+vw==\",\"ts\":1764000000005,"
    "\"body\":{},\"kind\":\"leave\"}";
  static const char two_versions[] = "{\"v\":1,\"seal\":\"call\",\"v\":2}";
  static const char two_data[] =
    "{\"from\":\"p\",\"data\":\"uaGk\",\"data\":\"ucGF5bG9hZA\",\"topicIDs\":[\"uaGVsbG8\"]}";
  g_autoptr (BlinkMessage) message = NULL;
  g_autoptr (JsonObject) envelope = NULL;
  g_autoptr (BlinkPubsubMessage) line = NULL;
  g_autoptr (GError) error = NULL;

  message = blink_message_parse (offer_then_leave, strlen (offer_then_leave), &error);
  g_assert_error (error, BLINK_PROTOCOL_ERROR, BLINK_PROTOCOL_ERROR_MALFORMED);
  g_assert_nonnull (strstr (error->message, "duplicate member “kind”"));
  g_assert_null (message);
  g_clear_error (&error);

  envelope = blink_wire_parse_object (two_versions, strlen (two_versions), "envelope", BLINK_WIRE_ENVELOPE_MAX_DEPTH, &error);
  g_assert_error (error, BLINK_PROTOCOL_ERROR, BLINK_PROTOCOL_ERROR_MALFORMED);
  g_assert_nonnull (strstr (error->message, "duplicate member “v”"));
  g_assert_null (envelope);
  g_clear_error (&error);

  line = blink_pubsub_message_parse (two_data, strlen (two_data), &error);
  g_assert_error (error, BLINK_IPFS_ERROR, BLINK_IPFS_ERROR_MALFORMED);
  g_assert_nonnull (strstr (error->message, "duplicate member “data”"));
  g_assert_null (line);
}

/* The best time of several batches, in µs per call: the least disturbed by
 * the other work of a shared machine. */
static double
time_check (const GString *text,
            guint max_depth)
{
  double best = G_MAXDOUBLE;

  for (guint round = 0; round < 20; round++)
    {
      gint64 start = g_get_monotonic_time ();

      for (guint i = 0; i < 20; i++)
        {
          g_autoptr (GError) error = NULL;

          blink_json_guard_check (text->str, text->len, max_depth, &error);
        }
      best = MIN (best, (g_get_monotonic_time () - start) / 20.0);
    }

  return best;
}

static void
test_timing (void)
{
  const struct
  {
    const char *name;
    GString *text;
    double bound_us; /* far above the figure, so that a busy machine passes */
  } cases[] = {
    { "64 KiB of “[”", hostile ("", "["), 1000 },
    { "64 KiB of “{\"a\":”", hostile ("", "{\"a\":"), 1000 },
    { "“{\"a\":” and 64 KiB of “[”", hostile ("{\"a\":", "["), 1000 },
    { "64 KiB string of escapes", hostile ("{\"a\":\"", "\\ud83d\\ude00\\n"), 50000 },
    { "64 KiB object, the last member a duplicate", hostile_duplicate_at_end (), 50000 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      double us = time_check (cases[i].text, BLINK_WIRE_MESSAGE_MAX_DEPTH);

      g_test_message ("rejecting %s (%" G_GSIZE_FORMAT " bytes): %.2f µs", cases[i].name,
                      cases[i].text->len, us);
      g_assert_cmpfloat (us, <, cases[i].bound_us);
      g_string_free (cases[i].text, TRUE);
    }
}

/* The test vectors of the newest protocol version in tests/vectors. */
static JsonObject *
load_newest_vectors (void)
{
  g_autofree char *dir_path = g_test_build_filename (G_TEST_DIST, "vectors", NULL);
  g_autoptr (GDir) dir = g_dir_open (dir_path, 0, NULL);
  g_autofree char *newest = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *text = NULL;
  gsize len = 0;
  guint64 newest_version = 0;
  const char *name;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      guint64 version;
      g_autofree char *digits = NULL;

      if (!g_str_has_prefix (name, "protocol-v") || !g_str_has_suffix (name, ".json"))
        continue;
      digits = g_strndup (name + strlen ("protocol-v"),
                          strlen (name) - strlen ("protocol-v") - strlen (".json"));
      if (g_ascii_string_to_unsigned (digits, 10, 1, G_MAXUINT, &version, NULL) &&
          version > newest_version)
        {
          newest_version = version;
          g_free (newest);
          newest = g_strdup (name);
        }
    }
  g_assert_nonnull (newest);
  g_test_message ("vectors from %s", newest);

  path = g_build_filename (dir_path, newest, NULL);
  g_file_get_contents (path, &text, &len, &error);
  g_assert_no_error (error);
  /* The file is pretty-printed: root → vectors → a vector → a string. */
  g_assert_true (blink_json_guard_check (text, len, ANY_DEPTH, &error));
  g_assert_no_error (error);
  json_parser_load_from_data (parser, text, (gssize) len, &error);
  g_assert_no_error (error);

  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

static void
test_protocol_vectors_pass (void)
{
  g_autoptr (JsonObject) root = load_newest_vectors ();
  JsonArray *vectors = json_object_get_array_member (root, "vectors");

  g_assert_cmpuint (json_array_get_length (vectors), >, 0);

  for (guint i = 0; i < json_array_get_length (vectors); i++)
    {
      JsonObject *vector = json_array_get_object_element (vectors, i);
      const char *text = json_object_get_string_member (vector, "message");
      const char *sealed = json_object_get_string_member (vector, "envelope");
      g_autoptr (BlinkMessage) message = NULL;
      g_autoptr (JsonObject) envelope = NULL;
      g_autoptr (GError) error = NULL;
      g_auto (GStrv) name = NULL;

      g_test_message ("vector %s", json_object_get_string_member (vector, "name"));
      assert_accepted (text, strlen (text), BLINK_WIRE_MESSAGE_MAX_DEPTH);
      assert_accepted (sealed, strlen (sealed), BLINK_WIRE_ENVELOPE_MAX_DEPTH);

      message = blink_message_parse (text, strlen (text), &error);
      g_assert_no_error (error);
      /* Named by their kind, a variant with words after it. */
      name = g_strsplit (json_object_get_string_member (vector, "name"), " ", 2);
      g_assert_cmpstr (blink_message_kind_to_nick (message->kind), ==, name[0]);
      envelope = blink_wire_parse_object (sealed, strlen (sealed), "envelope", BLINK_WIRE_ENVELOPE_MAX_DEPTH, &error);
      g_assert_no_error (error);
    }
}

static void
test_pubsub_lines_pass (void)
{
  static const char message_line[] = KUBO_LINE_START "\"seqno\":\"uGOra947pXoE\"," KUBO_TOPIC "}";
  static const char error_line[] = "{\"Message\":\"node is shutting down\",\"Code\":0,\"Type\":\"error\"}";
  g_autoptr (BlinkPubsubMessage) message = NULL;
  g_autoptr (GError) error = NULL;

  message = blink_pubsub_message_parse (message_line, strlen (message_line), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (message->topics[0], ==, "hello");

  /* The node's own errors still end the subscription. */
  g_assert_null (blink_pubsub_message_parse (error_line, strlen (error_line), &error));
  g_assert_error (error, BLINK_IPFS_ERROR, BLINK_IPFS_ERROR_STREAM);
}

int
main (int argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/blink/json-guard/accepts-strict-json", test_accepts_strict_json);
  g_test_add_func ("/blink/json-guard/rejects-bad-grammar", test_rejects_bad_grammar);
  g_test_add_func ("/blink/json-guard/rejects-bad-utf8", test_rejects_bad_utf8);
  g_test_add_func ("/blink/json-guard/depth-limit", test_depth_limit);
  g_test_add_func ("/blink/json-guard/deep-nesting", test_deep_nesting);
  g_test_add_func ("/blink/json-guard/depth-of-each-parser", test_depth_of_each_parser);
  g_test_add_func ("/blink/json-guard/duplicates", test_duplicates);
  g_test_add_func ("/blink/json-guard/duplicates-in-each-parser", test_duplicates_in_each_parser);
  g_test_add_func ("/blink/json-guard/timing", test_timing);
  g_test_add_func ("/blink/json-guard/protocol-vectors-pass", test_protocol_vectors_pass);
  g_test_add_func ("/blink/json-guard/pubsub-lines-pass", test_pubsub_lines_pass);

  return g_test_run ();
}
