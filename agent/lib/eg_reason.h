/* SPDX-License-Identifier: GPL-2.0 */
#ifndef EXECGATE_EG_REASON_H
#define EXECGATE_EG_REASON_H

#include <linux/types.h>

#include "execgate.h"

/* The stable name of a reason code as logs and --json print it ("no_signature", ...);
 * "unknown" for a value out of range. */
const char *eg_reason_name(enum eg_reason reason);

/* The reason code named NAME, or -EINVAL when no reason has that name. */
int eg_reason_from_name(const char *name);

#endif
