/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "blink-errors.h"
#include "blink-multibase.h"
#include "blink-wire.h"

/* "//8=" is 0xff 0xff; libsodium 1.0.18 read any byte over 0x7f as "/",
 * so "é" (0xc3 0xa9) stood for "//" and one value had many spellings. */
static void
test_base64_rejects_non_ascii (void)
{
  static const char *const texts[] = {
    "{\"b\":\"é8=\"}",
    "{\"b\":\"\xc2\x80" "8=\"}",
    "{\"b\":\"\xf0\x9f\x98\x80\"}",
  };
  guint8 out[2];

  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    {
      g_autoptr (JsonObject) object = blink_wire_parse_object (texts[i], strlen (texts[i]),
                                                               "message", BLINK_WIRE_MESSAGE_MAX_DEPTH, NULL);
      g_autoptr (GError) error = NULL;

      g_assert_nonnull (object);
      g_assert_false (blink_wire_read_base64 (object, "b", out, sizeof out, &error));
      g_assert_error (error, BLINK_PROTOCOL_ERROR, BLINK_PROTOCOL_ERROR_BAD_BASE64);
      g_clear_error (&error);
      g_assert_null (blink_wire_read_base64_bytes (object, "b", 16, &error));
      g_assert_error (error, BLINK_PROTOCOL_ERROR, BLINK_PROTOCOL_ERROR_BAD_BASE64);
    }

  {
    g_autoptr (JsonObject) object = blink_wire_parse_object ("{\"b\":\"//8=\"}", 12, "message", BLINK_WIRE_MESSAGE_MAX_DEPTH,
                                                             NULL);
    g_autoptr (GError) error = NULL;

    g_assert_true (blink_wire_read_base64 (object, "b", out, 2, &error));
    g_assert_no_error (error);
    g_assert_cmpmem (out, 2, "\xff\xff", 2);
  }
}

static void
test_multibase_rejects_non_ascii (void)
{
  static const char *const texts[] = {
    "u__\xc3\xa9", "u\xe3\xff\xff\xbf", "M\xc2\x80" "8=", "m\xff\xff" "8",
  };
  g_autoptr (GBytes) good = blink_multibase_decode ("u____", NULL);

  g_assert_cmpmem (g_bytes_get_data (good, NULL), g_bytes_get_size (good), "\xff\xff\xff", 3);

  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    {
      g_autoptr (GError) error = NULL;

      g_assert_null (blink_multibase_decode (texts[i], &error));
      g_assert_error (error, BLINK_IPFS_ERROR, BLINK_IPFS_ERROR_MALFORMED);
    }
}

int
main (int argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/blink/wire/base64-rejects-non-ascii", test_base64_rejects_non_ascii);
  g_test_add_func ("/blink/wire/multibase-rejects-non-ascii", test_multibase_rejects_non_ascii);

  return g_test_run ();
}
