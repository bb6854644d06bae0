/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "blinkd-history"

#include "config.h"

#include "blink-call-history.h"

#include "blink-did.h"
#include "blink-engine-errors.h"
#include "blink-json-file.h"

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <string.h>

/* The calls made and received, newest first, and how many missed calls the
 * user has not seen, in a JSON file of the profile's data folder, mode
 * 0600:
 *
 *   { "version": 1, "missed-unseen": 2,
 *     "calls": [ { "id": "…", "direction": "incoming", "participants": [ "did:key:…" ],
 *                  "start": 1700000000000000, "duration": 0, "outcome": "missed",
 *                  "reason": "" } ] }
 *
 * An entry is the a{sv} that History1 gives (docs/dbus.md). A file that
 * cannot be read as such is moved aside and the history starts empty. */

/* BLINK_CALL_HISTORY_MAX group calls of 16 with long reasons fit. */
#define MAX_FILE_BYTES (8 * 1024 * 1024)
#define MAX_PARTICIPANTS 64
#define MAX_TEXT_BYTES 1024

enum
{
  SIGNAL_RECORDED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

struct _BlinkCallHistory
{
  GObject parent_instance;

  char *path;
  GPtrArray *entries; /* GVariant a{sv}, newest first */
  guint missed_unseen;
};

G_DEFINE_FINAL_TYPE (BlinkCallHistory, blink_call_history, G_TYPE_OBJECT)

static const char *const outcomes[] = { "answered", "missed", "declined", "failed", "not-rung",
                                        NULL };

static gboolean
is_outcome (const char *outcome)
{
  return outcome != NULL && g_strv_contains (outcomes, outcome);
}

/**
 * blink_call_history_entry_new:
 * @participants: the others in the call
 * @start: unix time in µs
 * @duration: µs connected, 0 if never
 * @outcome: "answered", "missed", "declined", "failed" or "not-rung"
 * @reason: (nullable): why it failed or did not ring
 *
 * Returns: (transfer floating): an entry as History1 gives it
 */
GVariant *
blink_call_history_entry_new (const char *id,
                              gboolean incoming,
                              const char *const *participants,
                              gint64 start,
                              gint64 duration,
                              const char *outcome,
                              const char *reason)
{
  GVariantDict dict;

  g_return_val_if_fail (id != NULL, NULL);
  g_return_val_if_fail (is_outcome (outcome), NULL);

  g_variant_dict_init (&dict, NULL);
  g_variant_dict_insert (&dict, "id", "s", id);
  g_variant_dict_insert (&dict, "direction", "s", incoming ? "incoming" : "outgoing");
  g_variant_dict_insert_value (
    &dict, "participants",
    g_variant_new_strv (participants != NULL ? participants : (const char *const[]){ NULL }, -1));
  g_variant_dict_insert (&dict, "start", "x", start);
  g_variant_dict_insert (&dict, "duration", "x", MAX (duration, 0));
  g_variant_dict_insert (&dict, "outcome", "s", outcome);
  g_variant_dict_insert (&dict, "reason", "s", reason != NULL ? reason : "");
  return g_variant_dict_end (&dict);
}

static gboolean
is_missed_incoming (GVariant *entry)
{
  const char *direction = NULL, *outcome = NULL;

  g_variant_lookup (entry, "direction", "&s", &direction);
  g_variant_lookup (entry, "outcome", "&s", &outcome);
  return g_strcmp0 (direction, "incoming") == 0 && g_strcmp0 (outcome, "missed") == 0;
}

/* ---- the file ---- */

static const char *
text_member (JsonObject *object,
             const char *name)
{
  JsonNode *node = json_object_get_member (object, name);
  const char *text;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  text = json_node_get_string (node);
  return strlen (text) <= MAX_TEXT_BYTES && g_utf8_validate (text, -1, NULL) ? text : NULL;
}

static gboolean
int_member (JsonObject *object,
            const char *name,
            gint64 *value)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_INT64)
    return FALSE;
  *value = json_node_get_int (node);
  return *value >= 0;
}

/* NULL for an entry that is not one. */
static GVariant *
entry_from_json (JsonNode *node)
{
  JsonObject *object;
  JsonNode *list;
  JsonArray *array;
  const char *id, *direction, *outcome, *reason;
  gint64 start, duration;
  g_autoptr (GStrvBuilder) participants = g_strv_builder_new ();
  g_auto (GStrv) dids = NULL;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    return NULL;
  object = json_node_get_object (node);
  id = text_member (object, "id");
  direction = text_member (object, "direction");
  outcome = text_member (object, "outcome");
  reason = text_member (object, "reason");
  list = json_object_get_member (object, "participants");
  if (id == NULL || direction == NULL || !is_outcome (outcome) ||
      (!g_str_equal (direction, "incoming") && !g_str_equal (direction, "outgoing")) ||
      !int_member (object, "start", &start) || !int_member (object, "duration", &duration) ||
      list == NULL || !JSON_NODE_HOLDS_ARRAY (list))
    return NULL;
  array = json_node_get_array (list);
  if (json_array_get_length (array) > MAX_PARTICIPANTS)
    return NULL;
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *did = json_array_get_element (array, i);

      if (!JSON_NODE_HOLDS_VALUE (did) || json_node_get_value_type (did) != G_TYPE_STRING ||
          !blink_did_is_valid (json_node_get_string (did)))
        return NULL;
      g_strv_builder_add (participants, json_node_get_string (did));
    }
  dids = g_strv_builder_end (participants);
  return g_variant_ref_sink (blink_call_history_entry_new (
    id, g_str_equal (direction, "incoming"), (const char *const *) dids, start, duration, outcome,
    reason));
}

static void
load (BlinkCallHistory *self)
{
  g_autoptr (JsonObject) object =
    blink_json_file_load (self->path, MAX_FILE_BYTES, "calls", "call history", G_LOG_DOMAIN);
  JsonArray *array;
  gint64 missed = 0;

  if (object == NULL)
    return;
  array = json_object_get_array_member (object, "calls");
  for (guint i = 0; i < json_array_get_length (array) && self->entries->len <
                                                            BLINK_CALL_HISTORY_MAX;
       i++)
    {
      GVariant *entry = entry_from_json (json_array_get_element (array, i));

      if (entry != NULL)
        g_ptr_array_add (self->entries, entry);
      else
        g_debug ("A bad entry in %s is skipped", self->path);
    }
  if (int_member (object, "missed-unseen", &missed))
    self->missed_unseen = MIN (missed, (gint64) self->entries->len);
}

static void
entry_to_json (JsonBuilder *builder,
               GVariant *entry)
{
  const char *text;
  gint64 number;
  g_autofree const char **participants = NULL;

  json_builder_begin_object (builder);
  for (guint i = 0; i < 4; i++)
    {
      const char *name = (const char *[]){ "id", "direction", "outcome", "reason" }[i];

      json_builder_set_member_name (builder, name);
      json_builder_add_string_value (builder,
                                     g_variant_lookup (entry, name, "&s", &text) ? text : "");
    }
  json_builder_set_member_name (builder, "start");
  json_builder_add_int_value (builder, g_variant_lookup (entry, "start", "x", &number) ? number
                                                                                        : 0);
  json_builder_set_member_name (builder, "duration");
  json_builder_add_int_value (builder,
                              g_variant_lookup (entry, "duration", "x", &number) ? number : 0);
  json_builder_set_member_name (builder, "participants");
  json_builder_begin_array (builder);
  if (g_variant_lookup (entry, "participants", "^a&s", &participants))
    for (guint i = 0; participants[i] != NULL; i++)
      json_builder_add_string_value (builder, participants[i]);
  json_builder_end_array (builder);
  json_builder_end_object (builder);
}

static gboolean
save (BlinkCallHistory *self,
      GError **error)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autoptr (GError) local_error = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "version");
  json_builder_add_int_value (builder, 1);
  json_builder_set_member_name (builder, "missed-unseen");
  json_builder_add_int_value (builder, self->missed_unseen);
  json_builder_set_member_name (builder, "calls");
  json_builder_begin_array (builder);
  for (guint i = 0; i < self->entries->len; i++)
    entry_to_json (builder, g_ptr_array_index (self->entries, i));
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  if (!blink_json_file_save (self->path, root, FALSE, &local_error))
    {
      g_set_error (error, BLINK_CALL_ERROR, BLINK_CALL_ERROR_FAILED,
                   _("Cannot save the call history: %s"), local_error->message);
      return FALSE;
    }
  return TRUE;
}

/* ---- GObject ---- */

static void
blink_call_history_finalize (GObject *object)
{
  BlinkCallHistory *self = BLINK_CALL_HISTORY (object);

  g_free (self->path);
  g_ptr_array_unref (self->entries);

  G_OBJECT_CLASS (blink_call_history_parent_class)->finalize (object);
}

static void
blink_call_history_class_init (BlinkCallHistoryClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = blink_call_history_finalize;

  /**
   * BlinkCallHistory::recorded:
   * @entry: the new entry (a{sv})
   */
  signals[SIGNAL_RECORDED] =
    g_signal_new ("recorded", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_VARIANT);
}

static void
blink_call_history_init (BlinkCallHistory *self)
{
  self->entries = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
}

/**
 * blink_call_history_new:
 * @path: the file; read now if it exists
 */
BlinkCallHistory *
blink_call_history_new (const char *path)
{
  BlinkCallHistory *self = g_object_new (BLINK_TYPE_CALL_HISTORY, NULL);

  self->path = g_strdup (path);
  load (self);
  return self;
}

/**
 * blink_call_history_add:
 * @entry: from blink_call_history_entry_new()
 *
 * Puts @entry first, drops the oldest beyond %BLINK_CALL_HISTORY_MAX and
 * writes the file. The entry is kept even when the file cannot be written.
 */
gboolean
blink_call_history_add (BlinkCallHistory *self,
                        GVariant *entry,
                        GError **error)
{
  g_autoptr (GVariant) owned = g_variant_ref_sink (entry);
  gboolean saved;

  g_return_val_if_fail (BLINK_IS_CALL_HISTORY (self), FALSE);
  g_return_val_if_fail (g_variant_is_of_type (entry, G_VARIANT_TYPE_VARDICT), FALSE);

  g_ptr_array_insert (self->entries, 0, g_variant_ref (owned));
  if (self->entries->len > BLINK_CALL_HISTORY_MAX)
    g_ptr_array_set_size (self->entries, BLINK_CALL_HISTORY_MAX);
  if (is_missed_incoming (owned))
    self->missed_unseen = MIN (self->missed_unseen + 1, BLINK_CALL_HISTORY_MAX);
  saved = save (self, error);
  g_signal_emit (self, signals[SIGNAL_RECORDED], 0, owned);
  return saved;
}

/**
 * blink_call_history_list:
 * @limit: at most this many; 0 for all
 *
 * Returns: (transfer floating): aa{sv}, the newest first
 */
GVariant *
blink_call_history_list (BlinkCallHistory *self,
                         guint limit)
{
  GVariantBuilder builder;

  g_return_val_if_fail (BLINK_IS_CALL_HISTORY (self), NULL);

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("aa{sv}"));
  for (guint i = 0; i < self->entries->len && (limit == 0 || i < limit); i++)
    g_variant_builder_add_value (&builder, g_ptr_array_index (self->entries, i));
  return g_variant_builder_end (&builder);
}

guint
blink_call_history_get_missed_count (BlinkCallHistory *self)
{
  g_return_val_if_fail (BLINK_IS_CALL_HISTORY (self), 0);

  return self->missed_unseen;
}

/**
 * blink_call_history_mark_seen:
 *
 * The user has seen the missed calls: the count is 0 again.
 */
gboolean
blink_call_history_mark_seen (BlinkCallHistory *self,
                              GError **error)
{
  g_return_val_if_fail (BLINK_IS_CALL_HISTORY (self), FALSE);

  if (self->missed_unseen == 0)
    return TRUE;
  self->missed_unseen = 0;
  return save (self, error);
}
