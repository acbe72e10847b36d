/* SPDX-License-Identifier: GPL-2.0 */
#ifndef EXECGATE_AGENT_NOTICE_H
#define EXECGATE_AGENT_NOTICE_H

#include <jansson.h>

struct eg_log;

/* What happens to the agent itself, as an operator hears of it: start, ready, a reload
 * accepted or refused, a start on the last known good policy, a CRL about to go stale,
 * stop.  Each is one line on standard error, or, when standard error is the journal
 * (systemd's JOURNAL_STREAM), one journal entry with its MESSAGE_ID, PRIORITY and
 * EXECGATE_EVENT; the ones an analyst needs beside the decisions also go into the
 * decision log as an event record (docs/log-format.md). */
enum eg_notice {
	EG_NOTICE_START,
	EG_NOTICE_READY,
	EG_NOTICE_RELOAD_ACCEPTED,
	EG_NOTICE_RELOAD_REFUSED,
	EG_NOTICE_LAST_GOOD,
	EG_NOTICE_STATE,
	EG_NOTICE_CRL_EXPIRING,
	EG_NOTICE_STOP,
	EG_NOTICE_COUNT,
};

/* Say MESSAGE (printf FORMAT).  LOG: also an event record there, with FIELDS (an object,
 * stolen; NULL: none) merged in; NULL: standard error or journal only.  HOST names the
 * machine in the record. */
__attribute__((format(printf, 5, 6))) void eg_notice(struct eg_log *log, const char *host,
						     enum eg_notice what, json_t *fields,
						     const char *format, ...);

/* The event name (EXECGATE_EVENT, the record's "event"). */
const char *eg_notice_name(enum eg_notice what);

#endif
