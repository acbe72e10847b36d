/* SPDX-License-Identifier: GPL-2.0 */
#ifndef EXECGATE_AGENT_EVENTS_H
#define EXECGATE_AGENT_EVENTS_H

#include <stdio.h>
#include <linux/types.h>
#include <sys/types.h>

#include <jansson.h>

#include "execgate.h"

/* One kernel decision as a record in the log format (docs/log-format.md), as far as the
 * kernel record alone can fill it.  Returns a new reference, or NULL. */
json_t *eg_event_to_record(const struct eg_event *event, const char *host);

/* Kernel device number (major << 20 | minor) as "major:minor". */
void eg_kernel_dev_name(__u32 dev, char *ret, size_t len);
/* Kernel device number as the dev_t stat() gives. */
dev_t eg_kernel_dev_t(__u32 dev);

#endif
