/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "blink-identity.h"
#include "blink-message.h"
#include "blink-topic.h"

#include <string.h>

static const guint8 key[BLINK_CALL_KEY_BYTES] = { 0x40, 0x41, 0x42 };

static void
test_build (void)
{
  g_autoptr (BlinkIdentity) alice = blink_identity_new_random ();
  g_autoptr (BlinkIdentity) bob = blink_identity_new_random ();
  const char *did = blink_identity_get_did (alice);
  g_autofree char *call_id = blink_call_id_derive (key, did);
  g_autofree char *offer = blink_topic_offer (did);
  g_autofree char *call = blink_topic_call (call_id, key);
  g_autofree char *peer = blink_topic_peer (call_id, key, did);
  g_autofree char *bob_peer = blink_topic_peer (call_id, key, blink_identity_get_did (bob));

  g_assert_true (blink_call_id_is_valid (call_id));
  g_assert_true (g_str_has_prefix (offer, "blink/2/offer/"));
  g_assert_true (g_str_has_prefix (call, "blink/2/call/"));
  g_assert_true (g_str_has_prefix (peer, "blink/2/peer/"));
  g_assert_cmpint (blink_topic_kind (offer), ==, BLINK_TOPIC_OFFER);
  g_assert_cmpint (blink_topic_kind (call), ==, BLINK_TOPIC_CALL);
  g_assert_cmpint (blink_topic_kind (peer), ==, BLINK_TOPIC_PEER);
  g_assert_cmpstr (peer, !=, bob_peer);

  /* What a passive pubsub peer sees names nobody and no call. */
  for (const char *const *t = (const char *const[]) { offer, call, peer, NULL }; *t; t++)
    {
      g_assert_null (strstr (*t, "did:key"));
      g_assert_null (strstr (*t, did + strlen ("did:key:z")));
      g_assert_null (strstr (*t, call_id));
    }
}

/* The call id belongs to the caller: another caller, or another key, gives
 * another id. */
static void
test_call_id_owned (void)
{
  g_autoptr (BlinkIdentity) alice = blink_identity_new_random ();
  g_autoptr (BlinkIdentity) mallory = blink_identity_new_random ();
  guint8 other_key[BLINK_CALL_KEY_BYTES] = { 1 };
  g_autofree char *id = blink_call_id_derive (key, blink_identity_get_did (alice));
  g_autofree char *again = blink_call_id_derive (key, blink_identity_get_did (alice));
  g_autofree char *mallorys = blink_call_id_derive (key, blink_identity_get_did (mallory));
  g_autofree char *other = blink_call_id_derive (other_key, blink_identity_get_did (alice));

  g_assert_cmpstr (id, ==, again);
  g_assert_cmpstr (id, !=, mallorys);
  g_assert_cmpstr (id, !=, other);
}

static void
test_invalid (void)
{
  static const char *const bad[] = {
    "",
    "blink/2/offer/",
    "blink/2/offer/did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp",
    "blink/1/offer/did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp",
    "blink/1/call/0123456789abcdef0123456789abcdef",
    "blink/2/call/",
    "blink/2/call/0123456789abcdef0123456789abcde",
    "blink/2/call/0123456789abcdef0123456789abcdef0",
    "blink/2/call/0123456789ABCDEF0123456789ABCDEF",
    "blink/2/call/0123456789abcdef0123456789abcdeg",
    "blink/2/call/0123456789abcdef0123456789abcdef/",
    "blink/2/peer/0123456789abcdef0123456789abcdef/x",
    "blink/2/chat/0123456789abcdef0123456789abcdef",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_test_message ("%s", bad[i]);
      g_assert_cmpint (blink_topic_kind (bad[i]), ==, BLINK_TOPIC_INVALID);
    }
}

int
main (int argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/blink/topic/build", test_build);
  g_test_add_func ("/blink/topic/call-id-owned", test_call_id_owned);
  g_test_add_func ("/blink/topic/invalid", test_invalid);

  return g_test_run ();
}
