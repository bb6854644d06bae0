/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "blink-notifier"

#include "config.h"

#include <glib/gi18n.h>

#include "blink-notifier.h"

/*
 * BlinkNotifier: the desktop notifications of calls: a ringing call while
 * no window of ours is shown (urgent, with Answer and Decline), and a call
 * that rang unanswered (with Call Back). Their buttons are the
 * application's actions, which work with the app started by D-Bus
 * activation from the notification.
 */

struct _BlinkNotifier
{
  GObject parent_instance;

  GApplication *application;
  /* The calls whose ringing notification is up, by path. */
  GHashTable *ringing;
};

G_DEFINE_FINAL_TYPE (BlinkNotifier, blink_notifier, G_TYPE_OBJECT)

static char *
ring_id (const char *call_path)
{
  return g_strconcat ("ring:", call_path, NULL);
}

static void
blink_notifier_dispose (GObject *object)
{
  BlinkNotifier *self = BLINK_NOTIFIER (object);

  g_clear_weak_pointer (&self->application);
  G_OBJECT_CLASS (blink_notifier_parent_class)->dispose (object);
}

static void
blink_notifier_finalize (GObject *object)
{
  BlinkNotifier *self = BLINK_NOTIFIER (object);

  g_hash_table_unref (self->ringing);
  G_OBJECT_CLASS (blink_notifier_parent_class)->finalize (object);
}

static void
blink_notifier_class_init (BlinkNotifierClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = blink_notifier_dispose;
  object_class->finalize = blink_notifier_finalize;
}

static void
blink_notifier_init (BlinkNotifier *self)
{
  self->ringing = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

BlinkNotifier *
blink_notifier_new (GApplication *application)
{
  BlinkNotifier *self;

  g_return_val_if_fail (G_IS_APPLICATION (application), NULL);

  self = g_object_new (BLINK_TYPE_NOTIFIER, NULL);
  g_set_weak_pointer (&self->application, application);
  return self;
}

/* @name: the caller's contact name, or NULL for an unknown caller. */
void
blink_notifier_ring (BlinkNotifier *self, const char *call_path, const char *name, const char *did)
{
  g_autoptr (GNotification) notification = NULL;
  g_autoptr (GIcon) icon = NULL;
  g_autofree char *id = NULL;
  g_autofree char *title = NULL;

  g_return_if_fail (BLINK_IS_NOTIFIER (self));
  g_return_if_fail (call_path != NULL && did != NULL);

  if (self->application == NULL)
    return;
  title =
      name != NULL ? g_strdup_printf (_ ("%s is calling"), name) : g_strdup (_ ("Unknown caller"));
  notification = g_notification_new (title);
  g_notification_set_body (notification, did);
  g_notification_set_priority (notification, G_NOTIFICATION_PRIORITY_URGENT);
  g_notification_set_category (notification, "call.incoming");
  icon = g_themed_icon_new ("call-incoming-symbolic");
  g_notification_set_icon (notification, icon);
  g_notification_set_default_action_and_target (notification, "app.show-call", "s", call_path);
  g_notification_add_button_with_target (notification, _ ("Decline"), "app.decline", "s",
                                         call_path);
  g_notification_add_button_with_target (notification, _ ("Answer"), "app.answer", "s", call_path);
  id = ring_id (call_path);
  g_application_send_notification (self->application, id, notification);
  g_hash_table_add (self->ringing, g_strdup (call_path));
}

void
blink_notifier_stop_ringing (BlinkNotifier *self, const char *call_path)
{
  g_autofree char *id = NULL;

  g_return_if_fail (BLINK_IS_NOTIFIER (self));

  if (!g_hash_table_remove (self->ringing, call_path) || self->application == NULL)
    return;
  id = ring_id (call_path);
  g_application_withdraw_notification (self->application, id);
}

void
blink_notifier_missed (BlinkNotifier *self, const char *name, const char *did)
{
  g_autoptr (GNotification) notification = NULL;
  g_autoptr (GIcon) icon = NULL;
  g_autofree char *title = NULL;
  g_autofree char *id = NULL;

  g_return_if_fail (BLINK_IS_NOTIFIER (self));
  g_return_if_fail (did != NULL);

  if (self->application == NULL)
    return;
  title = g_strdup_printf (_ ("Missed call from %s"), name);
  notification = g_notification_new (title);
  g_notification_set_body (notification, did);
  g_notification_set_category (notification, "call.unanswered");
  icon = g_themed_icon_new ("call-missed-symbolic");
  g_notification_set_icon (notification, icon);
  g_notification_set_default_action_and_target (notification, "app.show-page", "s", "recent");
  g_notification_add_button_with_target (notification, _ ("Call Back"), "app.call", "s", did);
  /* One per caller: a second missed call replaces the first. */
  id = g_strconcat ("missed:", did, NULL);
  g_application_send_notification (self->application, id, notification);
}

/* How many ringing notifications are up. */
guint
blink_notifier_get_ringing (BlinkNotifier *self)
{
  g_return_val_if_fail (BLINK_IS_NOTIFIER (self), 0);

  return g_hash_table_size (self->ringing);
}
