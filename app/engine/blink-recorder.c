/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "blink-recorder"

#include "config.h"

#include "blink-recorder.h"
#include "blink-engine-errors.h"

#include <errno.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <gst/app/gstappsrc.h>
#include <unistd.h>

/* A call's recording: one Matroska file per voice (ours, and each
 * participant's), written from the Opus packets as they are, never
 * decoded nor encoded again.
 *
 * Each track taps a pad of the call's pipeline that carries Opus (our
 * encoder's output, a peer's depayloader's) with a buffer probe, and hands
 * copies of the packets to a small pipeline of its own:
 *
 *   appsrc ! matroskamux ! filesink
 *
 * Why a pipeline per file and not a muxer inside the call's pipeline: on
 * GStreamer 1.22 matroskamux, oggmux and mp4mux take no new track once they
 * have started writing, and wait for data on every track before writing
 * any; a participant who joins later, or a silent one, would hold up every
 * file. Apart, a slow disk never holds up the call either: the appsrc
 * drops what it cannot queue.
 *
 * Timestamps, not sample counts: a packet's running time in the call's
 * pipeline (the same clock and base time for every track) minus the
 * running time at which the recording started is its time in the file. So
 * every file has one time base, the recording's start, and a participant
 * who joins later, a lost packet or a closed connection leaves a gap of
 * the right length. Matroska keeps each block's time; a file whose audio
 * starts later begins with one silent Opus frame at 0, so that a player
 * that starts each file at its first block still lines them up.
 *
 * But a participant's packets are stamped by the jitter buffer with when
 * they arrived, smoothed: after a stall of the receiving process their
 * times jump ahead by the stall and then come 15–18 ms apart for 20 ms
 * frames until they have caught up. The mixer does not follow that: as
 * every audioaggregator, it plays an input's samples one after the other
 * as long as they stay within ALIGNMENT of their timestamps, or come back
 * within DISCONT_WAIT. A file that followed the timestamps had a gap where
 * the participant was heard, and lost every other packet of the catch-up
 * (each overlapped the one before). So each packet is placed the way the
 * mixer plays it: one after the other, a gap (a lost packet) for its
 * length, and back on the timestamps after a discontinuity or a lasting
 * drift. Followed from the stream's first packet, not the recording's
 * start (blink_recorder_follow()): the mixer's placement depends on where
 * it started, and a file that started on the timestamps of a running
 * stream was off by what they had drifted, up to ALIGNMENT. */

/* How much one track may queue for its file: about 4 min of a 32 kbit/s
 * voice; past that (a stalled disk) new packets are dropped. */
#define TRACK_QUEUE_BYTES (1024 * 1024)

/* How long stopping waits for a file's muxer to finish it. */
#define FINISH_TIMEOUT (5 * GST_SECOND)

/* audiomixer's defaults, which the call's mixer keeps: how far an input
 * may drift from its timestamps and still be played on from where it was,
 * and for how long it may be farther before the mixer follows them. */
#define ALIGNMENT (40 * GST_MSECOND)
#define DISCONT_WAIT GST_SECOND

/* A 20 ms Opus frame of silence (CELT, fullband): the table of contents
 * byte, then a range-coded "silence" flag. */
#define SILENCE_FRAME_DURATION (20 * GST_MSECOND)
static const guint8 silence_mono[] = { 0xf8, 0xff, 0xfe };
static const guint8 silence_stereo[] = { 0xfc, 0xff, 0xfe };

typedef struct
{
  GMutex lock;
  char *path;
  GstElement *pipeline;
  GstElement *appsrc;
  GstClockTime start; /* the recording's start, as running time of the call */
  GstClockTime end;   /* in the file: where the last packet written ends */
  gboolean written;
} Track;

typedef struct
{
  GstPad *pad;
  gulong probe;
} Tap;

/* Where a pad's packets are played, as running time; only the pad's
 * streaming thread uses it. */
typedef struct
{
  GstClockTime placed;        /* the packet passing now */
  GstClockTime next;          /* where the next one goes */
  GstClockTime discont_since; /* since when they drift */
} Follower;

static GQuark follower_quark;

struct _BlinkRecorder
{
  GObject parent_instance;

  char *directory;
  GstClockTime start;

  /* Streaming threads add tracks (a participant's audio appears on one)
   * while the main thread may stop the recording. */
  GMutex lock;
  gboolean stopped;
  GHashTable *tracks; /* name → Track* */
  GPtrArray *taps;    /* Tap* */
};

G_DEFINE_FINAL_TYPE (BlinkRecorder, blink_recorder, G_TYPE_OBJECT)

static void
track_clear (Track *track)
{
  if (track->pipeline != NULL)
    gst_element_set_state (track->pipeline, GST_STATE_NULL);
  gst_clear_object (&track->pipeline);
  gst_clear_object (&track->appsrc);
  g_free (track->path);
  g_mutex_clear (&track->lock);
}

static void
track_unref (gpointer track)
{
  g_atomic_rc_box_release_full (track, (GDestroyNotify) track_clear);
}

static void
tap_free (Tap *tap)
{
  gst_pad_remove_probe (tap->pad, tap->probe);
  gst_object_unref (tap->pad);
  g_free (tap);
}

static GstBuffer *
silence_frame (GstCaps *caps)
{
  int channels = 1;

  gst_structure_get_int (gst_caps_get_structure (caps, 0), "channels", &channels);
  return channels == 2
           ? gst_buffer_new_memdup (silence_stereo, sizeof silence_stereo)
           : gst_buffer_new_memdup (silence_mono, sizeof silence_mono);
}

/* Under the track's lock: the first packet brings the format. */
static void
track_begin (Track *track,
             GstPad *pad,
             GstClockTime first)
{
  g_autoptr (GstCaps) caps = gst_pad_get_current_caps (pad);

  if (caps == NULL)
    caps = gst_caps_new_empty_simple ("audio/x-opus");
  gst_app_src_set_caps (GST_APP_SRC (track->appsrc), caps);
  if (first >= SILENCE_FRAME_DURATION)
    {
      GstBuffer *silence = silence_frame (caps);

      GST_BUFFER_PTS (silence) = 0;
      GST_BUFFER_DURATION (silence) = SILENCE_FRAME_DURATION;
      gst_app_src_push_buffer (GST_APP_SRC (track->appsrc), silence);
    }
  track->written = TRUE;
}

/* Where the mixer plays a packet whose timestamp is @running_time, as
 * audioaggregator decides it; see the comment at the top. */
static GstClockTime
follower_place (Follower *follower,
                GstClockTime running_time,
                gboolean discont)
{
  GstClockTime drift;

  if (discont || !GST_CLOCK_TIME_IS_VALID (follower->next))
    {
      follower->discont_since = GST_CLOCK_TIME_NONE;
      return running_time;
    }
  drift =
      running_time > follower->next ? running_time - follower->next : follower->next - running_time;
  if (drift < ALIGNMENT)
    follower->discont_since = GST_CLOCK_TIME_NONE;
  else if (!GST_CLOCK_TIME_IS_VALID (follower->discont_since))
    follower->discont_since = running_time;
  else if (running_time >= follower->discont_since + DISCONT_WAIT)
    {
      follower->discont_since = GST_CLOCK_TIME_NONE;
      return running_time;
    }
  return follower->next;
}

static GstPadProbeReturn
on_followed (GstPad *pad,
             GstPadProbeInfo *info,
             gpointer user_data)
{
  Follower *follower = user_data;
  g_autoptr (GstEvent) segment_event = NULL;
  const GstSegment *segment;
  GstBuffer *buffer;
  GstClockTime running_time;

  follower->placed = GST_CLOCK_TIME_NONE;
  if (GST_PAD_PROBE_INFO_TYPE (info) & GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM)
    {
      GstEvent *event = GST_PAD_PROBE_INFO_EVENT (info);
      GstClockTime duration;

      /* A gap (the depayloader's word for lost packets) is played,
       * concealed, for its length. */
      if (GST_EVENT_TYPE (event) == GST_EVENT_GAP && GST_CLOCK_TIME_IS_VALID (follower->next))
        {
          gst_event_parse_gap (event, NULL, &duration);
          if (GST_CLOCK_TIME_IS_VALID (duration))
            follower->next += duration;
        }
      return GST_PAD_PROBE_OK;
    }
  buffer = GST_PAD_PROBE_INFO_BUFFER (info);
  segment_event = gst_pad_get_sticky_event (pad, GST_EVENT_SEGMENT, 0);
  if (segment_event == NULL || !GST_BUFFER_PTS_IS_VALID (buffer))
    return GST_PAD_PROBE_OK;
  gst_event_parse_segment (segment_event, &segment);
  running_time = gst_segment_to_running_time (segment, GST_FORMAT_TIME, GST_BUFFER_PTS (buffer));
  if (!GST_CLOCK_TIME_IS_VALID (running_time))
    return GST_PAD_PROBE_OK;
  follower->placed = follower_place (follower, running_time, GST_BUFFER_IS_DISCONT (buffer));
  follower->next =
      follower->placed + (GST_BUFFER_DURATION_IS_VALID (buffer) ? GST_BUFFER_DURATION (buffer)
                                                                : SILENCE_FRAME_DURATION);
  return GST_PAD_PROBE_OK;
}

/**
 * blink_recorder_follow:
 * @pad: a pad carrying Opus packets to a mixer, from its first packet
 *
 * Follows where the mixer plays each packet that passes @pad, so that a
 * recording started later places them there too (see the comment at the
 * top). Once per pad, before any blink_recorder_add_track() on it; a pad
 * not followed is followed from the recording's start.
 */
void
blink_recorder_follow (GstPad *pad)
{
  Follower *follower;

  g_return_if_fail (GST_IS_PAD (pad));

  if (follower_quark == 0)
    follower_quark = g_quark_from_static_string ("blink-recorder-follower");
  if (g_object_get_qdata (G_OBJECT (pad), follower_quark) != NULL)
    return;
  follower = g_new0 (Follower, 1);
  follower->placed = follower->next = follower->discont_since = GST_CLOCK_TIME_NONE;
  /* The pad holds it, and its probe: a probe may still run after it is
   * removed. */
  g_object_set_qdata_full (G_OBJECT (pad), follower_quark, follower, g_free);
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM,
                     on_followed, follower, NULL);
}

/* On a streaming thread of the call's pipeline, after the follower's
 * probe. */
static GstPadProbeReturn
on_packet (GstPad *pad,
           GstPadProbeInfo *info,
           gpointer user_data)
{
  Track *track = user_data;
  Follower *follower = g_object_get_qdata (G_OBJECT (pad), follower_quark);
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);
  GstClockTime at, duration;
  GstBuffer *copy;

  /* Captured, or played, before the recording started. */
  if (follower == NULL || !GST_CLOCK_TIME_IS_VALID (follower->placed) ||
      follower->placed < track->start)
    return GST_PAD_PROBE_OK;
  at = follower->placed - track->start;
  duration = GST_BUFFER_DURATION_IS_VALID (buffer) ? GST_BUFFER_DURATION (buffer)
                                                   : SILENCE_FRAME_DURATION;

  g_mutex_lock (&track->lock);
  /* A file's blocks go forward in time: what overlaps the last one (two
   * connections of one participant, one closing) is dropped. */
  if (track->written && at + GST_MSECOND < track->end)
    {
      g_mutex_unlock (&track->lock);
      return GST_PAD_PROBE_OK;
    }
  if (!track->written)
    track_begin (track, pad, at);
  copy = gst_buffer_copy (buffer);
  GST_BUFFER_PTS (copy) = at;
  GST_BUFFER_DTS (copy) = GST_CLOCK_TIME_NONE;
  GST_BUFFER_DURATION (copy) = duration;
  gst_app_src_push_buffer (GST_APP_SRC (track->appsrc), copy);
  track->end = at + duration;
  g_mutex_unlock (&track->lock);
  return GST_PAD_PROBE_OK;
}

static Track *
track_new (BlinkRecorder *self,
           const char *name,
           const char *title)
{
  Track *track = g_atomic_rc_box_new0 (Track);
  g_autoptr (GstPad) src = NULL;
  g_autoptr (GstPad) audio = NULL;
  GstElement *mux, *sink;

  g_mutex_init (&track->lock);
  track->start = self->start;
  track->path = g_strconcat (self->directory, G_DIR_SEPARATOR_S, name, ".mkv", NULL);
  track->pipeline = gst_object_ref_sink (gst_pipeline_new (name));
  track->appsrc = gst_object_ref (gst_element_factory_make ("appsrc", NULL));
  mux = gst_element_factory_make ("matroskamux", NULL);
  sink = gst_element_factory_make ("filesink", NULL);
  g_assert (track->appsrc != NULL && mux != NULL && sink != NULL);

  g_object_set (track->appsrc, "format", GST_FORMAT_TIME, "max-bytes",
                (guint64) TRACK_QUEUE_BYTES, NULL);
  gst_app_src_set_leaky_type (GST_APP_SRC (track->appsrc), GST_APP_LEAKY_TYPE_UPSTREAM);
  g_object_set (sink, "location", track->path, "sync", FALSE, "async", FALSE, NULL);
  if (title != NULL)
    gst_tag_setter_add_tags (GST_TAG_SETTER (mux), GST_TAG_MERGE_REPLACE, GST_TAG_TITLE, title,
                             NULL);
  gst_bin_add_many (GST_BIN (track->pipeline), track->appsrc, mux, sink, NULL);
  /* The caps come with the first packet: until then the muxer would take
   * the appsrc for video. */
  src = gst_element_get_static_pad (track->appsrc, "src");
  audio = gst_element_request_pad_simple (mux, "audio_%u");
  gst_pad_link (src, audio);
  gst_element_link (mux, sink);
  if (gst_element_set_state (track->pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE)
    g_warning ("Cannot write the recording %s", track->path);
  g_debug ("Recording %s into %s", title != NULL ? title : name, track->path);
  return track;
}

/**
 * blink_recorder_add_track:
 * @name: the file's name without ".mkv", see blink_recorder_track_name()
 * @title: (nullable): who speaks in it, e.g. a DID: the file's title tag
 * @pad: a pad of the call's pipeline carrying Opus packets
 *
 * Records what passes @pad from now on into the file @name. The same
 * @name again (a new connection of the same participant) continues the
 * same file. Callable from any thread; does nothing once stopped.
 */
void
blink_recorder_add_track (BlinkRecorder *self,
                          const char *name,
                          const char *title,
                          GstPad *pad)
{
  g_autoptr (GMutexLocker) locker = NULL;
  Track *track;
  Tap *tap;

  g_return_if_fail (BLINK_IS_RECORDER (self));
  g_return_if_fail (name != NULL);
  g_return_if_fail (GST_IS_PAD (pad));

  locker = g_mutex_locker_new (&self->lock);
  if (self->stopped)
    return;
  for (guint i = 0; i < self->taps->len; i++)
    if (((Tap *) g_ptr_array_index (self->taps, i))->pad == pad)
      return;

  track = g_hash_table_lookup (self->tracks, name);
  if (track == NULL)
    {
      track = track_new (self, name, title);
      g_hash_table_insert (self->tracks, g_strdup (name), track);
    }
  /* The probe holds the track: a packet may still be on its way when the
   * probe is removed. */
  blink_recorder_follow (pad);
  tap = g_new0 (Tap, 1);
  tap->pad = gst_object_ref (pad);
  tap->probe = gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, on_packet,
                                  g_atomic_rc_box_acquire (track), track_unref);
  g_ptr_array_add (self->taps, tap);
}

/* Ends a file: its muxer writes the duration and the index on the end of
 * stream. */
static void
track_finish (Track *track)
{
  g_autoptr (GstBus) bus = gst_element_get_bus (track->pipeline);
  g_autoptr (GstMessage) message = NULL;

  gst_app_src_end_of_stream (GST_APP_SRC (track->appsrc));
  message = gst_bus_timed_pop_filtered (bus, FINISH_TIMEOUT, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  if (message == NULL)
    g_warning ("The recording %s was not finished in time", track->path);
  else if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_ERROR)
    {
      g_autoptr (GError) error = NULL;

      gst_message_parse_error (message, &error, NULL);
      g_warning ("The recording %s failed: %s", track->path, error->message);
    }
  gst_element_set_state (track->pipeline, GST_STATE_NULL);
}

/* On a worker thread: finishing files waits on the disk. */
static void
stop_in_thread (GTask *task,
                gpointer source,
                gpointer task_data,
                GCancellable *cancellable)
{
  GPtrArray *tracks = task_data;

  for (guint i = 0; i < tracks->len; i++)
    track_finish (g_ptr_array_index (tracks, i));
  g_task_return_boolean (task, TRUE);
}

/**
 * blink_recorder_stop_async:
 *
 * Stops taking packets at once, then finishes every file (its muxer's end
 * of stream) off the calling thread. Stopping again does nothing more.
 */
void
blink_recorder_stop_async (BlinkRecorder *self,
                           GAsyncReadyCallback callback,
                           gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (self, NULL, callback, user_data);
  g_autoptr (GPtrArray) tracks = g_ptr_array_new_with_free_func (track_unref);
  g_autoptr (GPtrArray) taps = NULL;
  GHashTableIter iter;
  gpointer track;

  g_return_if_fail (BLINK_IS_RECORDER (self));

  g_task_set_source_tag (task, blink_recorder_stop_async);
  g_mutex_lock (&self->lock);
  self->stopped = TRUE;
  taps = g_steal_pointer (&self->taps);
  self->taps = g_ptr_array_new_with_free_func ((GDestroyNotify) tap_free);
  g_hash_table_iter_init (&iter, self->tracks);
  while (g_hash_table_iter_next (&iter, NULL, &track))
    g_ptr_array_add (tracks, g_atomic_rc_box_acquire (track));
  g_hash_table_remove_all (self->tracks);
  g_mutex_unlock (&self->lock);

  /* A packet still on its way reaches the appsrc after its end of stream,
   * which refuses it. */
  g_clear_pointer (&taps, g_ptr_array_unref);
  g_task_set_task_data (task, g_steal_pointer (&tracks), (GDestroyNotify) g_ptr_array_unref);
  g_task_run_in_thread (task, stop_in_thread);
}

gboolean
blink_recorder_stop_finish (BlinkRecorder *self,
                            GAsyncResult *result,
                            GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

const char *
blink_recorder_get_directory (BlinkRecorder *self)
{
  g_return_val_if_fail (BLINK_IS_RECORDER (self), NULL);

  return self->directory;
}

/**
 * blink_recorder_default_directory:
 * @call_id: the call's id
 *
 * Returns: (transfer full): where a call's recording goes when the user
 *   names no folder: $XDG_DATA_HOME/blink/recordings/DATE-TIME-CALL, the
 *   date first so that a listing is in order
 */
char *
blink_recorder_default_directory (const char *call_id)
{
  g_autoptr (GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *date = g_date_time_format (now, "%Y-%m-%d-%H%M%S");
  g_autofree char *leaf = g_strdup_printf ("%s-%.8s", date, call_id);

  return g_build_filename (g_get_user_data_dir (), "blink", "recordings", leaf, NULL);
}

/**
 * blink_recorder_track_name:
 * @prefix: what the voice is to the user: "me", "participant"
 * @did: whose voice
 *
 * Returns: (transfer full): a file name (without ".mkv") that a person can
 *   tell apart: @prefix and the start of the key, e.g. "me-z6MkhaXgBZDv"
 */
char *
blink_recorder_track_name (const char *prefix,
                           const char *did)
{
  const char *key = g_str_has_prefix (did, "did:key:") ? did + strlen ("did:key:") : did;
  g_autofree char *name = g_strdup_printf ("%s-%.12s", prefix, key);

  /* A DID is base58 already; this only keeps a bad one out of paths. */
  return g_strcanon (g_steal_pointer (&name),
                     "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-", '_');
}

static void
blink_recorder_dispose (GObject *object)
{
  BlinkRecorder *self = BLINK_RECORDER (object);

  g_clear_pointer (&self->taps, g_ptr_array_unref);
  g_clear_pointer (&self->tracks, g_hash_table_unref);

  G_OBJECT_CLASS (blink_recorder_parent_class)->dispose (object);
}

static void
blink_recorder_finalize (GObject *object)
{
  BlinkRecorder *self = BLINK_RECORDER (object);

  g_free (self->directory);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (blink_recorder_parent_class)->finalize (object);
}

static void
blink_recorder_class_init (BlinkRecorderClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = blink_recorder_dispose;
  object_class->finalize = blink_recorder_finalize;
}

static void
blink_recorder_init (BlinkRecorder *self)
{
  g_mutex_init (&self->lock);
  self->tracks = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, track_unref);
  self->taps = g_ptr_array_new_with_free_func ((GDestroyNotify) tap_free);
}

/**
 * blink_recorder_new:
 * @pipeline: the call's pipeline, playing: its running time now is the
 *   recording's start, time 0 of every file
 * @directory: an absolute path; made if missing
 *
 * Returns: (transfer full) (nullable): a recorder with no track yet, or
 *   %NULL with %BLINK_CALL_ERROR_INVALID_ARGUMENT when @directory cannot
 *   take the files
 */
BlinkRecorder *
blink_recorder_new (GstElement *pipeline,
                    const char *directory,
                    GError **error)
{
  g_autoptr (BlinkRecorder) self = NULL;
  g_autoptr (GstClock) clock = NULL;

  g_return_val_if_fail (GST_IS_ELEMENT (pipeline), NULL);
  g_return_val_if_fail (directory != NULL, NULL);

  if (!g_path_is_absolute (directory))
    {
      g_set_error (error, BLINK_CALL_ERROR, BLINK_CALL_ERROR_INVALID_ARGUMENT,
                   _("Cannot record into “%s”: give an absolute path"), directory);
      return NULL;
    }
  if (g_mkdir_with_parents (directory, 0700) != 0 || g_access (directory, W_OK) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, BLINK_CALL_ERROR, BLINK_CALL_ERROR_INVALID_ARGUMENT,
                   _("Cannot record into “%s”: %s"), directory, g_strerror (saved_errno));
      return NULL;
    }
  clock = gst_element_get_clock (pipeline);
  if (clock == NULL)
    {
      g_set_error_literal (error, BLINK_CALL_ERROR, BLINK_CALL_ERROR_FAILED,
                           _("Cannot record: the call has no audio yet"));
      return NULL;
    }

  self = g_object_new (BLINK_TYPE_RECORDER, NULL);
  self->directory = g_strdup (directory);
  self->start = gst_clock_get_time (clock) - gst_element_get_base_time (pipeline);
  return g_steal_pointer (&self);
}
