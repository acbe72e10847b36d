// SPDX-License-Identifier: GPL-2.0
/* execgate status | reload | stop: ask the running agent over its root-only control socket. */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <linux/types.h>

#include <jansson.h>

#include "execgate.h"

#include "commands.h"

/* Send REQUEST, read the one JSON object the agent answers. */
static json_t *ask(const char *socket_path, const char *request)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	json_error_t error;
	json_t *answer;
	FILE *stream;
	int fd;

	if (strlen(socket_path) >= sizeof(addr.sun_path)) {
		fprintf(stderr, "execgate: %s: socket path too long\n", socket_path);
		return NULL;
	}
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", socket_path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		fprintf(stderr, "execgate: cannot reach execgated at %s: %s%s\n", socket_path,
			strerror(errno), errno == ENOENT || errno == ECONNREFUSED
						 ? " (is execgated running?)"
						 : errno == EACCES ? " (the control socket is root's)" : "");
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	if (write(fd, request, strlen(request)) < 0 || write(fd, "\n", 1) < 0) {
		fprintf(stderr, "execgate: %s: %s\n", socket_path, strerror(errno));
		close(fd);
		return NULL;
	}
	stream = fdopen(fd, "r");
	if (!stream) {
		close(fd);
		return NULL;
	}
	answer = json_loadf(stream, JSON_DISABLE_EOF_CHECK, &error);
	fclose(stream);
	if (!answer)
		fprintf(stderr, "execgate: %s: unreadable answer: %s\n", socket_path, error.text);
	return answer;
}

static void print_object(json_t *object, int depth)
{
	const char *key;
	json_t *value;

	json_object_foreach(object, key, value) {
		printf("%*s%-22s", depth * 2, "", key);
		if (json_is_object(value)) {
			printf("\n");
			print_object(value, depth + 1);
		} else if (json_is_array(value)) {
			size_t i;
			json_t *item;

			if (json_is_object(json_array_get(value, 0))) {
				/* a list of records (the CRLs): one block each */
				printf("\n");
				json_array_foreach(value, i, item) {
					print_object(item, depth + 1);
					if (i + 1 < json_array_size(value))
						printf("\n");
				}
				continue;
			}
			json_array_foreach(value, i, item)
				printf("%s%s", i ? ", " : "",
				       json_is_string(item) ? json_string_value(item) : "?");
			printf("%s\n", json_array_size(value) ? "" : "(none)");
		} else {
			char *text = json_is_string(value)
					     ? strdup(json_string_value(value))
					     : json_dumps(value, JSON_ENCODE_ANY);

			printf("%s\n", text ? text : "?");
			free(text);
		}
	}
}

static int usage(FILE *out, const char *name, int status)
{
	if (!strcmp(name, "status"))
		fprintf(out, "usage: execgate status [--json] [--socket PATH]\n\n"
			     "Show the running agent: backend and what it covers, mode, policy digest "
			     "and\ngeneration (and whether it runs on the last known good copy), counters (allowed,\n"
			     "denied, audited, misses, drops, log write errors), the last reload's "
			     "time,\noutcome and error, every CRL with its nextUpdate, age and "
			     "freshness, uptime.\n");
	else if (!strcmp(name, "reload"))
		fprintf(out, "usage: execgate reload [--catalogs] [--socket PATH]\n\n"
			     "Make the running agent reload its policy and CRLs atomically. A policy "
			     "that\ndoes not load is refused with its error, and the old one stays.\n\n"
			     "  --catalogs      take only the policy's catalog directory as it is "
			     "now: new and\n                  changed catalogs are read, removed "
			     "ones dropped, the others\n                  kept unread; the policy "
			     "file is not read again (what the APT\n                  hooks ask "
			     "for). Prints how many catalogs were added, replaced,\n"
			     "                  removed, kept and skipped.\n");
	else
		fprintf(out, "usage: execgate stop [--socket PATH]\n\n"
			     "Stop the running agent and release its gate. A pinned gate (enforce "
			     "mode, or\n--pin, --harden) keeps enforcing: cached verdicts hold and "
			     "everything else is\ndenied, until the pins in " EG_PIN_DIR " are "
			     "removed or a new agent\ntakes the gate over. Released, its guard "
			     "(--harden) is lifted so that either\nmay happen. (SIGTERM instead "
			     "hands the gate over to the agent's successor,\nguard kept: "
			     "docs/agent-takeover.md.)\n");
	fprintf(out, "\n  --socket PATH   the agent's control socket (default " EG_CONTROL_SOCKET
		     ")\n\nExit status: 0 done, 1 the agent refused (reload), 2 the agent could "
		     "not be\nreached or a usage error.\n");
	return status;
}

static int run(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "catalogs", no_argument, NULL, 'c' },
		{ "socket", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *socket_path = EG_CONTROL_SOCKET;
	bool reload = !strcmp(argv[0], "reload"), stop = !strcmp(argv[0], "stop"), as_json = false;
	bool catalogs = false;
	json_t *answer;
	int opt, status;

	/* Also called from within another command (the APT hooks), after its own options. */
	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'j':
			if (reload || stop)
				return usage(stderr, argv[0], EG_EXIT_ERROR);
			as_json = true;
			break;
		case 'c':
			if (!reload)
				return usage(stderr, argv[0], EG_EXIT_ERROR);
			catalogs = true;
			break;
		case 's':
			socket_path = optarg;
			break;
		case 'h':
			return usage(stdout, argv[0], EG_EXIT_OK);
		default:
			return usage(stderr, argv[0], EG_EXIT_ERROR);
		}
	}
	if (optind != argc)
		return usage(stderr, argv[0], EG_EXIT_ERROR);
	answer = ask(socket_path, catalogs ? "catalogs" : argv[0]);
	if (!answer)
		return EG_EXIT_ERROR;
	status = EG_EXIT_OK;
	if (json_is_false(json_object_get(answer, "ok"))) {
		fprintf(stderr, "execgate %s: %s\n", argv[0],
			json_string_value(json_object_get(answer, "error")) ?: "refused");
		status = reload ? EG_EXIT_FINDING : EG_EXIT_ERROR;
	} else if (catalogs) {
		json_t *c = json_object_get(answer, "catalogs");

		printf("catalogs: %lld added, %lld replaced, %lld removed, %lld kept, %lld skipped\n",
		       json_integer_value(json_object_get(c, "added")),
		       json_integer_value(json_object_get(c, "replaced")),
		       json_integer_value(json_object_get(c, "removed")),
		       json_integer_value(json_object_get(c, "kept")),
		       json_integer_value(json_object_get(c, "skipped")));
	} else if (reload || stop) {
		printf("%s\n", reload ? "reloaded" : "stopping");
	} else if (as_json) {
		json_dumpf(answer, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		printf("\n");
	} else {
		print_object(answer, 0);
	}
	json_decref(answer);
	return status;
}

int cmd_status(int argc, char **argv)
{
	return run(argc, argv);
}

int cmd_reload(int argc, char **argv)
{
	return run(argc, argv);
}

int cmd_stop(int argc, char **argv)
{
	return run(argc, argv);
}
