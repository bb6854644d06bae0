/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

#include "blink-test-ipfs-network.h"

G_BEGIN_DECLS

#define WAIT_MS 20000
#define MAX_PARTIES 8

typedef struct
{
  GSubprocess *process;
  GDataInputStream *output;
  GOutputStream *input;
  GCancellable *cancellable;
  GPtrArray *lines;
  char *did;
  char *key_path;
  int tone;
  gboolean exited;
} Party;

typedef struct
{
  BlinkTestIpfsNetwork *network;
  char *dir;
  Party party[MAX_PARTIES];
  guint n;
} Fixture;

void parties_set_up (Fixture *f,
                     guint n,
                     const char *const *extra);
void parties_set_up_kinds (Fixture *f,
                           const char *kinds,
                           const char *const *extra);
void parties_tear_down (Fixture *f,
                        gconstpointer data);
void party_spawn (Fixture *f,
                  guint i,
                  const char *const *extra);
void party_kill (Party *p,
                 int signum);
void party_send (Party *p,
                 const char *format,
                 ...) G_GNUC_PRINTF (2, 3);
const char *party_find_line (Party *p,
                             const char *prefix,
                             guint from);
const char *party_wait_line_from (Party *p,
                                  guint from,
                                  guint timeout_ms,
                                  const char *format,
                                  ...) G_GNUC_PRINTF (4, 5);
#define party_wait_line(p, ...) party_wait_line_from ((p), 0, WAIT_MS, __VA_ARGS__)
char *party_offer (Party *caller,
                   Party **callees,
                   guint n);
gint64 party_mouth_to_ear_ms (Party *from,
                              Party *to);
void party_check_hears (Fixture *f,
                        Party *p,
                        Party **hear,
                        guint n_hear);
void party_check_hear_each_other (Fixture *f,
                                  Party *a,
                                  Party *b);

G_END_DECLS
