/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "blink-errors.h"
#include "blink-message.h"
#include "blink-topic.h"

#define ALICE "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp"
#define BOB "did:key:z6MkjchhfUsD6mmvni8mCdXHw216Xrm9bQe2mBH1P5RDjVJG"
#define ID "\"id\":\"AAECAwQFBgcICQoLDA0ODw==\",\"ts\":1700000000000"
#define CALL "0123456789abcdef0123456789abcdef"
#define KEY "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
#define AUDIO "{\"codec\":\"opus\",\"rate\":48000,\"channels\":1,\"frame-ms\":20,\"bitrate\":32000}"
#define OFFER_BODY(participants, audio, expires) \
  "{\"call\":\"" CALL "\",\"key\":\"" KEY "\",\"participants\":" participants \
  ",\"audio\":" audio ",\"expires\":" expires "}"
#define GOOD_PARTICIPANTS "[\"" ALICE "\",\"" BOB "\"]"

static BlinkMessage *
sample (BlinkMessageKind kind)
{
  BlinkMessage *message = blink_message_new (kind);

  switch (kind)
    {
    case BLINK_MESSAGE_OFFER:
      message->call_id = g_strdup ("000102030405060708090a0b0c0d0e0f");
      memset (message->call_key, 0x42, sizeof message->call_key);
      message->participants = g_strsplit (ALICE " " BOB, " ", -1);
      message->audio = (BlinkAudioFormat){ 48000, 2, 10, 64000 };
      message->expires_ms = message->timestamp_ms + 60000;
      break;
    case BLINK_MESSAGE_CANCEL:
      message->call_id = g_strdup ("000102030405060708090a0b0c0d0e0f");
      break;
    case BLINK_MESSAGE_ADD:
      message->participants = g_strsplit (ALICE " " BOB, " ", -1);
      break;
    case BLINK_MESSAGE_ANNOUNCE:
      message->muted = TRUE;
      message->recording = TRUE;
      break;
    case BLINK_MESSAGE_SDP_OFFER:
    case BLINK_MESSAGE_SDP_ANSWER:
      message->sdp = g_strdup ("v=0\r\no=- 1 0 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n");
      break;
    case BLINK_MESSAGE_ICE_CANDIDATE:
      message->mline = 0;
      message->candidate = g_strdup ("candidate:1 1 UDP 2015363327 127.0.0.1 40000 typ host");
      message->connection = 2;
      break;
    case BLINK_MESSAGE_RECONNECT:
      message->connection = 1000000;
      break;
    default:
      break;
    }

  return message;
}

static void
test_round_trip (void)
{
  for (guint kind = 0; kind < BLINK_MESSAGE_N_KINDS; kind++)
    {
      g_autoptr (BlinkMessage) message = sample (kind);
      g_autoptr (BlinkMessage) back = NULL;
      g_autoptr (GBytes) json = blink_message_serialize (message);
      g_autoptr (GBytes) again = NULL;
      g_autoptr (GError) error = NULL;

      back = blink_message_parse (g_bytes_get_data (json, NULL), g_bytes_get_size (json), &error);
      g_assert_no_error (error);
      g_assert_cmpint (back->kind, ==, kind);
      g_assert_cmpmem (back->id, 16, message->id, 16);
      g_assert_cmpint (back->timestamp_ms, ==, message->timestamp_ms);
      g_assert_cmpstr (back->sdp, ==, message->sdp);
      g_assert_cmpstr (back->candidate, ==, message->candidate);
      g_assert_cmpint (back->muted, ==, message->muted);
      g_assert_cmpint (back->deafened, ==, message->deafened);
      g_assert_cmpint (back->recording, ==, message->recording);
      g_assert_cmpuint (back->connection, ==, message->connection);
      if (kind == BLINK_MESSAGE_OFFER || kind == BLINK_MESSAGE_CANCEL)
        g_assert_cmpstr (back->call_id, ==, message->call_id);
      if (kind == BLINK_MESSAGE_OFFER)
        {
          g_assert_cmpmem (back->call_key, 32, message->call_key, 32);
          g_assert_true (g_strv_equal ((const char *const *) back->participants,
                                       (const char *const *) message->participants));
          g_assert_cmpmem (&back->audio, sizeof back->audio, &message->audio,
                           sizeof message->audio);
          g_assert_cmpint (back->expires_ms, ==, message->expires_ms);
        }

      /* Serialising is deterministic: signatures cover these exact bytes. */
      again = blink_message_serialize (back);
      g_assert_true (g_bytes_equal (json, again));
    }
}

typedef struct
{
  const char *json;
  BlinkProtocolError code;
} BadMessage;

static void
test_malformed (void)
{
  static const BadMessage cases[] = {
    { "", BLINK_PROTOCOL_ERROR_MALFORMED },
    { "{", BLINK_PROTOCOL_ERROR_MALFORMED },
    { "[]", BLINK_PROTOCOL_ERROR_MALFORMED },
    { "\"offer\"", BLINK_PROTOCOL_ERROR_MALFORMED },
    { "{}", BLINK_PROTOCOL_ERROR_MISSING_FIELD },
    { "{\"kind\":7}", BLINK_PROTOCOL_ERROR_WRONG_TYPE },
    { "{\"kind\":\"dial\"," ID ",\"body\":{}}", BLINK_PROTOCOL_ERROR_UNKNOWN_KIND },
    { "{\"kind\":\"leave\",\"ts\":1700000000000,\"body\":{}}", BLINK_PROTOCOL_ERROR_MISSING_FIELD },
    { "{\"kind\":\"leave\",\"id\":\"AAECAwQFBgcICQoLDA0ODw\",\"ts\":1,\"body\":{}}",
      BLINK_PROTOCOL_ERROR_BAD_BASE64 },
    { "{\"kind\":\"leave\",\"id\":\"AAECAwQFBgcICQoLDA0ODw==\\n\",\"ts\":1,\"body\":{}}",
      BLINK_PROTOCOL_ERROR_BAD_BASE64 },
    { "{\"kind\":\"leave\",\"id\":\"AAECAwQFBgcICQoLDA0O\",\"ts\":1,\"body\":{}}",
      BLINK_PROTOCOL_ERROR_INVALID_VALUE },
    { "{\"kind\":\"leave\"," ID ",\"body\":[]}", BLINK_PROTOCOL_ERROR_WRONG_TYPE },
    { "{\"kind\":\"leave\",\"id\":\"AAECAwQFBgcICQoLDA0ODw==\",\"ts\":\"1\",\"body\":{}}",
      BLINK_PROTOCOL_ERROR_WRONG_TYPE },
    { "{\"kind\":\"leave\",\"id\":\"AAECAwQFBgcICQoLDA0ODw==\",\"ts\":1.5,\"body\":{}}",
      BLINK_PROTOCOL_ERROR_WRONG_TYPE },
    { "{\"kind\":\"leave\",\"id\":\"AAECAwQFBgcICQoLDA0ODw==\",\"ts\":-5,\"body\":{}}",
      BLINK_PROTOCOL_ERROR_INVALID_VALUE },
    { "{\"kind\":\"leave\"," ID "}", BLINK_PROTOCOL_ERROR_MISSING_FIELD },
    { "{\"kind\":\"announce\"," ID ",\"body\":{\"muted\":true,\"deafened\":false}}",
      BLINK_PROTOCOL_ERROR_MISSING_FIELD },
    { "{\"kind\":\"announce\"," ID ",\"body\":{\"muted\":1,\"deafened\":false,\"recording\":false}}",
      BLINK_PROTOCOL_ERROR_WRONG_TYPE },
    { "{\"kind\":\"sdp-offer\"," ID ",\"body\":{\"sdp\":null}}", BLINK_PROTOCOL_ERROR_WRONG_TYPE },
    /* Invitations: the caller they name, and whom they add. */
    { "{\"kind\":\"offer\"," ID ",\"body\":{\"call\":\"" CALL "\",\"key\":\"" KEY
      "\",\"caller\":\"did:key:z6Mk\",\"participants\":" GOOD_PARTICIPANTS ",\"audio\":" AUDIO
      ",\"expires\":1800000000000}}",
      BLINK_PROTOCOL_ERROR_INVALID_VALUE },
    { "{\"kind\":\"offer\"," ID ",\"body\":{\"call\":\"" CALL "\",\"key\":\"" KEY
      "\",\"caller\":7,\"participants\":" GOOD_PARTICIPANTS ",\"audio\":" AUDIO
      ",\"expires\":1800000000000}}",
      BLINK_PROTOCOL_ERROR_WRONG_TYPE },
    { "{\"kind\":\"add\"," ID ",\"body\":{}}", BLINK_PROTOCOL_ERROR_MISSING_FIELD },
    { "{\"kind\":\"add\"," ID ",\"body\":{\"participants\":[\"" ALICE "\"]}}",
      BLINK_PROTOCOL_ERROR_INVALID_VALUE },
    { "{\"kind\":\"add\"," ID ",\"body\":{\"participants\":[\"" ALICE "\",\"" ALICE "\"]}}",
      BLINK_PROTOCOL_ERROR_INVALID_VALUE },
    { "{\"kind\":\"add\"," ID ",\"body\":{\"participants\":[\"" ALICE "\",\"bob\"]}}",
      BLINK_PROTOCOL_ERROR_INVALID_VALUE },
    { "{\"kind\":\"add\"," ID ",\"body\":{\"participants\":\"" ALICE "\"}}",
      BLINK_PROTOCOL_ERROR_WRONG_TYPE },
    { "{\"kind\":\"sdp-offer\"," ID ",\"body\":{\"sdp\":\"hello\"}}",
      BLINK_PROTOCOL_ERROR_INVALID_VALUE },
    { "{\"kind\":\"ice-candidate\"," ID ",\"body\":{\"mline\":256,\"candidate\":\"\"}}",
      BLINK_PROTOCOL_ERROR_INVALID_VALUE },
    { "{\"kind\":\"ice-candidate\"," ID ",\"body\":{\"mline\":-1,\"candidate\":\"\"}}",
      BLINK_PROTOCOL_ERROR_INVALID_VALUE },
    { "{\"kind\":\"ice-candidate\"," ID ",\"body\":{\"mline\":0,\"candidate\":\"a=x\"}}",
      BLINK_PROTOCOL_ERROR_INVALID_VALUE },
    { "{\"kind\":\"ice-candidate\"," ID ",\"body\":{\"mline\":0}}",
      BLINK_PROTOCOL_ERROR_MISSING_FIELD },
    /* Which connection of a pair. */
    { "{\"kind\":\"ice-candidate\"," ID ",\"body\":{\"mline\":0,\"candidate\":\"\",\"connection\":-1}}",
      BLINK_PROTOCOL_ERROR_INVALID_VALUE },
    { "{\"kind\":\"sdp-answer\"," ID ",\"body\":{\"sdp\":\"v=0\",\"connection\":1000001}}",
      BLINK_PROTOCOL_ERROR_INVALID_VALUE },
    { "{\"kind\":\"sdp-offer\"," ID ",\"body\":{\"sdp\":\"v=0\",\"connection\":\"2\"}}",
      BLINK_PROTOCOL_ERROR_WRONG_TYPE },
    { "{\"kind\":\"reconnect\"," ID ",\"body\":{}}", BLINK_PROTOCOL_ERROR_MISSING_FIELD },
    { "{\"kind\":\"reconnect\"," ID ",\"body\":{\"connection\":1.5}}",
      BLINK_PROTOCOL_ERROR_WRONG_TYPE },
    { "{\"kind\":\"cancel\"," ID ",\"body\":{\"call\":\"0123\"}}",
      BLINK_PROTOCOL_ERROR_INVALID_VALUE },
    { "{\"kind\":\"cancel\"," ID ",\"body\":{\"call\":\"../../offer/x/0123456789abcdef\"}}",
      BLINK_PROTOCOL_ERROR_INVALID_VALUE },
    { "{\"kind\":\"offer\"," ID ",\"body\":" OFFER_BODY ("[\"" ALICE "\"]", AUDIO, "1700000060000") "}",
      BLINK_PROTOCOL_ERROR_INVALID_VALUE },
    { "{\"kind\":\"offer\"," ID ",\"body\":" OFFER_BODY ("[\"" ALICE "\",\"" ALICE "\"]", AUDIO,
                                                          "1700000060000") "}",
      BLINK_PROTOCOL_ERROR_INVALID_VALUE },
    { "{\"kind\":\"offer\"," ID ",\"body\":" OFFER_BODY ("[\"" ALICE "\",\"did:key:z6Mk\"]", AUDIO,
                                                          "1700000060000") "}",
      BLINK_PROTOCOL_ERROR_INVALID_VALUE },
    { "{\"kind\":\"offer\"," ID ",\"body\":" OFFER_BODY ("[\"" ALICE "\",7]", AUDIO,
                                                          "1700000060000") "}",
      BLINK_PROTOCOL_ERROR_WRONG_TYPE },
    { "{\"kind\":\"offer\"," ID ",\"body\":" OFFER_BODY ("{}", AUDIO, "1700000060000") "}",
      BLINK_PROTOCOL_ERROR_WRONG_TYPE },
    { "{\"kind\":\"offer\"," ID ",\"body\":" OFFER_BODY (GOOD_PARTICIPANTS, AUDIO, "1700000000000") "}",
      BLINK_PROTOCOL_ERROR_INVALID_VALUE },
    { "{\"kind\":\"offer\"," ID ",\"body\":" OFFER_BODY (GOOD_PARTICIPANTS,
        "{\"codec\":\"pcmu\",\"rate\":8000,\"channels\":1,\"frame-ms\":20,\"bitrate\":64000}",
        "1700000060000") "}",
      BLINK_PROTOCOL_ERROR_INVALID_VALUE },
    { "{\"kind\":\"offer\"," ID ",\"body\":" OFFER_BODY (GOOD_PARTICIPANTS,
        "{\"codec\":\"opus\",\"rate\":44100,\"channels\":1,\"frame-ms\":20,\"bitrate\":32000}",
        "1700000060000") "}",
      BLINK_PROTOCOL_ERROR_INVALID_VALUE },
    { "{\"kind\":\"offer\"," ID ",\"body\":" OFFER_BODY (GOOD_PARTICIPANTS,
        "{\"codec\":\"opus\",\"rate\":48000,\"channels\":3,\"frame-ms\":20,\"bitrate\":32000}",
        "1700000060000") "}",
      BLINK_PROTOCOL_ERROR_INVALID_VALUE },
    { "{\"kind\":\"offer\"," ID ",\"body\":" OFFER_BODY (GOOD_PARTICIPANTS,
        "{\"codec\":\"opus\",\"rate\":48000,\"channels\":1,\"bitrate\":32000}",
        "1700000060000") "}",
      BLINK_PROTOCOL_ERROR_MISSING_FIELD },
    { "{\"kind\":\"offer\"," ID ",\"body\":{\"call\":\"" CALL "\",\"key\":\"AAEC\",\"participants\":"
      GOOD_PARTICIPANTS ",\"audio\":" AUDIO ",\"expires\":1700000060000}}",
      BLINK_PROTOCOL_ERROR_INVALID_VALUE },
    { "{\"kind\":\"offer\"," ID ",\"body\":{\"call\":\"" CALL "\",\"key\":\"!!!!\",\"participants\":"
      GOOD_PARTICIPANTS ",\"audio\":" AUDIO ",\"expires\":1700000060000}}",
      BLINK_PROTOCOL_ERROR_BAD_BASE64 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (BlinkMessage) message = NULL;

      g_test_message ("case %u: %s", i, cases[i].json);
      message = blink_message_parse (cases[i].json, strlen (cases[i].json), &error);
      g_assert_null (message);
      g_assert_error (error, BLINK_PROTOCOL_ERROR, (int) cases[i].code);
    }
}

static void
test_good_offer_parses (void)
{
  /* The template of the bad cases above is itself good. */
  static const char json[] =
    "{\"kind\":\"offer\"," ID ",\"body\":" OFFER_BODY (GOOD_PARTICIPANTS, AUDIO, "1700000060000")
    ",\"future\":{\"ignored\":true}}";
  g_autoptr (GError) error = NULL;
  g_autoptr (BlinkMessage) message = blink_message_parse (json, strlen (json), &error);

  g_assert_no_error (error);
  g_assert_cmpstr (message->call_id, ==, CALL);
  g_assert_cmpstr (message->participants[1], ==, BOB);
  g_assert_cmpuint (message->audio.rate, ==, 48000);
}

int
main (int argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/blink/message/round-trip", test_round_trip);
  g_test_add_func ("/blink/message/malformed", test_malformed);
  g_test_add_func ("/blink/message/good-offer-parses", test_good_offer_parses);

  return g_test_run ();
}
