/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "blink-engine-errors.h"

G_DEFINE_QUARK (blink-call-error-quark, blink_call_error)
