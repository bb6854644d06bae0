/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

#include "blink-errors.h"
#include "blink-ipfs-client.h"
#include "blink-message.h"
#include "blink-signaller-call.h"

G_BEGIN_DECLS

/**
 * BlinkSignallerStats:
 * @sent: messages published
 * @received: messages accepted
 * @echoes: our own messages coming back
 * @stale: messages for calls already forgotten, and declines or leaves said
 *   again
 * @send_failures: publishes that failed after their retries
 * @refused_calls: offers refused because too many calls were pending
 * @rejected: by #BlinkProtocolError code
 */
typedef struct
{
  guint64 sent;
  guint64 received;
  guint64 echoes;
  guint64 stale;
  guint64 send_failures;
  guint64 refused_calls;
  guint64 rejected[BLINK_PROTOCOL_ERROR_N_CODES];
} BlinkSignallerStats;

#define BLINK_TYPE_SIGNALLER (blink_signaller_get_type ())
G_DECLARE_FINAL_TYPE (BlinkSignaller, blink_signaller, BLINK, SIGNALLER, GObject)

BlinkSignaller *blink_signaller_new (void);

gboolean blink_signaller_start (BlinkSignaller *self,
                                GError **error);
void blink_signaller_stop (BlinkSignaller *self);
void blink_signaller_stop_async (BlinkSignaller *self,
                                 guint timeout_ms,
                                 GAsyncReadyCallback callback,
                                 gpointer user_data);
gboolean blink_signaller_stop_finish (BlinkSignaller *self,
                                      GAsyncResult *result,
                                      GError **error);
gboolean blink_signaller_is_started (BlinkSignaller *self);

const char *blink_signaller_get_did (BlinkSignaller *self);
BlinkIpfsState blink_signaller_get_ipfs_state (BlinkSignaller *self);
const char *blink_signaller_get_ipfs_api_url (BlinkSignaller *self);
void blink_signaller_get_stats (BlinkSignaller *self,
                                BlinkSignallerStats *stats);
BlinkSignallerCall *blink_signaller_find_call (BlinkSignaller *self,
                                               const char *call_id);

gboolean blink_signaller_check_offer (BlinkSignaller *self,
                                      const char *const *callees,
                                      const BlinkAudioFormat *audio,
                                      GError **error);
char *blink_signaller_offer (BlinkSignaller *self,
                             const char *const *callees,
                             const BlinkAudioFormat *audio,
                             GError **error);
gboolean blink_signaller_invite (BlinkSignaller *self,
                                 const char *call_id,
                                 const char *const *dids,
                                 GError **error);
gboolean blink_signaller_cancel (BlinkSignaller *self,
                                 const char *call_id,
                                 GError **error);
gboolean blink_signaller_join (BlinkSignaller *self,
                               const char *call_id,
                               GError **error);
gboolean blink_signaller_connect_early (BlinkSignaller *self,
                                       const char *call_id,
                                       GError **error);
gboolean blink_signaller_connect_later (BlinkSignaller *self,
                                       const char *call_id,
                                       GError **error);
gboolean blink_signaller_forget (BlinkSignaller *self,
                                const char *call_id,
                                GError **error);
gboolean blink_signaller_decline (BlinkSignaller *self,
                                  const char *call_id,
                                  GError **error);
gboolean blink_signaller_leave (BlinkSignaller *self,
                                const char *call_id,
                                GError **error);
gboolean blink_signaller_announce (BlinkSignaller *self,
                                   const char *call_id,
                                   gboolean muted,
                                   gboolean deafened,
                                   gboolean recording,
                                   GError **error);
gboolean blink_signaller_send_sdp (BlinkSignaller *self,
                                   const char *call_id,
                                   const char *did,
                                   guint connection,
                                   const char *type,
                                   const char *sdp,
                                   GError **error);
gboolean blink_signaller_send_reconnect (BlinkSignaller *self,
                                         const char *call_id,
                                         const char *did,
                                         guint connection,
                                         GError **error);
gboolean blink_signaller_send_ice_candidate (BlinkSignaller *self,
                                             const char *call_id,
                                             const char *did,
                                             guint connection,
                                             guint mline,
                                             const char *candidate,
                                             GError **error);

void blink_signaller_set_trusted (BlinkSignaller *self,
                                  const char *const *dids);
gboolean blink_signaller_answers_ringing (BlinkSignaller *self,
                                          const char *did);
void blink_signaller_set_quiet (BlinkSignaller *self,
                                gboolean quiet,
                                const char *const *known);

G_END_DECLS
