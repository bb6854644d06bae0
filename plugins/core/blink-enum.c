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

/**
 * blink_enum_from_nick:
 * @type: a GEnum type
 * @nick: (nullable): what a user or a file wrote
 * @value: (out): the value @nick names, set only when it names one
 *
 * Returns: whether @nick is the nick of one of @type's values
 */
gboolean
blink_enum_from_nick (GType type,
                      const char *nick,
                      int *value)
{
  g_autoptr (GEnumClass) klass = g_type_class_ref (type);
  GEnumValue *found = nick != NULL ? g_enum_get_value_by_nick (klass, nick) : NULL;

  if (found == NULL)
    return FALSE;
  *value = found->value;
  return TRUE;
}
