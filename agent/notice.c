// SPDX-License-Identifier: GPL-2.0
/* Lifecycle notices: see notice.h.  Under systemd, standard error already reaches the
 * journal; a structured entry instead of the line adds MESSAGE_ID (so `journalctl
 * MESSAGE_ID=...` finds every refused reload) and the priority. */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-journal.h>

#include "log.h"
#include "notice.h"

static const struct {
	const char *name;
	const char *message_id;
	int priority;
	bool logged; /* also an event record in the decision log */
} notices[EG_NOTICE_COUNT] = {
	[EG_NOTICE_START] = {"start", "43d454dcdaaa4da0b82eab02b4118567", LOG_INFO, true},
	[EG_NOTICE_READY] = {"ready", "50ac8ee61a2e451e83c0e92da0dd55b6", LOG_INFO, false},
	[EG_NOTICE_RELOAD_ACCEPTED] = {"reload_accepted", "4dfb825f79794043902680ca00cc7704",
				       LOG_NOTICE, true},
	[EG_NOTICE_RELOAD_REFUSED] = {"reload_refused", "0fdf132e3ede45b58ecc8a31654552ce", LOG_ERR,
				      true},
	[EG_NOTICE_LAST_GOOD] = {"last_known_good", "bb9a096ad8ef49bb9f9911b013697b39", LOG_CRIT,
				 true},
	[EG_NOTICE_STATE] = {"state_error", "ad883a8d8c674d54af36b146d2694523", LOG_WARNING, false},
	[EG_NOTICE_CRL_EXPIRING] = {"crl_expiring", "bea80a4029734d0dac3b1f3ee1be279a", LOG_WARNING,
				    true},
	[EG_NOTICE_STOP] = {"stop", "4590735972134602b2638eb45cbc84cd", LOG_INFO, true},
};

const char *eg_notice_name(enum eg_notice what)
{
	return notices[what].name;
}

/* Is standard error the journal?  JOURNAL_STREAM names the stream's device and inode;
 * compared, so a child that inherited the variable but not the stream writes lines. */
static bool stderr_is_journal(void)
{
	const char *stream = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	return stream && sscanf(stream, "%llu:%llu", &dev, &ino) == 2 &&
	       fstat(STDERR_FILENO, &st) == 0 && st.st_dev == (dev_t)dev && st.st_ino == (ino_t)ino;
}

static json_t *event_record(const char *host, enum eg_notice what, const char *message,
			    json_t *fields)
{
	struct timespec now;
	char base[32], stamp[64];
	struct tm tm;
	json_t *record;

	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(stamp, sizeof(stamp), "%s.%06ldZ", base, now.tv_nsec / 1000);
	record = json_pack("{s:s, s:s, s:s, s:s}", "time", stamp, "host", host, "event",
			   notices[what].name, "message", message);
	if (record && fields)
		json_object_update_missing(record, fields);
	return record;
}

void eg_notice(struct eg_log *log, const char *host, enum eg_notice what, json_t *fields,
	       const char *format, ...)
{
	static int journal = -1;
	char message[2048];
	va_list ap;

	va_start(ap, format);
	vsnprintf(message, sizeof(message), format, ap);
	va_end(ap);
	if (journal < 0)
		journal = stderr_is_journal();
	if (journal)
		sd_journal_send("MESSAGE=execgated: %s", message, "MESSAGE_ID=%s",
				notices[what].message_id, "PRIORITY=%d", notices[what].priority,
				"SYSLOG_IDENTIFIER=execgated", "EXECGATE_EVENT=%s",
				notices[what].name, NULL);
	else
		fprintf(stderr, "execgated: %s\n", message);
	if (log && notices[what].logged)
		eg_log_submit(log, event_record(host, what, message, fields));
	json_decref(fields);
}
