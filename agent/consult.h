/* SPDX-License-Identifier: GPL-2.0 */
#ifndef EXECGATE_AGENT_CONSULT_H
#define EXECGATE_AGENT_CONSULT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* The synchronous consult: fanotify FAN_OPEN_EXEC_PERM events, decided on worker threads,
 * each answered within a bound.  An allowed file gets an ignore mark so its next exec
 * never leaves the kernel; the kernel drops that mark when the file is modified.  In
 * library directories, FAN_OPEN_PERM events too: dlopen() opens with a plain open(). */
struct eg_consult;

struct eg_consult_answer {
	bool allow;
	bool remember; /* put an ignore mark on the inode: the decision holds until it changes */
};

/* What the consult does with a file whose open library_open() decided. */
enum eg_consult_mark {
	EG_CONSULT_REPORT_AGAIN, /* nothing: its next open is reported again */
	EG_CONSULT_IGNORE,	 /* an ignore mark: its opens are not reported until it changes */
	/* An ignore mark over a deny, which trust added later may turn into an allow: taken
	 * off again by eg_consult_trust_added(). */
	EG_CONSULT_IGNORE_DENIED,
};

struct eg_consult_ops {
	/* Decide for the file open on FD (valid only during the call), opened for exec by
	 * PID, with CONSULT for eg_consult_remember() of other files.  Called on a worker
	 * thread; may take as long as verification takes. */
	void (*decide)(void *ctx, struct eg_consult *consult, int fd, pid_t pid,
		       struct eg_consult_answer *ret);
	/* The decision for PID's exec of FD did not come within the bound: the consult
	 * answers ALLOW_ON_TIMEOUT now and lets decide() finish for the next exec. */
	void (*timed_out)(void *ctx, int fd, pid_t pid);
	/* PID opened FD in a library directory (an open, not an exec: a library that
	 * dlopen() is about to map).  The open itself is always allowed; the answer says
	 * whether FD's verdict is settled, so its next opens need not be reported.  NULL:
	 * library directories are not watched. */
	enum eg_consult_mark (*library_open)(void *ctx, struct eg_consult *consult, int fd,
					     pid_t pid);
	/* Reading the events failed with ERR (negative errno: -EMFILE, -ENFILE at the
	 * descriptor limit), the first time after a read that worked: the kernel denied
	 * the access it could not report; TOTAL failed reads so far.  Called on the reader
	 * thread; NULL: not told. */
	void (*read_failed)(void *ctx, int err, unsigned long long total);
	/* Whether PID is in the gate's scope.  An exec by a process outside it is let
	 * through at once, never queued: the deadline would answer it as a timeout, a
	 * denial in enforce mode, for a process the gate does not gate.  Called on the
	 * reader thread; NULL: every process is. */
	bool (*in_scope)(void *ctx, pid_t pid);
	void *ctx;
};

struct eg_consult_settings {
	/* Mounts to watch (their paths); NULL or empty: every filesystem mounted now. */
	const char *const *mounts;
	size_t nmounts;
	/* Directories whose files' opens are reported to library_open(), with their
	 * subdirectories (not crossing mounts, at most EG_CONSULT_MAX_LIBRARY_DIRS marks in
	 * all).  Of the library trees, each tree's top and the directories below it that hold
	 * a shared object (an entry named *.so or *.so.*), unless every_library_dir:
	 * dlopen() is what opens a library with no exec intent, and the rest of a tree
	 * (Python's sources, headers, locales) would pay for a mark at every open.  Of the
	 * script trees, every directory; an entry "DIR/" followed by a star, the files in
	 * DIR alone. */
	const char *const *library_dirs;
	size_t nlibrary_dirs;
	const char *const *script_dirs;
	size_t nscript_dirs;
	/* Directories the walks of the script trees do not enter, compared with the walks'
	 * paths: the trees a watch-scripts list leaves out (as it names them), and the
	 * interpreters' data directories (resolved), which no interpreter's read of decides. */
	const char *const *unwatched_dirs;
	size_t nunwatched_dirs;
	bool every_library_dir;
	unsigned int workers;     /* verification threads */
	unsigned int timeout_ms;  /* the bound on an answer */
	bool allow_on_timeout;    /* audit mode: a late verification allows */
};

struct eg_consult_error {
	char message[512];
};

/* Verification threads at most (execgated --workers takes up to this). */
#define EG_CONSULT_MAX_WORKERS 64

/* Each watched directory is one mark; the library trees of a desktop system hold a few
 * thousand directories. */
#define EG_CONSULT_MAX_LIBRARY_DIRS 16384

/* Set up fanotify and the marks, start the reader, worker and deadline threads. */
int eg_consult_start(const struct eg_consult_settings *settings, const struct eg_consult_ops *ops,
		     struct eg_consult **ret_consult, struct eg_consult_error *ret_error);

/* Put an ignore mark on the file open on FD: its exec (and its open in a library
 * directory) no longer leaves the kernel until it changes.  The mark also holds the inode in memory, and with it the verdict in BPF's
 * inode storage, which would otherwise go when the kernel evicts an unused inode (a
 * library, which nothing else pins). */
int eg_consult_remember(struct eg_consult *consult, int fd);

/* Take the ignore mark off the file open on FD, if it has one: its next exec (and its next
 * open in a library directory) is the consult's again. */
int eg_consult_forget(struct eg_consult *consult, int fd);

/* Forget every ignore mark (policy or CRLs changed: every decision is made afresh). */
int eg_consult_flush(struct eg_consult *consult);

/* Trust was only added (catalogs): the kernel keeps its allows and drops its denies.
 * Take the ignore marks off the files marked over a deny (EG_CONSULT_IGNORE_DENIED), so
 * that their next open is decided again; the allowed keep theirs, and their opens stay
 * unreported.  A file marked over a deny whose path changed since keeps its mark; its
 * verdict is gone all the same, so an interpreter's next read of it is a miss.  More
 * such files than the consult keeps track of: every ignore mark goes, as
 * eg_consult_flush(). */
int eg_consult_trust_added(struct eg_consult *consult);

/* Events answered so far, and of those the ones answered by the deadline. */
void eg_consult_counts(struct eg_consult *consult, unsigned long long *ret_answered,
		       unsigned long long *ret_timeouts);

/* Reads of the fanotify descriptor that failed (each one an access the kernel denied
 * because the agent could not be handed the file). */
unsigned long long eg_consult_read_errors(struct eg_consult *consult);

/* How many library directories are watched (0 when none or the limit stopped it: then
 * *RET_TRUNCATED). */
unsigned int eg_consult_library_dirs(struct eg_consult *consult, bool *ret_truncated);
/* The watched directory holding the shared object NAME (a name, no '/') that is the
 * regular file DEV:INO, its path in RET_PATH; false when none does.  Not thread-safe: the
 * main thread's, as marking is. */
bool eg_consult_find_library(struct eg_consult *consult, const char *name, dev_t dev, ino_t ino,
			     char *ret_path, size_t len);
/* Mark the watched trees as they are now, keeping every mark: directories made or given a
 * shared object since are watched from now on. */
void eg_consult_watch_again(struct eg_consult *consult);
/* Watch the library and script trees of WATCHED from the next eg_consult_flush() on (their
 * lists stay the caller's, and valid until replaced or the consult is freed). */
void eg_consult_watch(struct eg_consult *consult, const struct eg_consult_settings *watched);

/* Stop every thread, answer what is pending, close; accepts NULL. */
void eg_consult_stop(struct eg_consult *consult);

#endif
