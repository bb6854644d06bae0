/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The inner message parser alone, as it runs after decryption (which random
 * input never gets through). What parses must serialise to a text that parses
 * again and serialises to the same bytes: a message cannot change meaning
 * when it is relayed or re-sent. */
#include "config.h"

#include "blink-errors.h"
#include "blink-fuzz.h"
#include "blink-message.h"

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t size)
{
  g_autoptr (BlinkMessage) message = NULL;
  g_autoptr (BlinkMessage) again = NULL;
  g_autoptr (GBytes) text = NULL;
  g_autoptr (GBytes) text_again = NULL;
  g_autoptr (GError) error = NULL;
  gsize len;
  const char *bytes;

  message = blink_message_parse ((const char *) data, size, &error);
  g_assert_true ((message == NULL) == (error != NULL));
  if (message == NULL)
    {
      g_assert_true (error->domain == BLINK_PROTOCOL_ERROR);
      return 0;
    }

  text = blink_message_serialize (message);
  bytes = g_bytes_get_data (text, &len);
  again = blink_message_parse (bytes, len, &error);
  if (again == NULL)
    g_error ("A parsed message serialises to a text that does not parse: %s", error->message);

  text_again = blink_message_serialize (again);
  g_assert_true (g_bytes_equal (text, text_again));

  return 0;
}
