/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The parts of the IPFS client that need no node: multibase, API address
 * resolution, NDJSON line splitting, stream message parsing. */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "blink-errors.h"
#include "blink-ipfs-address.h"
#include "blink-line-splitter.h"
#include "blink-multibase.h"
#include "blink-pubsub-message.h"

static void
test_multibase (void)
{
  static const guint8 bytes[] = { 0xfb, 0xff, 0xfe, 0x00, 0x41 };
  g_autofree char *encoded = blink_multibase_encode (bytes, sizeof bytes);
  g_autofree char *topic = blink_multibase_encode_string ("blink/1/offer/x");
  g_autoptr (GBytes) decoded = NULL;
  g_autoptr (GError) error = NULL;

  /* base64url without padding, like Kubo */
  g_assert_cmpstr (encoded, ==, "u-__-AEE");
  g_assert_cmpstr (topic, ==, "uYmxpbmsvMS9vZmZlci94");

  decoded = blink_multibase_decode (encoded, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (g_bytes_get_data (decoded, NULL), g_bytes_get_size (decoded), bytes,
                   sizeof bytes);
  g_clear_pointer (&decoded, g_bytes_unref);

  /* the other base64 flavours of multibase */
  decoded = blink_multibase_decode ("M+//+AEE=", &error);
  g_assert_no_error (error);
  g_assert_cmpmem (g_bytes_get_data (decoded, NULL), g_bytes_get_size (decoded), bytes,
                   sizeof bytes);
  g_clear_pointer (&decoded, g_bytes_unref);

  decoded = blink_multibase_decode ("u", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_bytes_get_size (decoded), ==, 0);

  for (guint i = 0; i < 5; i++)
    {
      static const char *const bad[] = { "", "-__-AEE", "zabc", "u-__-AE=", "u a" };

      g_assert_null (blink_multibase_decode (bad[i], &error));
      g_assert_error (error, BLINK_IPFS_ERROR, BLINK_IPFS_ERROR_MALFORMED);
      g_clear_error (&error);
    }
}

static void
test_address_forms (void)
{
  static const struct
  {
    const char *in, *out;
  } good[] = {
    { "/ip4/127.0.0.1/tcp/5001", "http://127.0.0.1:5001" },
    { "/ip4/127.0.0.1/tcp/5001/http", "http://127.0.0.1:5001" },
    { " /ip4/127.0.0.1/tcp/45001\n", "http://127.0.0.1:45001" },
    { "/ip6/::1/tcp/5001", "http://[::1]:5001" },
    { "/dns4/localhost/tcp/5001", "http://localhost:5001" },
    { "/dns/ipfs.local/tcp/80", "http://ipfs.local:80" },
    { "http://127.0.0.1:5001", "http://127.0.0.1:5001" },
    { "http://127.0.0.1:5001/", "http://127.0.0.1:5001" },
    { "http://127.0.0.1:5001/api/v0", "http://127.0.0.1:5001" },
    { "https://[::1]:5443", "https://[::1]:5443" },
  };
  static const char *const bad[] = {
    "", "localhost", "127.0.0.1:5001", "/ip4/127.0.0.1", "/ip4/127.0.0.1/udp/5001",
    "/ip4/127.0.0.1/tcp/0", "/ip4/127.0.0.1/tcp/65536", "/ip4/::1/tcp/5001",
    "/ip6/127.0.0.1/tcp/5001", "/ip4/999.0.0.1/tcp/5001", "/ip4/127.0.0.1/tcp/5001/https",
    "/unix/tmp/api", "ftp://127.0.0.1:5001", "http://:5001", "http://127.0.0.1:5001/other",
    "http://127.0.0.1:5001/?x=1",
  };

  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autofree char *url = blink_ipfs_api_url_from_string (good[i].in, &error);

      g_assert_no_error (error);
      g_assert_cmpstr (url, ==, good[i].out);
    }

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autofree char *url = blink_ipfs_api_url_from_string (bad[i], &error);

      g_test_message ("%s", bad[i]);
      g_assert_null (url);
      g_assert_error (error, BLINK_IPFS_ERROR, BLINK_IPFS_ERROR_BAD_ADDRESS);
    }
}

static void
test_address_resolution (void)
{
  g_autofree char *ipfs_path = g_build_filename (g_get_user_data_dir (), "ipfs-repo", NULL);
  g_autofree char *api_file = g_build_filename (ipfs_path, "api", NULL);
  g_autofree char *home_ipfs = g_build_filename (g_get_home_dir (), ".ipfs", NULL);
  g_autofree char *home_api = g_build_filename (home_ipfs, "api", NULL);
  g_autoptr (GError) error = NULL;
  char *url, *source = NULL;

  g_unsetenv ("BLINK_IPFS_API");
  g_unsetenv ("IPFS_API");
  g_unsetenv ("IPFS_PATH");

  /* Nothing set, no file: Kubo's default. */
  g_remove (home_api);
  url = blink_ipfs_resolve_api_url (&source, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (url, ==, "http://127.0.0.1:5001");
  g_assert_cmpstr (source, ==, "default");
  g_clear_pointer (&url, g_free);
  g_clear_pointer (&source, g_free);

  /* ~/.ipfs/api */
  g_assert_cmpint (g_mkdir_with_parents (home_ipfs, 0700), ==, 0);
  g_assert_true (g_file_set_contents (home_api, "/ip4/127.0.0.1/tcp/5101", -1, NULL));
  url = blink_ipfs_resolve_api_url (&source, NULL);
  g_assert_cmpstr (url, ==, "http://127.0.0.1:5101");
  g_assert_cmpstr (source, ==, home_api);
  g_clear_pointer (&url, g_free);
  g_clear_pointer (&source, g_free);

  /* $IPFS_PATH/api wins over ~/.ipfs */
  g_assert_cmpint (g_mkdir_with_parents (ipfs_path, 0700), ==, 0);
  g_assert_true (g_file_set_contents (api_file, "/ip4/127.0.0.1/tcp/5102\n", -1, NULL));
  g_setenv ("IPFS_PATH", ipfs_path, TRUE);
  url = blink_ipfs_resolve_api_url (NULL, NULL);
  g_assert_cmpstr (url, ==, "http://127.0.0.1:5102");
  g_clear_pointer (&url, g_free);

  /* $IPFS_PATH without an api file: the default, not ~/.ipfs */
  g_remove (api_file);
  url = blink_ipfs_resolve_api_url (NULL, NULL);
  g_assert_cmpstr (url, ==, "http://127.0.0.1:5001");
  g_clear_pointer (&url, g_free);

  /* $IPFS_API wins over files; $BLINK_IPFS_API over everything */
  g_setenv ("IPFS_API", "/ip4/127.0.0.1/tcp/5103", TRUE);
  url = blink_ipfs_resolve_api_url (&source, NULL);
  g_assert_cmpstr (url, ==, "http://127.0.0.1:5103");
  g_assert_cmpstr (source, ==, "$IPFS_API");
  g_clear_pointer (&url, g_free);
  g_clear_pointer (&source, g_free);

  g_setenv ("BLINK_IPFS_API", "http://127.0.0.1:5104", TRUE);
  url = blink_ipfs_resolve_api_url (&source, NULL);
  g_assert_cmpstr (url, ==, "http://127.0.0.1:5104");
  g_assert_cmpstr (source, ==, "$BLINK_IPFS_API");
  g_clear_pointer (&url, g_free);
  g_clear_pointer (&source, g_free);

  /* A bad address is an error, not a silent fallback. */
  g_setenv ("BLINK_IPFS_API", "localhost", TRUE);
  url = blink_ipfs_resolve_api_url (NULL, &error);
  g_assert_null (url);
  g_assert_error (error, BLINK_IPFS_ERROR, BLINK_IPFS_ERROR_BAD_ADDRESS);

  g_unsetenv ("BLINK_IPFS_API");
  g_unsetenv ("IPFS_API");
  g_unsetenv ("IPFS_PATH");
  g_remove (home_api);
}

static gboolean
collect_line (const char *line,
              gsize len,
              gpointer user_data)
{
  GPtrArray *lines = user_data;

  g_assert_cmpuint (strlen (line), ==, len);
  g_ptr_array_add (lines, g_strndup (line, len));
  return TRUE;
}

static void
check_split (const char *stream,
             const char *const *expected,
             GRand *rand,
             gboolean every_boundary)
{
  gsize len = strlen (stream);

  /* Two chunks split at every position, then random chunkings. */
  for (gsize trial = 0; trial < (every_boundary ? len + 1 : 200); trial++)
    {
      g_autoptr (BlinkLineSplitter) splitter = blink_line_splitter_new (64);
      g_autoptr (GPtrArray) lines = g_ptr_array_new_with_free_func (g_free);
      gsize pos = 0;

      gboolean first = TRUE;

      while (pos < len)
        {
          gsize take = every_boundary ? (first ? trial : len - pos)
                                      : (gsize) g_rand_int_range (rand, 1, 9);

          first = FALSE;
          take = MIN (take, len - pos);
          blink_line_splitter_push (splitter, (const guint8 *) stream + pos, take, collect_line,
                                    lines);
          pos += take;
        }

      g_ptr_array_add (lines, NULL);
      g_assert_cmpstrv ((char **) lines->pdata, expected);
    }
}

static void
test_ndjson_chunks (void)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (42);
  static const char stream[] =
    "{\"a\":1}\n{\"b\":\"x\\ny\"}\r\n\n{\"c\":[1,2,3]}\n" /* CRLF and empty line */
    "0123456789012345678901234567890123456789012345678901234567890123456789\n" /* overlong */
    "{\"d\":4}\n{\"partial\":";
  static const char *const expected[] = { "{\"a\":1}", "{\"b\":\"x\\ny\"}", "", "{\"c\":[1,2,3]}",
                                          "{\"d\":4}", NULL };

  check_split (stream, expected, rand, TRUE);
  check_split (stream, expected, rand, FALSE);
}

static gboolean
stop_after_first (const char *line,
                  gsize len,
                  gpointer user_data)
{
  (*(guint *) user_data)++;
  return FALSE;
}

static void
test_ndjson_overlong_counted (void)
{
  g_autoptr (BlinkLineSplitter) splitter = blink_line_splitter_new (8);
  g_autoptr (GPtrArray) lines = g_ptr_array_new_with_free_func (g_free);
  guint calls = 0;

  /* A never-ending line does not grow the buffer. */
  for (guint i = 0; i < 10000; i++)
    blink_line_splitter_push (splitter, (const guint8 *) "xxxxxxx", 7, collect_line, lines);
  blink_line_splitter_push (splitter, (const guint8 *) "\nok\nabcdefghi\nok2\n", 18, collect_line,
                            lines);
  g_assert_cmpuint (lines->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (lines, 0), ==, "ok");
  g_assert_cmpstr (g_ptr_array_index (lines, 1), ==, "ok2");
  g_assert_cmpuint (blink_line_splitter_get_overlong (splitter), ==, 2);

  g_assert_false (blink_line_splitter_push (splitter, (const guint8 *) "a\nb\n", 4,
                                            stop_after_first, &calls));
  g_assert_cmpuint (calls, ==, 1);
}

static void
test_pubsub_message (void)
{
  static const char good[] =
    "{\"from\":\"12D3KooWKhPxTRrjboGvhEtMpX64KP7kWQpRR2bbrawF8wZLhSUN\",\"data\":\"ucGF5bG9hZA\","
    "\"seqno\":\"uGOra947pXoE\",\"topicIDs\":[\"uaGVsbG8\"]}";
  g_autoptr (GError) error = NULL;
  g_autoptr (BlinkPubsubMessage) message = blink_pubsub_message_parse (good, strlen (good), &error);

  g_assert_no_error (error);
  g_assert_cmpstr (message->from, ==, "12D3KooWKhPxTRrjboGvhEtMpX64KP7kWQpRR2bbrawF8wZLhSUN");
  g_assert_cmpmem (g_bytes_get_data (message->data, NULL), g_bytes_get_size (message->data),
                   "payload", 7);
  g_assert_cmpuint (g_bytes_get_size (message->seqno), ==, 8);
  g_assert_cmpstr (message->topics[0], ==, "hello");
  g_assert_null (message->topics[1]);
}

static void
test_pubsub_message_bad (void)
{
  static const char *const malformed[] = {
    "",
    "not json",
    "[]",
    "{}",
    "{\"from\":1,\"data\":\"u\",\"topicIDs\":[\"uaA\"]}",
    "{\"from\":\"p\",\"topicIDs\":[\"uaA\"]}",
    "{\"from\":\"p\",\"data\":\"u\"}",
    "{\"from\":\"p\",\"data\":\"u\",\"topicIDs\":\"uaA\"}",
    "{\"from\":\"p\",\"data\":\"u\",\"topicIDs\":[]}",
    "{\"from\":\"p\",\"data\":\"u\",\"topicIDs\":[7]}",
    "{\"from\":\"p\",\"data\":\"!!\",\"topicIDs\":[\"uaA\"]}",
    "{\"from\":\"p\",\"data\":\"u\",\"seqno\":\"u!\",\"topicIDs\":[\"uaA\"]}",
    "{\"from\":\"p\",\"data\":\"u\",\"topicIDs\":[\"u_w\"]}", /* not UTF-8 */
    "{\"from\":\"p\",\"data\":\"u\",\"topicIDs\":[\"uAA\"]}", /* a NUL byte */
  };
  static const char stream_error[] = "{\"Message\":\"node is shutting down\",\"Code\":0,\"Type\":\"error\"}";
  g_autoptr (GError) error = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (malformed); i++)
    {
      g_test_message ("%s", malformed[i]);
      g_assert_null (blink_pubsub_message_parse (malformed[i], strlen (malformed[i]), &error));
      g_assert_error (error, BLINK_IPFS_ERROR, BLINK_IPFS_ERROR_MALFORMED);
      g_clear_error (&error);
    }

  g_assert_null (blink_pubsub_message_parse (stream_error, strlen (stream_error), &error));
  g_assert_error (error, BLINK_IPFS_ERROR, BLINK_IPFS_ERROR_STREAM);
  g_assert_nonnull (strstr (error->message, "node is shutting down"));
}

int
main (int argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/blink/ipfs/multibase", test_multibase);
  g_test_add_func ("/blink/ipfs/address-forms", test_address_forms);
  g_test_add_func ("/blink/ipfs/address-resolution", test_address_resolution);
  g_test_add_func ("/blink/ipfs/ndjson-chunks", test_ndjson_chunks);
  g_test_add_func ("/blink/ipfs/ndjson-overlong-counted", test_ndjson_overlong_counted);
  g_test_add_func ("/blink/ipfs/pubsub-message", test_pubsub_message);
  g_test_add_func ("/blink/ipfs/pubsub-message-bad", test_pubsub_message_bad);

  return g_test_run ();
}
