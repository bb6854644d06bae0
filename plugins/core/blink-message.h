/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define BLINK_MESSAGE_ID_BYTES 16
#define BLINK_CALL_KEY_BYTES 32
#define BLINK_MAX_PARTICIPANTS 16

typedef enum
{
  BLINK_MESSAGE_OFFER,         /* offer topic: invitation with the call key */
  BLINK_MESSAGE_CANCEL,        /* offer topic: the caller withdraws the invitation */
  BLINK_MESSAGE_RINGING,       /* call topic: a callee got the offer (acknowledges it) */
  BLINK_MESSAGE_ANNOUNCE,      /* call topic: joined, and periodic state */
  BLINK_MESSAGE_DECLINE,       /* call topic: a callee refuses */
  BLINK_MESSAGE_LEAVE,         /* call topic: a participant hangs up */
  BLINK_MESSAGE_SDP_OFFER,     /* peer topic */
  BLINK_MESSAGE_SDP_ANSWER,    /* peer topic */
  BLINK_MESSAGE_ICE_CANDIDATE, /* peer topic */
  BLINK_MESSAGE_ADD,           /* call topic: a participant invited more people */
  BLINK_MESSAGE_CONNECT,       /* call topic: a ringing callee connects before answering */
  BLINK_MESSAGE_RECONNECT,     /* peer topic: the answerer's connection broke, make a new one */
} BlinkMessageKind;

#define BLINK_MESSAGE_N_KINDS (BLINK_MESSAGE_RECONNECT + 1)
/* Connections to one participant in a call are numbered from 0. */
#define BLINK_MESSAGE_MAX_CONNECTION 1000000

/**
 * BlinkAudioFormat:
 * The call's format on the wire; always Opus.
 */
typedef struct
{
  guint rate;     /* Hz: 8000, 12000, 16000, 24000 or 48000 */
  guint channels; /* 1 or 2 */
  guint frame_ms; /* 10, 20, 40 or 60 */
  guint bitrate;  /* bit/s, 6000 to 510000 */
} BlinkAudioFormat;

#define BLINK_AUDIO_FORMAT_DEFAULT ((BlinkAudioFormat){ 48000, 1, 20, 32000 })

#define BLINK_TYPE_AUDIO_FORMAT (blink_audio_format_get_type ())
GType blink_audio_format_get_type (void);
BlinkAudioFormat *blink_audio_format_copy (const BlinkAudioFormat *format);
void blink_audio_format_free (BlinkAudioFormat *format);
gboolean blink_audio_format_is_valid (const BlinkAudioFormat *format);
gboolean blink_audio_format_equal (const BlinkAudioFormat *a,
                                   const BlinkAudioFormat *b);

/**
 * BlinkMessage:
 *
 * One signaling message, decoded. Only the fields of its kind are set.
 * @sender is the DID whose signature was verified; @call_id comes from the
 * body for offer and cancel, and from the topic for every other kind.
 */
typedef struct
{
  BlinkMessageKind kind;
  guint8 id[BLINK_MESSAGE_ID_BYTES];
  gint64 timestamp_ms;
  char *sender;
  char *call_id;

  /* offer (participants: add too) */
  guint8 call_key[BLINK_CALL_KEY_BYTES];
  char **participants;
  char *caller; /* whose call it is, when not the sender's: an invitation */
  BlinkAudioFormat audio;
  gint64 expires_ms;

  /* announce */
  gboolean muted;
  gboolean deafened;
  gboolean recording;

  /* sdp-offer, sdp-answer */
  char *sdp;

  /* ice-candidate */
  guint mline;
  char *candidate;

  /* sdp-offer, sdp-answer, ice-candidate (0 when absent), reconnect: which
   * connection of the pair */
  guint connection;
} BlinkMessage;

#define BLINK_TYPE_MESSAGE (blink_message_get_type ())
GType blink_message_get_type (void);

BlinkMessage *blink_message_new (BlinkMessageKind kind);
BlinkMessage *blink_message_ref (BlinkMessage *message);
void blink_message_unref (BlinkMessage *message);

GBytes *blink_message_serialize (const BlinkMessage *message);
BlinkMessage *blink_message_parse (const char *data,
                                   gsize len,
                                   GError **error);

const char *blink_message_kind_to_nick (BlinkMessageKind kind);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BlinkMessage, blink_message_unref)

G_END_DECLS
