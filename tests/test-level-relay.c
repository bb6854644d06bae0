/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* BlinkLevelRelay: the `level` messages of many streaming threads reach
 * the main context, in order, without going through the bus's queue;
 * QoS messages are dropped, and every other message is the bus's. */

#include "config.h"

#include "blink-level-relay.h"

#include <gst/gst.h>
#include <string.h>

#define N_BRANCHES 7
#define N_LEVELS 10 /* each, half a second of audio */
#define WAIT_MS 10000

typedef struct
{
  GThread *main_thread;
  guint relayed[N_BRANCHES];
  GstClockTime last_end[N_BRANCHES];
  gboolean out_of_order;
  gboolean off_main_thread;
  guint watched_levels;
  guint watched_qos;
  guint watched_application;
} Seen;

static guint
branch_of (GstMessage *message)
{
  const char *name = GST_OBJECT_NAME (GST_MESSAGE_SRC (message));

  g_assert_true (g_str_has_prefix (name, "level"));
  return (guint) g_ascii_strtoull (name + strlen ("level"), NULL, 10);
}

static void
on_level (GstMessage *message,
          gpointer user_data)
{
  Seen *seen = user_data;
  guint branch = branch_of (message);
  GstClockTime end = GST_CLOCK_TIME_NONE;

  if (g_thread_self () != seen->main_thread)
    seen->off_main_thread = TRUE;
  gst_structure_get_clock_time (gst_message_get_structure (message), "endtime", &end);
  if (GST_CLOCK_TIME_IS_VALID (seen->last_end[branch]) && end <= seen->last_end[branch])
    seen->out_of_order = TRUE;
  seen->last_end[branch] = end;
  seen->relayed[branch]++;
}

static gboolean
on_watch (GstBus *bus,
          GstMessage *message,
          gpointer user_data)
{
  Seen *seen = user_data;
  const GstStructure *s = gst_message_get_structure (message);

  if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_ELEMENT && s != NULL &&
      gst_structure_has_name (s, "level"))
    seen->watched_levels++;
  else if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_QOS)
    seen->watched_qos++;
  else if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_APPLICATION)
    seen->watched_application++;
  return G_SOURCE_CONTINUE;
}

static gboolean
quit_loop (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_REMOVE;
}

static gboolean
all_relayed (const Seen *seen)
{
  for (guint i = 0; i < N_BRANCHES; i++)
    if (seen->relayed[i] < N_LEVELS)
      return FALSE;
  return TRUE;
}

static void
run_for (guint ms)
{
  g_autoptr (GMainLoop) loop = g_main_loop_new (NULL, FALSE);

  g_timeout_add (ms, quit_loop, loop);
  g_main_loop_run (loop);
}

static GstElement *
make_pipeline (void)
{
  g_autoptr (GString) description = g_string_new (NULL);
  g_autoptr (GError) error = NULL;
  GstElement *pipeline;

  /* A live source each: each branch posts from its own thread. */
  for (guint i = 0; i < N_BRANCHES; i++)
    g_string_append_printf (description,
                            "audiotestsrc is-live=true samplesperbuffer=480 "
                            "! level name=level%u interval=50000000 post-messages=true "
                            "! fakesink sync=false ",
                            i);
  pipeline = gst_parse_launch (description->str, &error);
  g_assert_no_error (error);
  return pipeline;
}

static void
post_others (GstElement *pipeline)
{
  GstObject *src = GST_OBJECT (pipeline);

  gst_element_post_message (pipeline,
                            gst_message_new_qos (src, TRUE, 0, 0, 0, 20 * GST_MSECOND));
  gst_element_post_message (pipeline, gst_message_new_application (
                                        src, gst_structure_new_empty ("blink-test")));
}

static void
test_relay (void)
{
  g_autoptr (GstElement) pipeline = make_pipeline ();
  g_autoptr (GstBus) bus = gst_element_get_bus (pipeline);
  BlinkLevelRelay *relay;
  Seen seen = { .main_thread = g_thread_self () };
  guint watch;
  guint relayed_before_detach[N_BRANCHES];
  gint64 deadline;

  for (guint i = 0; i < N_BRANCHES; i++)
    seen.last_end[i] = GST_CLOCK_TIME_NONE;
  watch = gst_bus_add_watch (bus, on_watch, &seen);
  relay = blink_level_relay_attach (bus, NULL, on_level, &seen);

  g_assert_cmpint (gst_element_set_state (pipeline, GST_STATE_PLAYING), !=,
                   GST_STATE_CHANGE_FAILURE);
  post_others (pipeline);
  deadline = g_get_monotonic_time () + WAIT_MS * 1000;
  while (!all_relayed (&seen))
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, TRUE);
    }
  /* Whatever the bus's watch had to dispatch by now. */
  run_for (100);

  for (guint i = 0; i < N_BRANCHES; i++)
    g_test_message ("level%u: %u relayed", i, seen.relayed[i]);
  g_assert_false (seen.out_of_order);
  g_assert_false (seen.off_main_thread);
  g_assert_cmpuint (seen.watched_levels, ==, 0);
  g_assert_cmpuint (seen.watched_qos, ==, 0);
  g_assert_cmpuint (seen.watched_application, ==, 1);

  /* Detached: nothing more reaches the function, and still nothing the
   * bus's watch. */
  blink_level_relay_detach (relay);
  memcpy (relayed_before_detach, seen.relayed, sizeof seen.relayed);
  post_others (pipeline);
  run_for (300);
  g_assert_cmpmem (relayed_before_detach, sizeof relayed_before_detach, seen.relayed,
                   sizeof seen.relayed);
  g_assert_cmpuint (seen.watched_levels, ==, 0);
  g_assert_cmpuint (seen.watched_qos, ==, 0);
  g_assert_cmpuint (seen.watched_application, ==, 2);

  gst_element_set_state (pipeline, GST_STATE_NULL);
  g_source_remove (watch);
}

int
main (int argc,
      char **argv)
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/blink/level-relay/relay", test_relay);

  return g_test_run ();
}
