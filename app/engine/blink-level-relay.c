/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "blink-level-relay"

/* Brings `level` messages from the streaming threads that post them to a
 * main context, past the bus's queue.
 *
 * Every peer's branch has a `level` element (the speaking indicators),
 * each posting 20 messages a second from that peer's streaming thread. A
 * bus queues what is posted on a GstAtomicQueue, whose writers wait by
 * spinning until every writer before them has written (GStreamer 1.22,
 * gst_atomic_queue_push). On a machine short of CPU a writer is often
 * preempted in between; the others then spin through their time slices,
 * which keeps it off the CPU longer: with 7 peers on a starved machine
 * all the branches' threads were found in gst_atomic_queue_push, decoding
 * less than real time, and the call fell silent for good (docs/engine.md,
 * "Group size"). Here they take a mutex instead, whose waiters sleep.
 *
 * The QoS messages the mixer posts for each buffer it drops, which
 * nothing reads, are dropped as well. */

#include "config.h"

#include "blink-level-relay.h"

struct _BlinkLevelRelay
{
  GMainContext *context;

  GMutex lock;
  GQueue pending;     /* GstMessage */
  gboolean scheduled; /* a dispatch is on its way to the context */
  BlinkLevelFunc func; /* NULL once detached */
  gpointer user_data;
};

static BlinkLevelRelay *
relay_ref (BlinkLevelRelay *self)
{
  return g_atomic_rc_box_acquire (self);
}

static void
relay_clear (BlinkLevelRelay *self)
{
  g_queue_clear_full (&self->pending, (GDestroyNotify) gst_message_unref);
  g_mutex_clear (&self->lock);
  g_main_context_unref (self->context);
}

static void
relay_unref (BlinkLevelRelay *self)
{
  g_atomic_rc_box_release_full (self, (GDestroyNotify) relay_clear);
}

static gboolean
is_level (GstMessage *message)
{
  const GstStructure *s;

  if (GST_MESSAGE_TYPE (message) != GST_MESSAGE_ELEMENT)
    return FALSE;
  s = gst_message_get_structure (message);
  return s != NULL && gst_structure_has_name (s, "level");
}

/* On the context: everything that came since the last dispatch. */
static gboolean
dispatch (gpointer user_data)
{
  BlinkLevelRelay *self = user_data;
  GQueue messages;
  GstMessage *message;

  g_mutex_lock (&self->lock);
  messages = self->pending;
  g_queue_init (&self->pending);
  self->scheduled = FALSE;
  g_mutex_unlock (&self->lock);

  while ((message = g_queue_pop_head (&messages)) != NULL)
    {
      BlinkLevelFunc func;
      gpointer data;

      /* Detached meanwhile, by a callback before this one. */
      g_mutex_lock (&self->lock);
      func = self->func;
      data = self->user_data;
      g_mutex_unlock (&self->lock);
      if (func != NULL)
        func (message, data);
      gst_message_unref (message);
    }
  return G_SOURCE_REMOVE;
}

/* In the thread that posts @message. A message dropped is the handler's
 * to unref. */
static GstBusSyncReply
on_sync_message (GstBus *bus,
                 GstMessage *message,
                 gpointer user_data)
{
  BlinkLevelRelay *self = user_data;
  gboolean schedule = FALSE;

  if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_QOS)
    {
      gst_message_unref (message);
      return GST_BUS_DROP;
    }
  if (!is_level (message))
    return GST_BUS_PASS;

  g_mutex_lock (&self->lock);
  if (self->func != NULL)
    {
      g_queue_push_tail (&self->pending, g_steal_pointer (&message));
      schedule = !self->scheduled;
      self->scheduled = TRUE;
    }
  g_mutex_unlock (&self->lock);
  if (message != NULL)
    gst_message_unref (message);

  if (schedule)
    {
      GSource *source = g_idle_source_new ();

      /* As the bus's watch: speaking is judged by when levels arrive. */
      g_source_set_priority (source, G_PRIORITY_DEFAULT);
      g_source_set_callback (source, dispatch, relay_ref (self), (GDestroyNotify) relay_unref);
      g_source_set_static_name (source, "[blink] levels");
      g_source_attach (source, self->context);
      g_source_unref (source);
    }
  return GST_BUS_DROP;
}

/**
 * blink_level_relay_attach:
 * @bus: a pipeline's bus, without a sync handler
 * @context: where @func is called
 * @func: called with each `level` message posted on @bus, in order
 *
 * From now on `level` messages on @bus reach @func instead of the bus's
 * watch, and QoS messages are dropped.
 *
 * Returns: (transfer full): the relay, for blink_level_relay_detach()
 */
BlinkLevelRelay *
blink_level_relay_attach (GstBus *bus,
                          GMainContext *context,
                          BlinkLevelFunc func,
                          gpointer user_data)
{
  BlinkLevelRelay *self;

  g_return_val_if_fail (GST_IS_BUS (bus), NULL);
  g_return_val_if_fail (func != NULL, NULL);

  self = g_atomic_rc_box_new0 (BlinkLevelRelay);
  self->context =
    context != NULL ? g_main_context_ref (context) : g_main_context_ref_thread_default ();
  g_mutex_init (&self->lock);
  g_queue_init (&self->pending);
  self->func = func;
  self->user_data = user_data;
  /* The bus's reference: for as long as the pipeline may post. */
  gst_bus_set_sync_handler (bus, on_sync_message, relay_ref (self), (GDestroyNotify) relay_unref);
  return self;
}

/**
 * blink_level_relay_detach:
 *
 * On the relay's context: the function is not called again. The bus
 * drops `level` messages from now on.
 */
void
blink_level_relay_detach (BlinkLevelRelay *self)
{
  g_mutex_lock (&self->lock);
  self->func = NULL;
  self->user_data = NULL;
  g_mutex_unlock (&self->lock);
  relay_unref (self);
}
