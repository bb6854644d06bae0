/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "blink-ipfs-client"

#include "config.h"

#include "blink-ipfs-client.h"
#include "blink-context.h"
#include "blink-enum.h"
#include "blink-errors.h"
#include "blink-ipfs-address.h"
#include "blink-line-splitter.h"
#include "blink-multibase.h"
#include "blink-pubsub-message.h"

#include <glib/gi18n-lib.h>
#include <libsoup/soup.h>

/* A client of a Kubo node's RPC API, all on the GMainContext it was made in:
 * subscriptions are long-lived streaming responses read incrementally, one
 * per topic; publishes go out one at a time, in order; when the node goes
 * away every subscription is restored with capped exponential backoff. */

/* A line holds at most a 1 MiB message, base64-encoded, and its envelope. */
#define MAX_LINE_BYTES (2 * 1024 * 1024)
#define READ_CHUNK_BYTES 16384
#define RETRY_FIRST_MS 100
#define RETRY_MAX_MS 3000
#define PUBLISH_RETRY_MAX_MS 2000
#define REQUEST_TIMEOUT_S 15
#define NODE_ERROR_TEXT_MAX 1024
/* What Kubo answers pubsub commands with while Pubsub.Enabled is false;
 * its advice (the --enable-pubsub-experiment flag) is deprecated. */
#define KUBO_PUBSUB_OFF "experimental pubsub feature not enabled"

enum
{
  PROP_0,
  PROP_API_URL,
  PROP_STATE,
  PROP_MALFORMED_LINES,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum
{
  SIGNAL_MESSAGE,
  SIGNAL_SUBSCRIBED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

typedef struct
{
  BlinkIpfsClient *client; /* unowned; NULL once the subscription is dropped */
  char *topic;
  guint users;
  gboolean live; /* the node accepted the stream */
  GCancellable *cancellable;
  GInputStream *stream;
  BlinkLineSplitter *splitter;
  GSource *retry;
  guint retry_ms;
} Subscription;

struct _BlinkIpfsClient
{
  GObject parent_instance;

  char *api_url;
  GMainContext *context;       /* where everything runs: the creator's */
  SoupSession *session;        /* requests, with an I/O timeout */
  SoupSession *stream_session; /* subscription streams, without one */
  GHashTable *subscriptions; /* topic → Subscription*, holding one ref */
  GQueue publishes;          /* GTask*, the head is in flight */
  gboolean publishing;
  GPtrArray *flushes;        /* GTask*: wait for publishes to be over */
  GCancellable *cancellable; /* cancelled on dispose */
  BlinkIpfsState state;
  gboolean node_answered;    /* the last request reached the node */
  gboolean ever_answered;
  guint malformed_lines;
};

G_DEFINE_FINAL_TYPE (BlinkIpfsClient, blink_ipfs_client, G_TYPE_OBJECT)

G_DEFINE_ENUM_TYPE (BlinkIpfsState, blink_ipfs_state,
                    G_DEFINE_ENUM_VALUE (BLINK_IPFS_STATE_CONNECTING, "connecting"),
                    G_DEFINE_ENUM_VALUE (BLINK_IPFS_STATE_CONNECTED, "connected"),
                    G_DEFINE_ENUM_VALUE (BLINK_IPFS_STATE_RECONNECTING, "reconnecting"))

static void subscription_start (Subscription *sub);

static Subscription *
subscription_ref (Subscription *sub)
{
  return g_atomic_rc_box_acquire (sub);
}

static void
subscription_clear (Subscription *sub)
{
  g_free (sub->topic);
  g_clear_object (&sub->cancellable);
  g_clear_object (&sub->stream);
  g_clear_pointer (&sub->splitter, blink_line_splitter_free);
}

static void
subscription_unref (Subscription *sub)
{
  g_atomic_rc_box_release_full (sub, (GDestroyNotify) subscription_clear);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Subscription, subscription_unref)

/* Stops the stream for good: the node unsubscribes when the connection closes. */
static void
subscription_drop (Subscription *sub)
{
  sub->client = NULL;
  sub->live = FALSE;
  g_cancellable_cancel (sub->cancellable);
  blink_clear_source (&sub->retry);
  if (sub->stream != NULL)
    g_input_stream_close (sub->stream, NULL, NULL);
  g_clear_object (&sub->stream);
}

static char *
api_uri (BlinkIpfsClient *self,
         const char *command,
         const char *arg)
{
  g_autofree char *escaped = arg != NULL ? g_uri_escape_string (arg, NULL, FALSE) : NULL;

  return g_strdup_printf ("%s/api/v0/%s%s%s", self->api_url, command, arg != NULL ? "?arg=" : "",
                          arg != NULL ? escaped : "");
}

static char *
topic_uri (BlinkIpfsClient *self,
           const char *command,
           const char *topic)
{
  g_autofree char *encoded = blink_multibase_encode_string (topic);

  return api_uri (self, command, encoded);
}

static void
update_state (BlinkIpfsClient *self)
{
  BlinkIpfsState state = BLINK_IPFS_STATE_CONNECTED;
  GHashTableIter iter;
  Subscription *sub;

  if (!self->node_answered)
    state = BLINK_IPFS_STATE_RECONNECTING;

  g_hash_table_iter_init (&iter, self->subscriptions);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &sub))
    if (sub->retry != NULL)
      state = BLINK_IPFS_STATE_RECONNECTING;

  if (!self->ever_answered)
    state = BLINK_IPFS_STATE_CONNECTING;

  if (state != self->state)
    {
      g_debug ("IPFS node %s: %s", self->api_url, blink_enum_nick (BLINK_TYPE_IPFS_STATE, state));
      self->state = state;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
    }
}

static void
note_node_answered (BlinkIpfsClient *self,
                    gboolean answered)
{
  self->node_answered = answered;
  self->ever_answered |= answered;
  update_state (self);
}

/* Turns libsoup's failures into errors that tell the user what to do. */
static GError *
request_error (BlinkIpfsClient *self,
               GError *soup_error)
{
  if (g_error_matches (soup_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return g_error_copy (soup_error);

  return g_error_new (BLINK_IPFS_ERROR, BLINK_IPFS_ERROR_UNREACHABLE,
                      _("No IPFS node answers at %s (%s). Start Kubo with pubsub on: "
                        "“ipfs config --json Pubsub.Enabled true”, then “ipfs daemon”; or set "
                        "BLINK_IPFS_API to its API address."),
                      self->api_url, soup_error->message);
}

/* Kubo answers most errors as {"Message":…,"Code":…,"Type":"error"} (HTTP
 * 500), but a missing or malformed argument as a line of plain text (HTTP
 * 400): both are shown as the node's words. */
static GError *
node_error (SoupMessage *msg,
            GBytes *body)
{
  g_autoptr (JsonParser) parser = json_parser_new_immutable ();
  g_autofree char *plain = NULL;
  const char *text = NULL;
  JsonNode *root;
  gsize size = body != NULL ? g_bytes_get_size (body) : 0;

  if (body != NULL &&
      json_parser_load_from_data (parser, g_bytes_get_data (body, NULL), size, NULL) &&
      (root = json_parser_get_root (parser)) != NULL && JSON_NODE_HOLDS_OBJECT (root))
    text = json_object_get_string_member_with_default (json_node_get_object (root), "Message",
                                                       NULL);
  else if (size > 0 && size <= NODE_ERROR_TEXT_MAX &&
           g_utf8_validate_len (g_bytes_get_data (body, NULL), size, NULL))
    {
      plain = g_strstrip (g_strndup (g_bytes_get_data (body, NULL), size));
      if (plain[0] != '\0' && strchr (plain, '\n') == NULL)
        text = plain;
    }

  if (text != NULL && g_str_has_prefix (text, KUBO_PUBSUB_OFF))
    return g_error_new (BLINK_IPFS_ERROR, BLINK_IPFS_ERROR_PUBSUB_OFF,
                        _("The IPFS node has pubsub turned off. Turn it on with “ipfs config "
                          "--json Pubsub.Enabled true”, then restart “ipfs daemon”."));

  return g_error_new (BLINK_IPFS_ERROR, BLINK_IPFS_ERROR_NODE, _("The IPFS node refused: %s (HTTP %u)"),
                      text != NULL ? text : soup_message_get_reason_phrase (msg),
                      soup_message_get_status (msg));
}

/* ---- subscriptions ---- */

static gboolean
on_retry_timeout (gpointer user_data)
{
  Subscription *sub = user_data;

  blink_clear_source (&sub->retry);
  subscription_start (sub);
  return G_SOURCE_REMOVE;
}

static void
subscription_retry (Subscription *sub,
                    const GError *error)
{
  BlinkIpfsClient *self = sub->client;
  guint delay;

  if (self == NULL)
    return;

  sub->live = FALSE;
  g_clear_object (&sub->stream);
  g_clear_object (&sub->cancellable);
  blink_line_splitter_reset (sub->splitter);

  /* ±25 % jitter, so that many clients of a restarted node do not return at once. */
  delay = sub->retry_ms + g_random_int_range (0, sub->retry_ms / 2 + 1) - sub->retry_ms / 4;
  sub->retry_ms = MIN (sub->retry_ms * 2, RETRY_MAX_MS);
  g_debug ("Subscription to %s interrupted (%s); retrying in %u ms", sub->topic,
           error != NULL ? error->message : "stream ended", delay);

  blink_clear_source (&sub->retry);
  sub->retry = blink_context_add_timeout (self->context, delay, on_retry_timeout,
                                          subscription_ref (sub),
                                          (GDestroyNotify) subscription_unref);
  update_state (self);
}

static gboolean
on_stream_line (const char *line,
                gsize len,
                gpointer user_data)
{
  Subscription *sub = user_data;
  BlinkIpfsClient *self = sub->client;
  g_autoptr (BlinkPubsubMessage) message = NULL;
  g_autoptr (GError) error = NULL;

  /* Kubo may send empty lines to keep the stream alive. */
  if (len == 0)
    return TRUE;

  message = blink_pubsub_message_parse (line, len, &error);
  if (message == NULL && g_error_matches (error, BLINK_IPFS_ERROR, BLINK_IPFS_ERROR_STREAM))
    {
      subscription_retry (sub, error);
      return FALSE;
    }

  if (message == NULL || !g_strv_contains ((const char *const *) message->topics, sub->topic))
    {
      self->malformed_lines++;
      g_debug ("Skipping a line of the %s stream: %s", sub->topic,
               error != NULL ? error->message : "not for this topic");
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MALFORMED_LINES]);
      return TRUE;
    }

  g_signal_emit (self, signals[SIGNAL_MESSAGE], 0, sub->topic, message->from, message->data);

  /* A handler may have unsubscribed. */
  return sub->client != NULL;
}

static void
on_stream_read (GObject *source,
                GAsyncResult *result,
                gpointer user_data)
{
  g_autoptr (Subscription) sub = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) chunk = NULL;
  g_autoptr (BlinkIpfsClient) self = NULL;

  chunk = g_input_stream_read_bytes_finish (G_INPUT_STREAM (source), result, &error);
  if (sub->client == NULL)
    return;

  self = g_object_ref (sub->client);

  if (chunk == NULL || g_bytes_get_size (chunk) == 0)
    {
      /* The node closed the stream (it stopped, or it restarted): it
       * no longer delivers this topic to us. */
      note_node_answered (self, FALSE);
      subscription_retry (sub, error);
      return;
    }

  if (!blink_line_splitter_push (sub->splitter, g_bytes_get_data (chunk, NULL),
                                 g_bytes_get_size (chunk), on_stream_line, sub))
    return;

  if (sub->stream != NULL)
    g_input_stream_read_bytes_async (sub->stream, READ_CHUNK_BYTES, G_PRIORITY_DEFAULT,
                                     sub->cancellable, on_stream_read, subscription_ref (sub));
}

typedef struct
{
  Subscription *sub;
  SoupMessage *msg;
} Refusal;

/* The node refused the subscription: its reason is in the body. */
static void
on_refusal_read (GObject *source,
                 GAsyncResult *result,
                 gpointer user_data)
{
  Refusal *refusal = user_data;
  g_autoptr (GBytes) body = g_input_stream_read_bytes_finish (G_INPUT_STREAM (source), result,
                                                              NULL);
  BlinkIpfsClient *self = refusal->sub->client;

  if (self != NULL)
    {
      g_autoptr (GError) reported = node_error (refusal->msg, body);

      note_node_answered (self, TRUE);
      subscription_retry (refusal->sub, reported);
    }
  subscription_unref (refusal->sub);
  g_object_unref (refusal->msg);
  g_free (refusal);
}

static void
on_stream_opened (GObject *source,
                  GAsyncResult *result,
                  gpointer user_data)
{
  g_autoptr (Subscription) sub = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GInputStream) stream = NULL;
  BlinkIpfsClient *self;
  SoupMessage *msg;

  stream = soup_session_send_finish (SOUP_SESSION (source), result, &error);
  self = sub->client;
  if (self == NULL)
    return;

  msg = soup_session_get_async_result_message (SOUP_SESSION (source), result);
  if (stream == NULL)
    {
      g_autoptr (GError) reported = request_error (self, error);

      note_node_answered (self, FALSE);
      subscription_retry (sub, reported);
      return;
    }

  if (soup_message_get_status (msg) != SOUP_STATUS_OK)
    {
      Refusal *refusal = g_new0 (Refusal, 1);

      refusal->sub = subscription_ref (sub);
      refusal->msg = g_object_ref (msg);
      g_input_stream_read_bytes_async (stream, 4096, G_PRIORITY_DEFAULT, sub->cancellable,
                                       on_refusal_read, refusal);
      return;
    }

  sub->stream = g_steal_pointer (&stream);
  sub->live = TRUE;
  sub->retry_ms = RETRY_FIRST_MS;
  g_debug ("Subscribed to %s", sub->topic);
  note_node_answered (self, TRUE);

  g_input_stream_read_bytes_async (sub->stream, READ_CHUNK_BYTES, G_PRIORITY_DEFAULT,
                                   sub->cancellable, on_stream_read, subscription_ref (sub));

  g_signal_emit (self, signals[SIGNAL_SUBSCRIBED], 0, sub->topic);
}

static void
subscription_start (Subscription *sub)
{
  BlinkIpfsClient *self = sub->client;
  g_autofree char *uri = NULL;
  g_autoptr (SoupMessage) msg = NULL;

  if (self == NULL)
    return;

  uri = topic_uri (self, "pubsub/sub", sub->topic);
  msg = soup_message_new (SOUP_METHOD_POST, uri);
  sub->cancellable = g_cancellable_new ();
  soup_session_send_async (self->stream_session, msg, G_PRIORITY_DEFAULT, sub->cancellable,
                           on_stream_opened, subscription_ref (sub));
}

/**
 * blink_ipfs_client_subscribe:
 * @topic: a pubsub topic
 *
 * Starts receiving @topic: #BlinkIpfsClient::message is emitted for every
 * message, #BlinkIpfsClient::subscribed each time the node (re)accepts the
 * subscription. Subscriptions are counted: each call needs its own
 * blink_ipfs_client_unsubscribe().
 */
void
blink_ipfs_client_subscribe (BlinkIpfsClient *self,
                             const char *topic)
{
  Subscription *sub;

  g_return_if_fail (BLINK_IS_IPFS_CLIENT (self));
  g_return_if_fail (topic != NULL && g_utf8_validate (topic, -1, NULL));

  sub = g_hash_table_lookup (self->subscriptions, topic);
  if (sub != NULL)
    {
      sub->users++;
      return;
    }

  sub = g_atomic_rc_box_new0 (Subscription);
  sub->client = self;
  sub->topic = g_strdup (topic);
  sub->users = 1;
  sub->retry_ms = RETRY_FIRST_MS;
  sub->splitter = blink_line_splitter_new (MAX_LINE_BYTES);
  g_hash_table_insert (self->subscriptions, sub->topic, sub);

  subscription_start (sub);
}

void
blink_ipfs_client_unsubscribe (BlinkIpfsClient *self,
                               const char *topic)
{
  Subscription *sub;

  g_return_if_fail (BLINK_IS_IPFS_CLIENT (self));
  g_return_if_fail (topic != NULL);

  sub = g_hash_table_lookup (self->subscriptions, topic);
  g_return_if_fail (sub != NULL);

  if (--sub->users > 0)
    return;

  subscription_drop (sub);
  g_hash_table_remove (self->subscriptions, topic);
  update_state (self);
}

/**
 * blink_ipfs_client_is_subscribed:
 *
 * Returns: whether the node currently streams @topic to us
 */
gboolean
blink_ipfs_client_is_subscribed (BlinkIpfsClient *self,
                                 const char *topic)
{
  Subscription *sub;

  g_return_val_if_fail (BLINK_IS_IPFS_CLIENT (self), FALSE);

  sub = g_hash_table_lookup (self->subscriptions, topic);
  return sub != NULL && sub->live;
}

/* ---- publishing ---- */

typedef struct
{
  char *topic;
  GBytes *data;
  guint attempts_left;
  guint retry_ms;
  GSource *retry;
} Publish;

static void
publish_free (Publish *publish)
{
  g_free (publish->topic);
  g_bytes_unref (publish->data);
  blink_clear_source (&publish->retry);
  g_free (publish);
}

static void publish_next (BlinkIpfsClient *self);
static void publish_send (GTask *task);

static void
flushes_complete (BlinkIpfsClient *self)
{
  g_autoptr (GPtrArray) flushes = g_steal_pointer (&self->flushes);

  self->flushes = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < flushes->len; i++)
    g_task_return_boolean (g_ptr_array_index (flushes, i), TRUE);
}

static void
publish_complete (BlinkIpfsClient *self,
                  GTask *task,
                  GError *error)
{
  /* The task may hold the last reference to the client. */
  g_autoptr (BlinkIpfsClient) keep = g_object_ref (self);

  g_queue_remove (&self->publishes, task);
  self->publishing = FALSE;

  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
  g_object_unref (task);

  publish_next (self);
  if (g_queue_is_empty (&self->publishes))
    flushes_complete (self);
}

static gboolean
on_publish_retry (gpointer user_data)
{
  GTask *task = user_data;
  Publish *publish = g_task_get_task_data (task);

  blink_clear_source (&publish->retry);
  publish_send (task);
  return G_SOURCE_REMOVE;
}

static void
on_publish_sent (GObject *source,
                 GAsyncResult *result,
                 gpointer user_data)
{
  GTask *task = user_data;
  BlinkIpfsClient *self = g_task_get_source_object (task);
  Publish *publish = g_task_get_task_data (task);
  SoupMessage *msg = soup_session_get_async_result_message (SOUP_SESSION (source), result);
  g_autoptr (GBytes) body = NULL;
  g_autoptr (GError) error = NULL;
  GError *reported;

  body = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);
  if (body != NULL && soup_message_get_status (msg) == SOUP_STATUS_OK)
    {
      note_node_answered (self, TRUE);
      publish_complete (self, task, NULL);
      return;
    }

  if (body != NULL)
    reported = node_error (msg, body);
  else
    reported = request_error (self, error);
  note_node_answered (self, body != NULL);

  if (g_error_matches (reported, G_IO_ERROR, G_IO_ERROR_CANCELLED) || publish->attempts_left == 0)
    {
      publish_complete (self, task, reported);
      return;
    }

  g_debug ("Publishing on %s failed (%s); %u attempts left", publish->topic, reported->message,
           publish->attempts_left);
  g_error_free (reported);
  publish->retry = blink_context_add_timeout (self->context, publish->retry_ms, on_publish_retry,
                                              task, NULL);
  publish->retry_ms = MIN (publish->retry_ms * 2, PUBLISH_RETRY_MAX_MS);
}

static void
publish_send (GTask *task)
{
  BlinkIpfsClient *self = g_task_get_source_object (task);
  Publish *publish = g_task_get_task_data (task);
  g_autoptr (SoupMultipart) multipart = soup_multipart_new (SOUP_FORM_MIME_TYPE_MULTIPART);
  g_autoptr (SoupMessage) msg = NULL;
  g_autofree char *uri = topic_uri (self, "pubsub/pub", publish->topic);

  if (g_cancellable_is_cancelled (g_task_get_cancellable (task)))
    {
      publish_complete (self, task, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                                         "Publishing was cancelled"));
      return;
    }

  publish->attempts_left--;
  soup_multipart_append_form_file (multipart, "file", "data", "application/octet-stream",
                                   publish->data);
  msg = soup_message_new_from_multipart (uri, multipart);
  soup_session_send_and_read_async (self->session, msg, G_PRIORITY_DEFAULT,
                                    g_task_get_cancellable (task), on_publish_sent, task);
}

static void
publish_next (BlinkIpfsClient *self)
{
  GTask *task = g_queue_peek_head (&self->publishes);

  if (self->publishing || task == NULL)
    return;

  self->publishing = TRUE;
  publish_send (task);
}

/**
 * blink_ipfs_client_publish_async:
 * @topic: where to publish
 * @data: the message
 * @attempts: how many times to try before failing, at least 1; retries wait
 *   100 ms, then twice as long each time, up to 2 s
 *
 * Publishes @data. Publishes of one client go out one after the other, in
 * the order they were asked for, so a receiver sees them in that order.
 * Success means the node took the message, not that anyone received it:
 * pubsub is best effort.
 */
void
blink_ipfs_client_publish_async (BlinkIpfsClient *self,
                                 const char *topic,
                                 GBytes *data,
                                 guint attempts,
                                 GCancellable *cancellable,
                                 GAsyncReadyCallback callback,
                                 gpointer user_data)
{
  GTask *task;
  Publish *publish;

  g_return_if_fail (BLINK_IS_IPFS_CLIENT (self));
  g_return_if_fail (topic != NULL && g_utf8_validate (topic, -1, NULL));
  g_return_if_fail (data != NULL);
  g_return_if_fail (attempts >= 1);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, blink_ipfs_client_publish_async);
  publish = g_new0 (Publish, 1);
  publish->topic = g_strdup (topic);
  publish->data = g_bytes_ref (data);
  publish->attempts_left = attempts;
  publish->retry_ms = RETRY_FIRST_MS;
  g_task_set_task_data (task, publish, (GDestroyNotify) publish_free);

  g_queue_push_tail (&self->publishes, task);
  publish_next (self);
}

gboolean
blink_ipfs_client_publish_finish (BlinkIpfsClient *self,
                                  GAsyncResult *result,
                                  GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * blink_ipfs_client_flush_async:
 *
 * Completes once every publish asked for so far is over (sent, or given
 * up on): a process that exits after it loses none of its last messages.
 */
void
blink_ipfs_client_flush_async (BlinkIpfsClient *self,
                               GAsyncReadyCallback callback,
                               gpointer user_data)
{
  g_autoptr (GTask) task = NULL;

  g_return_if_fail (BLINK_IS_IPFS_CLIENT (self));

  task = g_task_new (self, NULL, callback, user_data);
  g_task_set_source_tag (task, blink_ipfs_client_flush_async);
  if (g_queue_is_empty (&self->publishes))
    g_task_return_boolean (task, TRUE);
  else
    g_ptr_array_add (self->flushes, g_steal_pointer (&task));
}

gboolean
blink_ipfs_client_flush_finish (BlinkIpfsClient *self,
                                GAsyncResult *result,
                                GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- other commands ---- */

static void
on_call_done (GObject *source,
              GAsyncResult *result,
              gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  BlinkIpfsClient *self = g_task_get_source_object (task);
  SoupMessage *msg = soup_session_get_async_result_message (SOUP_SESSION (source), result);
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GBytes) body = NULL;
  g_autoptr (GError) error = NULL;

  body = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);
  if (body == NULL)
    {
      note_node_answered (self, FALSE);
      g_task_return_error (task, request_error (self, error));
      return;
    }

  note_node_answered (self, TRUE);
  if (soup_message_get_status (msg) != SOUP_STATUS_OK)
    {
      g_task_return_error (task, node_error (msg, body));
      return;
    }

  if (!json_parser_load_from_data (parser, g_bytes_get_data (body, NULL), g_bytes_get_size (body),
                                   NULL) ||
      json_parser_get_root (parser) == NULL)
    {
      g_task_return_new_error (task, BLINK_IPFS_ERROR, BLINK_IPFS_ERROR_MALFORMED,
                               "The IPFS node's answer is not JSON");
      return;
    }

  g_task_return_pointer (task, json_node_copy (json_parser_get_root (parser)),
                         (GDestroyNotify) json_node_unref);
}

/**
 * blink_ipfs_client_call_async:
 * @command: an RPC command, e.g. "id" or "swarm/connect"
 * @arg: (nullable): its "arg" parameter, as is
 *
 * Calls any command of the RPC API that answers with one JSON value.
 */
void
blink_ipfs_client_call_async (BlinkIpfsClient *self,
                              const char *command,
                              const char *arg,
                              GCancellable *cancellable,
                              GAsyncReadyCallback callback,
                              gpointer user_data)
{
  g_autoptr (SoupMessage) msg = NULL;
  g_autofree char *uri = NULL;
  GTask *task;

  g_return_if_fail (BLINK_IS_IPFS_CLIENT (self));
  g_return_if_fail (command != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, blink_ipfs_client_call_async);
  uri = api_uri (self, command, arg);
  msg = soup_message_new (SOUP_METHOD_POST, uri);
  soup_session_send_and_read_async (self->session, msg, G_PRIORITY_DEFAULT, cancellable,
                                    on_call_done, task);
}

/**
 * blink_ipfs_client_call_finish:
 *
 * Returns: (transfer full) (nullable): the JSON answer
 */
JsonNode *
blink_ipfs_client_call_finish (BlinkIpfsClient *self,
                               GAsyncResult *result,
                               GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static JsonObject *
answer_object (GAsyncResult *inner,
               BlinkIpfsClient *self,
               JsonNode **out_node,
               GError **error)
{
  JsonNode *node = blink_ipfs_client_call_finish (self, inner, error);

  if (node == NULL)
    return NULL;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      json_node_unref (node);
      g_set_error (error, BLINK_IPFS_ERROR, BLINK_IPFS_ERROR_MALFORMED,
                   "The IPFS node's answer is not a JSON object");
      return NULL;
    }

  *out_node = node;
  return json_node_get_object (node);
}

static void
on_id_done (GObject *source,
            GAsyncResult *result,
            gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  g_autoptr (JsonNode) node = NULL;
  GError *error = NULL;
  JsonObject *object = answer_object (result, BLINK_IPFS_CLIENT (source), &node, &error);
  const char *id;

  if (object == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  id = json_object_get_string_member_with_default (object, "ID", NULL);
  if (id == NULL)
    g_task_return_new_error (task, BLINK_IPFS_ERROR, BLINK_IPFS_ERROR_MALFORMED,
                             "The IPFS node did not say its peer id");
  else
    g_task_return_pointer (task, g_strdup (id), g_free);
}

/**
 * blink_ipfs_client_id_async:
 *
 * Asks the node for its peer id; a cheap way to see that it is there.
 */
void
blink_ipfs_client_id_async (BlinkIpfsClient *self,
                            GCancellable *cancellable,
                            GAsyncReadyCallback callback,
                            gpointer user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, blink_ipfs_client_id_async);
  blink_ipfs_client_call_async (self, "id", NULL, cancellable, on_id_done, task);
}

char *
blink_ipfs_client_id_finish (BlinkIpfsClient *self,
                             GAsyncResult *result,
                             GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
on_list_done (GObject *source,
              GAsyncResult *result,
              gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  g_autoptr (JsonNode) node = NULL;
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
  gboolean multibase = GPOINTER_TO_INT (g_task_get_task_data (task));
  GError *error = NULL;
  JsonObject *object = answer_object (result, BLINK_IPFS_CLIENT (source), &node, &error);
  JsonNode *strings;

  if (object == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  /* Kubo writes "Strings": null for an empty list. */
  strings = json_object_get_member (object, "Strings");
  if (strings != NULL && JSON_NODE_HOLDS_ARRAY (strings))
    {
      JsonArray *array = json_node_get_array (strings);

      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          const char *text = json_array_get_string_element (array, i);
          g_autoptr (GBytes) decoded = NULL;

          if (text == NULL)
            continue;
          if (!multibase)
            {
              g_strv_builder_add (builder, text);
              continue;
            }
          decoded = blink_multibase_decode (text, NULL);
          if (decoded != NULL)
            {
              g_autofree char *topic = g_strndup (g_bytes_get_data (decoded, NULL),
                                                  g_bytes_get_size (decoded));

              g_strv_builder_add (builder, topic);
            }
        }
    }

  g_task_return_pointer (task, g_strv_builder_end (builder), (GDestroyNotify) g_strfreev);
}

/**
 * blink_ipfs_client_list_topics_async:
 *
 * Asks the node which topics it is subscribed to (`pubsub/ls`).
 */
void
blink_ipfs_client_list_topics_async (BlinkIpfsClient *self,
                                     GCancellable *cancellable,
                                     GAsyncReadyCallback callback,
                                     gpointer user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, blink_ipfs_client_list_topics_async);
  g_task_set_task_data (task, GINT_TO_POINTER (TRUE), NULL);
  blink_ipfs_client_call_async (self, "pubsub/ls", NULL, cancellable, on_list_done, task);
}

/**
 * blink_ipfs_client_list_peers_async:
 * @topic: (nullable): a topic, or %NULL for every pubsub peer
 *
 * Asks the node which peers it knows to subscribe to @topic (`pubsub/peers`).
 */
void
blink_ipfs_client_list_peers_async (BlinkIpfsClient *self,
                                    const char *topic,
                                    GCancellable *cancellable,
                                    GAsyncReadyCallback callback,
                                    gpointer user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  g_autofree char *encoded = topic != NULL ? blink_multibase_encode_string (topic) : NULL;

  g_task_set_source_tag (task, blink_ipfs_client_list_peers_async);
  g_task_set_task_data (task, GINT_TO_POINTER (FALSE), NULL);
  blink_ipfs_client_call_async (self, "pubsub/peers", encoded, cancellable, on_list_done, task);
}

/**
 * blink_ipfs_client_list_finish:
 *
 * Returns: (transfer full) (nullable): topics or peer ids
 */
GStrv
blink_ipfs_client_list_finish (BlinkIpfsClient *self,
                               GAsyncResult *result,
                               GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- GObject ---- */

const char *
blink_ipfs_client_get_api_url (BlinkIpfsClient *self)
{
  g_return_val_if_fail (BLINK_IS_IPFS_CLIENT (self), NULL);

  return self->api_url;
}

BlinkIpfsState
blink_ipfs_client_get_state (BlinkIpfsClient *self)
{
  g_return_val_if_fail (BLINK_IS_IPFS_CLIENT (self), BLINK_IPFS_STATE_CONNECTING);

  return self->state;
}

guint
blink_ipfs_client_get_malformed_lines (BlinkIpfsClient *self)
{
  g_return_val_if_fail (BLINK_IS_IPFS_CLIENT (self), 0);

  return self->malformed_lines;
}

static void
blink_ipfs_client_get_property (GObject *object,
                                guint prop_id,
                                GValue *value,
                                GParamSpec *pspec)
{
  BlinkIpfsClient *self = BLINK_IPFS_CLIENT (object);

  switch (prop_id)
    {
    case PROP_API_URL:
      g_value_set_string (value, self->api_url);
      break;
    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;
    case PROP_MALFORMED_LINES:
      g_value_set_uint (value, self->malformed_lines);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
blink_ipfs_client_set_property (GObject *object,
                                guint prop_id,
                                const GValue *value,
                                GParamSpec *pspec)
{
  BlinkIpfsClient *self = BLINK_IPFS_CLIENT (object);

  switch (prop_id)
    {
    case PROP_API_URL:
      self->api_url = g_value_dup_string (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
blink_ipfs_client_dispose (GObject *object)
{
  BlinkIpfsClient *self = BLINK_IPFS_CLIENT (object);
  GHashTableIter iter;
  Subscription *sub;

  g_hash_table_iter_init (&iter, self->subscriptions);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &sub))
    subscription_drop (sub);
  g_hash_table_remove_all (self->subscriptions);

  g_cancellable_cancel (self->cancellable);
  if (self->stream_session != NULL)
    soup_session_abort (self->stream_session);
  g_clear_object (&self->stream_session);
  g_clear_object (&self->session);

  G_OBJECT_CLASS (blink_ipfs_client_parent_class)->dispose (object);
}

static void
blink_ipfs_client_finalize (GObject *object)
{
  BlinkIpfsClient *self = BLINK_IPFS_CLIENT (object);

  /* Publishes hold a ref on the client until they complete. */
  g_assert (g_queue_is_empty (&self->publishes));
  /* Each flush holds a ref too. */
  g_ptr_array_unref (self->flushes);
  g_hash_table_unref (self->subscriptions);
  g_clear_object (&self->cancellable);
  g_main_context_unref (self->context);
  g_free (self->api_url);

  G_OBJECT_CLASS (blink_ipfs_client_parent_class)->finalize (object);
}

static void
blink_ipfs_client_class_init (BlinkIpfsClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = blink_ipfs_client_get_property;
  object_class->set_property = blink_ipfs_client_set_property;
  object_class->dispose = blink_ipfs_client_dispose;
  object_class->finalize = blink_ipfs_client_finalize;

  properties[PROP_API_URL] =
    g_param_spec_string ("api-url", "API URL", "Base URL of the node's RPC API, http://host:port",
                         NULL, G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  properties[PROP_STATE] =
    g_param_spec_enum ("state", "State", "Whether the node answers", BLINK_TYPE_IPFS_STATE,
                       BLINK_IPFS_STATE_CONNECTING, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  properties[PROP_MALFORMED_LINES] =
    g_param_spec_uint ("malformed-lines", "Malformed lines",
                       "Lines of subscription streams that were skipped as not messages", 0,
                       G_MAXUINT, 0, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * BlinkIpfsClient::message:
   * @topic: the subscribed topic
   * @from: the peer id of the node that published it
   * @data: the message
   */
  signals[SIGNAL_MESSAGE] =
    g_signal_new ("message", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 3, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_BYTES);

  /**
   * BlinkIpfsClient::subscribed:
   * @topic: the topic
   *
   * The node accepted the subscription, the first time or after a reconnection.
   */
  signals[SIGNAL_SUBSCRIBED] =
    g_signal_new ("subscribed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
blink_ipfs_client_init (BlinkIpfsClient *self)
{
  self->subscriptions = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                               (GDestroyNotify) subscription_unref);
  g_queue_init (&self->publishes);
  self->flushes = g_ptr_array_new_with_free_func (g_object_unref);
  self->context = g_main_context_ref_thread_default ();
  self->cancellable = g_cancellable_new ();
  /* A node that takes the request and then hangs fails it after the timeout. */
  self->session = soup_session_new_with_options ("timeout", REQUEST_TIMEOUT_S, NULL);
  /* Streams stay open as long as they are subscribed and may be quiet for
   * hours: no I/O timeout, and a connection for each topic. */
  self->stream_session = soup_session_new_with_options ("timeout", 0, "max-conns", 4096,
                                                        "max-conns-per-host", 4096, NULL);
}

/**
 * blink_ipfs_client_new:
 * @api_address: (nullable): the node's RPC API as a multiaddr or URL, or
 *   %NULL to find it as blink_ipfs_resolve_api_url() does
 * @error: why the address cannot be used
 *
 * Makes a client on the thread-default main context. Nothing is sent
 * until it is used.
 *
 * Returns: (transfer full) (nullable): the client
 */
BlinkIpfsClient *
blink_ipfs_client_new (const char *api_address,
                       GError **error)
{
  g_autofree char *url = NULL;

  url = api_address != NULL ? blink_ipfs_api_url_from_string (api_address, error)
                            : blink_ipfs_resolve_api_url (NULL, error);
  if (url == NULL)
    return NULL;

  return g_object_new (BLINK_TYPE_IPFS_CLIENT, "api-url", url, NULL);
}
