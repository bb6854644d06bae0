/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "blink-context.h"

/* The one way Blink's objects run code later: on the GMainContext they
 * stored when they started, never on the global default context and never
 * inline on the calling thread. g_timeout_add() would attach to the global
 * default context, and g_main_context_invoke() runs the function at once on
 * the calling thread when that thread may acquire the context: from a
 * streaming thread while nobody iterates it, that is the wrong thread. */

/**
 * blink_context_add_timeout:
 * @context: where @func runs
 *
 * Returns: (transfer full): the source, attached; stop it with
 *   blink_clear_source()
 */
GSource *
blink_context_add_timeout (GMainContext *context,
                           guint interval_ms,
                           GSourceFunc func,
                           gpointer data,
                           GDestroyNotify notify)
{
  GSource *source = g_timeout_source_new (interval_ms);

  g_source_set_callback (source, func, data, notify);
  g_source_attach (source, context);
  return source;
}

/**
 * blink_context_invoke:
 * @context: where @func runs, once
 *
 * Queues @func on @context, from any thread; it never runs before this
 * returns.
 */
void
blink_context_invoke (GMainContext *context,
                      GSourceFunc func,
                      gpointer data,
                      GDestroyNotify notify)
{
  GSource *source = g_idle_source_new ();

  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, func, data, notify);
  g_source_attach (source, context);
  g_source_unref (source);
}

/**
 * blink_clear_source:
 *
 * Destroys and releases *@source, if any, and sets it to %NULL. Safe from
 * the source's own callback.
 */
void
blink_clear_source (GSource **source)
{
  GSource *s = g_steal_pointer (source);

  if (s == NULL)
    return;
  g_source_destroy (s);
  g_source_unref (s);
}
