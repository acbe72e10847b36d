/* SPDX-License-Identifier: GPL-2.0 */
#ifndef EXECGATE_AGENT_CONTROL_H
#define EXECGATE_AGENT_CONTROL_H

#include <jansson.h>

/* The control socket (EG_CONTROL_SOCKET in execgate.h, which `execgate` knows too): a Unix
 * stream socket that only root may use (mode 0600 and the peer's credentials checked).  A
 * client sends one line, "status", "reload" or "stop", and reads one JSON object back: the
 * status, or {"ok": bool, "error": string|null}.  "stop" is how a protected agent, which
 * refuses signals, is stopped on purpose. */

struct eg_control;

struct eg_control_ops {
	json_t *(*status)(void *ctx);                         /* new reference */
	int (*reload)(void *ctx, char *ret_error, size_t len); /* 0 or negative errno */
	/* The catalog directory taken as it is now: 0 with *RET_SUMMARY (new reference), or
	 * negative errno */
	int (*catalogs)(void *ctx, json_t **ret_summary, char *ret_error, size_t len);
	void (*stop)(void *ctx);
	void *ctx;
};

int eg_control_start(const char *path, const struct eg_control_ops *ops,
		     struct eg_control **ret_control);

/* Stop serving and remove the socket; accepts NULL. */
void eg_control_stop(struct eg_control *control);

#endif
