/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Benchmark (figures on lines starting "bench: "): whole calls between two
 * blink-test-party processes, each on its own IPFS node, the callee
 * answering at once:
 *  - setup: "offer" sent to the caller → first sound heard by the callee;
 *  - beside it, in the same run, two bare BlinkPeers (webrtcbin) in this
 *    process with direct signaling, no IPFS, no crypto: start → first sound;
 *  - teardown: "hangup" sent → the caller reports the call removed (every
 *    peer connection closed);
 *  - mouth to ear: a tone switched on at the caller → heard at the callee;
 *  - answer: the callee answers a call that rang → first sound at the
 *    caller, connected while ringing (the callee knows the caller) and,
 *    alternately in the same run, connected on answering (a stranger);
 *  - CPU and memory of each participant's process in 2-, 4-, 6- and 8-party calls;
 *  - mouth to ear in calls of 2, 6 and 8 (--delay-only).
 * Setup and teardown on two Kubo nodes, then on two js nodes, and the ratios;
 * the rest (bare webrtcbins included) on Kubo.
 * All times on the system's monotonic clock, shared by the processes.
 *
 *   meson test -C _build --benchmark calls -v | grep '^bench:'
 *   _build/tests/bench-calls --setup-only   (setup and teardown on Kubo only)
 *   _build/tests/bench-calls --load-only [N] (CPU and memory at 2 to 8 parties only, or N)
 *   _build/tests/bench-calls --answer-only  (answer → first sound only)
 *   _build/tests/bench-calls --delay-only   (mouth to ear in calls of 2, 6 and 8 only) */
#include "config.h"

#include <gst/gst.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "blink-audio-pipeline.h"
#include "blink-peer.h"
#include "blink-test-media.h"
#include "blink-test-audio.h"
#include "blink-test-bench.h"
#include "blink-test-calls.h"

#define N_CALLS 20

static void
report (const char *what,
        gint64 *us,
        guint n)
{
  blink_test_sort_samples (us, n);
  g_print ("bench: %-44s p50 %7.1f ms  p95 %7.1f ms  (n=%u)\n", what, us[n / 2] / 1000.0,
           us[n * 95 / 100] / 1000.0, n);
}

/* ---- the bare baseline ---- */

typedef struct
{
  BlinkAudioPipeline *pipeline;
  BlinkPeer *peer;
  BlinkTestEar *ear;
} Side;

static void
on_description (BlinkPeer *peer,
                const char *type,
                const char *sdp,
                Side *other)
{
  blink_peer_set_remote_description (other->peer, type, sdp);
}

static void
on_candidate (BlinkPeer *peer,
              guint mline,
              const char *candidate,
              Side *other)
{
  blink_peer_add_ice_candidate (other->peer, mline, candidate);
}

static void
side_init (Side *side,
           int tone,
           const char *did,
           gboolean offerer,
           guint ice_pacing_ms)
{
  static const char *const loopback[] = { "127.0.0.1", NULL };
  BlinkMediaConfig config = { (char **) loopback, NULL, NULL, 40, ice_pacing_ms };
  BlinkAudioFormat format = BLINK_AUDIO_FORMAT_DEFAULT;
  g_autofree char *source = g_strdup_printf ("audiotestsrc is-live=true freq=%d volume=0.3", tone);

  side->pipeline = blink_audio_pipeline_new (source, BLINK_TEST_EAR_SINK ("48000"), &format, NULL);
  side->ear = blink_test_ear_new (blink_audio_pipeline_get_bin (side->pipeline), 48000);
  side->peer = blink_peer_new (blink_audio_pipeline_get_bin (side->pipeline),
                               blink_audio_pipeline_get_tee (side->pipeline),
                               blink_audio_pipeline_get_mixer (side->pipeline),
                               blink_audio_pipeline_get_mix_caps (side->pipeline), did, offerer,
                               &config);
}

static void
side_clear (Side *side)
{
  if (!blink_test_close_peer (side->peer, WAIT_MS))
    g_error ("a bare peer did not close");
  blink_test_stop_pipeline (side->pipeline);
  g_clear_pointer (&side->ear, blink_test_ear_free);
  g_clear_object (&side->peer);
  g_clear_object (&side->pipeline);
}

static gboolean
heard (gpointer user_data)
{
  return blink_test_ear_first_sound (user_data) != 0;
}

/* A bare pair slower than this tells where its time went. */
#define SLOW_BARE_US (G_USEC_PER_SEC / 2)

/* @ice_pacing_ms 0: libnice's own pacing, as webrtcbin has it. */
static gint64
bare_setup (guint ice_pacing_ms)
{
  Side a, b;
  gint64 start, result;

  side_init (&a, 440, "a", TRUE, ice_pacing_ms);
  side_init (&b, 660, "b", FALSE, ice_pacing_ms);
  g_signal_connect (a.peer, "local-description", G_CALLBACK (on_description), &b);
  g_signal_connect (b.peer, "local-description", G_CALLBACK (on_description), &a);
  g_signal_connect (a.peer, "local-candidate", G_CALLBACK (on_candidate), &b);
  g_signal_connect (b.peer, "local-candidate", G_CALLBACK (on_candidate), &a);

  start = g_get_monotonic_time ();
  blink_audio_pipeline_start (a.pipeline, NULL);
  blink_audio_pipeline_start (b.pipeline, NULL);
  blink_peer_start (b.peer);
  blink_peer_start (a.peer);
  g_assert_true (blink_test_wait_until (heard, b.ear, WAIT_MS));
  result = blink_test_ear_first_sound (b.ear) - start;
  /* A slow one: where its time went, each side's steps from the start. */
  if (result > SLOW_BARE_US)
    {
      Side *sides[] = { &a, &b };

      for (guint i = 0; i < G_N_ELEMENTS (sides); i++)
        {
          BlinkPeerTimeline t;

          blink_peer_get_timeline (sides[i]->peer, &t);
          g_print ("# bare pair took %.1f ms; %s: description %.1f, remote %.1f, ICE %.1f, "
                   "DTLS %.1f, first packet %.1f ms\n", result / 1000.0, i == 0 ? "a" : "b",
                   (t.local_description - start) / 1000.0, (t.remote_description - start) / 1000.0,
                   (t.ice_connected - start) / 1000.0, (t.connected - start) / 1000.0,
                   (t.first_media - start) / 1000.0);
        }
    }

  side_clear (&a);
  side_clear (&b);
  return result;
}

/* Mouth to ear, N_CALLS times: @a's tone switched on → @b's speaker (an
 * appsink, so device buffering is not counted) hears it. Every other
 * microphone of the call must be off. */
static void
mouth_to_ear (Party *a,
              Party *b,
              const char *what)
{
  gint64 latency[N_CALLS];
  double sum = 0;

  party_send (a, "mic off");
  for (guint i = 0; i < N_CALLS; i++)
    {
      latency[i] = party_mouth_to_ear_ms (a, b) * 1000;
      sum += latency[i];
    }
  report (what, latency, N_CALLS);
  g_print ("bench: %s, mean %.1f ms\n", what, sum / N_CALLS / 1000.0);
}

/* The mouth-to-ear delay in a call of two. */
static void
measure_mouth_to_ear (Fixture *f)
{
  Party *a = &f->party[0], *b = &f->party[1];
  Party *to_b[] = { b };
  g_autofree char *id = party_offer (a, to_b, 1);

  party_wait_line (a, "participant %s %s connected", id, b->did);
  mouth_to_ear (a, b, "mouth to ear: tone on -> heard by callee");
  party_send (a, "hangup");
  party_wait_line (a, "call-removed %s", id);
  party_wait_line (b, "call-removed %s", id);
}

typedef struct
{
  Fixture *f;
  guint n;
  const char *id;
} Mesh;

/* Whether every one of the mesh's parties said every other connected. */
static gboolean
mesh_connected (gpointer user_data)
{
  Mesh *m = user_data;

  for (guint i = 0; i < m->n; i++)
    for (guint j = 0; j < m->n; j++)
      {
        g_autofree char *line = NULL;

        if (i == j)
          continue;
        line = g_strdup_printf ("participant %s %s connected", m->id, m->f->party[j].did);
        if (party_find_line (&m->f->party[i], line, 0) == NULL)
          return FALSE;
      }
  return TRUE;
}

/* The first of @f's @n parties calls the others, who answer at once.
 * Returns: (transfer full) (nullable): the call's id once every pair said
 * connected; %NULL when not (a mesh of 8 on this machine's 2 cores does not
 * always connect every pair, docs/engine.md "Group size"). */
static char *
mesh_call (Fixture *f,
           guint n)
{
  Party *callees[MAX_PARTIES];
  g_autofree char *id = NULL;

  for (guint i = 1; i < n; i++)
    {
      callees[i - 1] = &f->party[i];
      party_send (&f->party[i], "auto-answer");
    }
  id = party_offer (&f->party[0], callees, n - 1);
  if (!blink_test_wait_until (mesh_connected, &(Mesh){ f, n, id }, WAIT_MS))
    return NULL;
  return g_steal_pointer (&id);
}

/* Each participant's CPU and memory while n of them talk for 30 s; with
 * @processing, every microphone goes through echo cancellation, noise
 * suppression and gain control (forced on: the parties' tones would not
 * be processed). Returns the CPU, % of a core, 0 when the call did not
 * connect. */
static double
measure_load (guint n,
              gboolean processing)
{
  Fixture f = { 0 };
  guint64 before[MAX_PARTIES], after[MAX_PARTIES], rss[MAX_PARTIES], unused;
  g_autofree char *id = NULL;
  double cpu_sum = 0, rss_sum = 0;
  const guint seconds = 30;

  g_setenv ("BLINK_TEST_AUDIO_PROCESSING", processing ? "on" : "off", TRUE);
  parties_set_up (&f, n, NULL);
  g_unsetenv ("BLINK_TEST_AUDIO_PROCESSING");
  /* A mesh not all connected is said, and not measured. */
  id = mesh_call (&f, n);
  if (id == NULL)
    {
      g_print ("bench: %u-party call%s: not every connection came up, not measured\n", n,
               processing ? " with audio processing" : "");
      parties_tear_down (&f, NULL);
      return 0;
    }

  for (guint i = 0; i < n; i++)
    blink_test_process_usage (g_subprocess_get_identifier (f.party[i].process), &before[i],
                              &unused);
  blink_test_pass_time (seconds * 1000);
  for (guint i = 0; i < n; i++)
    {
      blink_test_process_usage (g_subprocess_get_identifier (f.party[i].process), &after[i],
                                &rss[i]);
      cpu_sum += 100.0 * (after[i] - before[i]) / sysconf (_SC_CLK_TCK) / seconds;
      rss_sum += rss[i] / 1024.0;
    }

  g_print ("bench: %u-party call%s, per participant over %u s: CPU %.1f %% of a core, "
           "RSS %.1f MiB\n",
           n, processing ? " with audio processing" : "", seconds, cpu_sum / n, rss_sum / n);
  parties_tear_down (&f, NULL);
  return cpu_sum / n;
}

/* The mouth-to-ear delay from the caller to one callee in a call of @n,
 * whose other microphones are off: what the longer packets of bigger
 * meshes add (docs/engine.md, "Pipeline"). */
static void
measure_delay_in_mesh (guint n)
{
  BlinkAudioFormat format;
  Fixture f = { 0 };
  g_autofree char *id = NULL;
  g_autofree char *what = NULL;

  blink_test_audio_format (&format);
  parties_set_up (&f, n, NULL);
  id = mesh_call (&f, n);
  if (id == NULL)
    g_print ("bench: %u-party call: not every connection came up, not measured\n", n);
  else
    {
      /* The callees' microphones exist once they answered. */
      for (guint i = 1; i < n; i++)
        party_send (&f.party[i], "mic off");
      what = g_strdup_printf ("mouth to ear in a %u-party call (%u ms packets)", n,
                              blink_audio_pipeline_frame_ms_for (&format, n - 1));
      mouth_to_ear (&f.party[0], &f.party[1], what);
    }
  parties_tear_down (&f, NULL);
}

typedef struct
{
  gint64 setup;    /* medians, µs */
  gint64 teardown;
} Figures;

/* ---- where the setup's time goes ---- */

/* The steps of a call's setup, as the callee passed them: each phase runs
 * from the end of the one before. */
enum
{
  PHASE_OFFER,      /* offer sent to the caller → it rings at the callee */
  PHASE_ANSWER,     /* → the callee's connection starts (answered at once) */
  PHASE_SIGNALING,  /* → the caller's SDP applied at the callee */
  PHASE_ICE,        /* → ICE connected */
  PHASE_DTLS,       /* → the connection up */
  PHASE_FIRST_RTP,  /* → the caller's first packet out of the jitter buffer */
  PHASE_PLAYOUT,    /* → first sound out of the callee's mixer */
  N_PHASES
};

static const char *const phase_names[N_PHASES] = {
  "offer through pubsub, until it rings",
  "answer: the callee's connection made",
  "signaling: announce, SDP offer and answer",
  "ICE connectivity checks",
  "DTLS handshake",
  "next frame and jitter buffer, first packet out",
  "decoder and mixer, to first sound",
};

/* @p's timeline of its connection to @did (docs: BlinkPeerTimeline). */
static void
party_timeline (Party *p,
                const char *did,
                BlinkPeerTimeline *t)
{
  guint from = p->lines->len;
  const char *line;
  int n;

  party_send (p, "timeline %s", did);
  line = party_wait_line_from (p, from, WAIT_MS, "timeline %s ", did);
  n = sscanf (line + strlen ("timeline ") + strlen (did),
              " %" G_GINT64_FORMAT " %" G_GINT64_FORMAT " %" G_GINT64_FORMAT " %" G_GINT64_FORMAT
              " %" G_GINT64_FORMAT " %" G_GINT64_FORMAT,
              &t->started, &t->local_description, &t->remote_description, &t->ice_connected,
              &t->connected, &t->first_media);
  if (n != 6)
    g_error ("party %d: no timeline: “%s”", p->tone, line);
}

/* The phases of one call, in µs: @start when the offer was sent, @rang when
 * the call rang at @callee, @sound when it heard the first sound. */
static void
split_setup (Party *callee,
             Party *caller,
             gint64 start,
             gint64 rang,
             gint64 sound,
             gint64 phases[N_PHASES])
{
  BlinkPeerTimeline b;
  gint64 ends[N_PHASES];

  party_timeline (callee, caller->did, &b);
  ends[PHASE_OFFER] = rang;
  ends[PHASE_ANSWER] = b.started;
  ends[PHASE_SIGNALING] = b.remote_description;
  ends[PHASE_ICE] = b.ice_connected;
  ends[PHASE_DTLS] = b.connected;
  ends[PHASE_FIRST_RTP] = b.first_media;
  ends[PHASE_PLAYOUT] = sound;
  /* A step noted on the main loop may come a moment after the next one,
   * noted on a streaming thread: a phase is never negative. */
  for (guint i = 0; i < N_PHASES; i++)
    {
      gint64 from = i == 0 ? start : ends[i - 1];

      phases[i] = MAX (0, ends[i] - from);
      ends[i] = MAX (ends[i], from);
    }
}

static void
report_phases (const char *kind_name,
               gint64 phases[][N_PHASES],
               guint n)
{
  double sum = 0;

  for (guint i = 0; i < N_PHASES; i++)
    {
      g_autofree gint64 *column = g_new (gint64, n);
      g_autofree char *what = NULL;

      for (guint j = 0; j < n; j++)
        column[j] = phases[j][i];
      what = g_strdup_printf ("[%s] setup phase %u: %s", kind_name, i + 1, phase_names[i]);
      report (what, column, n);
      sum += column[n / 2] / 1000.0;
    }
  g_print ("bench: [%s] setup phases, sum of the p50s: %.1f ms\n", kind_name, sum);
}

/* When @p first heard a sound at or after @after (monotonic µs), from its
 * lines from @from on: a first sound of an earlier call, said late, is
 * passed over. */
static gint64
first_sound_after (Party *p,
                   guint from,
                   gint64 after)
{
  for (;;)
    {
      const char *line = party_wait_line_from (p, from, WAIT_MS, "first-sound ");
      gint64 heard = g_ascii_strtoll (line + strlen ("first-sound "), NULL, 10) * 1000;

      if (heard >= after)
        return heard;
      while (g_ptr_array_index (p->lines, from) != line)
        from++;
      from++;
    }
}

/* N_CALLS calls between two parties on nodes of @kind, the two calling
 * each other in turn: the greater DID of the pair sends the SDP offer, so
 * half the calls have the caller offer, half the callee, whatever
 * identities the run made. On Kubo, beside bare webrtcbins, then the
 * mouth-to-ear delay. */
static void
measure_calls (char kind,
               Figures *figures)
{
  const char *name = blink_test_ipfs_kind_name (kind);
  char kinds[] = { kind, kind, '\0' };
  Fixture f = { 0 };
  gint64 setup[N_CALLS], bare[N_CALLS], paced[N_CALLS], teardown[N_CALLS];
  gint64 by_offerer[2][N_CALLS]; /* [0]: the caller offered, [1]: the callee */
  guint n_by_offerer[2] = { 0, 0 };
  gint64 phases[N_CALLS][N_PHASES];
  gint64 first_setup = 0;

  parties_set_up_kinds (&f, kinds, NULL);
  /* The callee answers by itself, as soon as the call rings. */
  party_send (&f.party[0], "auto-answer");
  party_send (&f.party[1], "auto-answer");

  for (guint i = 0; i < N_CALLS; i++)
    {
      Party *a = &f.party[i % 2], *b = &f.party[1 - i % 2];
      Party *to_b[] = { b };
      gboolean callee_offers = strcmp (b->did, a->did) > 0;
      g_autofree char *id = NULL;
      const char *rang;
      guint b_from = b->lines->len, a_from;
      gint64 start, heard;

      start = g_get_monotonic_time ();
      id = party_offer (a, to_b, 1);
      /* b called in the call before: what it heard then may be told late. */
      heard = first_sound_after (b, b_from, start);
      setup[i] = heard - start;
      by_offerer[callee_offers][n_by_offerer[callee_offers]++] = setup[i];
      party_wait_line (a, "participant %s %s connected", id, b->did);
      rang = party_wait_line_from (b, b_from, WAIT_MS, "rang %s ", id);
      split_setup (b, a, start, g_ascii_strtoll (rang + strlen ("rang ") + strlen (id), NULL, 10),
                   heard, phases[i]);

      a_from = a->lines->len;
      start = g_get_monotonic_time ();
      party_send (a, "hangup");
      party_wait_line_from (a, a_from, WAIT_MS, "call-removed %s", id);
      teardown[i] = g_get_monotonic_time () - start;
      party_wait_line (b, "call-removed %s", id);

      /* The bare pair does not depend on the kind of node: measured once.
       * (Over 20 of them in one process, one hung in its teardown, in
       * blink_audio_pipeline_stop against a pad task stopping.) */
      bare[i] = kind == 'k' ? bare_setup (0) : 0;
      paced[i] = kind == 'k' ? bare_setup (BLINK_PEER_ICE_PACING_MS) : 0;
      if (i == 0)
        first_setup = setup[0];
      g_test_message ("[%s] call %u (the %s offers): setup %.1f ms "
                      "(phases %.1f %.1f %.1f %.1f %.1f %.1f %.1f), "
                      "bare %.1f ms, bare paced %.1f ms, teardown %.1f ms", name, i,
                      callee_offers ? "callee" : "caller", setup[i] / 1000.0,
                      phases[i][0] / 1000.0, phases[i][1] / 1000.0, phases[i][2] / 1000.0,
                      phases[i][3] / 1000.0, phases[i][4] / 1000.0, phases[i][5] / 1000.0,
                      phases[i][6] / 1000.0, bare[i] / 1000.0, paced[i] / 1000.0,
                      teardown[i] / 1000.0);
    }
  /* The processes' first call: what a user's first call of the day costs. */
  g_print ("bench: [%s] setup of the processes' first call %.1f ms\n", name, first_setup / 1000.0);

  {
    g_autofree char *setup_what = g_strdup_printf ("[%s] setup: offer -> first sound at callee", name);
    g_autofree char *bare_what =
      g_strdup_printf ("[%s] setup: two bare webrtcbins, direct signaling", name);
    g_autofree char *teardown_what =
      g_strdup_printf ("[%s] teardown: hangup -> call removed (closed)", name);

    report (setup_what, setup, N_CALLS);
    for (guint who = 0; who < 2; who++)
      {
        g_autofree char *what = g_strdup_printf ("[%s] setup, the %s sends the SDP offer", name,
                                                 who ? "callee" : "caller");

        report (what, by_offerer[who], n_by_offerer[who]);
      }
    report_phases (name, phases, N_CALLS);
    if (kind == 'k')
      {
        g_autofree char *paced_what = g_strdup_printf (
          "[%s] setup: the bare pair, checks every %u ms", name, BLINK_PEER_ICE_PACING_MS);

        report (bare_what, bare, N_CALLS);
        report (paced_what, paced, N_CALLS);
        g_print ("bench: [%s] setup ratio blink / bare at p50: %.2f\n", name,
                 (double) setup[N_CALLS / 2] / bare[N_CALLS / 2]);
        g_print ("bench: [%s] setup ratio bare paced / bare at p50: %.2f\n", name,
                 (double) paced[N_CALLS / 2] / bare[N_CALLS / 2]);
      }
    report (teardown_what, teardown, N_CALLS);
    figures->setup = setup[N_CALLS / 2];
    figures->teardown = teardown[N_CALLS / 2];
  }

  if (kind == 'k')
    measure_mouth_to_ear (&f);
  parties_tear_down (&f, NULL);
}

/* When @p's connection to @did was up (monotonic µs), waiting for it. */
static gint64
party_connected_at (Party *p,
                    const char *did)
{
  for (guint tries = 0; tries < WAIT_MS / 20; tries++)
    {
      guint from = p->lines->len;
      const char *line;
      gint64 started, local, remote, ice, connected, media;

      party_send (p, "timeline %s", did);
      line = party_wait_line_from (p, from, WAIT_MS, "timeline %s ", did);
      if (sscanf (line + strlen ("timeline ") + strlen (did),
                  " %" G_GINT64_FORMAT " %" G_GINT64_FORMAT " %" G_GINT64_FORMAT
                  " %" G_GINT64_FORMAT " %" G_GINT64_FORMAT " %" G_GINT64_FORMAT,
                  &started, &local, &remote, &ice, &connected, &media) == 6 &&
          connected != 0)
        return connected;
      blink_test_pass_time (20);
    }
  g_error ("party %d: not connected to %s", p->tone, did);
}

/* @when (µs) after @origin in ms; NAN when it did not happen. */
static double
since (gint64 when,
       gint64 origin)
{
  return when != 0 ? (when - origin) / 1000.0 : NAN;
}

/* Answer → first sound at the caller, N_CALLS times each way, the two
 * alternating: the callee knows the caller (connected while it rang) or
 * not (connected on answering). The call rings 1 s before the answer. */
static void
measure_answer (void)
{
  Fixture f = { 0 };
  gint64 early[N_CALLS], late[N_CALLS], early_packet[N_CALLS];
  Party *a, *b;

  parties_set_up_kinds (&f, "kk", NULL);
  a = &f.party[0];
  b = &f.party[1];
  for (guint i = 0; i < 2 * N_CALLS; i++)
    {
      gboolean known = i % 2 == 0;
      Party *to_b[] = { b };
      g_autofree char *id = NULL;
      guint a_from = a->lines->len, b_from = b->lines->len;
      const char *sound;
      gint64 answered, heard;
      BlinkPeerTimeline t;

      party_send (b, known ? "know %s" : "know", a->did);
      id = party_offer (a, to_b, 1);
      party_wait_line_from (b, b_from, WAIT_MS, "rang %s ", id);
      blink_test_pass_time (1000);
      if (known)
        party_connected_at (b, a->did);
      party_send (a, "ear-reset");
      blink_test_pass_time (50);
      a_from = a->lines->len;
      answered = g_get_monotonic_time ();
      party_send (b, "accept %s", id);
      sound = party_wait_line_from (a, a_from, WAIT_MS, "first-sound ");
      heard = g_ascii_strtoll (sound + strlen ("first-sound "), NULL, 10) * 1000;
      party_timeline (a, b->did, &t);
      if (known)
        {
          early[i / 2] = heard - answered;
          early_packet[i / 2] = t.first_media - answered;
        }
      else
        late[i / 2] = heard - answered;
      /* Where a slow one's time went: the caller's connection, from the
       * answer (negative: before it). */
      g_test_message ("answer %u (%s): first sound at the caller after %.1f ms; its connection: "
                      "remote description %.1f, ICE %.1f, up %.1f, first packet %.1f ms",
                      i, known ? "connected while ringing" : "connected on answering",
                      (heard - answered) / 1000.0, since (t.remote_description, answered),
                      since (t.ice_connected, answered), since (t.connected, answered),
                      since (t.first_media, answered));

      party_send (a, "hangup");
      party_wait_line (a, "call-removed %s", id);
      party_wait_line (b, "call-removed %s", id);
    }
  report ("answer -> first packet out of caller's jitter buffer, connected while ringing",
          early_packet, N_CALLS);
  report ("answer -> first sound at caller, connected while ringing", early, N_CALLS);
  report ("answer -> first sound at caller, connected on answering", late, N_CALLS);
  g_print ("bench: answer -> first sound ratio, while ringing / on answering at p50: %.2f\n",
           (double) early[N_CALLS / 2] / late[N_CALLS / 2]);
  parties_tear_down (&f, NULL);
}

int
main (int argc,
      char **argv)
{
  Figures kubo, js;

  g_test_init (&argc, &argv, NULL);
  gst_init (&argc, &argv);
  if (!blink_test_ipfs_network_available_for ("kj"))
    {
      g_print ("1..0 # SKIP %s\n", blink_test_ipfs_unavailable_reason ());
      return 0;
    }
  /* As the parties and a daemon are before their first call: else the
   * first bare pair pays for the process's DTLS certificate and the first
   * srtpenc (320–670 ms more, the bare pairs' p95). */
  blink_peer_warm_up ();

  /* bench-calls --load-only [N]: CPU and memory per participant at 2 to 8
   * parties (or N only), without the microphone's processing, nothing more. */
  if (argc > 1 && g_str_equal (argv[1], "--load-only"))
    {
      if (argc > 2)
        {
          guint n = (guint) g_ascii_strtoull (argv[2], NULL, 10);

          if (n < 2 || n > MAX_PARTIES)
            g_error ("--load-only: from 2 to %u parties", MAX_PARTIES);
          measure_load (n, FALSE);
          return 0;
        }
      for (guint n = 2; n <= MAX_PARTIES; n += 2)
        measure_load (n, FALSE);
      return 0;
    }

  /* bench-calls --delay-only: mouth to ear in calls of 2, 6 and 8. */
  if (argc > 1 && g_str_equal (argv[1], "--delay-only"))
    {
      const guint sizes[] = { 2, 6, 8 };

      for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
        measure_delay_in_mesh (sizes[i]);
      return 0;
    }

  if (argc > 1 && g_str_equal (argv[1], "--answer-only"))
    {
      measure_answer ();
      return 0;
    }

  measure_calls ('k', &kubo);
  measure_answer ();
  /* bench-calls --setup-only: setup and teardown on Kubo, nothing more. */
  if (argc > 1 && g_str_equal (argv[1], "--setup-only"))
    return 0;
  measure_calls ('j', &js);
  g_print ("bench: calls, kubo / js at p50: setup %.2f, teardown %.2f\n",
           (double) kubo.setup / js.setup, (double) kubo.teardown / js.teardown);

  /* Load on Kubo, the default; the cost of the microphone's processing as
   * a ratio, each size measured without and with it side by side. */
  for (guint n = 2; n <= MAX_PARTIES; n += 2)
    {
      double plain = measure_load (n, FALSE);
      double processed = measure_load (n, TRUE);

      if (plain > 0 && processed > 0)
        g_print ("bench: %u-party call, CPU with / without audio processing: %.2f\n", n,
                 processed / plain);
    }
  return 0;
}
