/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "blink-cli"

#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>
#include <stdlib.h>

#include "blink-identity.h"

static char *identity_path;

static const GOptionEntry common_entries[] = {
  { "identity", 'i', 0, G_OPTION_ARG_FILENAME, &identity_path,
    N_("Key file of the identity to use (default: $XDG_CONFIG_HOME/blink/identity.key)"),
    N_("FILE") },
  { NULL }
};

static int
command_id (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (BlinkIdentity) identity = blink_identity_load_or_create (identity_path, &error);

  if (identity == NULL)
    {
      g_printerr (_("Cannot use your Blink identity: %s\n"), error->message);
      return EXIT_FAILURE;
    }

  g_print ("%s\n", blink_identity_get_did (identity));
  return EXIT_SUCCESS;
}

int
main (int argc,
      char **argv)
{
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *summary = NULL;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  context = g_option_context_new (_("COMMAND — peer-to-peer encrypted voice calls"));
  g_option_context_add_main_entries (context, common_entries, GETTEXT_PACKAGE);
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  summary = g_strdup_printf ("%s\n  id    %s\n\n%s\n  blink id\n  blink --identity ~/alice.key id",
                             _("Commands:"),
                             _("Print your Blink address (a did:key), creating it on first use"),
                             _("Examples:"));
  g_option_context_set_summary (context, summary);

  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }

  if (argc == 2 && g_str_equal (argv[1], "id"))
    return command_id ();

  if (argc < 2)
    g_printerr (_("Which command? Try “blink --help”.\n"));
  else
    g_printerr (_("Unknown command “%s”. Try “blink --help”.\n"), argv[1]);

  return 2;
}
