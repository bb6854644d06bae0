/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <adwaita.h>

#include "blink-contacts.h"
#include "blink-dbus-generated.h"

G_BEGIN_DECLS

#define BLINK_TYPE_DIALER_APPLICATION (blink_dialer_application_get_type ())
G_DECLARE_FINAL_TYPE (BlinkDialerApplication,
                      blink_dialer_application,
                      BLINK,
                      DIALER_APPLICATION,
                      AdwApplication)

BlinkDialerApplication *blink_dialer_application_new (void);

GDBusConnection *blink_dialer_application_get_bus (BlinkDialerApplication *self);
BlinkDbusManager1 *blink_dialer_application_get_manager (BlinkDialerApplication *self);
BlinkContacts *blink_dialer_application_get_contacts (BlinkDialerApplication *self);
GSettings *blink_dialer_application_get_settings (BlinkDialerApplication *self);
void blink_dialer_application_report (BlinkDialerApplication *self,
                                      const char *heading,
                                      const char *body);

G_END_DECLS
