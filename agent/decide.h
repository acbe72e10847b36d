/* SPDX-License-Identifier: GPL-2.0 */
#ifndef EXECGATE_AGENT_DECIDE_H
#define EXECGATE_AGENT_DECIDE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>

#include "eg_policy.h"
#include "eg_verify.h"

struct eg_bpf;
struct eg_log;

/* The decider: verification (agent/lib) plus policy (policy/) for one file, the verdict
 * written to the kernel's cache, the record given to the log.  Policy and verifier are
 * swapped together at reload; deciders in flight keep the pair they started with. */
struct eg_decider;

/* Where the policy comes from: a file, or the quick-start flags, which stand for
 * "allow what is validly signed under these anchors; deny (or audit) the rest" and, with
 * a policy file, override its settings. */
struct eg_decider_config {
	const char *policy_path;        /* NULL: quick start from the fields below */
	const char *mode;               /* "enforce", "audit" or NULL (policy's) */
	const char *const *anchors;     /* NULL-terminated; NULL: policy's */
	const char *const *tsa_anchors; /* NULL-terminated; NULL: policy's */
	const char *crl_dir;
	const char *deny_list;
	const char *scope_cgroup;       /* cgroup v2 directory; NULL: the whole machine */
	const char *state_dir;          /* the last known good copy; NULL: none kept */
	bool log_allows;
	uint32_t prev_generation; /* the first policy gets the next: a pinned gate's, or 0 */
};

/* When the configured policy does not load and STATE_DIR holds a last known good copy,
 * the decider starts on that copy (eg_decider_fallback() then says why).  -ESTALE: the
 * configured policy does not load and no copy could be used (ERRBUF says both). */
int eg_decider_new(const struct eg_decider_config *config, struct eg_log *log,
		   struct eg_decider **ret, char *errbuf, size_t errlen);
/* Why the decider runs on the last known good copy, or NULL when it runs the configured
 * policy (a successful reload returns to it). */
const char *eg_decider_fallback(struct eg_decider *decider);
/* Keep the running policy (canonical bytes, its signature if it has one, where it came
 * from) in STATE_DIR as the last known good copy: after every start and reload on the
 * configured policy.  Nothing to do without a state directory or on the copy itself. */
int eg_decider_save_last_good(struct eg_decider *decider, char *errbuf, size_t errlen);
void eg_decider_free(struct eg_decider *decider);

/* From now on, write each verdict into BPF's cache too.  Call before deciding starts. */
void eg_decider_attach_bpf(struct eg_decider *decider, struct eg_bpf *bpf);

/* Load the policy and CRLs again; on any error the running pair stays and ERRBUF says
 * why (file, line and column for a policy error). */
int eg_decider_reload(struct eg_decider *decider, char *errbuf, size_t errlen);
/* Take the policy's catalog directory as it is now, reading only the catalogs that are
 * new or changed (eg_verifier_sync_catalog_dir()); the policy, its anchors and CRLs stay.
 * The trust epoch goes one up: every deny is made afresh.  When a catalog changed or
 * went that listed, or now lists, the digest of a file the kernel holds an allow for,
 * the generation goes one up too, as at a reload: every verdict is made afresh, so a
 * removed catalog's digests stop counting at once.  Otherwise the allows hold: added
 * trust cannot undo them, and no changed entry was theirs.  On an error the catalogs
 * may have changed part-way: the generation goes up.
 * -ENOENT when the policy names no catalog-dir. */
int eg_decider_sync_catalogs(struct eg_decider *decider, struct eg_catalog_sync *ret,
			     char *errbuf, size_t errlen);

/* Decide for the file open on FD, accessed by PID through HOOK.  Returns true when the
 * access may go on (allow, or audit); *RET_REMEMBER when that holds until the file
 * changes (a clean allow). */
bool eg_decider_decide(struct eg_decider *decider, int fd, pid_t pid, enum eg_hook hook,
		       bool *ret_remember);

struct stat;

/* The path the file open on FD was opened at, as /proc/self/fd tells it ("" if none). */
void eg_decider_fd_path(int fd, char *ret, size_t len);
/* Does PATH (from eg_decider_fd_path) still lead to the file ST describes?  Not for a
 * deleted file, nor for overlayfs's backing files since 6.12. */
bool eg_decider_path_names(const char *path, const struct stat *st);

/* Is the file open on FD served by FUSE?  No allow there is ever remembered: the server
 * can change the bytes without changing the file's times. */
bool eg_decider_on_fuse(int fd);

/* Verify every ELF file under DIR (at most MAX_FILES, not crossing mounts) and cache the
 * verdicts, so programs and libraries in trusted places are known before first use.
 * -E2BIG: stopped at MAX_FILES. */
int eg_decider_prescan(struct eg_decider *decider, const char *dir, unsigned int max_files,
		       unsigned int *ret_verified);

/* Log that PID's exec of FD got the timeout answer. */
void eg_decider_timed_out(struct eg_decider *decider, int fd, pid_t pid);
/* Whether PID is in the gate's cgroup scope (true when there is none, or when PID's
 * cgroup cannot be read). */
bool eg_decider_in_scope(struct eg_decider *decider, pid_t pid);

/* Mode, policy digest and generation, counters, CRL freshness: for `execgate status`. */
json_t *eg_decider_status(struct eg_decider *decider);

enum eg_mode eg_decider_mode(struct eg_decider *decider);
/* Without --scope-cgroup, the running policy's `scope cgroup DIR` (a path below the cgroup2
 * root) becomes the scope: written into RET_DIR (LEN bytes, which must outlive the
 * decider) as /sys/fs/cgroup/DIR.  1 when adopted, 0 when there is none to adopt (or
 * --scope-cgroup was given), or a negative errno with ERRBUF filled (several, or a
 * pattern: the gate scopes one subtree).  Read at start; a reload does not move it. */
int eg_decider_adopt_policy_scope(struct eg_decider *decider, char *ret_dir, size_t len,
				  char *errbuf, size_t errlen);
bool eg_decider_self_protection(struct eg_decider *decider);
bool eg_decider_log_journal(struct eg_decider *decider);
/* Does every decision of the running policy hold for every process (no rule tests the
 * access)?  Then a verdict found on an inode may be remembered for everyone. */
bool eg_decider_context_free(struct eg_decider *decider);
uint32_t eg_decider_generation(struct eg_decider *decider);
/* One more at each catalog sync that changed something; a deny holds for one epoch. */
uint32_t eg_decider_trust_epoch(struct eg_decider *decider);

/* Decisions counted by decision name and reason name ("none" for an allow):
 * {"deny": {"no_signature": 3}, ...}. */
json_t *eg_decider_counts(struct eg_decider *decider);

/* The CRL directory in force (--crl-dir or the policy's), malloc'd, or NULL: none; its
 * crl-max-age and crl-warn-window. */
char *eg_decider_crl_dir(struct eg_decider *decider, int64_t *ret_max_age,
			 int64_t *ret_warn_window);

enum eg_decider_paths {
	EG_PATHS_INTERPRETERS,
	EG_PATHS_INTERPRETER_DATA,
	EG_PATHS_WATCH_SCRIPTS,
};

/* Each path or pattern of one of the running policy's lists, to FN with CTX. */
void eg_decider_paths(struct eg_decider *decider, enum eg_decider_paths which,
		      void (*fn)(void *ctx, const char *pattern), void *ctx);

/* The policy's metrics-file, malloc'd, or NULL. */
char *eg_decider_metrics_file(struct eg_decider *decider);

/* Log a kernel event (a miss or a mapping decision) with what the agent knows. */
void eg_decider_log_event(struct eg_decider *decider, json_t *record);

#endif
