/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib-object.h>

#include "blink-message.h"
#include "blink-replay-guard.h"

G_BEGIN_DECLS

/**
 * BlinkMembership:
 * Where a participant stands in a call, as the signaling knows it.
 * @BLINK_MEMBERSHIP_INVITED: offered the call, not heard from
 * @BLINK_MEMBERSHIP_RINGING: got the offer
 * @BLINK_MEMBERSHIP_JOINED: announced itself (the caller: from the offer on)
 * @BLINK_MEMBERSHIP_DECLINED: refused; final for this call
 * @BLINK_MEMBERSHIP_LEFT: hung up; final for this call
 */
typedef enum
{
  BLINK_MEMBERSHIP_INVITED,
  BLINK_MEMBERSHIP_RINGING,
  BLINK_MEMBERSHIP_JOINED,
  BLINK_MEMBERSHIP_DECLINED,
  BLINK_MEMBERSHIP_LEFT,
} BlinkMembership;

#define BLINK_TYPE_MEMBERSHIP (blink_membership_get_type ())
GType blink_membership_get_type (void);

#define BLINK_TYPE_SIGNALLER_CALL (blink_signaller_call_get_type ())
G_DECLARE_FINAL_TYPE (BlinkSignallerCall, blink_signaller_call, BLINK, SIGNALLER_CALL, GObject)

BlinkSignallerCall *blink_signaller_call_new (GMainContext *context,
                                              const char *id,
                                              const guint8 *key,
                                              const char *const *participants,
                                              const char *caller,
                                              const char *self_did,
                                              const BlinkAudioFormat *audio,
                                              gint64 expires_ms,
                                              gint64 window_ms);

const char *blink_signaller_call_get_id (BlinkSignallerCall *self);
const guint8 *blink_signaller_call_get_key (BlinkSignallerCall *self);
const char *const *blink_signaller_call_get_participants (BlinkSignallerCall *self);
const char *blink_signaller_call_get_caller (BlinkSignallerCall *self);
const char *blink_signaller_call_get_owner (BlinkSignallerCall *self);
void blink_signaller_call_set_owner (BlinkSignallerCall *self,
                                     const char *owner);
char **blink_signaller_call_add_participants (BlinkSignallerCall *self,
                                              const char *const *dids);
gboolean blink_signaller_call_get_invited (BlinkSignallerCall *self);
void blink_signaller_call_set_invited (BlinkSignallerCall *self);
gboolean blink_signaller_call_get_early (BlinkSignallerCall *self);
void blink_signaller_call_set_early (BlinkSignallerCall *self,
                                     gboolean early);
void blink_signaller_call_ring_until (BlinkSignallerCall *self,
                                     gint64 expires_ms);
const BlinkAudioFormat *blink_signaller_call_get_audio (BlinkSignallerCall *self);
gint64 blink_signaller_call_get_expires (BlinkSignallerCall *self);
gboolean blink_signaller_call_get_outgoing (BlinkSignallerCall *self);
gboolean blink_signaller_call_get_joined (BlinkSignallerCall *self);
const char *blink_signaller_call_get_call_topic (BlinkSignallerCall *self);
const char *blink_signaller_call_get_peer_topic (BlinkSignallerCall *self);
char *blink_signaller_call_peer_topic_of (BlinkSignallerCall *self,
                                          const char *did);
BlinkReplayGuard *blink_signaller_call_get_guard (BlinkSignallerCall *self);
gint64 blink_signaller_call_get_created (BlinkSignallerCall *self);

gboolean blink_signaller_call_lookup (BlinkSignallerCall *self,
                                      const char *did,
                                      BlinkMembership *membership);
gboolean blink_signaller_call_set_membership (BlinkSignallerCall *self,
                                              const char *did,
                                              BlinkMembership membership);
gboolean blink_signaller_call_any_in (BlinkSignallerCall *self,
                                      BlinkMembership membership);
GPtrArray *blink_signaller_call_members_in (BlinkSignallerCall *self,
                                            BlinkMembership membership);

void blink_signaller_call_set_announced (BlinkSignallerCall *self,
                                         gboolean muted,
                                         gboolean deafened,
                                         gboolean recording);
void blink_signaller_call_get_announced (BlinkSignallerCall *self,
                                         gboolean *muted,
                                         gboolean *deafened,
                                         gboolean *recording);

void blink_signaller_call_join (BlinkSignallerCall *self,
                                guint announce_interval_ms);
void blink_signaller_call_start_resending (BlinkSignallerCall *self);
void blink_signaller_call_stop_resending (BlinkSignallerCall *self);
void blink_signaller_call_schedule_expiry (BlinkSignallerCall *self);
void blink_signaller_call_cancel_expiry (BlinkSignallerCall *self);

G_END_DECLS
