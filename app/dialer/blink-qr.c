/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "blink-qr"

#include "config.h"

#include <qrencode.h>

#include "blink-qr.h"

/* The white border scanners need around the code, in modules. */
#define QUIET_ZONE 4

/*
 * A QR code of @text, black on white, each module @module_size pixels
 * square: drawn at its own size, so that nothing blurs it when shown.
 * NULL when @text is too long for a QR code.
 */
GdkTexture *
blink_qr_texture_new (const char *text, int module_size)
{
  QRcode *code;
  g_autoptr (GBytes) bytes = NULL;
  guint8 *pixels;
  int modules, side, stride;
  GdkTexture *texture;

  g_return_val_if_fail (text != NULL, NULL);
  g_return_val_if_fail (module_size > 0, NULL);

  code = QRcode_encodeString (text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
  if (code == NULL)
    return NULL;

  modules = code->width + 2 * QUIET_ZONE;
  side = modules * module_size;
  stride = side * 3;
  pixels = g_malloc (stride * side);
  memset (pixels, 0xff, stride * side);
  for (int y = 0; y < code->width; y++)
    for (int x = 0; x < code->width; x++)
      {
        /* Bit 0 of each byte: the module is dark. */
        if (!(code->data[y * code->width + x] & 1))
          continue;
        for (int dy = 0; dy < module_size; dy++)
          memset (pixels + ((y + QUIET_ZONE) * module_size + dy) * stride +
                      (x + QUIET_ZONE) * module_size * 3,
                  0, module_size * 3);
      }
  QRcode_free (code);

  bytes = g_bytes_new_take (pixels, stride * side);
  texture = gdk_memory_texture_new (side, side, GDK_MEMORY_R8G8B8, bytes, stride);
  return texture;
}
