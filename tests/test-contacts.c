/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "blink-call-history.h"
#include "blink-contact-store.h"
#include "blink-engine-errors.h"

/* blinkd's contact store and call history: what they accept, what links
 * they take, and their files: written and read back, moved aside when
 * corrupt, capped. */

#define ALICE "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
#define BOB "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp"
#define SELF "did:key:z6MkjchhfUsD6mmvni8mCdXHw216Xrm9bQe2mBH1P5RDjVJG"

typedef struct
{
  char *dir;
  char *contacts_path;
  char *history_path;
} Fixture;

static void
fixture_set_up (Fixture *f,
                gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  f->dir = g_dir_make_tmp ("blink-contacts-XXXXXX", &error);
  g_assert_no_error (error);
  f->contacts_path = g_build_filename (f->dir, "profile", "contacts.json", NULL);
  f->history_path = g_build_filename (f->dir, "profile", "history.json", NULL);
}

static void
remove_tree (const char *path)
{
  g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        remove_tree (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

static void
fixture_tear_down (Fixture *f,
                   gconstpointer data)
{
  remove_tree (f->dir);
  g_free (f->dir);
  g_free (f->contacts_path);
  g_free (f->history_path);
}

/* Files in the profile's folder whose name starts with @prefix. */
static guint
count_files (Fixture *f,
             const char *prefix)
{
  g_autofree char *folder = g_path_get_dirname (f->contacts_path);
  g_autoptr (GDir) dir = g_dir_open (folder, 0, NULL);
  const char *name;
  guint n = 0;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_prefix (name, prefix))
      n++;
  return n;
}

static void
write_file (const char *path,
            const char *text)
{
  g_autofree char *dir = g_path_get_dirname (path);
  g_autoptr (GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
}

/* ---- contacts ---- */

static void
test_add_rename_remove (Fixture *f,
                        gconstpointer data)
{
  g_autoptr (BlinkContactStore) store = blink_contact_store_new (f->contacts_path, SELF);
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) dids = NULL;

  g_assert_true (blink_contact_store_add (store, BOB, "Bob", &error));
  g_assert_no_error (error);
  g_assert_true (blink_contact_store_add (store, ALICE, "alice", &error));
  /* Sorted by name, case aside. */
  dids = blink_contact_store_list (store);
  g_assert_cmpuint (g_strv_length (dids), ==, 2);
  g_assert_cmpstr (dids[0], ==, ALICE);
  g_assert_cmpstr (dids[1], ==, BOB);

  /* Adding again renames. */
  g_assert_true (blink_contact_store_add (store, BOB, "Robert", &error));
  g_assert_cmpstr (blink_contact_store_lookup (store, BOB), ==, "Robert");
  g_assert_true (blink_contact_store_rename (store, ALICE, "Alice Liddell", &error));
  g_assert_cmpstr (blink_contact_store_lookup (store, ALICE), ==, "Alice Liddell");

  g_assert_true (blink_contact_store_remove (store, BOB, &error));
  g_assert_null (blink_contact_store_lookup (store, BOB));
  g_assert_false (blink_contact_store_remove (store, BOB, &error));
  g_assert_error (error, BLINK_CALL_ERROR, BLINK_CALL_ERROR_NO_SUCH_CONTACT);
  g_clear_error (&error);
  g_assert_false (blink_contact_store_rename (store, BOB, "Bob", &error));
  g_assert_error (error, BLINK_CALL_ERROR, BLINK_CALL_ERROR_NO_SUCH_CONTACT);
}

static void
test_refused (Fixture *f,
              gconstpointer data)
{
  g_autoptr (BlinkContactStore) store = blink_contact_store_new (f->contacts_path, SELF);
  g_autofree char *long_name = g_strnfill (BLINK_CONTACT_NAME_MAX + 1, 'a');
  g_autofree char *longest = g_strnfill (BLINK_CONTACT_NAME_MAX, 'a');
  const char *bad_names[] = { "", "   ", "Bob\n", "Bob\033[2J", "a\tb", "\xff\xfe", long_name };
  g_autoptr (GError) error = NULL;

  g_assert_false (blink_contact_store_add (store, "did:key:zNotAKey", "Bob", &error));
  g_assert_error (error, BLINK_CALL_ERROR, BLINK_CALL_ERROR_BAD_DID);
  g_clear_error (&error);
  g_assert_false (blink_contact_store_add (store, SELF, "Me", &error));
  g_assert_error (error, BLINK_CALL_ERROR, BLINK_CALL_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  for (guint i = 0; i < G_N_ELEMENTS (bad_names); i++)
    {
      g_assert_false (blink_contact_store_add (store, BOB, bad_names[i], &error));
      g_assert_error (error, BLINK_CALL_ERROR, BLINK_CALL_ERROR_INVALID_ARGUMENT);
      g_clear_error (&error);
    }
  /* Nothing was written for what was refused. */
  g_assert_false (g_file_test (f->contacts_path, G_FILE_TEST_EXISTS));
  /* 128 characters, of several bytes each, are a name. */
  g_assert_true (blink_contact_store_add (store, BOB, longest, &error));
  g_assert_true (blink_contact_store_add (store, BOB, "Zoë 🙂", &error));
  g_assert_no_error (error);
}

static void
test_link (void)
{
  g_autofree char *did = NULL, *name = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *made = NULL;

  g_assert_true (blink_contact_parse_link ("blink:" BOB "?name=Bob%20Dylan", &did, &name, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (did, ==, BOB);
  g_assert_cmpstr (name, ==, "Bob Dylan");
  g_clear_pointer (&did, g_free);
  g_clear_pointer (&name, g_free);

  /* A bare did, and a link without a name: a short form of the did. */
  g_assert_true (blink_contact_parse_link (BOB, &did, &name, &error));
  g_assert_cmpstr (did, ==, BOB);
  g_assert_cmpstr (name, ==, "z6MkiTBz…ooWp");
  g_clear_pointer (&did, g_free);
  g_clear_pointer (&name, g_free);

  /* Other fields are not taken from a link, whatever they say. */
  g_assert_true (
    blink_contact_parse_link ("blink:" BOB "?did=" ALICE "&name=Zo%C3%AB", &did, &name, &error));
  g_assert_cmpstr (did, ==, BOB);
  g_assert_cmpstr (name, ==, "Zoë");
  g_clear_pointer (&did, g_free);
  g_clear_pointer (&name, g_free);

  /* Our own links read back. */
  made = blink_contact_make_link (BOB, "Bob & Co?=#%");
  g_assert_true (g_str_has_prefix (made, "blink:" BOB "?name="));
  g_assert_true (blink_contact_parse_link (made, &did, &name, &error));
  g_assert_cmpstr (name, ==, "Bob & Co?=#%");
  g_clear_pointer (&made, g_free);
  made = blink_contact_make_link (BOB, NULL);
  g_assert_cmpstr (made, ==, "blink:" BOB);
}

static void
test_hostile_links (void)
{
  g_autofree char *huge = NULL;
  g_autofree char *long_name = NULL;
  struct
  {
    const char *link;
    int code;
  } cases[] = {
    { "", BLINK_CALL_ERROR_INVALID_ARGUMENT },
    { "blink:", BLINK_CALL_ERROR_BAD_DID },
    { "https://example.com/" BOB, BLINK_CALL_ERROR_INVALID_ARGUMENT },
    { "blinkx:" BOB, BLINK_CALL_ERROR_INVALID_ARGUMENT },
    { "javascript:alert(1)", BLINK_CALL_ERROR_INVALID_ARGUMENT },
    { "blink:did:key:zNotAKey", BLINK_CALL_ERROR_BAD_DID },
    { "blink:did:web:example.com", BLINK_CALL_ERROR_BAD_DID },
    { "blink:" BOB "x", BLINK_CALL_ERROR_BAD_DID },
    { "blink: " BOB, BLINK_CALL_ERROR_BAD_DID },
    { "blink:" BOB "?name=%", BLINK_CALL_ERROR_INVALID_ARGUMENT },
    { "blink:" BOB "?name=%zz", BLINK_CALL_ERROR_INVALID_ARGUMENT },
    { "blink:" BOB "?name=a%00b", BLINK_CALL_ERROR_INVALID_ARGUMENT },
    { "blink:" BOB "?name=a%0Ab", BLINK_CALL_ERROR_INVALID_ARGUMENT },
    { "blink:" BOB "?name=%1B%5B2J", BLINK_CALL_ERROR_INVALID_ARGUMENT },
    { "blink:" BOB "?name=%FF%FE", BLINK_CALL_ERROR_INVALID_ARGUMENT },
    { "blink:" BOB "?name=", BLINK_CALL_ERROR_INVALID_ARGUMENT },
    { "blink:" BOB "?name=Bob&name=Eve", BLINK_CALL_ERROR_INVALID_ARGUMENT },
    { "blink:" BOB "?name=Bob#" ALICE, BLINK_CALL_ERROR_INVALID_ARGUMENT },
    { "blink:" BOB "%3Fname=Eve", BLINK_CALL_ERROR_BAD_DID },
    { "blink:\xff" BOB, BLINK_CALL_ERROR_INVALID_ARGUMENT },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *did = NULL, *name = NULL;
      g_autoptr (GError) error = NULL;
      g_autofree char *shown = g_strescape (cases[i].link, NULL);

      g_test_message ("%s", shown);
      g_assert_false (blink_contact_parse_link (cases[i].link, &did, &name, &error));
      g_assert_error (error, BLINK_CALL_ERROR, cases[i].code);
      g_assert_null (did);
      g_assert_null (name);
    }

  /* Very long: refused before anything is decoded. */
  {
    g_autofree char *did = NULL, *name = NULL;
    g_autoptr (GError) error = NULL;
    g_autofree char *padding = g_strnfill (1 << 20, 'a');

    huge = g_strconcat ("blink:" BOB "?x=", padding, "&name=Bob", NULL);
    g_assert_false (blink_contact_parse_link (huge, &did, &name, &error));
    g_assert_error (error, BLINK_CALL_ERROR, BLINK_CALL_ERROR_INVALID_ARGUMENT);
  }
  {
    g_autofree char *did = NULL, *name = NULL;
    g_autoptr (GError) error = NULL;
    g_autofree char *letters = g_strnfill (BLINK_CONTACT_NAME_MAX + 1, 'a');

    long_name = g_strconcat ("blink:" BOB "?name=", letters, NULL);
    g_assert_false (blink_contact_parse_link (long_name, &did, &name, &error));
    g_assert_error (error, BLINK_CALL_ERROR, BLINK_CALL_ERROR_INVALID_ARGUMENT);
  }
}

static void
test_contacts_persist (Fixture *f,
                       gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  GStatBuf st;

  {
    g_autoptr (BlinkContactStore) store = blink_contact_store_new (f->contacts_path, SELF);

    g_assert_true (blink_contact_store_add (store, BOB, "Bob \"the\" \\ Builder", &error));
    g_assert_true (blink_contact_store_add (store, ALICE, "Alice", &error));
    g_assert_true (blink_contact_store_set_who_may_ring (store, BLINK_WHO_MAY_RING_NOBODY, &error));
    g_assert_no_error (error);
  }
  g_assert_cmpint (g_stat (f->contacts_path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  {
    g_autoptr (BlinkContactStore) store = blink_contact_store_new (f->contacts_path, SELF);

    g_assert_cmpstr (blink_contact_store_lookup (store, BOB), ==, "Bob \"the\" \\ Builder");
    g_assert_cmpstr (blink_contact_store_lookup (store, ALICE), ==, "Alice");
    g_assert_cmpint (blink_contact_store_get_who_may_ring (store), ==, BLINK_WHO_MAY_RING_NOBODY);
  }
}

static void
test_contacts_corrupt (Fixture *f,
                       gconstpointer data)
{
  const char *corrupt[] = {
    "{\"contacts\": [", "\x01garbage", "[1, 2, 3]", "{\"contacts\": 5}", "null",
  };

  for (guint i = 0; i < G_N_ELEMENTS (corrupt); i++)
    {
      g_autoptr (BlinkContactStore) store = NULL;
      g_autoptr (GError) error = NULL;
      g_auto (GStrv) dids = NULL;

      write_file (f->contacts_path, corrupt[i]);
      g_test_expect_message ("blinkd-contacts", G_LOG_LEVEL_WARNING, "*moved to*");
      store = blink_contact_store_new (f->contacts_path, SELF);
      g_test_assert_expected_messages ();
      dids = blink_contact_store_list (store);
      g_assert_cmpuint (g_strv_length (dids), ==, 0);
      g_assert_false (g_file_test (f->contacts_path, G_FILE_TEST_EXISTS));
      g_assert_cmpuint (count_files (f, "contacts.json.corrupt-"), >=, 1);
      /* and the store works on. */
      g_assert_true (blink_contact_store_add (store, BOB, "Bob", &error));
      g_assert_no_error (error);
      g_unlink (f->contacts_path);
      remove_tree (f->dir);
      g_mkdir (f->dir, 0700);
    }

  /* Bad entries are skipped, good ones kept; an unknown policy is the default. */
  {
    g_autoptr (BlinkContactStore) store = NULL;

    write_file (f->contacts_path,
                "{\"who-may-ring\": \"strangers\", \"contacts\": ["
                "{\"did\": \"did:key:zBad\", \"name\": \"Eve\"},"
                "{\"did\": \"" BOB "\", \"name\": \"Bob\\u001b[2J\"},"
                "{\"did\": 7}, \"x\","
                "{\"did\": \"" ALICE "\", \"name\": \"Alice\"}]}");
    store = blink_contact_store_new (f->contacts_path, SELF);
    g_assert_cmpstr (blink_contact_store_lookup (store, ALICE), ==, "Alice");
    g_assert_null (blink_contact_store_lookup (store, BOB));
    g_assert_cmpint (blink_contact_store_get_who_may_ring (store), ==,
                     BLINK_WHO_MAY_RING_EVERYONE);
  }
}

/* ---- history ---- */

static GVariant *
entry (guint i,
       gboolean incoming,
       const char *outcome)
{
  g_autofree char *id = g_strdup_printf ("%016x", i);
  const char *participants[] = { BOB, NULL };

  return blink_call_history_entry_new (id, incoming, participants, 1700000000000000 + i,
                                       i * 1000, outcome, "");
}

static void
test_history (Fixture *f,
              gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  GStatBuf st;

  {
    g_autoptr (BlinkCallHistory) history = blink_call_history_new (f->history_path);
    g_autoptr (GVariant) list = NULL;
    const char *id, *direction, *outcome;
    gint64 duration;

    g_assert_true (blink_call_history_add (history, entry (1, TRUE, "answered"), &error));
    g_assert_true (blink_call_history_add (history, entry (2, TRUE, "missed"), &error));
    g_assert_true (blink_call_history_add (history, entry (3, FALSE, "missed"), &error));
    g_assert_true (blink_call_history_add (history, entry (4, TRUE, "missed"), &error));
    g_assert_no_error (error);
    /* Only incoming missed calls count. */
    g_assert_cmpuint (blink_call_history_get_missed_count (history), ==, 2);

    list = g_variant_ref_sink (blink_call_history_list (history, 2));
    g_assert_cmpuint (g_variant_n_children (list), ==, 2);
    {
      g_autoptr (GVariant) newest = g_variant_get_child_value (list, 0);

      g_assert_true (g_variant_lookup (newest, "id", "&s", &id));
      g_assert_cmpstr (id, ==, "0000000000000004");
    }
    g_clear_pointer (&list, g_variant_unref);
    list = g_variant_ref_sink (blink_call_history_list (history, 0));
    g_assert_cmpuint (g_variant_n_children (list), ==, 4);
    {
      g_autoptr (GVariant) oldest = g_variant_get_child_value (list, 3);

      g_assert_true (g_variant_lookup (oldest, "direction", "&s", &direction));
      g_assert_true (g_variant_lookup (oldest, "outcome", "&s", &outcome));
      g_assert_true (g_variant_lookup (oldest, "duration", "x", &duration));
      g_assert_cmpstr (direction, ==, "incoming");
      g_assert_cmpstr (outcome, ==, "answered");
      g_assert_cmpint (duration, ==, 1000);
    }
  }
  g_assert_cmpint (g_stat (f->history_path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  {
    g_autoptr (BlinkCallHistory) history = blink_call_history_new (f->history_path);
    g_autoptr (GVariant) list = g_variant_ref_sink (blink_call_history_list (history, 0));
    g_autoptr (GVariant) first = NULL;
    const char **participants = NULL;
    gint64 start;

    g_assert_cmpuint (g_variant_n_children (list), ==, 4);
    g_assert_cmpuint (blink_call_history_get_missed_count (history), ==, 2);
    first = g_variant_get_child_value (list, 0);
    g_assert_true (g_variant_lookup (first, "start", "x", &start));
    g_assert_cmpint (start, ==, 1700000000000004);
    g_assert_true (g_variant_lookup (first, "participants", "^a&s", &participants));
    g_assert_cmpstr (participants[0], ==, BOB);
    g_assert_null (participants[1]);
    g_free (participants);

    g_assert_true (blink_call_history_mark_seen (history, &error));
    g_assert_cmpuint (blink_call_history_get_missed_count (history), ==, 0);
  }
  {
    g_autoptr (BlinkCallHistory) history = blink_call_history_new (f->history_path);

    g_assert_cmpuint (blink_call_history_get_missed_count (history), ==, 0);
  }
}

static void
test_history_cap (Fixture *f,
                  gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GString) text = g_string_new ("{\"calls\": [");

  /* A file of more than the cap, newest first (one write per call would
   * make the test slow, not the daemon). */
  for (guint i = BLINK_CALL_HISTORY_MAX + 10; i > 0; i--)
    g_string_append_printf (text,
                            "%s{\"id\": \"%016x\", \"direction\": \"outgoing\", "
                            "\"participants\": [\"" BOB "\"], \"start\": %u, "
                            "\"duration\": 0, \"outcome\": \"answered\", \"reason\": \"\"}",
                            i == BLINK_CALL_HISTORY_MAX + 10 ? "" : ",", i, i);
  g_string_append (text, "]}");
  write_file (f->history_path, text->str);
  {
    g_autoptr (BlinkCallHistory) history = blink_call_history_new (f->history_path);

    g_assert_true (blink_call_history_add (history, entry (BLINK_CALL_HISTORY_MAX + 11, FALSE,
                                                           "answered"),
                                           &error));
    g_assert_no_error (error);
  }
  {
    g_autoptr (BlinkCallHistory) history = blink_call_history_new (f->history_path);
    g_autoptr (GVariant) list = g_variant_ref_sink (blink_call_history_list (history, 0));
    g_autoptr (GVariant) newest = g_variant_get_child_value (list, 0);
    g_autoptr (GVariant) oldest = g_variant_get_child_value (list, BLINK_CALL_HISTORY_MAX - 1);
    const char *id;

    g_assert_cmpuint (g_variant_n_children (list), ==, BLINK_CALL_HISTORY_MAX);
    g_assert_true (g_variant_lookup (newest, "id", "&s", &id));
    g_assert_cmpstr (id, ==, "00000000000003f3");
    /* The oldest went. */
    g_assert_true (g_variant_lookup (oldest, "id", "&s", &id));
    g_assert_cmpstr (id, ==, "000000000000000c");
  }
}

static void
test_history_corrupt (Fixture *f,
                      gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  write_file (f->history_path, "{\"calls\": [{\"id\": ");
  {
    g_autoptr (BlinkCallHistory) history = NULL;
    g_autoptr (GVariant) list = NULL;

    g_test_expect_message ("blinkd-history", G_LOG_LEVEL_WARNING, "*moved to*");
    history = blink_call_history_new (f->history_path);
    g_test_assert_expected_messages ();
    list = g_variant_ref_sink (blink_call_history_list (history, 0));
    g_assert_cmpuint (g_variant_n_children (list), ==, 0);
    g_assert_cmpuint (count_files (f, "history.json.corrupt-"), ==, 1);
    g_assert_true (blink_call_history_add (history, entry (1, TRUE, "missed"), &error));
    g_assert_no_error (error);
  }

  /* Entries that are not ones are skipped; a missed count beyond them is cut. */
  write_file (f->history_path,
              "{\"missed-unseen\": 4000000000, \"calls\": ["
              "{\"id\": \"a\", \"direction\": \"sideways\", \"participants\": [], \"start\": 1, "
              "\"duration\": 0, \"outcome\": \"missed\", \"reason\": \"\"},"
              "{\"id\": \"b\", \"direction\": \"incoming\", \"participants\": [\"nobody\"], "
              "\"start\": 1, \"duration\": 0, \"outcome\": \"missed\", \"reason\": \"\"},"
              "{\"id\": \"c\", \"direction\": \"incoming\", \"participants\": [\"" BOB "\"], "
              "\"start\": 1, \"duration\": -5, \"outcome\": \"missed\", \"reason\": \"\"},"
              "{\"id\": \"d\", \"direction\": \"incoming\", \"participants\": [\"" BOB "\"], "
              "\"start\": 1, \"duration\": 0, \"outcome\": \"exploded\", \"reason\": \"\"},"
              "{\"id\": \"e\", \"direction\": \"incoming\", \"participants\": [\"" BOB "\"], "
              "\"start\": 1, \"duration\": 0, \"outcome\": \"missed\", \"reason\": \"\"}]}");
  {
    g_autoptr (BlinkCallHistory) history = blink_call_history_new (f->history_path);
    g_autoptr (GVariant) list = g_variant_ref_sink (blink_call_history_list (history, 0));
    g_autoptr (GVariant) only = NULL;
    const char *id;

    g_assert_cmpuint (g_variant_n_children (list), ==, 1);
    only = g_variant_get_child_value (list, 0);
    g_assert_true (g_variant_lookup (only, "id", "&s", &id));
    g_assert_cmpstr (id, ==, "e");
    g_assert_cmpuint (blink_call_history_get_missed_count (history), ==, 1);
  }
}

int
main (int argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/blink/contacts/add-rename-remove", Fixture, NULL, fixture_set_up,
              test_add_rename_remove, fixture_tear_down);
  g_test_add ("/blink/contacts/refused", Fixture, NULL, fixture_set_up, test_refused,
              fixture_tear_down);
  g_test_add_func ("/blink/contacts/link", test_link);
  g_test_add_func ("/blink/contacts/hostile-links", test_hostile_links);
  g_test_add ("/blink/contacts/persist", Fixture, NULL, fixture_set_up, test_contacts_persist,
              fixture_tear_down);
  g_test_add ("/blink/contacts/corrupt", Fixture, NULL, fixture_set_up, test_contacts_corrupt,
              fixture_tear_down);
  g_test_add ("/blink/history/persist", Fixture, NULL, fixture_set_up, test_history,
              fixture_tear_down);
  g_test_add ("/blink/history/cap", Fixture, NULL, fixture_set_up, test_history_cap,
              fixture_tear_down);
  g_test_add ("/blink/history/corrupt", Fixture, NULL, fixture_set_up, test_history_corrupt,
              fixture_tear_down);
  return g_test_run ();
}
