/* SPDX-License-Identifier: GPL-2.0 */
#ifndef EXECGATE_AGENT_EVENTS_H
#define EXECGATE_AGENT_EVENTS_H

#include <stdio.h>
#include <linux/types.h>

#include "execgate.h"

/* One kernel decision as a JSON object in the log format (tools/LOG-FORMAT.md), as far as
 * the kernel record alone can fill it.  Returns a malloc'd string, or NULL. */
char *eg_event_to_json(const struct eg_event *event, const char *host);

/* Kernel device number (major << 20 | minor) as "major:minor". */
void eg_kernel_dev_name(__u32 dev, char *ret, size_t len);

#endif
