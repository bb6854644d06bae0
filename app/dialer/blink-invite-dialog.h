/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <adwaita.h>

#include "blink-contacts.h"

G_BEGIN_DECLS

#define BLINK_TYPE_INVITE_DIALOG (blink_invite_dialog_get_type ())
G_DECLARE_FINAL_TYPE (BlinkInviteDialog,
                      blink_invite_dialog,
                      BLINK,
                      INVITE_DIALOG,
                      AdwMessageDialog)

BlinkInviteDialog *
blink_invite_dialog_new (GtkWindow *parent, BlinkContacts *contacts, const char *const *in_call);

void blink_invite_dialog_pick (BlinkInviteDialog *self, const char *did);
GStrv blink_invite_dialog_get_dids (BlinkInviteDialog *self);

G_END_DECLS
