/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <sodium.h>
#include <string.h>

#include "blink-did.h"
#include "blink-errors.h"

/* From the did:key method's test suite: the Ed25519 key of seed 0…0. */
#define KNOWN_DID "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp"
static const guint8 known_key[32] = {
  0x3b, 0x6a, 0x27, 0xbc, 0xce, 0xb6, 0xa4, 0x2d, 0x62, 0xa3, 0xa8, 0xd0, 0x2a, 0x6f, 0x0d, 0x73,
  0x65, 0x32, 0x15, 0x77, 0x1d, 0xe2, 0x43, 0xa6, 0x3a, 0xc0, 0x48, 0xa1, 0x8b, 0x59, 0xda, 0x29,
};

static void
test_known_vector (void)
{
  g_autofree char *did = blink_did_from_public_key (known_key);
  guint8 key[32];
  g_autoptr (GError) error = NULL;

  g_assert_cmpstr (did, ==, KNOWN_DID);
  g_assert_true (blink_did_to_public_key (KNOWN_DID, key, &error));
  g_assert_no_error (error);
  g_assert_cmpmem (key, 32, known_key, 32);
}

static void
test_round_trip (void)
{
  for (guint i = 0; i < 200; i++)
    {
      guint8 pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES], back[32];
      g_autofree char *did = NULL;
      g_autoptr (GError) error = NULL;

      crypto_sign_keypair (pk, sk);
      did = blink_did_from_public_key (pk);
      g_assert_true (g_str_has_prefix (did, "did:key:z6Mk"));
      g_assert_cmpuint (strlen (did), <=, BLINK_DID_MAX_LENGTH);
      g_assert_true (blink_did_to_public_key (did, back, &error));
      g_assert_no_error (error);
      g_assert_cmpmem (back, 32, pk, 32);
    }
}

typedef struct
{
  const char *did;
  BlinkDidError code;
} BadDid;

static void
test_malformed (void)
{
  static const BadDid cases[] = {
    { "", BLINK_DID_ERROR_PREFIX },
    { "did:web:example.org", BLINK_DID_ERROR_PREFIX },
    { "DID:KEY:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp", BLINK_DID_ERROR_PREFIX },
    { " did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp", BLINK_DID_ERROR_PREFIX },
    { "did:key:", BLINK_DID_ERROR_MULTIBASE },
    { "did:key:f6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp", BLINK_DID_ERROR_MULTIBASE },
    { "did:key:z", BLINK_DID_ERROR_LENGTH },
    /* 0, O, I and l are not base58 */
    { "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooW0", BLINK_DID_ERROR_BASE58 },
    { "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWl", BLINK_DID_ERROR_BASE58 },
    { "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp ", BLINK_DID_ERROR_BASE58 },
    { "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp#x", BLINK_DID_ERROR_BASE58 },
    { "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooW\xc3\xa9", BLINK_DID_ERROR_BASE58 },
    /* cut or extended */
    { "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooW", BLINK_DID_ERROR_LENGTH },
    { "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3", BLINK_DID_ERROR_LENGTH },
    { "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWpp", BLINK_DID_ERROR_LENGTH },
    { "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR",
      BLINK_DID_ERROR_LENGTH },
    /* a secp256k1 key (multicodec 0xe701) */
    { "did:key:zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme", BLINK_DID_ERROR_MULTICODEC },
    /* an X25519 key (multicodec 0xec01) */
    { "did:key:z6LSeu9HkTHSfLLeUs2nnzUSNedgDUevfNQgQjQC23ZCit6F", BLINK_DID_ERROR_MULTICODEC },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      guint8 key[32];
      g_autoptr (GError) error = NULL;

      g_test_message ("case %u: %s", i, cases[i].did);
      g_assert_false (blink_did_to_public_key (cases[i].did, key, &error));
      g_assert_error (error, BLINK_DID_ERROR, (int) cases[i].code);
      g_assert_nonnull (error->message);
      g_assert_false (blink_did_is_valid (cases[i].did));
    }
}

static void
test_invalid_point (void)
{
  /* The identity element (1, 0…0) has small order: not a usable key. */
  guint8 small_order[32] = { 1 };
  guint8 key[32];
  g_autofree char *did = blink_did_from_public_key (small_order);
  g_autoptr (GError) error = NULL;

  g_assert_false (blink_did_to_public_key (did, key, &error));
  g_assert_error (error, BLINK_DID_ERROR, BLINK_DID_ERROR_KEY);
}

static void
test_leading_zero_bytes (void)
{
  /* Leading zero bytes encode as '1's; the multicodec prefix must still be
   * checked, and the length must still be exact. */
  guint8 key[32];
  g_autoptr (GError) error = NULL;

  g_assert_false (blink_did_to_public_key ("did:key:z1111111111111111111111111111111111", key,
                                           &error));
  g_assert_error (error, BLINK_DID_ERROR, BLINK_DID_ERROR_MULTICODEC);
}

int
main (int argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_assert_cmpint (sodium_init (), >=, 0);

  g_test_add_func ("/blink/did/known-vector", test_known_vector);
  g_test_add_func ("/blink/did/round-trip", test_round_trip);
  g_test_add_func ("/blink/did/malformed", test_malformed);
  g_test_add_func ("/blink/did/invalid-point", test_invalid_point);
  g_test_add_func ("/blink/did/leading-zero-bytes", test_leading_zero_bytes);

  return g_test_run ();
}
