/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "blink-identity"

#include "config.h"

#include "blink-identity.h"
#include "blink-errors.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <sodium.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The key file holds a versioned header line and the 32-byte Ed25519 seed,
 * nothing else: everything public is derived from the seed. */
#define KEY_FILE_MAGIC "blink-ed25519-seed-v1\n"
#define KEY_FILE_MAGIC_LEN (sizeof KEY_FILE_MAGIC - 1)
#define KEY_FILE_LEN (KEY_FILE_MAGIC_LEN + BLINK_IDENTITY_SEED_BYTES)

enum
{
  PROP_0,
  PROP_DID,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* Secrets live in sodium_malloc()ed memory: guarded, kept out of swap where
 * possible, and wiped by sodium_free(). */
typedef struct
{
  guint8 ed25519_sk[crypto_sign_SECRETKEYBYTES];
  guint8 x25519_sk[crypto_scalarmult_curve25519_BYTES];
} Secrets;

struct _BlinkIdentity
{
  GObject parent_instance;

  Secrets *secrets;
  guint8 public_key[crypto_sign_PUBLICKEYBYTES];
  guint8 x25519_public_key[crypto_scalarmult_curve25519_BYTES];
  char *did;
};

G_DEFINE_FINAL_TYPE (BlinkIdentity, blink_identity, G_TYPE_OBJECT)

static BlinkIdentity *
identity_new_from_seed (const guint8 *seed)
{
  BlinkIdentity *self = g_object_new (BLINK_TYPE_IDENTITY, NULL);

  crypto_sign_seed_keypair (self->public_key, self->secrets->ed25519_sk, seed);
  crypto_sign_ed25519_sk_to_curve25519 (self->secrets->x25519_sk, self->secrets->ed25519_sk);
  crypto_scalarmult_curve25519_base (self->x25519_public_key, self->secrets->x25519_sk);
  self->did = blink_did_from_public_key (self->public_key);

  return self;
}

static gboolean
check_private_mode (const char *what,
                    const char *path,
                    const struct stat *st,
                    mode_t allowed,
                    GError **error)
{
  if (st->st_uid != getuid ())
    {
      g_set_error (error, BLINK_IDENTITY_ERROR, BLINK_IDENTITY_ERROR_PERMISSIONS,
                   "The key %s %s belongs to another user", what, path);
      return FALSE;
    }

  if ((st->st_mode & 0777 & ~allowed) != 0)
    {
      g_set_error (error, BLINK_IDENTITY_ERROR, BLINK_IDENTITY_ERROR_PERMISSIONS,
                   "The key %s %s is accessible by other users (mode %04o); "
                   "restrict it with “chmod %04o %s”",
                   what, path, (unsigned) (st->st_mode & 0777), (unsigned) allowed, path);
      return FALSE;
    }

  return TRUE;
}

static gboolean
read_exact (int fd,
            guint8 *buf,
            gsize len,
            gsize *out_read)
{
  gsize done = 0;

  while (done < len)
    {
      gssize n = read (fd, buf + done, len - done);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return FALSE;
      if (n == 0)
        break;
      done += n;
    }

  *out_read = done;
  return TRUE;
}

static gboolean
write_all (int fd,
           const guint8 *buf,
           gsize len)
{
  gsize done = 0;

  while (done < len)
    {
      gssize n = write (fd, buf + done, len - done);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return FALSE;
      done += n;
    }

  return TRUE;
}

static GError *
io_error (const char *action,
          const char *path,
          int saved_errno)
{
  return g_error_new (BLINK_IDENTITY_ERROR, BLINK_IDENTITY_ERROR_IO,
                      "Cannot %s the key file %s: %s", action, path, g_strerror (saved_errno));
}

/**
 * blink_identity_default_path:
 *
 * Returns: (transfer full): `$XDG_CONFIG_HOME/blink/identity.key`
 */
char *
blink_identity_default_path (void)
{
  return g_build_filename (g_get_user_config_dir (), "blink", "identity.key", NULL);
}

/**
 * blink_identity_profile_path:
 * @profile: a profile's name, e.g. "work"
 *
 * Returns: (transfer full): `$XDG_CONFIG_HOME/blink/PROFILE/identity.key`
 */
char *
blink_identity_profile_path (const char *profile)
{
  return g_build_filename (g_get_user_config_dir (), "blink", profile, "identity.key", NULL);
}

/**
 * blink_identity_load:
 * @path: the key file
 * @error: why it cannot be used
 *
 * Loads an existing identity. A key file, or its folder, that other users
 * can reach is refused: the key would no longer be the user's alone.
 *
 * Returns: (transfer full) (nullable): the identity
 */
BlinkIdentity *
blink_identity_load (const char *path,
                     GError **error)
{
  g_autofree char *dir = NULL;
  guint8 *contents;
  struct stat st;
  gsize got = 0;
  int fd;
  BlinkIdentity *self = NULL;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (sodium_init () < 0)
    g_error ("libsodium cannot be initialised");

  dir = g_path_get_dirname (path);
  if (g_stat (dir, &st) == 0 && !check_private_mode ("folder", dir, &st, 0700, error))
    return NULL;

  fd = g_open (path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW, 0);
  if (fd < 0)
    {
      int saved_errno = errno;
      g_propagate_error (error, io_error ("open", path, saved_errno));
      return NULL;
    }

  if (fstat (fd, &st) != 0)
    {
      int saved_errno = errno;
      g_propagate_error (error, io_error ("inspect", path, saved_errno));
      close (fd);
      return NULL;
    }

  if (!S_ISREG (st.st_mode))
    {
      g_set_error (error, BLINK_IDENTITY_ERROR, BLINK_IDENTITY_ERROR_CORRUPT,
                   "The key file %s is not a regular file", path);
      close (fd);
      return NULL;
    }

  if (!check_private_mode ("file", path, &st, 0600, error))
    {
      close (fd);
      return NULL;
    }

  /* One byte more than expected, to notice trailing data. */
  contents = sodium_malloc (KEY_FILE_LEN + 1);
  if (!read_exact (fd, contents, KEY_FILE_LEN + 1, &got))
    {
      int saved_errno = errno;
      g_propagate_error (error, io_error ("read", path, saved_errno));
    }
  else if (got != KEY_FILE_LEN || memcmp (contents, KEY_FILE_MAGIC, KEY_FILE_MAGIC_LEN) != 0)
    {
      g_set_error (error, BLINK_IDENTITY_ERROR, BLINK_IDENTITY_ERROR_CORRUPT,
                   "The key file %s does not hold a Blink identity", path);
    }
  else
    {
      self = identity_new_from_seed (contents + KEY_FILE_MAGIC_LEN);
    }

  sodium_free (contents);
  close (fd);

  return self;
}

/* Writes a new key to a private temporary file, then links it into place:
 * link() fails if another process created the identity meanwhile, in which
 * case that one wins and is loaded, so two first runs agree on one key. */
static gboolean
create_key_file (const char *path,
                 GError **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *tmp_path = NULL;
  guint8 *contents;
  gboolean ok;
  int fd, saved_errno = 0;

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      saved_errno = errno;
      g_set_error (error, BLINK_IDENTITY_ERROR, BLINK_IDENTITY_ERROR_IO,
                   "Cannot create the folder %s: %s", dir, g_strerror (saved_errno));
      return FALSE;
    }

  tmp_path = g_build_filename (dir, ".identity-XXXXXX", NULL);
  fd = g_mkstemp_full (tmp_path, O_WRONLY | O_CLOEXEC, 0600);
  if (fd < 0)
    {
      saved_errno = errno;
      g_propagate_error (error, io_error ("create", tmp_path, saved_errno));
      return FALSE;
    }

  contents = sodium_malloc (KEY_FILE_LEN);
  memcpy (contents, KEY_FILE_MAGIC, KEY_FILE_MAGIC_LEN);
  randombytes_buf (contents + KEY_FILE_MAGIC_LEN, BLINK_IDENTITY_SEED_BYTES);
  ok = write_all (fd, contents, KEY_FILE_LEN) && fsync (fd) == 0;
  if (!ok)
    saved_errno = errno;
  sodium_free (contents);
  close (fd);

  if (ok && link (tmp_path, path) != 0 && errno != EEXIST)
    {
      ok = FALSE;
      saved_errno = errno;
    }
  g_unlink (tmp_path);

  if (!ok)
    {
      g_propagate_error (error, io_error ("write", path, saved_errno));
      return FALSE;
    }

  return TRUE;
}

/**
 * blink_identity_load_or_create:
 * @path: (nullable): the key file, or %NULL for blink_identity_default_path()
 * @error: why no identity could be had
 *
 * Loads the user's identity, creating it (folder 0700, file 0600) on first use.
 *
 * Returns: (transfer full) (nullable): the identity
 */
BlinkIdentity *
blink_identity_load_or_create (const char *path,
                               GError **error)
{
  g_autofree char *default_path = NULL;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (path == NULL)
    path = default_path = blink_identity_default_path ();

  if (sodium_init () < 0)
    g_error ("libsodium cannot be initialised");

  if (!g_file_test (path, G_FILE_TEST_EXISTS) && !create_key_file (path, error))
    return NULL;

  return blink_identity_load (path, error);
}

/**
 * blink_identity_new_from_seed:
 * @seed: 32 bytes of Ed25519 seed
 *
 * For test vectors and tests: an identity that is not stored anywhere.
 *
 * Returns: (transfer full): the identity
 */
BlinkIdentity *
blink_identity_new_from_seed (const guint8 seed[BLINK_IDENTITY_SEED_BYTES])
{
  g_return_val_if_fail (seed != NULL, NULL);

  if (sodium_init () < 0)
    g_error ("libsodium cannot be initialised");

  return identity_new_from_seed (seed);
}

/**
 * blink_identity_new_random:
 *
 * Returns: (transfer full): a fresh identity that is not stored anywhere
 */
BlinkIdentity *
blink_identity_new_random (void)
{
  guint8 seed[BLINK_IDENTITY_SEED_BYTES];
  BlinkIdentity *self;

  if (sodium_init () < 0)
    g_error ("libsodium cannot be initialised");

  randombytes_buf (seed, sizeof seed);
  self = identity_new_from_seed (seed);
  sodium_memzero (seed, sizeof seed);

  return self;
}

const char *
blink_identity_get_did (BlinkIdentity *self)
{
  g_return_val_if_fail (BLINK_IS_IDENTITY (self), NULL);

  return self->did;
}

const guint8 *
blink_identity_get_public_key (BlinkIdentity *self)
{
  g_return_val_if_fail (BLINK_IS_IDENTITY (self), NULL);

  return self->public_key;
}

void
blink_identity_get_x25519_public_key (BlinkIdentity *self,
                                      guint8 public_key[BLINK_X25519_KEY_BYTES])
{
  g_return_if_fail (BLINK_IS_IDENTITY (self));

  memcpy (public_key, self->x25519_public_key, BLINK_X25519_KEY_BYTES);
}

/**
 * blink_identity_sign:
 *
 * Makes a detached Ed25519 signature of @data.
 */
void
blink_identity_sign (BlinkIdentity *self,
                     const guint8 *data,
                     gsize len,
                     guint8 signature[BLINK_ED25519_SIGNATURE_BYTES])
{
  g_return_if_fail (BLINK_IS_IDENTITY (self));
  g_return_if_fail (data != NULL || len == 0);

  crypto_sign_detached (signature, NULL, data, len, self->secrets->ed25519_sk);
}

/**
 * blink_identity_x25519:
 *
 * Computes the X25519 shared secret of this identity's derived key and
 * @peer_public.
 *
 * Returns: %FALSE if @peer_public is a low-order point (all-zero secret)
 */
gboolean
blink_identity_x25519 (BlinkIdentity *self,
                       const guint8 peer_public[BLINK_X25519_KEY_BYTES],
                       guint8 shared[BLINK_X25519_KEY_BYTES])
{
  g_return_val_if_fail (BLINK_IS_IDENTITY (self), FALSE);

  return crypto_scalarmult_curve25519 (shared, self->secrets->x25519_sk, peer_public) == 0;
}

static void
blink_identity_get_property (GObject *object,
                             guint prop_id,
                             GValue *value,
                             GParamSpec *pspec)
{
  BlinkIdentity *self = BLINK_IDENTITY (object);

  switch (prop_id)
    {
    case PROP_DID:
      g_value_set_string (value, self->did);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
blink_identity_finalize (GObject *object)
{
  BlinkIdentity *self = BLINK_IDENTITY (object);

  sodium_free (self->secrets);
  g_free (self->did);

  G_OBJECT_CLASS (blink_identity_parent_class)->finalize (object);
}

static void
blink_identity_class_init (BlinkIdentityClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = blink_identity_get_property;
  object_class->finalize = blink_identity_finalize;

  /**
   * BlinkIdentity:did:
   *
   * The identity's public name, `did:key:z6Mk…`.
   */
  properties[PROP_DID] =
    g_param_spec_string ("did", "DID", "The identity's public name, did:key:z6Mk…", NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
blink_identity_init (BlinkIdentity *self)
{
  self->secrets = sodium_malloc (sizeof *self->secrets);
  if (self->secrets == NULL)
    g_error ("Cannot allocate protected memory for the identity key");
}
