/* SPDX-License-Identifier: GPL-2.0 */
/* The policy: parse a policy (main file and its numbered fragments) into settings, signer
 * declarations and an ordered rule list, and evaluate the facts about one file against
 * it.  The grammar is in policy/README.md.  The evaluator sees only struct
 * eg_policy_facts, never verification internals.  Nothing here logs or exits. */
#ifndef EXECGATE_EG_POLICY_H
#define EXECGATE_EG_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <linux/types.h>

#include "execgate.h"

#ifndef EG_SHA256_LEN
#define EG_SHA256_LEN 32 /* the same value as in eg_verify.h */
#endif

/* Bounds on what a policy may contain; each is an error when exceeded. */
#define EG_POLICY_MAX_LINE 4096
#define EG_POLICY_MAX_FILE (16u << 20)
#define EG_POLICY_MAX_FRAGMENTS 256
#define EG_POLICY_MAX_RULES 100000
#define EG_POLICY_MAX_SIGNERS 10000
#define EG_POLICY_MAX_VALUES 64
#define EG_POLICY_MAX_NAME 64

/* The policy-signing extended key usage: execgate's own OID, never code signing. */
#define EG_POLICY_SIGNING_EKU "1.3.6.1.4.1.57264.1.1"

enum eg_policy_action {
	EG_ACTION_ALLOW = 0,
	EG_ACTION_DENY = 1,
	EG_ACTION_AUDIT = 2,
};

enum eg_policy_lookup {
	EG_LOOKUP_EMBEDDED = 0,
	EG_LOOKUP_DETACHED = 1,
	EG_LOOKUP_CATALOG = 2,
};

struct eg_policy_strings {
	char **v;
	size_t n;
};

struct eg_policy_settings {
	enum eg_mode mode;
	struct eg_policy_strings trust_anchors;
	struct eg_policy_strings tsa_anchors;
	char *crl_dir;                  /* NULL: none */
	uint32_t crl_max_age;           /* seconds */
	enum eg_policy_action on_stale_crl;
	enum eg_policy_action on_missing_crl;
	enum eg_policy_lookup lookup[3]; /* in the order to try */
	size_t n_lookup;
	char *sig_dir;                  /* NULL: detached signatures only next to the file */
	struct eg_policy_strings catalogs;
	char *catalog_dir;              /* NULL: none; else every *.cat file in it */
	struct eg_policy_strings scope_cgroups; /* empty: the whole machine */
	bool self_protection;
	char *log_json;                 /* NULL: no JSON log file */
	bool log_syslog;
	bool log_allows;
	bool log_journal;               /* every logged decision also to the journal */
	char *metrics_file;             /* NULL: no Prometheus text file */
	uint32_t crl_warn_window;       /* seconds before a CRL goes stale to warn */
	char *require_signed_policy;    /* NULL: a replacement need not be signed */
	/* Executables whose processes may read only trusted files (absolute paths, glob(7)
	 * patterns); empty: none.  The word `default` adds EG_POLICY_DEFAULT_INTERPRETERS. */
	struct eg_policy_strings interpreters;
	/* Files and directories (a directory: everything below it) whose regular files an
	 * interpreter reads without their being decided (absolute paths, glob(7) patterns).
	 * `default` adds EG_POLICY_DEFAULT_INTERPRETER_DATA. */
	struct eg_policy_strings interpreter_data;
	/* Directories whose opens the agent watches (with their subdirectories), as
	 * execgated --watch-scripts does, so that a script there is decided before an
	 * interpreter's first read; one after a '!' (kept in the string), a tree those
	 * leave out.  `default` adds EG_POLICY_DEFAULT_WATCH_SCRIPTS. */
	struct eg_policy_strings watch_scripts;
};

/* What `interpreter default` names: the shells and script interpreters a Debian server
 * carries, where Debian installs them (/bin is /usr/bin on a merged-/usr system). */
#define EG_POLICY_DEFAULT_INTERPRETERS                                                      \
	"/usr/bin/sh", "/usr/bin/dash", "/usr/bin/bash", "/usr/bin/rbash", "/usr/bin/zsh",  \
	"/usr/bin/ksh*", "/usr/bin/mksh", "/usr/bin/fish", "/usr/bin/python[0-9]*",         \
	"/usr/bin/pypy*", "/usr/bin/perl", "/usr/bin/perl5*", "/usr/bin/ruby*",             \
	"/usr/bin/node", "/usr/bin/nodejs", "/usr/bin/php*", "/usr/bin/lua*",               \
	"/usr/bin/luajit*", "/usr/bin/tclsh*", "/usr/bin/wish*", "/usr/bin/expect",         \
	"/usr/bin/guile*", "/usr/bin/Rscript", "/usr/bin/pwsh", "/usr/bin/busybox",         \
	"/bin/sh", "/bin/dash", "/bin/bash", "/bin/busybox"

/* What `interpreter-data default` names: what a Debian system's C library, time and
 * locale code and TLS read inside any process, an interpreter's too: name service
 * databases, the loader's cache, time zones, locales and message catalogues, certificate
 * bundles, terminal descriptions.  None of it is code to an interpreter, and only root
 * writes any of it. */
#define EG_POLICY_DEFAULT_INTERPRETER_DATA                                                  \
	"/etc/ld.so.cache", "/etc/passwd", "/etc/group", "/etc/shadow", "/etc/gshadow",    \
	"/etc/nsswitch.conf", "/etc/hosts", "/etc/host.conf", "/etc/resolv.conf",          \
	"/etc/gai.conf", "/etc/services", "/etc/protocols", "/etc/networks",               \
	"/etc/localtime", "/etc/timezone", "/etc/mime.types", "/etc/os-release",           \
	"/etc/inputrc", "/etc/locale.alias", "/etc/ssl", "/etc/terminfo",                  \
	"/usr/share/zoneinfo", "/usr/lib/locale", "/usr/share/locale", "/usr/share/i18n",  \
	"/usr/share/ca-certificates", "/usr/share/terminfo", "/usr/lib/terminfo",          \
	"/usr/lib/os-release"

/* What `watch-scripts default` names: where a Debian system keeps interpreted code outside
 * the library directories (which the agent watches anyway): perl's modules and
 * applications' in /usr/share, shell start-up files and configuration that is code in
 * /etc; and the start-up files in root's and the users' home directories, but not the
 * trees below them, where builds write and read thousands of files.  Not the manual
 * pages and documentation, half of /usr/share's files, which every open by man, grep or
 * cat would otherwise pay a watch for. */
#define EG_POLICY_DEFAULT_WATCH_SCRIPTS                                                     \
	"/etc", "/usr/share", "!/usr/share/doc", "!/usr/share/man", "!/usr/share/info",    \
	"/root/*", "/home/*/*"

/* Matchers a rule or a signer declaration uses (bits of ->present). */
enum {
	EG_M_SUBJECT = 1u << 0,
	EG_M_ISSUER = 1u << 1,
	EG_M_SPKI = 1u << 2,
	EG_M_CERT = 1u << 3,
	EG_M_CATALOG = 1u << 4,
	EG_M_SHA256 = 1u << 5,
	EG_M_PATH = 1u << 6,
	EG_M_HOOK = 1u << 7,
	EG_M_UID = 1u << 8,
	EG_M_CGROUP = 1u << 9,
	EG_M_OUTCOME = 1u << 10,
	EG_M_SIGNED_AFTER = 1u << 11,
	EG_M_SIGNER = 1u << 12,
	/* The matchers about the access, not the file: one file, many contexts. */
	EG_M_CONTEXT = EG_M_PATH | EG_M_HOOK | EG_M_UID | EG_M_CGROUP,
};

struct eg_policy_signer {
	char *name;
	unsigned int present; /* EG_M_SUBJECT, _ISSUER, _SPKI, _CERT */
	char *subject;
	char *issuer;
	unsigned char spki[EG_SHA256_LEN];
	unsigned char cert[EG_SHA256_LEN];
	char *owner;          /* NULL: not annotated */
	bool has_rotate_by;
	time_t rotate_by;
	const char *file;     /* points into the policy's file list */
	unsigned int line;
};

struct eg_policy_rule {
	unsigned int id;      /* 1-based, reading order over all files */
	const char *file;     /* points into the policy's file list */
	unsigned int line;
	char *text;           /* the statement as written, comment and padding removed */
	enum eg_policy_action action;
	unsigned int present; /* EG_M_* this rule tests, with a signer's identities folded in */
	const struct eg_policy_signer *signer; /* "signer NAME", or NULL */
	char *subject;
	char *issuer;
	unsigned char spki[EG_SHA256_LEN];
	unsigned char cert[EG_SHA256_LEN];
	char *catalog;
	unsigned char sha256[EG_SHA256_LEN];
	char *path;
	enum eg_hook hook;    /* EG_HOOK_EXEC or EG_HOOK_MMAP */
	uint32_t uid;
	char *cgroup;
	enum eg_reason outcome; /* EG_REASON_NONE: "outcome valid" (also implied, see README) */
	time_t signed_after;
};

/* What the evaluator knows about one file and one access.  Strings may be NULL when the
 * fact is unknown (no signature, not catalogued); a NULL fact never matches a matcher. */
struct eg_policy_facts {
	const char *subject;  /* signer certificate subject (RFC 2253 as printed by the tools) */
	const char *issuer;
	bool has_spki;
	unsigned char spki[EG_SHA256_LEN];
	bool has_cert;
	unsigned char cert[EG_SHA256_LEN];
	const char *catalog;  /* catalog that listed the file's digest */
	bool has_sha256;
	unsigned char sha256[EG_SHA256_LEN];        /* the whole file's */
	unsigned char signed_sha256[EG_SHA256_LEN]; /* the signed content's (with has_sha256);
						     * a sha256 rule matches either */
	const char *path;
	enum eg_hook hook;    /* EG_HOOK_MPROTECT counts as mmap */
	uint32_t uid;
	const char *cgroup;   /* cgroup v2 path, "/" for the root */
	enum eg_reason reason; /* EG_REASON_NONE when the signature verified */
	bool has_signing_time; /* a verified RFC 3161 timestamp */
	time_t signing_time;
	/* Revocation could not be checked because a CRL was past its age (or nextUpdate) or
	 * missing, and verification let that pass (reason stays as it was): the policy's
	 * on-stale-crl / on-missing-crl decide what it means. */
	bool crl_stale;
	bool crl_missing;
};

struct eg_policy_decision {
	const struct eg_policy_rule *rule; /* NULL: the default action decided */
	enum eg_policy_action action;      /* what the rule (or default) says */
	enum eg_decision decision;         /* after the mode: allow, deny or audit */
	enum eg_reason reason;             /* why a deny or audit: verification's, or rule's */
	/* Another access to the same file could be decided otherwise: the deciding rule,
	 * or one before it that matches the file, tests the access (path, hook, uid,
	 * cgroup).  Such a decision holds for this access only: never cache it for the
	 * inode, where it would serve every process. */
	bool context_dependent;
};

struct eg_policy_error {
	char file[512];
	unsigned int line;   /* 0: not about a line (I/O, whole-policy checks) */
	unsigned int column;
	char message[512];
};

struct eg_policy;

/* Load POLICY and its fragments (FRAGMENT_DIR, or POLICY.d when NULL and it exists).  The
 * new policy's generation is PREV_GENERATION + 1.  Returns 0, -EBADMSG for an error in
 * the policy's content (ERR says where and what), or another negative errno for an
 * operational error (ERR names the file). */
int eg_policy_load(const char *path, const char *fragment_dir, uint32_t prev_generation,
		   struct eg_policy **ret, struct eg_policy_error *err);

/* Parse one policy from memory; NAME is used in errors and as the base for relative
 * file names.  Same returns as eg_policy_load(). */
int eg_policy_parse_buffer(const char *name, const char *buf, size_t len,
			   uint32_t prev_generation, struct eg_policy **ret,
			   struct eg_policy_error *err);

/* Parse the canonical bytes of a policy loaded from PATH (eg_policy_canonical(): the main
 * file, then each fragment of PATH.d behind its header), as if read from PATH and PATH.d
 * again: relative file names, rule files and the digest come out as they were.  The last
 * known good copy is kept in this form.  Same returns as eg_policy_load(). */
int eg_policy_parse_canonical(const char *path, const char *buf, size_t len,
			      uint32_t prev_generation, struct eg_policy **ret,
			      struct eg_policy_error *err);

void eg_policy_free(struct eg_policy *policy);

const struct eg_policy_settings *eg_policy_settings(const struct eg_policy *policy);
const unsigned char *eg_policy_digest(const struct eg_policy *policy); /* EG_SHA256_LEN */
/* The digest in lower-case hex; BUF holds at least 2 * EG_SHA256_LEN + 1 bytes. */
void eg_policy_digest_hex(const struct eg_policy *policy, char *buf);
uint32_t eg_policy_generation(const struct eg_policy *policy);
/* Does any rule test the access (path, hook, uid, cgroup)?  Else every decision holds
 * for every access to the file. */
bool eg_policy_has_context_rules(const struct eg_policy *policy);
enum eg_policy_action eg_policy_default_action(const struct eg_policy *policy);
size_t eg_policy_rule_count(const struct eg_policy *policy);
const struct eg_policy_rule *eg_policy_rule(const struct eg_policy *policy, size_t i);
size_t eg_policy_signer_count(const struct eg_policy *policy);
const struct eg_policy_signer *eg_policy_signer(const struct eg_policy *policy, size_t i);
/* Files in reading order: the main file first. */
size_t eg_policy_file_count(const struct eg_policy *policy);
const char *eg_policy_file(const struct eg_policy *policy, size_t i);
/* The canonical bytes the digest and a policy signature cover. */
const unsigned char *eg_policy_canonical(const struct eg_policy *policy, size_t *ret_len);

/* Decide for FACTS: candidates from the indexes (SPKI, certificate, file digest, subject
 * without glob) merged with the rules no index can answer; the lowest rule number that
 * matches wins, as in a linear scan. */
void eg_policy_evaluate(const struct eg_policy *policy, const struct eg_policy_facts *facts,
			struct eg_policy_decision *ret);
/* The same decision by testing every rule in order: the reference the index is checked
 * against in tests and measured against in the benchmark. */
void eg_policy_evaluate_linear(const struct eg_policy *policy,
			       const struct eg_policy_facts *facts,
			       struct eg_policy_decision *ret);

/* The name a "catalog" matcher sees for the catalog file PATH: its base name without a
 * trailing ".cat" (/usr/share/execgate/catalogs/os-image.cat is "os-image"), in BUF. */
const char *eg_policy_catalog_name(const char *path, char *buf, size_t len);

const char *eg_policy_action_name(enum eg_policy_action action);

/* What a policy signature is checked against. */
struct eg_policy_sig_trust {
	const char *anchors;		/* PEM file of the policy-signing trust anchors */
	const char *const *tsa_anchors; /* NULL-terminated PEM files, or NULL: no timestamp
					 * counts */
	const char *crl_dir;		/* NULL: revocation is not checked */
};

/* Check that SIG (DER or PEM CMS, detached) signs POLICY's canonical bytes, with a
 * certificate chaining to TRUST's anchors that carries the policy-signing EKU and not
 * code signing, not revoked in TRUST's CRLs (a stale or missing CRL does not refuse it):
 * the rules and the code that check a program's signature (eg_verify_detached_mem).
 * Returns 0 when valid, -EBADMSG when the signature is missing a requirement or does not
 * verify (MSG says which), another negative errno for an operational error. */
int eg_policy_verify_signature(const struct eg_policy *policy, const char *sig_path,
			       const struct eg_policy_sig_trust *trust, char *msg, size_t msg_len);

#endif
