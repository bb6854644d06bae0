/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "blink-message"

#include "config.h"

#include "blink-message.h"
#include "blink-did.h"
#include "blink-errors.h"
#include "blink-topic.h"
#include "blink-wire.h"

#include <sodium.h>
#include <string.h>

#define MAX_MLINE 255
#define MAX_CANDIDATE_LENGTH 1024

static const char *const kind_nicks[BLINK_MESSAGE_N_KINDS] = {
  [BLINK_MESSAGE_OFFER] = "offer",
  [BLINK_MESSAGE_CANCEL] = "cancel",
  [BLINK_MESSAGE_RINGING] = "ringing",
  [BLINK_MESSAGE_ANNOUNCE] = "announce",
  [BLINK_MESSAGE_DECLINE] = "decline",
  [BLINK_MESSAGE_LEAVE] = "leave",
  [BLINK_MESSAGE_SDP_OFFER] = "sdp-offer",
  [BLINK_MESSAGE_SDP_ANSWER] = "sdp-answer",
  [BLINK_MESSAGE_ICE_CANDIDATE] = "ice-candidate",
  [BLINK_MESSAGE_ADD] = "add",
  [BLINK_MESSAGE_CONNECT] = "connect",
  [BLINK_MESSAGE_RECONNECT] = "reconnect",
};

G_DEFINE_BOXED_TYPE (BlinkMessage, blink_message, blink_message_ref, blink_message_unref)

const char *
blink_message_kind_to_nick (BlinkMessageKind kind)
{
  g_return_val_if_fail ((guint) kind < BLINK_MESSAGE_N_KINDS, NULL);

  return kind_nicks[kind];
}

BlinkAudioFormat *
blink_audio_format_copy (const BlinkAudioFormat *format)
{
  return g_memdup2 (format, sizeof *format);
}

void
blink_audio_format_free (BlinkAudioFormat *format)
{
  g_free (format);
}

G_DEFINE_BOXED_TYPE (BlinkAudioFormat, blink_audio_format, blink_audio_format_copy,
                     blink_audio_format_free)

gboolean
blink_audio_format_equal (const BlinkAudioFormat *a,
                          const BlinkAudioFormat *b)
{
  return a->rate == b->rate && a->channels == b->channels && a->frame_ms == b->frame_ms &&
         a->bitrate == b->bitrate;
}

gboolean
blink_audio_format_is_valid (const BlinkAudioFormat *format)
{
  switch (format->rate)
    {
    case 8000: case 12000: case 16000: case 24000: case 48000:
      break;
    default:
      return FALSE;
    }

  switch (format->frame_ms)
    {
    case 10: case 20: case 40: case 60:
      break;
    default:
      return FALSE;
    }

  return (format->channels == 1 || format->channels == 2) &&
         format->bitrate >= 6000 && format->bitrate <= 510000;
}

/**
 * blink_message_new:
 *
 * Returns: (transfer full): a message of @kind with a fresh random id and
 * the current time
 */
BlinkMessage *
blink_message_new (BlinkMessageKind kind)
{
  BlinkMessage *message;

  g_return_val_if_fail ((guint) kind < BLINK_MESSAGE_N_KINDS, NULL);

  if (sodium_init () < 0)
    g_error ("libsodium cannot be initialised");

  message = g_atomic_rc_box_new0 (BlinkMessage);
  message->kind = kind;
  message->timestamp_ms = g_get_real_time () / 1000;
  message->audio = BLINK_AUDIO_FORMAT_DEFAULT;
  randombytes_buf (message->id, sizeof message->id);

  return message;
}

BlinkMessage *
blink_message_ref (BlinkMessage *message)
{
  g_return_val_if_fail (message != NULL, NULL);

  return g_atomic_rc_box_acquire (message);
}

static void
message_clear (BlinkMessage *message)
{
  sodium_memzero (message->call_key, sizeof message->call_key);
  g_free (message->sender);
  g_free (message->call_id);
  g_strfreev (message->participants);
  g_free (message->caller);
  g_free (message->sdp);
  g_free (message->candidate);
}

void
blink_message_unref (BlinkMessage *message)
{
  g_return_if_fail (message != NULL);

  g_atomic_rc_box_release_full (message, (GDestroyNotify) message_clear);
}

static void
add_base64 (JsonBuilder *builder,
            const char *name,
            const guint8 *data,
            gsize len)
{
  g_autofree char *text = blink_wire_base64_encode (data, len);

  json_builder_set_member_name (builder, name);
  json_builder_add_string_value (builder, text);
}

static void
add_string (JsonBuilder *builder,
            const char *name,
            const char *value)
{
  json_builder_set_member_name (builder, name);
  json_builder_add_string_value (builder, value != NULL ? value : "");
}

static void
add_int (JsonBuilder *builder,
         const char *name,
         gint64 value)
{
  json_builder_set_member_name (builder, name);
  json_builder_add_int_value (builder, value);
}

static void
add_bool (JsonBuilder *builder,
          const char *name,
          gboolean value)
{
  json_builder_set_member_name (builder, name);
  json_builder_add_boolean_value (builder, value);
}

static void
add_participants (JsonBuilder *builder,
                  const BlinkMessage *message)
{
  json_builder_set_member_name (builder, "participants");
  json_builder_begin_array (builder);
  for (guint i = 0; message->participants != NULL && message->participants[i] != NULL; i++)
    json_builder_add_string_value (builder, message->participants[i]);
  json_builder_end_array (builder);
}

/* The first connection of a pair is 0, and goes without saying. */
static void
add_connection (JsonBuilder *builder,
                const BlinkMessage *message)
{
  if (message->connection > 0)
    add_int (builder, "connection", message->connection);
}

static void
build_body (JsonBuilder *builder,
            const BlinkMessage *message)
{
  switch (message->kind)
    {
    case BLINK_MESSAGE_OFFER:
      add_string (builder, "call", message->call_id);
      add_base64 (builder, "key", message->call_key, sizeof message->call_key);
      if (message->caller != NULL)
        add_string (builder, "caller", message->caller);
      add_participants (builder, message);
      json_builder_set_member_name (builder, "audio");
      json_builder_begin_object (builder);
      add_string (builder, "codec", "opus");
      add_int (builder, "rate", message->audio.rate);
      add_int (builder, "channels", message->audio.channels);
      add_int (builder, "frame-ms", message->audio.frame_ms);
      add_int (builder, "bitrate", message->audio.bitrate);
      json_builder_end_object (builder);
      add_int (builder, "expires", message->expires_ms);
      break;

    case BLINK_MESSAGE_CANCEL:
      add_string (builder, "call", message->call_id);
      break;

    case BLINK_MESSAGE_ADD:
      add_participants (builder, message);
      break;

    case BLINK_MESSAGE_ANNOUNCE:
      add_bool (builder, "muted", message->muted);
      add_bool (builder, "deafened", message->deafened);
      add_bool (builder, "recording", message->recording);
      break;

    case BLINK_MESSAGE_SDP_OFFER:
    case BLINK_MESSAGE_SDP_ANSWER:
      add_string (builder, "sdp", message->sdp);
      add_connection (builder, message);
      break;

    case BLINK_MESSAGE_ICE_CANDIDATE:
      add_int (builder, "mline", message->mline);
      add_string (builder, "candidate", message->candidate);
      add_connection (builder, message);
      break;

    case BLINK_MESSAGE_RECONNECT:
      add_int (builder, "connection", message->connection);
      break;

    case BLINK_MESSAGE_RINGING:
    case BLINK_MESSAGE_CONNECT:
    case BLINK_MESSAGE_DECLINE:
    case BLINK_MESSAGE_LEAVE:
      break;
    }
}

/**
 * blink_message_serialize:
 *
 * Returns: (transfer full): the message's JSON text, the part that is signed
 */
GBytes *
blink_message_serialize (const BlinkMessage *message)
{
  g_autoptr (JsonBuilder) builder = json_builder_new_immutable ();

  g_return_val_if_fail (message != NULL, NULL);

  json_builder_begin_object (builder);
  add_string (builder, "kind", kind_nicks[message->kind]);
  add_base64 (builder, "id", message->id, sizeof message->id);
  add_int (builder, "ts", message->timestamp_ms);
  json_builder_set_member_name (builder, "body");
  json_builder_begin_object (builder);
  build_body (builder, message);
  json_builder_end_object (builder);
  json_builder_end_object (builder);

  return blink_wire_builder_to_bytes (builder);
}

static gboolean
invalid (GError **error,
         const char *format,
         ...) G_GNUC_PRINTF (2, 3);

static gboolean
invalid (GError **error,
         const char *format,
         ...)
{
  va_list args;

  va_start (args, format);
  g_propagate_error (error, g_error_new_valist (BLINK_PROTOCOL_ERROR,
                                                BLINK_PROTOCOL_ERROR_INVALID_VALUE,
                                                format, args));
  va_end (args);

  return FALSE;
}

static gboolean
read_uint_in (JsonObject *object,
              const char *name,
              gint64 min,
              gint64 max,
              guint *out,
              GError **error)
{
  gint64 value;

  if (!blink_wire_read_int (object, name, &value, error))
    return FALSE;
  if (value < min || value > max)
    return invalid (error, "The field “%s” is out of range", name);

  *out = (guint) value;
  return TRUE;
}

static gboolean
read_call_id (JsonObject *body,
              BlinkMessage *message,
              GError **error)
{
  const char *call_id;

  if (!blink_wire_read_string (body, "call", &call_id, error))
    return FALSE;
  if (!blink_call_id_is_valid (call_id))
    return invalid (error, "The call id is not 32 lowercase hex digits");

  message->call_id = g_strdup (call_id);
  return TRUE;
}

static gboolean
read_participants (JsonObject *body,
                   BlinkMessage *message,
                   GError **error)
{
  JsonArray *array;
  guint n;
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  if (!blink_wire_read_array (body, "participants", &array, error))
    return FALSE;

  n = json_array_get_length (array);
  if (n < 2 || n > BLINK_MAX_PARTICIPANTS)
    return invalid (error, "A call has 2 to %d participants, not %u", BLINK_MAX_PARTICIPANTS, n);

  for (guint i = 0; i < n; i++)
    {
      JsonNode *node = json_array_get_element (array, i);
      const char *did;

      if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
        {
          g_set_error (error, BLINK_PROTOCOL_ERROR, BLINK_PROTOCOL_ERROR_WRONG_TYPE,
                       "A participant is not a string");
          return FALSE;
        }

      did = json_node_get_string (node);
      if (!blink_did_is_valid (did))
        return invalid (error, "Participant %u is not a valid DID", i);
      if (!g_hash_table_add (seen, (gpointer) did))
        return invalid (error, "Participant %u is listed twice", i);

      g_strv_builder_add (builder, did);
    }

  message->participants = g_strv_builder_end (builder);
  return TRUE;
}

/* Optional: an invitation names the caller whose call it is. */
static gboolean
read_caller (JsonObject *body,
             BlinkMessage *message,
             GError **error)
{
  const char *caller;

  if (!json_object_has_member (body, "caller"))
    return TRUE;
  if (!blink_wire_read_string (body, "caller", &caller, error))
    return FALSE;
  if (!blink_did_is_valid (caller))
    return invalid (error, "The caller is not a valid DID");
  message->caller = g_strdup (caller);
  return TRUE;
}

/* @required: else absent is connection 0. */
static gboolean
read_connection (JsonObject *body,
                 gboolean required,
                 BlinkMessage *message,
                 GError **error)
{
  if (!required && !json_object_has_member (body, "connection"))
    return TRUE;
  return read_uint_in (body, "connection", 0, BLINK_MESSAGE_MAX_CONNECTION, &message->connection,
                       error);
}

static gboolean
read_audio (JsonObject *body,
            BlinkMessage *message,
            GError **error)
{
  JsonObject *audio;
  const char *codec;

  if (!blink_wire_read_object (body, "audio", &audio, error) ||
      !blink_wire_read_string (audio, "codec", &codec, error))
    return FALSE;

  if (g_strcmp0 (codec, "opus") != 0)
    return invalid (error, "The codec is not Opus");

  if (!read_uint_in (audio, "rate", 0, G_MAXINT, &message->audio.rate, error) ||
      !read_uint_in (audio, "channels", 0, G_MAXINT, &message->audio.channels, error) ||
      !read_uint_in (audio, "frame-ms", 0, G_MAXINT, &message->audio.frame_ms, error) ||
      !read_uint_in (audio, "bitrate", 0, G_MAXINT, &message->audio.bitrate, error))
    return FALSE;

  if (!blink_audio_format_is_valid (&message->audio))
    return invalid (error, "The audio format is not one Blink supports");

  return TRUE;
}

static gboolean
read_body (JsonObject *body,
           BlinkMessage *message,
           GError **error)
{
  const char *text;

  switch (message->kind)
    {
    case BLINK_MESSAGE_OFFER:
      if (!read_call_id (body, message, error) ||
          !blink_wire_read_base64 (body, "key", message->call_key, sizeof message->call_key,
                                   error) ||
          !read_caller (body, message, error) ||
          !read_participants (body, message, error) ||
          !read_audio (body, message, error) ||
          !blink_wire_read_int (body, "expires", &message->expires_ms, error))
        return FALSE;
      if (message->expires_ms <= message->timestamp_ms)
        return invalid (error, "The offer expires before it was sent");
      return TRUE;

    case BLINK_MESSAGE_CANCEL:
      return read_call_id (body, message, error);

    case BLINK_MESSAGE_ADD:
      return read_participants (body, message, error);

    case BLINK_MESSAGE_ANNOUNCE:
      return blink_wire_read_bool (body, "muted", &message->muted, error) &&
             blink_wire_read_bool (body, "deafened", &message->deafened, error) &&
             blink_wire_read_bool (body, "recording", &message->recording, error);

    case BLINK_MESSAGE_SDP_OFFER:
    case BLINK_MESSAGE_SDP_ANSWER:
      if (!blink_wire_read_string (body, "sdp", &text, error))
        return FALSE;
      if (!g_str_has_prefix (text, "v=0"))
        return invalid (error, "The SDP does not start with “v=0”");
      message->sdp = g_strdup (text);
      return read_connection (body, FALSE, message, error);

    case BLINK_MESSAGE_ICE_CANDIDATE:
      if (!read_uint_in (body, "mline", 0, MAX_MLINE, &message->mline, error) ||
          !blink_wire_read_string (body, "candidate", &text, error))
        return FALSE;
      /* An empty candidate marks the end of candidates for the m-line. */
      if (text[0] != '\0' && !g_str_has_prefix (text, "candidate:"))
        return invalid (error, "The ICE candidate does not start with “candidate:”");
      if (strlen (text) > MAX_CANDIDATE_LENGTH)
        return invalid (error, "The ICE candidate is too long");
      message->candidate = g_strdup (text);
      return read_connection (body, FALSE, message, error);

    case BLINK_MESSAGE_RECONNECT:
      return read_connection (body, TRUE, message, error);

    case BLINK_MESSAGE_RINGING:
    case BLINK_MESSAGE_CONNECT:
    case BLINK_MESSAGE_DECLINE:
    case BLINK_MESSAGE_LEAVE:
      return TRUE;
    }

  g_assert_not_reached ();
}

static gboolean
kind_from_nick (const char *nick,
                BlinkMessageKind *out)
{
  for (guint i = 0; i < BLINK_MESSAGE_N_KINDS; i++)
    {
      if (g_str_equal (nick, kind_nicks[i]))
        {
          *out = i;
          return TRUE;
        }
    }

  return FALSE;
}

/**
 * blink_message_parse:
 * @data: the message's JSON text (already decrypted and verified)
 *
 * Decodes a message strictly. Members this version does not know are
 * ignored, so later versions may add optional ones.
 *
 * Returns: (transfer full) (nullable): the message, or %NULL with @error;
 * never a partly filled message
 */
BlinkMessage *
blink_message_parse (const char *data,
                     gsize len,
                     GError **error)
{
  g_autoptr (JsonObject) root = NULL;
  g_autoptr (BlinkMessage) message = NULL;
  JsonObject *body;
  const char *kind_nick;
  BlinkMessageKind kind;

  g_return_val_if_fail (data != NULL || len == 0, NULL);

  root = blink_wire_parse_object (data, len, "message", BLINK_WIRE_MESSAGE_MAX_DEPTH, error);
  if (root == NULL)
    return NULL;

  if (!blink_wire_read_string (root, "kind", &kind_nick, error))
    return NULL;
  if (!kind_from_nick (kind_nick, &kind))
    {
      g_set_error (error, BLINK_PROTOCOL_ERROR, BLINK_PROTOCOL_ERROR_UNKNOWN_KIND,
                   "Unknown message kind");
      return NULL;
    }

  message = g_atomic_rc_box_new0 (BlinkMessage);
  message->kind = kind;

  if (!blink_wire_read_base64 (root, "id", message->id, sizeof message->id, error) ||
      !blink_wire_read_int (root, "ts", &message->timestamp_ms, error) ||
      !blink_wire_read_object (root, "body", &body, error) ||
      !read_body (body, message, error))
    return NULL;

  if (message->timestamp_ms <= 0)
    {
      invalid (error, "The timestamp is not positive");
      return NULL;
    }

  return g_steal_pointer (&message);
}
