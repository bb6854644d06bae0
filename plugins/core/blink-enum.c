/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "blink-enum.h"

/**
 * blink_enum_nick:
 * @type: a GEnum type
 * @value: one of its values
 *
 * Returns: the value's nick ("ringing", "connected"…), as logs, D-Bus and
 *   the test processes spell states; "unknown" for a value not in @type
 */
const char *
blink_enum_nick (GType type,
                 int value)
{
  /* Enum classes are static: the reference only makes sure it exists. */
  g_autoptr (GEnumClass) klass = g_type_class_ref (type);
  GEnumValue *found = g_enum_get_value (klass, value);

  return found != NULL ? found->value_nick : "unknown";
}
