/* SPDX-License-Identifier: GPL-2.0 */
#ifndef EXECGATE_EG_NAMES_H
#define EXECGATE_EG_NAMES_H

/* The one table of the names logs, --json and the policy language give the ABI's codes
 * (execgate.h): modes, hooks, decisions and reasons.  The agent writes them, the log
 * reader and the policy read them; none spells one out itself. */

#include <linux/types.h>

#include "execgate.h"

/* The stable name of a code ("enforce", "mmap", "deny", "no_signature", ...); "unknown"
 * for a value out of range. */
const char *eg_mode_name(enum eg_mode mode);
const char *eg_hook_name(enum eg_hook hook);
const char *eg_decision_name(enum eg_decision decision);
const char *eg_reason_name(enum eg_reason reason);

/* The code named NAME, or -EINVAL when none has that name. */
int eg_mode_from_name(const char *name);
int eg_hook_from_name(const char *name);
int eg_decision_from_name(const char *name);
int eg_reason_from_name(const char *name);

#endif
