/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gstdio.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include "blink-errors.h"
#include "blink-identity.h"

static char *
make_private_dir (void)
{
  g_autoptr (GError) error = NULL;
  char *dir = g_dir_make_tmp ("blink-identity-XXXXXX", &error);

  g_assert_no_error (error);
  g_assert_cmpint (g_chmod (dir, 0700), ==, 0);
  return dir;
}

static mode_t
mode_of (const char *path)
{
  struct stat st;

  g_assert_cmpint (g_stat (path, &st), ==, 0);
  return st.st_mode & 0777;
}

static void
test_create_then_load (void)
{
  g_autofree char *path = blink_identity_default_path ();
  g_autofree char *dir = g_path_get_dirname (path);
  g_autoptr (GError) error = NULL;
  g_autoptr (BlinkIdentity) first = NULL;
  g_autoptr (BlinkIdentity) again = NULL;
  g_autofree char *did_property = NULL;

  /* The test runs with its own XDG_CONFIG_HOME (G_TEST_OPTION_ISOLATE_DIRS). */
  g_assert_true (g_str_has_prefix (path, g_get_user_config_dir ()));
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));

  first = blink_identity_load_or_create (NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (blink_identity_get_did (first), "did:key:z6Mk"));
  g_assert_cmpuint (mode_of (path), ==, 0600);
  g_assert_cmpuint (mode_of (dir), ==, 0700);

  again = blink_identity_load_or_create (path, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (blink_identity_get_did (again), ==, blink_identity_get_did (first));

  g_object_get (again, "did", &did_property, NULL);
  g_assert_cmpstr (did_property, ==, blink_identity_get_did (first));
}

static void
test_signature_verifies (void)
{
  g_autoptr (BlinkIdentity) identity = blink_identity_new_random ();
  guint8 signature[BLINK_ED25519_SIGNATURE_BYTES];
  static const guint8 data[] = "hello";

  blink_identity_sign (identity, data, sizeof data, signature);
  g_assert_cmpint (crypto_sign_verify_detached (signature, data, sizeof data,
                                                blink_identity_get_public_key (identity)), ==, 0);
  signature[10] ^= 1;
  g_assert_cmpint (crypto_sign_verify_detached (signature, data, sizeof data,
                                                blink_identity_get_public_key (identity)), !=, 0);
}

static void
test_refuses_readable_file (void)
{
  g_autofree char *dir = make_private_dir ();
  g_autofree char *path = g_build_filename (dir, "identity.key", NULL);
  g_autoptr (BlinkIdentity) identity = NULL;
  g_autoptr (GError) error = NULL;

  identity = blink_identity_load_or_create (path, &error);
  g_assert_no_error (error);
  g_clear_object (&identity);

  for (guint i = 0; i < 3; i++)
    {
      static const mode_t modes[] = { 0644, 0640, 0606 };

      g_assert_cmpint (g_chmod (path, modes[i]), ==, 0);
      identity = blink_identity_load_or_create (path, &error);
      g_assert_null (identity);
      g_assert_error (error, BLINK_IDENTITY_ERROR, BLINK_IDENTITY_ERROR_PERMISSIONS);
      g_assert_nonnull (strstr (error->message, "chmod 0600"));
      g_clear_error (&error);
    }

  g_assert_cmpint (g_chmod (path, 0400), ==, 0);
  identity = blink_identity_load (path, &error);
  g_assert_no_error (error);
  g_assert_nonnull (identity);

  g_unlink (path);
  g_rmdir (dir);
}

static void
test_refuses_open_folder (void)
{
  g_autofree char *dir = make_private_dir ();
  g_autofree char *path = g_build_filename (dir, "identity.key", NULL);
  g_autoptr (BlinkIdentity) identity = NULL;
  g_autoptr (GError) error = NULL;

  identity = blink_identity_load_or_create (path, &error);
  g_assert_no_error (error);
  g_clear_object (&identity);

  g_assert_cmpint (g_chmod (dir, 0755), ==, 0);
  identity = blink_identity_load (path, &error);
  g_assert_null (identity);
  g_assert_error (error, BLINK_IDENTITY_ERROR, BLINK_IDENTITY_ERROR_PERMISSIONS);

  g_unlink (path);
  g_rmdir (dir);
}

static void
test_refuses_corrupt_file (void)
{
  static const struct
  {
    const char *contents;
    gssize len;
  } cases[] = {
    { "", 0 },
    { "blink-ed25519-seed-v1\n", -1 },
    { "blink-ed25519-seed-v1\n0123456789abcdef0123456789abcde", -1 },  /* 31 bytes */
    { "blink-ed25519-seed-v1\n0123456789abcdef0123456789abcdef!", -1 }, /* 33 bytes */
    { "blink-ed25519-seed-v2\n0123456789abcdef0123456789abcdef", -1 },
  };
  g_autofree char *dir = make_private_dir ();
  g_autofree char *path = g_build_filename (dir, "identity.key", NULL);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (BlinkIdentity) identity = NULL;

      g_assert_true (g_file_set_contents_full (path, cases[i].contents, cases[i].len,
                                               G_FILE_SET_CONTENTS_CONSISTENT, 0600, NULL));
      identity = blink_identity_load_or_create (path, &error);
      g_assert_null (identity);
      g_assert_error (error, BLINK_IDENTITY_ERROR, BLINK_IDENTITY_ERROR_CORRUPT);
    }

  g_assert_true (g_file_set_contents_full (path,
                                           "blink-ed25519-seed-v1\n0123456789abcdef0123456789abcdef",
                                           -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600, NULL));
  {
    g_autoptr (GError) error = NULL;
    g_autoptr (BlinkIdentity) identity = blink_identity_load (path, &error);
    g_autoptr (BlinkIdentity) same = blink_identity_new_from_seed ((const guint8 *) "0123456789abcdef0123456789abcdef");

    g_assert_no_error (error);
    g_assert_cmpstr (blink_identity_get_did (identity), ==, blink_identity_get_did (same));
  }

  g_unlink (path);
  g_rmdir (dir);
}

static void
test_missing_file (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (BlinkIdentity) identity = blink_identity_load ("/nonexistent/blink/identity.key",
                                                            &error);

  g_assert_null (identity);
  g_assert_error (error, BLINK_IDENTITY_ERROR, BLINK_IDENTITY_ERROR_IO);
}

static void
test_refuses_symlink (void)
{
  g_autofree char *dir = make_private_dir ();
  g_autofree char *real = g_build_filename (dir, "real.key", NULL);
  g_autofree char *link = g_build_filename (dir, "identity.key", NULL);
  g_autoptr (BlinkIdentity) identity = NULL;
  g_autoptr (GError) error = NULL;

  identity = blink_identity_load_or_create (real, &error);
  g_assert_no_error (error);
  g_clear_object (&identity);
  g_assert_cmpint (symlink (real, link), ==, 0);

  identity = blink_identity_load (link, &error);
  g_assert_null (identity);
  g_assert_error (error, BLINK_IDENTITY_ERROR, BLINK_IDENTITY_ERROR_IO);

  g_unlink (link);
  g_unlink (real);
  g_rmdir (dir);
}

static gpointer
create_in_thread (gpointer path)
{
  g_autoptr (GError) error = NULL;
  BlinkIdentity *identity = blink_identity_load_or_create (path, &error);

  g_assert_no_error (error);
  return identity;
}

static void
test_concurrent_first_use (void)
{
  /* Two processes starting at once must agree on one identity. */
  for (guint round = 0; round < 20; round++)
    {
      g_autofree char *dir = make_private_dir ();
      g_autofree char *path = g_build_filename (dir, "identity.key", NULL);
      GThread *a = g_thread_new ("a", create_in_thread, path);
      GThread *b = g_thread_new ("b", create_in_thread, path);
      g_autoptr (BlinkIdentity) ia = g_thread_join (a);
      g_autoptr (BlinkIdentity) ib = g_thread_join (b);
      g_autoptr (GDir) listing = NULL;

      g_assert_cmpstr (blink_identity_get_did (ia), ==, blink_identity_get_did (ib));

      /* No temporary file is left behind. */
      listing = g_dir_open (dir, 0, NULL);
      g_assert_cmpstr (g_dir_read_name (listing), ==, "identity.key");
      g_assert_null (g_dir_read_name (listing));

      g_unlink (path);
      g_rmdir (dir);
    }
}

int
main (int argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/blink/identity/create-then-load", test_create_then_load);
  g_test_add_func ("/blink/identity/signature-verifies", test_signature_verifies);
  g_test_add_func ("/blink/identity/refuses-readable-file", test_refuses_readable_file);
  g_test_add_func ("/blink/identity/refuses-open-folder", test_refuses_open_folder);
  g_test_add_func ("/blink/identity/refuses-corrupt-file", test_refuses_corrupt_file);
  g_test_add_func ("/blink/identity/missing-file", test_missing_file);
  g_test_add_func ("/blink/identity/refuses-symlink", test_refuses_symlink);
  g_test_add_func ("/blink/identity/concurrent-first-use", test_concurrent_first_use);

  return g_test_run ();
}
