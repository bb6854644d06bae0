/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define BLINK_TYPE_CONTACTS (blink_contacts_get_type ())
G_DECLARE_FINAL_TYPE (BlinkContacts, blink_contacts, BLINK, CONTACTS, GObject)

BlinkContacts *blink_contacts_new (GDBusConnection *bus);

gboolean blink_contacts_get_available (BlinkContacts *self);
GVariant *blink_contacts_get_list (BlinkContacts *self);
char *blink_contacts_lookup (BlinkContacts *self, const char *did, gboolean *verified);
char *blink_contacts_display_name (BlinkContacts *self, const char *did);
void blink_contacts_call (BlinkContacts *self,
                          const char *method,
                          GVariant *parameters,
                          GAsyncReadyCallback callback,
                          gpointer user_data);
GVariant *blink_contacts_call_finish (BlinkContacts *self, GAsyncResult *result, GError **error);

char *blink_short_did (const char *did);
char *blink_address_from_text (const char *text, char **name);

G_END_DECLS
