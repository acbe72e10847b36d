// SPDX-License-Identifier: GPL-2.0
/*
 * eg_verify_fd/eg_verify_path against a PKI made at test time (eg_test_pki.h): every
 * reason code the library can give, every valid path, the CRL reason/time rule, the
 * timestamp rules, the deny list, catalogs and the cache's time window; the check of a
 * signature against a digest computed outside CMS, attribute by attribute.
 */
#include <elf.h>
#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "eg_elf.h"
#include "eg_test_pki.h"
#include "eg_verify_internal.h"

#define OID_TST "1.2.840.113549.1.9.16.2.14"
#define OID_MS_TST "1.3.6.1.4.1.311.3.3.1"
#define CS "codeSigning"
#define DS "critical,digitalSignature"

enum leaf_id {
	L_VALID,     /* EC P-256 */
	L_RSA,	     /* RSA 2048 */
	L_EXPIRED,   /* valid -400d .. -30d */
	L_NOTYET,    /* valid +30d .. +400d */
	L_WRONG_EKU, /* serverAuth */
	L_NO_EKU,
	L_KU_NO_DS, /* keyUsage without digitalSignature */
	L_RSA1024,
	L_SHA1,	     /* certificate signed with SHA-1 */
	L_K1,	     /* EC secp256k1: not on the allow list */
	L_LIFETIME,  /* expired, with Lifetime Signing */
	L_UNTRUSTED, /* under another root */
	L_CATALOG,   /* catalog signing (EG_CATALOG_SIGNING_EKU) */
	L_POLICY,    /* policy signing (EG_POLICY_SIGNING_EKU) */
	L_COUNT,
};

/* Leaves revoked in inter's CRL, one per reason (-1: no reason), revoked 10 days ago. */
static const int rev_reasons[] = {-1,
				  CRL_REASON_UNSPECIFIED,
				  CRL_REASON_KEY_COMPROMISE,
				  CRL_REASON_CA_COMPROMISE,
				  CRL_REASON_AFFILIATION_CHANGED,
				  CRL_REASON_SUPERSEDED,
				  CRL_REASON_CESSATION_OF_OPERATION,
				  CRL_REASON_CERTIFICATE_HOLD,
				  CRL_REASON_PRIVILEGE_WITHDRAWN};
#define NREV (sizeof(rev_reasons) / sizeof(rev_reasons[0]))

static struct {
	char *dir;
	char path[512];
	EVP_PKEY *root_key, *inter_key, *ec_key, *rsa_key, *other_key, *tsa_key;
	X509 *root, *inter, *other_root, *tsa_root, *tsa, *tsa_expired, *tsa_untrusted;
	X509 *tsa_kc, *tsa_sup;	    /* revoked in tsa_root's CRL 10 days ago */
	X509 *inter_sup, *inter_kc; /* intermediates revoked in root's CRL */
	X509 *leaf[L_COUNT], *rev[NREV], *under_sup, *under_kc;
	EVP_PKEY *leaf_key[L_COUNT];
	STACK_OF(X509) * chain; /* inter */
	unsigned char data[5000];
} P;

static const char *path_of(const char *name)
{
	snprintf(P.path, sizeof(P.path), "%s/%s", P.dir, name);
	return P.path;
}

static char *dup_path(const char *name)
{
	char *p = strdup(path_of(name));

	assert_non_null(p);
	return p;
}

static X509 *leaf(const char *cn, long nb, long na, const char *eku, const char *ku, EVP_PKEY *key,
		  X509 *issuer, EVP_PKEY *issuer_key, const EVP_MD *md)
{
	struct pki_cert_spec s = {
		.cn = cn, .not_before = nb, .not_after = na, .eku = eku, .ku = ku, .md = md};

	return pki_cert(&s, key, issuer, issuer_key);
}

/* CRL directories used by the tests, under P.dir. */
static void write_crls(void)
{
	struct pki_revoked rev[NREV], inter_rev[2] = {
					      {P.inter_sup, -10 * DAY, CRL_REASON_SUPERSEDED},
					      {P.inter_kc, -10 * DAY, CRL_REASON_KEY_COMPROMISE},
				      };
	struct pki_revoked tsa_rev[2] = {
		{P.tsa_kc, -10 * DAY, CRL_REASON_KEY_COMPROMISE},
		{P.tsa_sup, -10 * DAY, CRL_REASON_SUPERSEDED},
	};
	X509_CRL *inter_crl, *root_crl, *stale, *old, *forged, *sup_crl, *kc_crl, *tsa_crl;
	/* Every directory but the last holds tsa_root's CRL. */
	const char *dirs[] = {"crl-fresh",  "crl-stale", "crl-old",   "crl-missing",
			      "crl-forged", "crl-der",	 "crl-no-tsa"};

	for (size_t i = 0; i < NREV; i++)
		rev[i] = (struct pki_revoked){P.rev[i], -10 * DAY, rev_reasons[i]};
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		assert_int_equal(mkdir(path_of(dirs[i]), 0700), 0);
	inter_crl = pki_crl(P.inter, P.inter_key, -DAY, 30 * DAY, rev, NREV);
	root_crl = pki_crl(P.root, P.root_key, -DAY, 30 * DAY, inter_rev, 2);
	stale = pki_crl(P.inter, P.inter_key, -40 * DAY, -DAY, rev, NREV);
	old = pki_crl(P.inter, P.inter_key, -10 * DAY, 30 * DAY, rev, NREV);
	/* inter's name, signed by another key: must count as absent. */
	forged = pki_crl(P.inter, P.other_key, -DAY, 30 * DAY, NULL, 0);
	sup_crl = pki_crl(P.inter_sup, P.inter_key, -DAY, 30 * DAY, NULL, 0);
	kc_crl = pki_crl(P.inter_kc, P.inter_key, -DAY, 30 * DAY, NULL, 0);
	tsa_crl = pki_crl(P.tsa_root, P.tsa_key, -DAY, 30 * DAY, tsa_rev, 2);
	for (size_t i = 0; i + 1 < sizeof(dirs) / sizeof(dirs[0]); i++) {
		char name[64];

		snprintf(name, sizeof(name), "%s/tsa-root.crl", dirs[i]);
		pki_write_crl(path_of(name), tsa_crl, true);
	}
	X509_CRL_free(tsa_crl);

	pki_write_crl(path_of("crl-fresh/inter.crl"), inter_crl, true);
	pki_write_crl(path_of("crl-fresh/root.crl"), root_crl, true);
	pki_write(path_of("crl-fresh/README"), "not a CRL\n", 10);
	pki_write_crl(path_of("crl-fresh/inter-sup.crl"), sup_crl, true);
	pki_write_crl(path_of("crl-fresh/inter-kc.crl"), kc_crl, false);
	pki_write_crl(path_of("crl-der/inter.der"), inter_crl, false);
	pki_write_crl(path_of("crl-der/root.der"), root_crl, false);
	pki_write_crl(path_of("crl-stale/inter.crl"), stale, true);
	pki_write_crl(path_of("crl-stale/root.crl"), root_crl, true);
	pki_write_crl(path_of("crl-old/inter.crl"), old, true);
	pki_write_crl(path_of("crl-old/root.crl"), root_crl, true);
	pki_write_crl(path_of("crl-missing/root.crl"), root_crl, true);
	pki_write_crl(path_of("crl-no-tsa/inter.crl"), inter_crl, true);
	pki_write_crl(path_of("crl-no-tsa/root.crl"), root_crl, true);
	pki_write_crl(path_of("crl-forged/inter.crl"), forged, true);
	pki_write_crl(path_of("crl-forged/root.crl"), root_crl, true);
	X509_CRL_free(inter_crl);
	X509_CRL_free(root_crl);
	X509_CRL_free(stale);
	X509_CRL_free(old);
	X509_CRL_free(forged);
	X509_CRL_free(sup_crl);
	X509_CRL_free(kc_crl);
}

static int setup(void **state)
{
	struct pki_cert_spec ca = {.cn = "root",
				   .not_before = -1000 * DAY,
				   .not_after = 3000 * DAY,
				   .ca = true,
				   .ku = "critical,keyCertSign,cRLSign"};
	const long Y = 400 * DAY;

	P.dir = pki_tmpdir();
	P.root_key = pki_rsa(2048);
	P.inter_key = pki_ec("P-256");
	P.ec_key = pki_ec("P-256");
	P.rsa_key = pki_rsa(2048);
	P.other_key = pki_ec("P-256");
	P.tsa_key = pki_ec("P-384");
	P.root = pki_cert(&ca, P.root_key, NULL, NULL);
	ca.cn = "inter";
	P.inter = pki_cert(&ca, P.inter_key, P.root, P.root_key);
	ca.cn = "inter superseded";
	P.inter_sup = pki_cert(&ca, P.inter_key, P.root, P.root_key);
	ca.cn = "inter compromised";
	P.inter_kc = pki_cert(&ca, P.inter_key, P.root, P.root_key);
	ca.cn = "other root";
	P.other_root = pki_cert(&ca, P.other_key, NULL, NULL);
	ca.cn = "tsa root";
	P.tsa_root = pki_cert(&ca, P.tsa_key, NULL, NULL);
	P.tsa = leaf("tsa", -1000 * DAY, 3000 * DAY, "critical,timeStamping", DS, P.tsa_key,
		     P.tsa_root, P.tsa_key, NULL);
	P.tsa_expired = leaf("tsa expired", -1000 * DAY, -500 * DAY, "critical,timeStamping", DS,
			     P.tsa_key, P.tsa_root, P.tsa_key, NULL);
	P.tsa_kc = leaf("tsa compromised", -1000 * DAY, 3000 * DAY, "critical,timeStamping", DS,
			P.tsa_key, P.tsa_root, P.tsa_key, NULL);
	P.tsa_sup = leaf("tsa superseded", -1000 * DAY, 3000 * DAY, "critical,timeStamping", DS,
			 P.tsa_key, P.tsa_root, P.tsa_key, NULL);
	P.tsa_untrusted = leaf("tsa untrusted", -1000 * DAY, 3000 * DAY, "critical,timeStamping",
			       DS, P.tsa_key, P.other_root, P.other_key, NULL);

	for (int i = 0; i < L_COUNT; i++)
		P.leaf_key[i] = P.ec_key;
	P.leaf_key[L_RSA] = P.rsa_key;
	P.leaf_key[L_RSA1024] = pki_rsa(1024);
	P.leaf_key[L_K1] = pki_ec("secp256k1");
	P.leaf[L_VALID] = leaf("leaf", -Y, Y, CS, DS, P.ec_key, P.inter, P.inter_key, NULL);
	P.leaf[L_RSA] = leaf("leaf rsa", -Y, Y, CS, DS, P.rsa_key, P.inter, P.inter_key, NULL);
	P.leaf[L_EXPIRED] =
		leaf("expired", -Y, -30 * DAY, CS, DS, P.ec_key, P.inter, P.inter_key, NULL);
	P.leaf[L_NOTYET] =
		leaf("notyet", 30 * DAY, Y, CS, DS, P.ec_key, P.inter, P.inter_key, NULL);
	P.leaf[L_WRONG_EKU] =
		leaf("wrong eku", -Y, Y, "serverAuth", DS, P.ec_key, P.inter, P.inter_key, NULL);
	P.leaf[L_NO_EKU] = leaf("no eku", -Y, Y, NULL, DS, P.ec_key, P.inter, P.inter_key, NULL);
	P.leaf[L_KU_NO_DS] =
		leaf("ku", -Y, Y, CS, "keyEncipherment", P.ec_key, P.inter, P.inter_key, NULL);
	P.leaf[L_RSA1024] =
		leaf("rsa1024", -Y, Y, CS, DS, P.leaf_key[L_RSA1024], P.inter, P.inter_key, NULL);
	P.leaf[L_SHA1] = leaf("sha1", -Y, Y, CS, DS, P.ec_key, P.inter, P.inter_key, EVP_sha1());
	P.leaf[L_K1] = leaf("k1", -Y, Y, CS, DS, P.leaf_key[L_K1], P.inter, P.inter_key, NULL);
	P.leaf[L_LIFETIME] = leaf("lifetime", -Y, -30 * DAY, CS ",1.3.6.1.4.1.311.10.3.13", DS,
				  P.ec_key, P.inter, P.inter_key, NULL);
	P.leaf[L_UNTRUSTED] =
		leaf("untrusted", -Y, Y, CS, DS, P.ec_key, P.other_root, P.other_key, NULL);
	P.leaf[L_CATALOG] = leaf("catalog", -Y, Y, EG_CATALOG_SIGNING_EKU, DS, P.ec_key, P.inter,
				 P.inter_key, NULL);
	P.leaf[L_POLICY] = leaf("policy", -Y, Y, EG_POLICY_SIGNING_EKU, DS, P.ec_key, P.inter,
				P.inter_key, NULL);
	for (size_t i = 0; i < NREV; i++) {
		char cn[32];

		snprintf(cn, sizeof(cn), "revoked %zu", i);
		P.rev[i] = leaf(cn, -Y, Y, CS, DS, P.ec_key, P.inter, P.inter_key, NULL);
	}
	P.under_sup = leaf("under sup", -Y, Y, CS, DS, P.ec_key, P.inter_sup, P.inter_key, NULL);
	P.under_kc = leaf("under kc", -Y, Y, CS, DS, P.ec_key, P.inter_kc, P.inter_key, NULL);
	P.chain = sk_X509_new_null();
	assert_non_null(P.chain);
	sk_X509_push(P.chain, P.inter);

	pki_write_cert(path_of("root.pem"), P.root);
	pki_write_cert(path_of("other-root.pem"), P.other_root);
	pki_write_cert(path_of("tsa-root.pem"), P.tsa_root);
	for (size_t i = 0; i < sizeof(P.data); i++)
		P.data[i] = (unsigned char)(i * 7 + 3);
	pki_write(path_of("data"), P.data, sizeof(P.data));
	write_crls();
	return 0;
}

static int teardown(void **state)
{
	pki_rmdir(P.dir);
	free(P.dir);
	for (int i = 0; i < L_COUNT; i++) {
		X509_free(P.leaf[i]);
		if (P.leaf_key[i] != P.ec_key && P.leaf_key[i] != P.rsa_key)
			EVP_PKEY_free(P.leaf_key[i]);
	}
	for (size_t i = 0; i < NREV; i++)
		X509_free(P.rev[i]);
	X509_free(P.tsa_kc);
	X509_free(P.tsa_sup);
	X509 *certs[] = {P.root,     P.inter,	    P.other_root,    P.tsa_root,
			 P.tsa,	     P.tsa_expired, P.tsa_untrusted, P.inter_sup,
			 P.inter_kc, P.under_sup,   P.under_kc};
	for (size_t i = 0; i < sizeof(certs) / sizeof(certs[0]); i++)
		X509_free(certs[i]);
	EVP_PKEY *keys[] = {P.root_key, P.inter_key, P.ec_key, P.rsa_key, P.other_key, P.tsa_key};
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		EVP_PKEY_free(keys[i]);
	sk_X509_free(P.chain);
	return 0;
}

/* ---- signing and verifying helpers ------------------------------------------------------ */

struct sign_spec {
	X509 *cert;
	EVP_PKEY *key;
	X509 *issuer; /* carried intermediate; NULL: inter */
	const EVP_MD *md;
	long ts;	    /* token genTime relative to now; 0: no token */
	X509 *tsa;	    /* NULL: P.tsa */
	const char *ts_oid; /* NULL: id-aa-timeStampToken */
	bool ts_wrong_data; /* token over other bytes */
	bool two_tokens;
	bool pem;
	bool attached;
};

static CMS_ContentInfo *sign(const struct sign_spec *s, const void *data, size_t len)
{
	STACK_OF(X509) *extra = sk_X509_new_null();
	CMS_ContentInfo *cms;

	sk_X509_push(extra, s->issuer ? s->issuer : P.inter);
	cms = pki_cms(data, len, s->cert, s->key, extra, s->md, !s->attached);
	sk_X509_free(extra);
	for (int i = 0; s->ts && i < (s->two_tokens ? 2 : 1); i++) {
		const ASN1_OCTET_STRING *sv = pki_cms_sigval(cms);
		PKCS7 *tok = s->ts_wrong_data ? pki_ts_token("other", 5, s->tsa ? s->tsa : P.tsa,
							     P.tsa_key, time(NULL) + s->ts)
					      : pki_ts_token(ASN1_STRING_get0_data(sv),
							     (size_t)ASN1_STRING_length(sv),
							     s->tsa ? s->tsa : P.tsa, P.tsa_key,
							     time(NULL) + s->ts);

		pki_cms_add_token(cms, tok, s->ts_oid ? s->ts_oid : OID_TST);
		PKCS7_free(tok);
	}
	return cms;
}

/* Sign P.data into NAME.sig (detached) with S. */
static void sign_data(const struct sign_spec *s, const char *sig_name)
{
	CMS_ContentInfo *cms = sign(s, P.data, sizeof(P.data));

	pki_write_cms(path_of(sig_name), cms, s->pem);
	CMS_ContentInfo_free(cms);
}

struct vopts {
	const char *crl_dir;
	bool no_tsa;
	bool other_root;
	unsigned int flags;
	const char *deny;
	int64_t crl_max_age;
	const char *sig_dir;
};

static int verify_with(const struct vopts *o, const char *file, const char *detached, int64_t now,
		       struct eg_verify_result *res)
{
	char *root = dup_path(o->other_root ? "other-root.pem" : "root.pem");
	char *tsa = dup_path("tsa-root.pem"), *crl = o->crl_dir ? dup_path(o->crl_dir) : NULL;
	char *deny = o->deny ? dup_path(o->deny) : NULL, *fpath = dup_path(file);
	char *sig = detached ? dup_path(detached) : NULL;
	const char *anchors[] = {root, NULL}, *tsas[] = {tsa, NULL};
	struct eg_verifier_opts vo = {.anchors = anchors,
				      .tsa_anchors = o->no_tsa ? NULL : tsas,
				      .crl_dir = crl,
				      .flags = o->flags,
				      .deny_list = deny,
				      .crl_max_age = o->crl_max_age,
				      .sig_dir = o->sig_dir};
	struct eg_verify_opts opts = {.detached = sig, .now = now};
	struct eg_verifier *v;
	char err[512];
	int r;

	r = eg_verifier_new(&vo, &v, err, sizeof(err));
	if (r)
		fail_msg("eg_verifier_new: %d %s", r, err);
	r = eg_verify_path(v, fpath, &opts, res);
	eg_verifier_free(v);
	free(root);
	free(tsa);
	free(crl);
	free(deny);
	free(fpath);
	free(sig);
	return r;
}

static void expect(const struct eg_verify_result *res, enum eg_reason reason, const char *what)
{
	if (reason == EG_REASON_NONE && !res->valid)
		fail_msg("%s: expected valid, got %s: %s", what, eg_reason_name(res->reason),
			 res->detail);
	if (reason != EG_REASON_NONE && (res->valid || res->reason != reason))
		fail_msg("%s: expected %s, got %s (%s): %s", what, eg_reason_name(reason),
			 res->valid ? "valid" : "invalid", eg_reason_name(res->reason),
			 res->detail);
}

/* Sign P.data with S and verify it detached under O. */
static void check(const struct sign_spec *s, const struct vopts *o, enum eg_reason reason,
		  const char *what)
{
	static const struct vopts none;
	struct eg_verify_result res;

	sign_data(s, "t.sig");
	assert_int_equal(verify_with(o ? o : &none, "data", "t.sig", 0, &res), 0);
	expect(&res, reason, what);
}

#define SPEC(id, ...) ((struct sign_spec){.cert = P.leaf[id], .key = P.leaf_key[id], __VA_ARGS__})

/* ---- tests ------------------------------------------------------------------------------ */

static void valid_detached_der_and_pem_fill_the_result(void **state)
{
	struct eg_verify_result res;
	unsigned char md[32], fp[32];
	struct sign_spec s = SPEC(L_RSA);

	for (int pem = 0; pem < 2; pem++) {
		s.pem = pem;
		sign_data(&s, "t.sig");
		assert_int_equal(verify_with(&(struct vopts){0}, "data", "t.sig", 0, &res), 0);
		expect(&res, EG_REASON_NONE, pem ? "PEM" : "DER");
		assert_int_equal(res.kind, EG_SIG_DETACHED);
		assert_string_equal(res.signer.subject, "CN=leaf rsa,O=eg unit");
		assert_string_equal(res.signer.issuer, "CN=inter,O=eg unit");
		assert_true(res.has_file_sha256);
		SHA256(P.data, sizeof(P.data), md);
		assert_memory_equal(res.file_sha256, md, 32);
		X509_digest(P.leaf[L_RSA], EVP_sha256(), fp, NULL);
		assert_memory_equal(res.signer.sha256, fp, 32);
		assert_int_equal(res.chain_len, 3);
		assert_string_equal(res.chain_subjects[2], "CN=root,O=eg unit");
		assert_false(res.has_timestamp);
		assert_int_equal(res.revocation, EG_REVOCATION_UNKNOWN);
		assert_true(res.signer.not_after > res.signer.not_before);
		assert_true(strlen(res.signer.serial) > 0);
	}
	check(&SPEC(L_VALID), NULL, EG_REASON_NONE, "EC P-256 leaf");
}

static void every_chain_and_algorithm_reason(void **state)
{
	static const struct {
		enum leaf_id id;
		const char *md;
		enum eg_reason reason;
	} cases[] = {
		{L_EXPIRED, NULL, EG_REASON_EXPIRED},
		{L_NOTYET, NULL, EG_REASON_NOT_YET_VALID},
		{L_WRONG_EKU, NULL, EG_REASON_BAD_EKU},
		{L_NO_EKU, NULL, EG_REASON_BAD_EKU},
		{L_KU_NO_DS, NULL, EG_REASON_BAD_EKU},
		{L_RSA1024, NULL, EG_REASON_WEAK_ALGORITHM},
		{L_SHA1, NULL, EG_REASON_WEAK_ALGORITHM},
		{L_K1, NULL, EG_REASON_WEAK_ALGORITHM},
		{L_VALID, "sha1", EG_REASON_WEAK_ALGORITHM},
		{L_VALID, "sha384", EG_REASON_NONE},
		{L_VALID, "sha512", EG_REASON_NONE},
		{L_UNTRUSTED, NULL, EG_REASON_UNTRUSTED_CHAIN},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sign_spec s = SPEC(cases[i].id);
		char what[64];

		if (cases[i].md)
			s.md = EVP_get_digestbyname(cases[i].md);
		if (cases[i].id == L_UNTRUSTED)
			s.issuer = P.other_root;
		snprintf(what, sizeof(what), "case %zu (%s)", i, eg_reason_name(cases[i].reason));
		check(&s, NULL, cases[i].reason, what);
	}
	/* The same leaf against a root that did not issue it. */
	sign_data(&SPEC(L_VALID), "t.sig");
	struct eg_verify_result res;
	assert_int_equal(verify_with(&(struct vopts){.other_root = true}, "data", "t.sig", 0, &res),
			 0);
	expect(&res, EG_REASON_UNTRUSTED_CHAIN, "other anchor");
}

static void tampered_content_and_bad_signature_files(void **state)
{
	struct eg_verify_result res;
	CMS_ContentInfo *cms;

	sign_data(&SPEC(L_VALID), "t.sig");
	P.data[100] ^= 1;
	pki_write(path_of("data"), P.data, sizeof(P.data));
	assert_int_equal(verify_with(&(struct vopts){0}, "data", "t.sig", 0, &res), 0);
	P.data[100] ^= 1;
	pki_write(path_of("data"), P.data, sizeof(P.data));
	expect(&res, EG_REASON_BAD_SIGNATURE, "one flipped bit");

	pki_write(path_of("garbage.sig"), "garbage", 7);
	assert_int_equal(verify_with(&(struct vopts){0}, "data", "garbage.sig", 0, &res), 0);
	expect(&res, EG_REASON_MALFORMED, "garbage signature file");

	/* Attached content where a file signature must be detached. */
	cms = sign(&(struct sign_spec){.cert = P.leaf[L_VALID], .key = P.ec_key, .attached = true},
		   P.data, sizeof(P.data));
	pki_write_cms(path_of("attached.sig"), cms, false);
	CMS_ContentInfo_free(cms);
	assert_int_equal(verify_with(&(struct vopts){0}, "data", "attached.sig", 0, &res), 0);
	expect(&res, EG_REASON_MALFORMED, "attached content");

	/* Two signers. */
	cms = sign(&SPEC(L_VALID), P.data, sizeof(P.data));
	{
		BIO *in = BIO_new_mem_buf(P.data, sizeof(P.data));
		CMS_ContentInfo *two =
			CMS_sign(NULL, NULL, NULL, NULL, CMS_BINARY | CMS_PARTIAL | CMS_DETACHED);

		assert_non_null(CMS_add1_signer(two, P.leaf[L_VALID], P.ec_key, EVP_sha256(), 0));
		assert_non_null(CMS_add1_signer(two, P.leaf[L_RSA], P.rsa_key, EVP_sha256(), 0));
		assert_int_equal(CMS_final(two, in, NULL, CMS_BINARY | CMS_DETACHED), 1);
		pki_write_cms(path_of("two.sig"), two, false);
		CMS_ContentInfo_free(two);
		BIO_free(in);
	}
	CMS_ContentInfo_free(cms);
	assert_int_equal(verify_with(&(struct vopts){0}, "data", "two.sig", 0, &res), 0);
	expect(&res, EG_REASON_MALFORMED, "two signers");

	/* Not a regular file: an error, not a verdict. */
	{
		char *root = dup_path("root.pem");
		const char *anchors[] = {root, NULL};
		struct eg_verifier_opts vo = {.anchors = anchors};
		struct eg_verifier *v;
		char err[256];
		int pfd[2];

		assert_int_equal(eg_verifier_new(&vo, &v, err, sizeof(err)), 0);
		assert_int_equal(pipe(pfd), 0);
		assert_int_equal(eg_verify_fd(v, pfd[0], NULL, NULL, &res), -EINVAL);
		assert_false(res.valid);
		assert_int_equal(eg_verify_path(v, P.dir, NULL, &res), -EINVAL);
		close(pfd[0]);
		close(pfd[1]);
		eg_verifier_free(v);
		free(root);
	}

	/* An explicit signature file that is not there: an error, not a verdict. */
	assert_int_equal(verify_with(&(struct vopts){0}, "data", "absent.sig", 0, &res), -ENOENT);
	assert_false(res.valid);
}

static void lookup_next_to_the_file_and_in_the_signature_directory(void **state)
{
	struct eg_verify_result res;
	char sigdir[600], sub[1200];

	/* No signature anywhere: "data" is not ELF, so malformed; after FILE.sig: valid. */
	assert_int_equal(verify_with(&(struct vopts){0}, "data", NULL, 0, &res), 0);
	expect(&res, EG_REASON_NO_SIGNATURE, "no signature, not ELF");
	assert_true(res.has_file_sha256);
	sign_data(&SPEC(L_VALID), "data.sig");
	assert_int_equal(verify_with(&(struct vopts){0}, "data", NULL, 0, &res), 0);
	expect(&res, EG_REASON_NONE, "FILE.sig");
	assert_int_equal(res.kind, EG_SIG_DETACHED);
	assert_non_null(strstr(res.sig_path, "data.sig"));
	assert_int_equal(verify_with(&(struct vopts){.flags = EG_VERIFY_NO_SIG_LOOKUP}, "data",
				     NULL, 0, &res),
			 0);
	expect(&res, EG_REASON_NO_SIGNATURE, "lookup off");
	unlink(path_of("data.sig"));

	/* SIGDIR/<absolute path>.sig */
	snprintf(sigdir, sizeof(sigdir), "%s", path_of("sigs"));
	snprintf(sub, sizeof(sub), "%s%s/", sigdir, P.dir);
	for (char *p = sub + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		assert_true(!mkdir(sub, 0700) || errno == EEXIST);
		*p = '/';
	}
	{
		char tmp[1300];

		snprintf(tmp, sizeof(tmp), "sigs%s/data.sig", P.dir);
		sign_data(&SPEC(L_VALID), tmp);
	}
	assert_int_equal(verify_with(&(struct vopts){.sig_dir = sigdir}, "data", NULL, 0, &res), 0);
	expect(&res, EG_REASON_NONE, "signature directory");
	assert_int_equal(res.kind, EG_SIG_DETACHED);
}

/* A tiny ELF program image (header and one PT_LOAD, no sections), signed embedded the way
 * the format says: add the section, sign the ranges, write the DER into the payload. */
static void make_embedded(const char *name, const struct sign_spec *s, bool tamper_after)
{
	unsigned char elf[256] = {0x7f, 'E', 'L', 'F', ELFCLASS64, ELFDATA2LSB, EV_CURRENT};
	struct eg_elf_sig sig;
	unsigned char *content, der_buf[8192], *der = der_buf;
	CMS_ContentInfo *cms;
	char err[256];
	struct stat st;
	int in, out, der_len;

	elf[16] = ET_EXEC;
	elf[18] = EM_X86_64;
	elf[20] = EV_CURRENT;
	elf[32] = 64; /* e_phoff */
	elf[52] = 64; /* e_ehsize */
	elf[54] = 56; /* e_phentsize */
	elf[56] = 1;  /* e_phnum */
	elf[58] = 64; /* e_shentsize */
	elf[64] = PT_LOAD;
	elf[64 + 32] = 200; /* p_filesz */
	memset(elf + 120, 0xcc, sizeof(elf) - 120);
	in = memfd_create("in", 0);
	assert_int_equal(write(in, elf, sizeof(elf)), sizeof(elf));
	out = open(path_of(name), O_RDWR | O_CREAT | O_TRUNC, 0700);
	assert_true(out >= 0);
	assert_int_equal(eg_elf_add_sig_section(in, out, 4096, &sig, err, sizeof(err)), 0);
	assert_int_equal(fstat(out, &st), 0);
	content = malloc((size_t)st.st_size);
	assert_int_equal(pread(out, content, sig.offset, 0), (ssize_t)sig.offset);
	assert_int_equal(pread(out, content + sig.offset,
			       (size_t)st.st_size - sig.offset - sig.size,
			       (off_t)(sig.offset + sig.size)),
			 (ssize_t)(st.st_size - sig.offset - sig.size));
	cms = sign(s, content, (size_t)st.st_size - sig.size);
	der_len = i2d_CMS_ContentInfo(cms, NULL);
	assert_true(der_len > 0 && der_len <= (int)sizeof(der_buf));
	i2d_CMS_ContentInfo(cms, &der);
	assert_int_equal(pwrite(out, der_buf, (size_t)der_len, (off_t)sig.offset), der_len);
	if (tamper_after)
		assert_int_equal(pwrite(out, "\x90", 1, 150), 1);
	CMS_ContentInfo_free(cms);
	free(content);
	close(in);
	close(out);
}

static void embedded_signatures(void **state)
{
	struct eg_verify_result res;
	int fd;

	make_embedded("prog", &SPEC(L_VALID, .ts = -1), false);
	assert_int_equal(
		verify_with(&(struct vopts){.crl_dir = "crl-fresh"}, "prog", NULL, 0, &res), 0);
	expect(&res, EG_REASON_NONE, "embedded");
	assert_int_equal(res.kind, EG_SIG_EMBEDDED);
	assert_true(res.has_timestamp);
	assert_int_equal(res.revocation, EG_REVOCATION_GOOD);
	assert_true(res.crl_next_update > time(NULL));

	make_embedded("prog-bad", &SPEC(L_VALID), true);
	assert_int_equal(verify_with(&(struct vopts){0}, "prog-bad", NULL, 0, &res), 0);
	expect(&res, EG_REASON_BAD_SIGNATURE, "embedded, a loadable byte changed");

	/* Bytes appended after the section header table are signed too. */
	make_embedded("prog-app", &SPEC(L_VALID), false);
	fd = open(path_of("prog-app"), O_WRONLY | O_APPEND);
	assert_int_equal(write(fd, "x", 1), 1);
	close(fd);
	assert_int_equal(verify_with(&(struct vopts){0}, "prog-app", NULL, 0, &res), 0);
	expect(&res, EG_REASON_BAD_SIGNATURE, "embedded, appended byte");

	/* An ELF without a section: no_signature. */
	{
		unsigned char elf[64] = {0x7f, 'E', 'L', 'F', ELFCLASS64, ELFDATA2LSB, EV_CURRENT};

		elf[16] = ET_EXEC;
		elf[20] = EV_CURRENT;
		elf[52] = 64;
		pki_write(path_of("bare"), elf, sizeof(elf));
	}
	assert_int_equal(verify_with(&(struct vopts){0}, "bare", NULL, 0, &res), 0);
	expect(&res, EG_REASON_NO_SIGNATURE, "unsigned ELF");
}

/* ---- the digest path: signed attributes checked against the file's own SHA-256 -------- */

static CMS_SignerInfo *signer_of(CMS_ContentInfo *cms)
{
	return sk_CMS_SignerInfo_value(CMS_get0_SignerInfos(cms), 0);
}

/* CMS through DER and back: signedAttrs come back in DER SET OF order, the order a
 * verifier sees and a signature must cover. */
static CMS_ContentInfo *reparse(CMS_ContentInfo *cms)
{
	unsigned char *der = NULL;
	const unsigned char *p;
	CMS_ContentInfo *out;
	int len = i2d_CMS_ContentInfo(cms, &der);

	p = der;
	out = len > 0 ? d2i_CMS_ContentInfo(NULL, &p, len) : NULL;
	pki_check(out != NULL, "CMS round trip");
	OPENSSL_free(der);
	CMS_ContentInfo_free(cms);
	return out;
}

/* Sign the signed attributes of CMS's signer again, with KEY and the signer's digest: a
 * signature that verifies over whatever the attributes now say (or is by another key). */
static void resign(CMS_ContentInfo *cms, EVP_PKEY *key)
{
	CMS_SignerInfo *si = signer_of(cms);
	STACK_OF(X509_ATTRIBUTE) *attrs = sk_X509_ATTRIBUTE_new_null();
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned char *der = NULL, *sig;
	X509_ALGOR *dig = NULL;
	size_t siglen = 0;
	int len;

	CMS_SignerInfo_get0_algs(si, NULL, NULL, &dig, NULL);
	for (int i = 0; i < CMS_signed_get_attr_count(si); i++)
		pki_check(sk_X509_ATTRIBUTE_push(attrs, CMS_signed_get_attr(si, i)) > 0, "push");
	/* PKCS7_ATTR_VERIFY: the attributes in their order, tagged SET, as verifiers hash. */
	len = ASN1_item_i2d((ASN1_VALUE *)attrs, &der, ASN1_ITEM_rptr(PKCS7_ATTR_VERIFY));
	pki_check(len > 0 && ctx && dig &&
			  EVP_DigestSignInit(ctx, NULL, EVP_get_digestbyobj(dig->algorithm), NULL,
					     key) == 1 &&
			  EVP_DigestSign(ctx, NULL, &siglen, der, (size_t)len) == 1,
		  "sign attributes");
	sig = OPENSSL_malloc(siglen);
	pki_check(sig && EVP_DigestSign(ctx, sig, &siglen, der, (size_t)len) == 1, "sign");
	ASN1_STRING_set0(CMS_SignerInfo_get0_signature(si), sig, (int)siglen);
	OPENSSL_free(der);
	EVP_MD_CTX_free(ctx);
	sk_X509_ATTRIBUTE_free(attrs);
}

static void drop_attr(CMS_SignerInfo *si, int nid)
{
	int loc = CMS_signed_get_attr_by_NID(si, nid, -1);

	pki_check(loc >= 0, "attribute to drop");
	X509_ATTRIBUTE_free(CMS_signed_delete_attr(si, loc));
}

enum attr_edit {
	E_NONE,
	E_MD_FLIPPED,	     /* a bit of messageDigest, signature left as it was */
	E_MD_FLIPPED_SIGNED, /* the same, signed again */
	E_MD_MISSING,
	E_MD_TWICE,	 /* a second messageDigest attribute with the right value */
	E_MD_OTHER_DATA, /* messageDigest of other bytes, signed */
	E_CT_OTHER,	 /* contentType id-ct-TSTInfo, signed */
	E_CT_MISSING,
	E_OTHER_KEY, /* signed by a key that is not the certificate's */
};

/* P.data signed by the EC leaf with MD, then EDIT. */
static CMS_ContentInfo *sign_edited(enum attr_edit edit, const EVP_MD *md)
{
	CMS_ContentInfo *cms = sign(&SPEC(L_VALID, .md = md), P.data, sizeof(P.data));
	CMS_SignerInfo *si = signer_of(cms);
	ASN1_OCTET_STRING *os = CMS_signed_get0_data_by_OBJ(
		si, OBJ_nid2obj(NID_pkcs9_messageDigest), -3, V_ASN1_OCTET_STRING);
	unsigned char val[EVP_MAX_MD_SIZE];
	unsigned int vlen = (unsigned int)ASN1_STRING_length(os);

	pki_check(os && vlen == (unsigned int)EVP_MD_get_size(md), "messageDigest");
	memcpy(val, ASN1_STRING_get0_data(os), vlen);
	switch (edit) {
	case E_NONE:
		return cms;
	case E_MD_FLIPPED:
	case E_MD_FLIPPED_SIGNED:
		val[7] ^= 1;
		pki_check(ASN1_OCTET_STRING_set(os, val, (int)vlen), "set messageDigest");
		break;
	case E_MD_MISSING:
		drop_attr(si, NID_pkcs9_messageDigest);
		break;
	case E_MD_TWICE:
		pki_check(CMS_signed_add1_attr_by_NID(si, NID_pkcs9_messageDigest,
						      V_ASN1_OCTET_STRING, val, (int)vlen),
			  "second messageDigest");
		break;
	case E_MD_OTHER_DATA:
		pki_check(EVP_Digest("other", 5, val, &vlen, md, NULL) == 1 &&
				  ASN1_OCTET_STRING_set(os, val, (int)vlen),
			  "other messageDigest");
		break;
	case E_CT_OTHER:
		drop_attr(si, NID_pkcs9_contentType);
		pki_check(CMS_signed_add1_attr_by_NID(si, NID_pkcs9_contentType, V_ASN1_OBJECT,
						      OBJ_nid2obj(NID_id_smime_ct_TSTInfo), -1),
			  "other contentType");
		break;
	case E_CT_MISSING:
		drop_attr(si, NID_pkcs9_contentType);
		break;
	case E_OTHER_KEY:
		break;
	}
	cms = reparse(cms);
	if (edit != E_MD_FLIPPED)
		resign(cms, edit == E_OTHER_KEY ? P.rsa_key : P.ec_key);
	return cms;
}

static const struct {
	enum attr_edit edit;
	const char *what;
} attr_cases[] = {
	{E_MD_FLIPPED, "messageDigest changed"},
	{E_MD_FLIPPED_SIGNED, "messageDigest changed, signed again"},
	{E_MD_MISSING, "no messageDigest"},
	{E_MD_TWICE, "two messageDigest attributes"},
	{E_MD_OTHER_DATA, "messageDigest of other bytes"},
	{E_CT_OTHER, "contentType not id-data"},
	{E_CT_MISSING, "no contentType"},
	{E_OTHER_KEY, "signed by another key"},
};

/* Each signed attribute that binds the signature to the file, edited: bad_signature on
 * the digest path (SHA-256) and on CMS_verify's (SHA-384) alike. */
static void digest_path_checks_every_signed_attribute(void **state)
{
	const EVP_MD *mds[] = {EVP_sha256(), EVP_sha384()};
	unsigned char md[32];
	char detail[EG_DETAIL_MAX];
	struct eg_verify_result res;
	CMS_ContentInfo *cms;

	SHA256(P.data, sizeof(P.data), md);
	for (int m = 0; m < 2; m++) {
		bool digest_path = m == 0;

		/* The edit helpers change only what they say: signed again unedited, valid. */
		cms = sign_edited(E_NONE, mds[m]);
		resign(cms, P.ec_key);
		assert_int_equal(eg_cms_signed_attrs_sha256(signer_of(cms)), digest_path);
		if (digest_path)
			assert_int_equal(eg_cms_verify_digest(cms, signer_of(cms), P.leaf[L_VALID],
							      md, 32, detail, sizeof(detail)),
					 1);
		pki_write_cms(path_of("t.sig"), cms, false);
		CMS_ContentInfo_free(cms);
		assert_int_equal(verify_with(&(struct vopts){0}, "data", "t.sig", 0, &res), 0);
		expect(&res, EG_REASON_NONE, "signed again unedited");

		for (size_t i = 0; i < sizeof(attr_cases) / sizeof(attr_cases[0]); i++) {
			char what[128];

			snprintf(what, sizeof(what), "%s, %s", attr_cases[i].what,
				 EVP_MD_get0_name(mds[m]));
			cms = sign_edited(attr_cases[i].edit, mds[m]);
			if (digest_path)
				assert_int_equal(eg_cms_verify_digest(cms, signer_of(cms),
								      P.leaf[L_VALID], md, 32,
								      detail, sizeof(detail)),
						 0);
			pki_write_cms(path_of("t.sig"), cms, false);
			CMS_ContentInfo_free(cms);
			assert_int_equal(verify_with(&(struct vopts){0}, "data", "t.sig", 0, &res),
					 0);
			expect(&res, EG_REASON_BAD_SIGNATURE, what);
			assert_true(res.has_file_sha256);
			assert_memory_equal(res.file_sha256, md, 32);
		}
	}

	/* The right attributes against another digest: a tampered file. */
	cms = sign_edited(E_NONE, EVP_sha256());
	md[0] ^= 1;
	assert_int_equal(eg_cms_verify_digest(cms, signer_of(cms), P.leaf[L_VALID], md, 32, detail,
					      sizeof(detail)),
			 0);
	assert_int_equal(eg_cms_verify_digest(cms, signer_of(cms), P.leaf[L_VALID], md, 31, detail,
					      sizeof(detail)),
			 0);
	CMS_ContentInfo_free(cms);
}

/* Signers the digest path leaves to CMS_verify: SHA-384 and SHA-512 (the signed digest
 * is not the file's SHA-256) and no signed attributes (the signature is over the content
 * digest itself).  Each verifies, and fails once the file changes. */
static void other_signers_take_the_general_path(void **state)
{
	static const char *const mds[] = {"sha384", "sha512"};
	unsigned char md[64];
	char detail[EG_DETAIL_MAX];
	struct eg_verify_result res;
	CMS_ContentInfo *cms;

	for (int i = 0; i < 3; i++) {
		if (i < 2) {
			cms = sign(&SPEC(L_VALID, .md = EVP_get_digestbyname(mds[i])), P.data,
				   sizeof(P.data));
		} else {
			BIO *in = BIO_new_mem_buf(P.data, sizeof(P.data));

			cms = CMS_sign(NULL, NULL, NULL, NULL,
				       CMS_BINARY | CMS_PARTIAL | CMS_DETACHED);
			pki_check(in && cms &&
					  CMS_add1_signer(cms, P.leaf[L_VALID], P.ec_key,
							  EVP_sha256(), CMS_BINARY | CMS_NOATTR) &&
					  CMS_add1_cert(cms, P.inter) &&
					  CMS_final(cms, in, NULL, CMS_BINARY) == 1,
				  "CMS without signed attributes");
			BIO_free(in);
			assert_int_equal(CMS_signed_get_attr_count(signer_of(cms)), -1);
		}
		assert_false(eg_cms_signed_attrs_sha256(signer_of(cms)));
		/* Handed a SHA-256 anyway, the digest check refuses. */
		SHA256(P.data, sizeof(P.data), md);
		assert_int_equal(eg_cms_verify_digest(cms, signer_of(cms), P.leaf[L_VALID], md, 32,
						      detail, sizeof(detail)),
				 0);
		pki_write_cms(path_of("t.sig"), cms, false);
		CMS_ContentInfo_free(cms);
		assert_int_equal(verify_with(&(struct vopts){0}, "data", "t.sig", 0, &res), 0);
		expect(&res, EG_REASON_NONE, i < 2 ? mds[i] : "no signed attributes");
		assert_memory_equal(res.file_sha256, md, 32);

		P.data[4000] ^= 0x80;
		pki_write(path_of("data"), P.data, sizeof(P.data));
		assert_int_equal(verify_with(&(struct vopts){0}, "data", "t.sig", 0, &res), 0);
		P.data[4000] ^= 0x80;
		pki_write(path_of("data"), P.data, sizeof(P.data));
		expect(&res, EG_REASON_BAD_SIGNATURE, i < 2 ? mds[i] : "no signed attributes");
	}
}

/* eg_sig_sha256_fd: the whole file's SHA-256 and the signed content's, as
 * eg_sig_digest_fd and sha256 of the bytes compute them. */
static void one_pass_gives_both_digests(void **state)
{
	unsigned char file_md[32], signed_md[32], want[32], *all;
	struct eg_elf_sig sig;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	char err[256];
	struct stat st;
	int fd;

	make_embedded("prog", &SPEC(L_VALID), false);
	fd = open(path_of("prog"), O_RDONLY);
	assert_true(fd >= 0 && ctx);
	assert_int_equal(eg_elf_find_sig(fd, &sig, NULL, err, sizeof(err)), 0);
	assert_int_equal(fstat(fd, &st), 0);
	/* Bytes after the payload too, so both digests go on past the fork. */
	assert_true(sig.offset + sig.size < (uint64_t)st.st_size);
	assert_int_equal(eg_sig_sha256_fd(fd, &sig, file_md, signed_md), 0);
	assert_int_equal(EVP_DigestInit_ex(ctx, EVP_sha256(), NULL), 1);
	assert_int_equal(eg_sig_digest_fd(fd, &sig, ctx), 0);
	assert_int_equal(EVP_DigestFinal_ex(ctx, want, NULL), 1);
	assert_memory_equal(signed_md, want, 32);
	all = malloc((size_t)st.st_size);
	assert_int_equal(pread(fd, all, (size_t)st.st_size, 0), st.st_size);
	SHA256(all, (size_t)st.st_size, want);
	assert_memory_equal(file_md, want, 32);
	assert_memory_not_equal(signed_md, file_md, 32);

	/* No signature section: both are the file's SHA-256. */
	assert_int_equal(eg_sig_sha256_fd(fd, NULL, file_md, signed_md), 0);
	assert_memory_equal(file_md, want, 32);
	assert_memory_equal(signed_md, want, 32);

	/* The file is no longer the size the section was found in. */
	sig.file_size++;
	assert_int_equal(eg_sig_sha256_fd(fd, &sig, file_md, signed_md), -EIO);
	free(all);
	close(fd);
	EVP_MD_CTX_free(ctx);
}

/* Embedded signatures on both paths, and an edited messageDigest in the ELF section. */
static void embedded_signatures_on_both_paths(void **state)
{
	struct eg_verify_result res;

	make_embedded("prog", &SPEC(L_RSA, .md = EVP_sha512()), false);
	assert_int_equal(verify_with(&(struct vopts){0}, "prog", NULL, 0, &res), 0);
	expect(&res, EG_REASON_NONE, "embedded, SHA-512");
	make_embedded("prog", &SPEC(L_RSA, .md = EVP_sha512()), true);
	assert_int_equal(verify_with(&(struct vopts){0}, "prog", NULL, 0, &res), 0);
	expect(&res, EG_REASON_BAD_SIGNATURE, "embedded, SHA-512, a byte changed");
	make_embedded("prog", &SPEC(L_RSA), false);
	assert_int_equal(verify_with(&(struct vopts){0}, "prog", NULL, 0, &res), 0);
	expect(&res, EG_REASON_NONE, "embedded, SHA-256, RSA");
}

static void timestamps(void **state)
{
	struct vopts no_tsa = {.no_tsa = true}, req = {.flags = EG_VERIFY_REQUIRE_TIMESTAMP};
	struct eg_verify_result res;

	check(&SPEC(L_EXPIRED, .ts = -100 * DAY), NULL, EG_REASON_NONE,
	      "expired, timestamped inside");
	check(&SPEC(L_EXPIRED, .ts = -100 * DAY, .ts_oid = OID_MS_TST), NULL, EG_REASON_NONE,
	      "Microsoft OID");
	check(&SPEC(L_EXPIRED, .ts = -10 * DAY), NULL, EG_REASON_EXPIRED,
	      "timestamped after expiry");
	check(&SPEC(L_EXPIRED), NULL, EG_REASON_EXPIRED, "expired, no timestamp");
	check(&SPEC(L_LIFETIME, .ts = -100 * DAY), NULL, EG_REASON_EXPIRED,
	      "Lifetime Signing ignores the timestamp");
	check(&SPEC(L_VALID, .ts = -DAY, .ts_wrong_data = true), NULL, EG_REASON_BAD_TIMESTAMP,
	      "token over other data");
	check(&SPEC(L_VALID, .ts = -DAY, .tsa = P.tsa_untrusted), NULL, EG_REASON_BAD_TIMESTAMP,
	      "TSA under another root");
	check(&SPEC(L_VALID, .ts = -DAY, .tsa = P.tsa_expired), NULL, EG_REASON_BAD_TIMESTAMP,
	      "TSA certificate expired");
	check(&SPEC(L_VALID, .ts = -DAY, .two_tokens = true), NULL, EG_REASON_BAD_TIMESTAMP,
	      "two tokens");
	check(&SPEC(L_VALID), &req, EG_REASON_TIMESTAMP_REQUIRED, "required, none");
	check(&SPEC(L_VALID, .ts = -DAY), &req, EG_REASON_NONE, "required, present");
	/* Without TSA anchors a token cannot be checked, so it cannot extend validity. */
	check(&SPEC(L_EXPIRED, .ts = -100 * DAY), &no_tsa, EG_REASON_EXPIRED, "no TSA anchors");

	sign_data(&SPEC(L_EXPIRED, .ts = -100 * DAY), "t.sig");
	assert_int_equal(verify_with(&(struct vopts){0}, "data", "t.sig", 0, &res), 0);
	expect(&res, EG_REASON_NONE, "fields");
	assert_true(res.has_timestamp);
	assert_true(res.timestamp > time(NULL) - 101 * DAY &&
		    res.timestamp < time(NULL) - 99 * DAY);
	assert_int_equal(res.validation_time, res.timestamp);
	assert_string_equal(res.tsa_subject, "CN=tsa,O=eg unit");
}

/* Every CRL reason, without timestamp, timestamped before and after the revocation. */
static void crl_reason_and_time_rule(void **state)
{
	struct vopts o = {.crl_dir = "crl-fresh"};

	for (size_t i = 0; i < NREV; i++) {
		bool benign = rev_reasons[i] == CRL_REASON_SUPERSEDED ||
			      rev_reasons[i] == CRL_REASON_AFFILIATION_CHANGED ||
			      rev_reasons[i] == CRL_REASON_CESSATION_OF_OPERATION ||
			      rev_reasons[i] == CRL_REASON_PRIVILEGE_WITHDRAWN;
		struct sign_spec s = {.cert = P.rev[i], .key = P.ec_key};
		char what[64];

		snprintf(what, sizeof(what), "reason %d, no timestamp", rev_reasons[i]);
		check(&s, &o, EG_REASON_REVOKED, what);
		s.ts = -20 * DAY;
		snprintf(what, sizeof(what), "reason %d, timestamped before", rev_reasons[i]);
		check(&s, &o, benign ? EG_REASON_NONE : EG_REASON_REVOKED, what);
		s.ts = -5 * DAY;
		snprintf(what, sizeof(what), "reason %d, timestamped after", rev_reasons[i]);
		check(&s, &o, EG_REASON_REVOKED, what);
	}
	/* Intermediates: the same rule one level up. */
	check(&(struct sign_spec){.cert = P.under_sup, .key = P.ec_key, .issuer = P.inter_sup}, &o,
	      EG_REASON_REVOKED, "intermediate superseded, no timestamp");
	check(&(struct sign_spec){.cert = P.under_sup,
				  .key = P.ec_key,
				  .issuer = P.inter_sup,
				  .ts = -20 * DAY},
	      &o, EG_REASON_NONE, "intermediate superseded, timestamped before");
	check(
		&(struct sign_spec){
			.cert = P.under_kc, .key = P.ec_key, .issuer = P.inter_kc, .ts = -20 * DAY},
		&o, EG_REASON_REVOKED, "intermediate keyCompromise, timestamped before");
}

static size_t rev_index(int reason)
{
	for (size_t i = 0; i < NREV; i++)
		if (rev_reasons[i] == reason)
			return i;
	fail_msg("no leaf revoked for reason %d", reason);
	return 0;
}

/* A CRL is judged fresh or stale now, whatever the timestamp: a signature timestamped
 * long before its issuer's current CRL was issued is checked against that CRL, and the
 * entry's date and reason are weighed against the timestamp. */
static void timestamped_signatures_older_than_their_issuers_crls(void **state)
{
	struct vopts o = {.crl_dir = "crl-fresh"};
	struct eg_verify_result res;
	size_t sup = rev_index(CRL_REASON_SUPERSEDED), kc = rev_index(CRL_REASON_KEY_COMPROMISE);

	/* Never revoked: an expired certificate, timestamped 100 days ago, a CRL of
	 * yesterday. */
	sign_data(&SPEC(L_EXPIRED, .ts = -100 * DAY), "t.sig");
	assert_int_equal(verify_with(&o, "data", "t.sig", 0, &res), 0);
	expect(&res, EG_REASON_NONE, "never revoked, timestamped before the CRL");
	assert_int_equal(res.revocation, EG_REVOCATION_GOOD);
	assert_int_equal(res.crl_problems, 0);
	check(&(struct sign_spec){.cert = P.rev[sup], .key = P.ec_key, .ts = -100 * DAY}, &o,
	      EG_REASON_NONE, "superseded after the timestamp");
	check(&(struct sign_spec){.cert = P.rev[kc], .key = P.ec_key, .ts = -100 * DAY}, &o,
	      EG_REASON_REVOKED, "keyCompromise after the timestamp");
	check(&(struct sign_spec){.cert = P.rev[sup], .key = P.ec_key, .ts = -5 * DAY}, &o,
	      EG_REASON_REVOKED, "superseded before the timestamp");
	/* The CRL's own age is judged now: a stale one is stale for an old signature too. */
	check(&SPEC(L_EXPIRED, .ts = -100 * DAY), &(struct vopts){.crl_dir = "crl-stale"},
	      EG_REASON_CRL_STALE, "old signature, stale CRL");
}

/* The TSA's own chain is checked against CRLs too. */
static void a_revoked_tsa_gives_a_bad_timestamp(void **state)
{
	struct vopts fresh = {.crl_dir = "crl-fresh"}, no_tsa = {.crl_dir = "crl-no-tsa"};
	struct vopts no_tsa_ok = {.crl_dir = "crl-no-tsa", .flags = EG_VERIFY_ALLOW_CRL_MISSING};
	struct eg_verify_result res;

	check(&SPEC(L_VALID, .ts = -DAY, .tsa = P.tsa_kc), &fresh, EG_REASON_BAD_TIMESTAMP,
	      "TSA revoked for keyCompromise");
	check(&SPEC(L_VALID, .ts = -DAY, .tsa = P.tsa_kc), NULL, EG_REASON_NONE,
	      "TSA revoked, no CRL directory");
	check(&SPEC(L_VALID, .ts = -20 * DAY, .tsa = P.tsa_sup), &fresh, EG_REASON_NONE,
	      "TSA superseded after the token");
	check(&SPEC(L_VALID, .ts = -DAY, .tsa = P.tsa_sup), &fresh, EG_REASON_BAD_TIMESTAMP,
	      "token from a superseded TSA");
	check(&SPEC(L_VALID, .ts = -DAY), &no_tsa, EG_REASON_CRL_MISSING, "no CRL for the TSA");
	check(&SPEC(L_VALID), &no_tsa, EG_REASON_NONE, "no CRL for the TSA, no token");
	sign_data(&SPEC(L_VALID, .ts = -DAY), "t.sig");
	assert_int_equal(verify_with(&no_tsa_ok, "data", "t.sig", 0, &res), 0);
	expect(&res, EG_REASON_NONE, "missing TSA CRL allowed");
	assert_int_equal(res.crl_problems, EG_CRL_PROBLEM_MISSING);
	assert_int_equal(res.revocation, EG_REVOCATION_UNKNOWN);
	assert_true(res.has_timestamp);
}

static void crl_freshness_presence_and_signature(void **state)
{
	struct eg_verify_result res;
	struct {
		struct vopts o;
		enum eg_reason reason;
		unsigned int problems;
		enum eg_revocation rev;
	} cases[] = {
		{{.crl_dir = "crl-fresh"}, EG_REASON_NONE, 0, EG_REVOCATION_GOOD},
		{{.crl_dir = "crl-der"}, EG_REASON_NONE, 0, EG_REVOCATION_GOOD},
		{{.crl_dir = "crl-stale"},
		 EG_REASON_CRL_STALE,
		 EG_CRL_PROBLEM_STALE,
		 EG_REVOCATION_UNKNOWN},
		{{.crl_dir = "crl-stale", .flags = EG_VERIFY_ALLOW_CRL_STALE},
		 EG_REASON_NONE,
		 EG_CRL_PROBLEM_STALE,
		 EG_REVOCATION_UNKNOWN},
		{{.crl_dir = "crl-old", .crl_max_age = 5 * DAY},
		 EG_REASON_CRL_STALE,
		 EG_CRL_PROBLEM_STALE,
		 EG_REVOCATION_UNKNOWN},
		{{.crl_dir = "crl-old", .crl_max_age = 20 * DAY},
		 EG_REASON_NONE,
		 0,
		 EG_REVOCATION_GOOD},
		{{.crl_dir = "crl-missing"},
		 EG_REASON_CRL_MISSING,
		 EG_CRL_PROBLEM_MISSING,
		 EG_REVOCATION_UNKNOWN},
		{{.crl_dir = "crl-missing", .flags = EG_VERIFY_ALLOW_CRL_MISSING},
		 EG_REASON_NONE,
		 EG_CRL_PROBLEM_MISSING,
		 EG_REVOCATION_UNKNOWN},
		{{.crl_dir = "crl-forged"},
		 EG_REASON_CRL_MISSING,
		 EG_CRL_PROBLEM_MISSING,
		 EG_REVOCATION_UNKNOWN},
	};

	sign_data(&SPEC(L_VALID), "t.sig");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char what[64];

		snprintf(what, sizeof(what), "CRL case %zu (%s)", i, cases[i].o.crl_dir);
		assert_int_equal(verify_with(&cases[i].o, "data", "t.sig", 0, &res), 0);
		expect(&res, cases[i].reason, what);
		assert_int_equal(res.crl_problems, cases[i].problems);
		assert_int_equal(res.revocation, cases[i].rev);
	}
	/* A stale CRL that lists the certificate: revoked wins. */
	sign_data(&(struct sign_spec){.cert = P.rev[2], .key = P.ec_key}, "t.sig");
	assert_int_equal(verify_with(&cases[2].o, "data", "t.sig", 0, &res), 0);
	expect(&res, EG_REASON_REVOKED, "stale but listed");
	assert_int_equal(res.revocation, EG_REVOCATION_REVOKED);
	assert_int_equal(res.revocation_reason, CRL_REASON_KEY_COMPROMISE);
}

static void deny_list_comes_first(void **state)
{
	struct eg_verify_result res;
	unsigned char md[32], fp[32];
	char hex[65], line[200];
	struct vopts o = {.deny = "deny"};

	sign_data(&SPEC(L_VALID), "t.sig");
	SHA256(P.data, sizeof(P.data), md);
	snprintf(line, sizeof(line), "# file\nsha256:%s  data\n", eg_sha256_hex(md, hex));
	pki_write(path_of("deny"), line, strlen(line));
	assert_int_equal(verify_with(&o, "data", "t.sig", 0, &res), 0);
	expect(&res, EG_REASON_DENY_LIST, "file digest");

	X509_digest(P.inter, EVP_sha256(), fp, NULL);
	snprintf(line, sizeof(line), "\n%s\n", eg_sha256_hex(fp, hex));
	pki_write(path_of("deny"), line, strlen(line));
	assert_int_equal(verify_with(&o, "data", "t.sig", 0, &res), 0);
	expect(&res, EG_REASON_DENY_LIST, "intermediate fingerprint");

	pki_write(path_of("deny"), "\n", 1);
	assert_int_equal(verify_with(&o, "data", "t.sig", 0, &res), 0);
	expect(&res, EG_REASON_NONE, "empty deny list");

	/* A deny list that does not parse is refused, not half-used. */
	{
		char *p = dup_path("deny"), *root = dup_path("root.pem");
		const char *anchors[] = {root, NULL};
		struct eg_verifier_opts vo = {.anchors = anchors, .deny_list = p};
		struct eg_verifier *v;
		char err[256];

		pki_write(p, "sha256:xyz\n", 11);
		assert_int_equal(eg_verifier_new(&vo, &v, err, sizeof(err)), -EINVAL);
		assert_null(v);
		assert_non_null(strstr(err, ":1:"));
		free(p);
		free(root);
	}
}

static void write_catalog(const char *name, const struct sign_spec *s, const char *listed)
{
	unsigned char md[1][32];
	const char *names[1] = {"data"};
	CMS_ContentInfo *cms;
	struct sign_spec a = *s;
	char *text;
	size_t len;

	SHA256((const unsigned char *)listed, strlen(listed), md[0]);
	if (!strcmp(listed, "DATA"))
		SHA256(P.data, sizeof(P.data), md[0]);
	assert_int_equal(
		eg_catalog_build_content((const unsigned char(*)[32])md, names, 1, &text, &len), 0);
	a.attached = true;
	cms = sign(&a, text, len);
	pki_write_cms(path_of(name), cms, false);
	CMS_ContentInfo_free(cms);
	free(text);
}

static void catalogs(void **state)
{
	char *root = dup_path("root.pem"), *good = dup_path("good.cat"), *bad = dup_path("bad.cat");
	char *other = dup_path("other.cat"), *junk = dup_path("junk.cat"), *data = dup_path("data");
	char *file2 = dup_path("file2");
	const char *anchors[] = {root, NULL};
	struct eg_verifier_opts vo = {.anchors = anchors};
	struct eg_verify_result res;
	struct eg_verifier *v;
	char err[256];

	write_catalog("good.cat", &SPEC(L_CATALOG), "DATA");
	write_catalog("bad.cat", &SPEC(L_WRONG_EKU), "DATA");
	write_catalog("other.cat", &SPEC(L_CATALOG), "something else");
	write_catalog("code.cat", &SPEC(L_VALID), "DATA");
	pki_write(junk, "junk", 4);
	pki_write(file2, "file2", 5);

	assert_int_equal(eg_verifier_new(&vo, &v, err, sizeof(err)), 0);
	assert_int_equal(eg_verifier_add_catalog(v, bad, &res), 0);
	expect(&res, EG_REASON_BAD_EKU, "catalog by a wrong-EKU leaf");
	assert_int_equal(eg_verify_path(v, data, &(struct eg_verify_opts){0}, &res), 0);
	expect(&res, EG_REASON_BAD_EKU, "file only in an invalid catalog");
	assert_int_equal(res.kind, EG_SIG_CATALOG);
	/* A code-signing certificate signs programs, not lists of them. */
	assert_int_equal(eg_verifier_add_catalog(v, path_of("code.cat"), &res), 0);
	expect(&res, EG_REASON_BAD_EKU, "catalog by a code-signing leaf");
	assert_non_null(strstr(res.detail, "a code-signing certificate cannot sign catalogs"));
	assert_int_equal(eg_verifier_remove_catalog(v, path_of("code.cat")), 0);
	assert_int_equal(eg_verifier_add_catalog(v, other, &res), 0);
	expect(&res, EG_REASON_NONE, "valid catalog");
	assert_int_equal(eg_verifier_add_catalog(v, good, &res), 0);
	expect(&res, EG_REASON_NONE, "valid catalog");
	assert_int_equal(eg_verifier_add_catalog(v, junk, &res), -EBADMSG);
	assert_int_equal(eg_verify_path(v, data, NULL, &res), 0);
	expect(&res, EG_REASON_NONE, "file in a valid catalog");
	assert_int_equal(res.kind, EG_SIG_CATALOG);
	assert_string_equal(res.sig_path, good);
	assert_string_equal(res.signer.subject, "CN=catalog,O=eg unit");
	assert_int_equal(eg_verify_path(v, file2, NULL, &res), 0);
	expect(&res, EG_REASON_NO_SIGNATURE, "file in no catalog (and not ELF)");
	eg_verifier_free(v);

	/* The catalog API itself: read without verifying, list, look up. */
	{
		struct eg_catalog *cat;
		unsigned char md[32];

		assert_int_equal(eg_catalog_read(good, &cat, err, sizeof(err)), 0);
		assert_int_equal(eg_catalog_count(cat), 1);
		assert_string_equal(eg_catalog_entry_at(cat, 0)->name, "data");
		SHA256(P.data, sizeof(P.data), md);
		assert_non_null(eg_catalog_lookup(cat, md));
		md[0] ^= 1;
		assert_null(eg_catalog_lookup(cat, md));
		assert_null(eg_catalog_entry_at(cat, 1));
		eg_catalog_free(cat);
		/* A detached signature is not a catalog. */
		sign_data(&SPEC(L_VALID), "t.sig");
		assert_int_equal(eg_catalog_read(path_of("t.sig"), &cat, err, sizeof(err)),
				 -EBADMSG);
	}
	free(root);
	free(good);
	free(bad);
	free(other);
	free(junk);
	free(data);
	free(file2);
}

/* What a sync told its eg_digest_fn: how many digests, and whether the data file's. */
struct relisted {
	size_t n;
	bool data;
};

static void count_relisted(void *ctx, const unsigned char sha256[EG_SHA256_LEN])
{
	struct relisted *r = ctx;
	unsigned char data[EG_SHA256_LEN];

	SHA256(P.data, sizeof(P.data), data);
	r->n++;
	r->data |= !memcmp(sha256, data, EG_SHA256_LEN);
}

/* A catalog directory synced again reads only what changed, and what it no longer holds
 * stops counting.  The digests a change touches are told: those of a catalog replaced or
 * removed, old and new, and none for a catalog added. */
static void catalog_dir_sync(void **state)
{
	char *root = dup_path("root.pem"), *dir = dup_path("catdir"), *data = dup_path("data");
	char *a = dup_path("catdir/a.cat"), *b = dup_path("catdir/b.cat"), *tmp = dup_path("new.cat");
	const char *anchors[] = {root, NULL};
	struct eg_verifier_opts vo = {.anchors = anchors};
	struct eg_catalog_sync sync;
	struct relisted told = {0};
	struct eg_verify_result res;
	struct eg_verifier *v;
	char err[256];

	(void)state;
	assert_int_equal(mkdir(dir, 0755), 0);
	write_catalog("catdir/a.cat", &SPEC(L_CATALOG), "something else");
	pki_write(path_of("catdir/junk.cat"), "junk", 4);
	assert_int_equal(eg_verifier_new(&vo, &v, err, sizeof(err)), 0);
	assert_int_equal(eg_verifier_sync_catalog_dir(v, dir, NULL, count_relisted, &told, &sync), 0);
	assert_int_equal(sync.added, 1);
	assert_int_equal(sync.skipped, 1);
	assert_int_equal(eg_verify_path(v, data, NULL, &res), 0);
	expect(&res, EG_REASON_NO_SIGNATURE, "file in no catalog yet");

	/* A new catalog is added, the unchanged one kept unread. */
	write_catalog("catdir/b.cat", &SPEC(L_CATALOG), "DATA");
	assert_int_equal(eg_verifier_sync_catalog_dir(v, dir, NULL, count_relisted, &told, &sync), 0);
	assert_int_equal(sync.added, 1);
	assert_int_equal(sync.kept, 1);
	assert_int_equal(sync.replaced + sync.removed, 0);
	assert_int_equal(told.n, 0);
	assert_int_equal(eg_verify_path(v, data, NULL, &res), 0);
	expect(&res, EG_REASON_NONE, "file in the added catalog");
	assert_string_equal(res.sig_path, b);

	/* Renamed over with other content: replaced, and the old content no longer counts. */
	write_catalog("new.cat", &SPEC(L_CATALOG), "something else");
	assert_int_equal(rename(tmp, b), 0);
	assert_int_equal(eg_verifier_sync_catalog_dir(v, dir, NULL, count_relisted, &told, &sync), 0);
	assert_int_equal(sync.replaced, 1);
	assert_int_equal(sync.kept, 1);
	assert_int_equal(told.n, 2);
	assert_true(told.data);
	assert_int_equal(eg_verify_path(v, data, NULL, &res), 0);
	expect(&res, EG_REASON_NO_SIGNATURE, "file only in the replaced catalog's old content");

	/* Replaced by a file that is no catalog: the old one goes too. */
	write_catalog("catdir/b.cat", &SPEC(L_CATALOG), "DATA");
	assert_int_equal(eg_verifier_sync_catalog_dir(v, dir, NULL, count_relisted, &told, &sync), 0);
	assert_int_equal(eg_verify_path(v, data, NULL, &res), 0);
	expect(&res, EG_REASON_NONE, "file in the catalog written again");
	pki_write(path_of("new.cat"), "junk", 4);
	assert_int_equal(rename(tmp, b), 0);
	assert_int_equal(eg_verifier_sync_catalog_dir(v, dir, NULL, count_relisted, &told, &sync), 0);
	assert_int_equal(sync.removed, 1);
	assert_int_equal(sync.skipped, 2);
	assert_int_equal(eg_verify_path(v, data, NULL, &res), 0);
	expect(&res, EG_REASON_NO_SIGNATURE, "file in a catalog now unreadable");

	/* Deleted: removed. */
	write_catalog("catdir/b.cat", &SPEC(L_CATALOG), "DATA");
	assert_int_equal(eg_verifier_sync_catalog_dir(v, dir, NULL, count_relisted, &told, &sync), 0);
	assert_int_equal(sync.added, 1);
	assert_int_equal(unlink(b), 0);
	assert_int_equal(unlink(a), 0);
	told = (struct relisted){0};
	assert_int_equal(eg_verifier_sync_catalog_dir(v, dir, NULL, count_relisted, &told, &sync), 0);
	assert_int_equal(sync.removed, 2);
	assert_int_equal(sync.kept + sync.added + sync.replaced, 0);
	assert_int_equal(told.n, 2);
	assert_true(told.data);
	assert_int_equal(eg_verify_path(v, data, NULL, &res), 0);
	expect(&res, EG_REASON_NO_SIGNATURE, "file in a deleted catalog");
	eg_verifier_free(v);
	unlink(path_of("catdir/junk.cat"));
	rmdir(dir);
	free(root);
	free(dir);
	free(data);
	free(a);
	free(b);
	free(tmp);
}

/* A chain result is reused only inside the chain's validity: a later "now" re-checks. */
static void cache_respects_the_validity_window(void **state)
{
	char *root = dup_path("root.pem"), *data = dup_path("data"), *sig = dup_path("t.sig");
	const char *anchors[] = {root, NULL};
	struct eg_verifier_opts vo = {.anchors = anchors};
	struct eg_verify_opts opts = {.detached = sig};
	struct eg_verify_result res;
	struct eg_verifier *v;
	char err[256];

	sign_data(&SPEC(L_VALID), "t.sig");
	assert_int_equal(eg_verifier_new(&vo, &v, err, sizeof(err)), 0);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(eg_verify_path(v, data, &opts, &res), 0);
		expect(&res, EG_REASON_NONE, "repeat");
	}
	opts.now = time(NULL) + 500 * DAY;
	assert_int_equal(eg_verify_path(v, data, &opts, &res), 0);
	expect(&res, EG_REASON_EXPIRED, "after expiry, same verifier");
	opts.now = 0;
	assert_int_equal(eg_verify_path(v, data, &opts, &res), 0);
	expect(&res, EG_REASON_NONE, "back to now");
	eg_verifier_free(v);
	free(root);
	free(data);
	free(sig);
}

/* A token is bound to the signature it covers, cached or not. */
static void a_token_copied_onto_another_signature_is_bad(void **state)
{
	char *root = dup_path("root.pem"), *tsa = dup_path("tsa-root.pem"),
	     *data = dup_path("data");
	char *a_path = dup_path("a.sig"), *b_path = dup_path("b.sig");
	const char *anchors[] = {root, NULL}, *tsas[] = {tsa, NULL};
	struct eg_verifier_opts vo = {.anchors = anchors, .tsa_anchors = tsas};
	CMS_ContentInfo *a = sign(&SPEC(L_VALID), P.data, sizeof(P.data));
	CMS_ContentInfo *b = sign(&SPEC(L_RSA), P.data, sizeof(P.data));
	const ASN1_OCTET_STRING *sv = pki_cms_sigval(a);
	PKCS7 *tok = pki_ts_token(ASN1_STRING_get0_data(sv), (size_t)ASN1_STRING_length(sv), P.tsa,
				  P.tsa_key, time(NULL) - DAY);
	struct eg_verify_result res;
	struct eg_verifier *v;
	char err[256];

	pki_cms_add_token(a, tok, OID_TST);
	pki_cms_add_token(b, tok, OID_TST);
	pki_write_cms(a_path, a, false);
	pki_write_cms(b_path, b, false);
	assert_int_equal(eg_verifier_new(&vo, &v, err, sizeof(err)), 0);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(
			eg_verify_path(v, data, &(struct eg_verify_opts){.detached = a_path}, &res),
			0);
		expect(&res, EG_REASON_NONE, "the token's own signature");
		assert_true(res.has_timestamp);
		assert_int_equal(
			eg_verify_path(v, data, &(struct eg_verify_opts){.detached = b_path}, &res),
			0);
		expect(&res, EG_REASON_BAD_TIMESTAMP, "a token copied from another signature");
	}
	eg_verifier_free(v);
	PKCS7_free(tok);
	CMS_ContentInfo_free(a);
	CMS_ContentInfo_free(b);
	free(root);
	free(tsa);
	free(data);
	free(a_path);
	free(b_path);
}

struct worker {
	struct eg_verifier *v;
	const char *data, *good, *bad;
	int failures;
};

static void *work(void *arg)
{
	struct worker *w = arg;

	for (int i = 0; i < 40; i++) {
		struct eg_verify_opts o = {.detached = i % 2 ? w->bad : w->good};
		struct eg_verify_result res;

		if (eg_verify_path(w->v, w->data, &o, &res) || res.valid != !(i % 2) ||
		    (i % 2 && res.reason != EG_REASON_REVOKED) ||
		    (!(i % 2) && (!res.has_timestamp || res.revocation != EG_REVOCATION_GOOD)))
			w->failures++;
	}
	return NULL;
}

/* One verifier shared by threads, as execgated's workers do: every answer stays right
 * while the caches fill and hit concurrently. */
static void concurrent_verifications_share_one_verifier(void **state)
{
	char *root = dup_path("root.pem"), *tsa = dup_path("tsa-root.pem");
	char *crl = dup_path("crl-fresh"), *data = dup_path("data");
	char *good = dup_path("good.sig"), *bad = dup_path("bad.sig");
	const char *anchors[] = {root, NULL}, *tsas[] = {tsa, NULL};
	struct eg_verifier_opts vo = {.anchors = anchors, .tsa_anchors = tsas, .crl_dir = crl};
	struct worker w[4];
	pthread_t t[4];
	char err[256];

	sign_data(&SPEC(L_VALID, .ts = -DAY), "good.sig");
	sign_data(&(struct sign_spec){.cert = P.rev[2], .key = P.ec_key, .ts = -DAY}, "bad.sig");
	for (int i = 0; i < 4; i++) {
		w[i] = (struct worker){.data = data, .good = good, .bad = bad};
		if (i == 0)
			assert_int_equal(eg_verifier_new(&vo, &w[0].v, err, sizeof(err)), 0);
		w[i].v = w[0].v;
		assert_int_equal(pthread_create(&t[i], NULL, work, &w[i]), 0);
	}
	/* Join every thread before any assertion: a failed one leaves the test early. */
	for (int i = 0; i < 4; i++)
		assert_int_equal(pthread_join(t[i], NULL), 0);
	for (int i = 0; i < 4; i++)
		assert_int_equal(w[i].failures, 0);
	eg_verifier_free(w[0].v);
	free(root);
	free(tsa);
	free(crl);
	free(data);
	free(good);
	free(bad);
}

static void verifier_options_are_checked(void **state)
{
	char *missing = dup_path("nope.pem"), *data = dup_path("data");
	const char *anchors[] = {missing, NULL}, *none[] = {NULL}, *not_pem[] = {data, NULL};
	struct eg_verifier_opts vo = {.anchors = anchors};
	struct eg_verifier *v;
	char err[256];

	assert_int_equal(eg_verifier_new(&vo, &v, err, sizeof(err)), -ENOENT);
	/* No anchor is an empty store (a fresh installation's audit policy): nothing chains. */
	vo.anchors = none;
	assert_int_equal(eg_verifier_new(&vo, &v, err, sizeof(err)), 0);
	eg_verifier_free(v);
	vo.anchors = not_pem;
	assert_int_equal(eg_verifier_new(&vo, &v, err, sizeof(err)), -EINVAL);
	eg_verifier_free(NULL);
	free(missing);
	free(data);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(valid_detached_der_and_pem_fill_the_result),
		cmocka_unit_test(every_chain_and_algorithm_reason),
		cmocka_unit_test(tampered_content_and_bad_signature_files),
		cmocka_unit_test(lookup_next_to_the_file_and_in_the_signature_directory),
		cmocka_unit_test(embedded_signatures),
		cmocka_unit_test(digest_path_checks_every_signed_attribute),
		cmocka_unit_test(other_signers_take_the_general_path),
		cmocka_unit_test(one_pass_gives_both_digests),
		cmocka_unit_test(embedded_signatures_on_both_paths),
		cmocka_unit_test(timestamps),
		cmocka_unit_test(crl_reason_and_time_rule),
		cmocka_unit_test(crl_freshness_presence_and_signature),
		cmocka_unit_test(timestamped_signatures_older_than_their_issuers_crls),
		cmocka_unit_test(a_revoked_tsa_gives_a_bad_timestamp),
		cmocka_unit_test(deny_list_comes_first),
		cmocka_unit_test(catalogs),
		cmocka_unit_test(catalog_dir_sync),
		cmocka_unit_test(cache_respects_the_validity_window),
		cmocka_unit_test(a_token_copied_onto_another_signature_is_bad),
		cmocka_unit_test(concurrent_verifications_share_one_verifier),
		cmocka_unit_test(verifier_options_are_checked),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
