/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "blink-dialer"

#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>

#include "blink-dialer-application.h"

int
main (int argc, char *argv[])
{
  g_autoptr (BlinkDialerApplication) app = NULL;

  setlocale (LC_ALL, "");
  /* BLINK_LOCALEDIR: a build tree's translations (po/ in it), for its tests. */
  bindtextdomain (GETTEXT_PACKAGE,
                  g_getenv ("BLINK_LOCALEDIR") != NULL ? g_getenv ("BLINK_LOCALEDIR") : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  app = blink_dialer_application_new ();
  return g_application_run (G_APPLICATION (app), argc, argv);
}
