/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "blink-identity.h"
#include "blink-topic.h"

static void
test_build_and_parse (void)
{
  g_autoptr (BlinkIdentity) alice = blink_identity_new_random ();
  const char *did = blink_identity_get_did (alice);
  g_autofree char *call_id = blink_call_id_new ();
  g_autofree char *offer = blink_topic_offer (did);
  g_autofree char *call = blink_topic_call (call_id);
  g_autofree char *peer = blink_topic_peer (call_id, did);
  g_autofree char *expected_offer = g_strconcat ("blink/1/offer/", did, NULL);
  char *got_call = NULL, *got_did = NULL;

  g_assert_true (blink_call_id_is_valid (call_id));
  g_assert_cmpstr (offer, ==, expected_offer);

  g_assert_cmpint (blink_topic_parse (offer, &got_call, &got_did), ==, BLINK_TOPIC_OFFER);
  g_assert_null (got_call);
  g_assert_cmpstr (got_did, ==, did);
  g_clear_pointer (&got_did, g_free);

  g_assert_cmpint (blink_topic_parse (call, &got_call, &got_did), ==, BLINK_TOPIC_CALL);
  g_assert_cmpstr (got_call, ==, call_id);
  g_assert_null (got_did);
  g_clear_pointer (&got_call, g_free);

  g_assert_cmpint (blink_topic_parse (peer, &got_call, &got_did), ==, BLINK_TOPIC_PEER);
  g_assert_cmpstr (got_call, ==, call_id);
  g_assert_cmpstr (got_did, ==, did);
  g_free (got_call);
  g_free (got_did);
}

static void
test_invalid (void)
{
  static const char *const bad[] = {
    "",
    "blink/1/offer/",
    "blink/1/offer/did:key:zzz",
    "blink/2/offer/did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp",
    "blink/1/call/",
    "blink/1/call/0123456789abcdef0123456789abcde",
    "blink/1/call/0123456789abcdef0123456789abcdef0",
    "blink/1/call/0123456789ABCDEF0123456789ABCDEF",
    "blink/1/call/0123456789abcdef0123456789abcdeg",
    "blink/1/call/0123456789abcdef0123456789abcdef/",
    "blink/1/call/0123456789abcdef0123456789abcdef/did:key:z6Mk",
    "blink/1/call/0123456789abcdef0123456789abcdef/did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp/x",
    "blink/1/peer/0123456789abcdef0123456789abcdef",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      char *call_id = NULL, *did = NULL;

      g_test_message ("%s", bad[i]);
      g_assert_cmpint (blink_topic_parse (bad[i], &call_id, &did), ==, BLINK_TOPIC_INVALID);
      g_assert_null (call_id);
      g_assert_null (did);
    }
}

int
main (int argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/blink/topic/build-and-parse", test_build_and_parse);
  g_test_add_func ("/blink/topic/invalid", test_invalid);

  return g_test_run ();
}
