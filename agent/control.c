// SPDX-License-Identifier: GPL-2.0
/* The control socket, served by one thread.  Requests are tiny and rare (an operator's
 * `execgate status`), so one connection at a time is enough; a client that does not send
 * its line within a second is dropped, so it cannot hold the socket. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "control.h"

#define REQUEST_MAX 64
#define CLIENT_TIMEOUT_MS 1000

struct eg_control {
	struct eg_control_ops ops;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	int listen_fd;
	int stop_pipe[2];
	pthread_t thread;
};

static void reply(int fd, json_t *object)
{
	char *text = object ? json_dumps(object, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	size_t len, done = 0;

	if (!text)
		return;
	len = strlen(text);
	text[len] = '\n';
	while (done <= len) {
		ssize_t n = write(fd, text + done, len + 1 - done);

		if (n <= 0)
			break;
		done += (size_t)n;
	}
	free(text);
}

static json_t *error_reply(const char *message)
{
	return json_pack("{s:b, s:s}", "ok", 0, "error", message);
}

static void serve(struct eg_control *control, int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	char request[REQUEST_MAX + 1] = "";
	struct ucred peer;
	socklen_t peer_len = sizeof(peer);
	size_t used = 0;
	json_t *answer;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &peer, &peer_len) < 0 || peer.uid != 0) {
		answer = error_reply("permission denied: the control socket is root's");
		goto out;
	}
	while (used < REQUEST_MAX && !memchr(request, '\n', used)) {
		ssize_t n;

		if (poll(&pfd, 1, CLIENT_TIMEOUT_MS) <= 0)
			break;
		n = read(fd, request + used, REQUEST_MAX - used);
		if (n <= 0)
			break;
		used += (size_t)n;
	}
	request[used] = '\0';
	request[strcspn(request, "\r\n")] = '\0';
	if (!strcmp(request, "status")) {
		answer = control->ops.status(control->ops.ctx);
	} else if (!strcmp(request, "reload")) {
		char error[512] = "";
		int err = control->ops.reload(control->ops.ctx, error, sizeof(error));

		answer = err ? error_reply(error[0] ? error : strerror(-err))
			     : json_pack("{s:b, s:n}", "ok", 1, "error");
	} else if (!strcmp(request, "catalogs")) {
		char error[512] = "";
		json_t *summary = NULL;
		int err = control->ops.catalogs(control->ops.ctx, &summary, error, sizeof(error));

		answer = err ? error_reply(error[0] ? error : strerror(-err))
			     : json_pack("{s:b, s:n, s:o}", "ok", 1, "error", "catalogs", summary);
	} else if (!strcmp(request, "stop")) {
		control->ops.stop(control->ops.ctx);
		answer = json_pack("{s:b, s:n}", "ok", 1, "error");
	} else {
		answer = error_reply("unknown request (expected status, reload, catalogs or stop)");
	}
out:
	reply(fd, answer);
	json_decref(answer);
}

static void *control_main(void *arg)
{
	struct eg_control *control = arg;
	struct pollfd fds[2] = {
		{ .fd = control->listen_fd, .events = POLLIN },
		{ .fd = control->stop_pipe[0], .events = POLLIN },
	};

	for (;;) {
		int fd;

		if (poll(fds, 2, -1) < 0 && errno != EINTR)
			break;
		if (fds[1].revents)
			break;
		if (!(fds[0].revents & POLLIN))
			continue;
		fd = accept4(control->listen_fd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0)
			continue;
		serve(control, fd);
		close(fd);
	}
	return NULL;
}

int eg_control_start(const char *path, const struct eg_control_ops *ops,
		     struct eg_control **ret_control)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct eg_control *control;
	char dir[sizeof(addr.sun_path)];
	char *slash;
	int err;

	if (strlen(path) >= sizeof(addr.sun_path))
		return -ENAMETOOLONG;
	control = calloc(1, sizeof(*control));
	if (!control)
		return -ENOMEM;
	control->ops = *ops;
	control->stop_pipe[0] = control->stop_pipe[1] = -1;
	snprintf(control->path, sizeof(control->path), "%s", path);
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path);
	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
			err = -errno;
			goto fail;
		}
	}
	control->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (control->listen_fd < 0) {
		err = -errno;
		goto fail;
	}
	/* A socket left by an agent that died is stale; a live agent would still own it,
	 * and two agents are refused earlier by the pinned maps. */
	unlink(path);
	if (bind(control->listen_fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
	    chmod(path, 0600) < 0 || listen(control->listen_fd, 8) < 0 ||
	    pipe2(control->stop_pipe, O_CLOEXEC) < 0) {
		err = -errno;
		goto fail;
	}
	err = -pthread_create(&control->thread, NULL, control_main, control);
	if (err)
		goto fail;
	*ret_control = control;
	return 0;
fail:
	if (control->listen_fd > 0)
		close(control->listen_fd);
	if (control->stop_pipe[0] >= 0) {
		close(control->stop_pipe[0]);
		close(control->stop_pipe[1]);
	}
	free(control);
	return err;
}

void eg_control_stop(struct eg_control *control)
{
	ssize_t ignored;

	if (!control)
		return;
	ignored = write(control->stop_pipe[1], "x", 1);
	(void)ignored;
	pthread_join(control->thread, NULL);
	close(control->listen_fd);
	close(control->stop_pipe[0]);
	close(control->stop_pipe[1]);
	unlink(control->path);
	free(control);
}
