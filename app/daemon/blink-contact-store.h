/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/* Longest name a contact may have, in characters. */
#define BLINK_CONTACT_NAME_MAX 128
/* Most contacts kept. */
#define BLINK_CONTACT_STORE_MAX 10000

/**
 * BlinkWhoMayRing:
 * @BLINK_WHO_MAY_RING_EVERYONE: every caller rings
 * @BLINK_WHO_MAY_RING_CONTACTS: only contacts ring; others are not answered
 *   at all and only noted
 * @BLINK_WHO_MAY_RING_NOBODY: only contacts ring; others are declined at once
 */
typedef enum
{
  BLINK_WHO_MAY_RING_EVERYONE,
  BLINK_WHO_MAY_RING_CONTACTS,
  BLINK_WHO_MAY_RING_NOBODY,
} BlinkWhoMayRing;

const char *blink_who_may_ring_to_string (BlinkWhoMayRing policy);
gboolean blink_who_may_ring_from_string (const char *text,
                                         BlinkWhoMayRing *policy);

#define BLINK_TYPE_CONTACT_STORE (blink_contact_store_get_type ())
G_DECLARE_FINAL_TYPE (BlinkContactStore, blink_contact_store, BLINK, CONTACT_STORE, GObject)

BlinkContactStore *blink_contact_store_new (const char *path,
                                            const char *own_did);

const char *blink_contact_store_lookup (BlinkContactStore *self,
                                        const char *did);
GStrv blink_contact_store_list (BlinkContactStore *self);
gboolean blink_contact_store_add (BlinkContactStore *self,
                                  const char *did,
                                  const char *name,
                                  GError **error);
gboolean blink_contact_store_rename (BlinkContactStore *self,
                                     const char *did,
                                     const char *name,
                                     GError **error);
gboolean blink_contact_store_remove (BlinkContactStore *self,
                                     const char *did,
                                     GError **error);
BlinkWhoMayRing blink_contact_store_get_who_may_ring (BlinkContactStore *self);
gboolean blink_contact_store_set_who_may_ring (BlinkContactStore *self,
                                               BlinkWhoMayRing policy,
                                               GError **error);

gboolean blink_contact_name_check (const char *name,
                                   GError **error);
char *blink_contact_short_name (const char *did);
gboolean blink_contact_parse_link (const char *link,
                                   char **did,
                                   char **name,
                                   GError **error);
char *blink_contact_make_link (const char *did,
                               const char *name);

G_END_DECLS
