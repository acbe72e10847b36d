// SPDX-License-Identifier: GPL-2.0
/*
 * The .execgate.sig locator, the section writer and the signed byte ranges, on ELF
 * images crafted here byte by byte in all four formats (32/64-bit, either byte order),
 * so every malformation the format names has a case.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/sha.h>

#include "eg_elf.h"

/* The image: ELF header, one PT_LOAD over [0, 0x140), .text at 0x100, .comment at 0x180,
 * .shstrtab at 0x140, the signature payload at 0x200 (a 5-byte DER SEQUENCE and zeros),
 * section headers at 0x240: null, .text, .shstrtab, .comment, .execgate.sig. */
static const char strtab[] = "\0.text\0.shstrtab\0.comment\0.execgate.sig";
enum { NAME_TEXT = 1, NAME_SHSTRTAB = 7, NAME_COMMENT = 17, NAME_SIG = 26 };

struct sec {
	uint32_t name, type;
	uint64_t flags, addr, offset, size;
};

struct img {
	bool is64, msb;
	uint64_t phoff, shoff, p_offset, p_filesz;
	uint16_t phnum, shnum, shstrndx;
	uint64_t sh0_size; /* extended section count */
	struct sec s[5];
	size_t len; /* 0: computed from the layout */
	unsigned char payload[64];
};

static void put(unsigned char *p, uint64_t v, int n, bool msb)
{
	for (int i = 0; i < n; i++)
		p[msb ? n - 1 - i : i] = (unsigned char)(v >> (8 * i));
}

static void img_default(struct img *m, bool is64, bool msb)
{
	static const unsigned char der[] = {0x30, 0x03, 0x02, 0x01, 0x05};

	memset(m, 0, sizeof(*m));
	m->is64 = is64;
	m->msb = msb;
	m->phoff = is64 ? 64 : 52;
	m->phnum = 1;
	m->p_filesz = 0x140;
	m->shoff = 0x240;
	m->shnum = 5;
	m->shstrndx = 2;
	m->s[1] = (struct sec){NAME_TEXT, SHT_PROGBITS, SHF_ALLOC | SHF_EXECINSTR,
			       0x100,	  0x100,	0x40};
	m->s[2] = (struct sec){NAME_SHSTRTAB, SHT_STRTAB, 0, 0, 0x140, sizeof(strtab)};
	m->s[3] = (struct sec){NAME_COMMENT, SHT_PROGBITS, 0, 0, 0x180, 0x10};
	m->s[4] = (struct sec){NAME_SIG, SHT_PROGBITS, 0, 0, 0x200, 0x40};
	memcpy(m->payload, der, sizeof(der));
}

/* Serialise M; *LEN receives the size.  The caller frees. */
static unsigned char *img_build(const struct img *m, size_t *len)
{
	size_t shent = m->is64 ? 64 : 40, w = m->is64 ? 8 : 4;
	size_t n = m->len ? m->len : 0x240 + 5 * shent;
	size_t cap = n > 0x240 + 5 * shent ? n : 0x240 + 5 * shent;
	unsigned char *b = calloc(1, cap), *p;

	assert_non_null(b);
	memcpy(b, ELFMAG, SELFMAG);
	b[EI_CLASS] = m->is64 ? ELFCLASS64 : ELFCLASS32;
	b[EI_DATA] = m->msb ? ELFDATA2MSB : ELFDATA2LSB;
	b[EI_VERSION] = EV_CURRENT;
	put(b + 16, ET_EXEC, 2, m->msb);
	put(b + 18, EM_X86_64, 2, m->msb);
	put(b + 20, EV_CURRENT, 4, m->msb);
	p = b + 24 + w; /* e_phoff */
	put(p, m->phoff, (int)w, m->msb);
	put(p + w, m->shoff, (int)w, m->msb);
	p += 2 * w + 4; /* e_flags */
	put(p, m->is64 ? 64 : 52, 2, m->msb);
	put(p + 2, m->is64 ? 56 : 32, 2, m->msb);
	put(p + 4, m->phnum, 2, m->msb);
	put(p + 6, shent, 2, m->msb);
	put(p + 8, m->shnum, 2, m->msb);
	put(p + 10, m->shstrndx, 2, m->msb);

	/* PT_LOAD at the default phoff (tests that move e_phoff leave the bytes here). */
	p = b + (m->is64 ? 64 : 52);
	put(p, PT_LOAD, 4, m->msb);
	if (m->is64) {
		put(p + 4, PF_R | PF_X, 4, m->msb);
		put(p + 8, m->p_offset, 8, m->msb);
		put(p + 32, m->p_filesz, 8, m->msb);
		put(p + 40, m->p_filesz, 8, m->msb);
	} else {
		put(p + 4, m->p_offset, 4, m->msb);
		put(p + 16, m->p_filesz, 4, m->msb);
		put(p + 20, m->p_filesz, 4, m->msb);
	}
	memset(b + 0x100, 0xcc, 0x40);
	memcpy(b + 0x140, strtab, sizeof(strtab));
	memset(b + 0x180, 'c', 0x10);
	memcpy(b + 0x200, m->payload, sizeof(m->payload));
	for (int i = 0; i < 5; i++) {
		const struct sec *s = &m->s[i];

		p = b + 0x240 + i * shent;
		put(p, s->name, 4, m->msb);
		put(p + 4, s->type, 4, m->msb);
		put(p + 8, s->flags, (int)w, m->msb);
		put(p + 8 + w, s->addr, (int)w, m->msb);
		put(p + 8 + 2 * w, s->offset, (int)w, m->msb);
		put(p + 8 + 3 * w, i ? s->size : m->sh0_size, (int)w, m->msb);
		put(p + 16 + 4 * w, 1, (int)w, m->msb); /* sh_addralign */
	}
	*len = n;
	return b;
}

struct malformed_case {
	const char *name;
	void (*mutate)(struct img *m);
	int expect;
	const char *msg; /* substring of the message, or NULL */
};

static void m_none(struct img *m)
{
}
static void m_truncated(struct img *m)
{
	m->len = 40;
}
static void m_shoff_past_eof(struct img *m)
{
	m->shoff = 0x1000;
}
static void m_shoff_overflow(struct img *m)
{
	m->shoff = m->is64 ? UINT64_MAX - 8 : 0xfffffff8;
}
static size_t img_len(const struct img *m)
{
	return 0x240 + 5 * (m->is64 ? 64 : 40);
}
static void m_phoff_past_eof(struct img *m)
{
	m->phoff = img_len(m) - 10;
}
static void m_sig_past_eof(struct img *m)
{
	m->s[4].offset = img_len(m) - 0x10;
}
static void m_sig_size_overflow(struct img *m)
{
	m->s[4].size = m->is64 ? UINT64_MAX : 0xffffffff;
}
static void m_sig_over_ehdr(struct img *m)
{
	m->s[4].offset = 8;
	m->p_offset = 0x100;
	m->p_filesz = 0x40;
}
static void m_sig_over_phdrs(struct img *m)
{
	m->s[4].offset = m->phoff + 8;
	m->s[4].size = 8;
	m->p_offset = 0x100;
	m->p_filesz = 0x40;
}
static void m_sig_over_shdrs(struct img *m)
{
	m->s[4].offset = 0x240 - 0x20;
}
static void m_sig_over_section(struct img *m)
{
	m->s[4].offset = 0x1c0 - 0x38;
}
static void m_load_covers_sig(struct img *m)
{
	m->p_filesz = 0x210;
}
static void m_two_sigs(struct img *m)
{
	m->s[3].name = NAME_SIG;
	m->s[3].flags = 0;
}
static void m_size_zero(struct img *m)
{
	m->s[4].size = 0;
}
static void m_alloc(struct img *m)
{
	m->s[4].flags = SHF_ALLOC;
}
static void m_nobits(struct img *m)
{
	m->s[4].type = SHT_NOBITS;
}
static void m_addr(struct img *m)
{
	m->s[4].addr = 0x400000;
}
static void m_trailing(struct img *m)
{
	m->payload[0x30] = 1;
}
static void m_not_der(struct img *m)
{
	m->payload[0] = 0x04;
}
static void m_indefinite(struct img *m)
{
	m->payload[1] = 0x80;
}
static void m_der_too_long(struct img *m)
{
	m->payload[1] = 0x7f;
}
static void m_no_sig(struct img *m)
{
	m->shnum = 4;
}
static void m_shnum_huge(struct img *m)
{
	m->shnum = 0;
	m->sh0_size = 100000;
}
static void m_bad_name(struct img *m)
{
	m->s[4].name = 0x7fff;
}
static void m_strndx(struct img *m)
{
	m->shstrndx = 9;
}
static void m_section_past_eof(struct img *m)
{
	m->s[3].offset = 0x1000;
}
static void m_segment_past_eof(struct img *m)
{
	m->p_filesz = 0x10000;
}
static void m_trailing_bytes(struct img *m)
{
	m->len = img_len(m) + 100;
}
static void m_phnum_xnum(struct img *m)
{
	m->phnum = PN_XNUM;
}
/* Found by elf_sig_fuzz: a table inside the ELF header changes when the signer rewrites
 * e_shoff, so the file it produced no longer held the segments it had read. */
static void m_phdrs_in_ehdr(struct img *m)
{
	m->phoff = 28;
}
static void m_shdrs_in_ehdr(struct img *m)
{
	m->shoff = 8;
}

static const struct malformed_case cases[] = {
	{"valid", m_none, 0, NULL},
	{"bytes after the section headers", m_trailing_bytes, 0, NULL},
	{"truncated ELF header", m_truncated, -EBADMSG, "truncated"},
	{"section header table past EOF", m_shoff_past_eof, -EBADMSG, "section header"},
	{"section header table offset overflows", m_shoff_overflow, -EBADMSG, "section header"},
	{"program header table past EOF", m_phoff_past_eof, -EBADMSG, "program header"},
	{"signature past EOF", m_sig_past_eof, -EBADMSG, "outside the file"},
	{"signature size overflows", m_sig_size_overflow, -EBADMSG, "outside the file"},
	{"signature over the ELF header", m_sig_over_ehdr, -EBADMSG, "header table"},
	{"signature over the program headers", m_sig_over_phdrs, -EBADMSG, "header table"},
	{"signature over the section headers", m_sig_over_shdrs, -EBADMSG, "header table"},
	{"signature over another section", m_sig_over_section, -EBADMSG, "overlaps section"},
	{"PT_LOAD covers the signature", m_load_covers_sig, -EBADMSG, "segment"},
	{"two signature sections", m_two_sigs, -EBADMSG, "more than one"},
	{"signature size 0", m_size_zero, -EBADMSG, "size"},
	{"signature SHF_ALLOC", m_alloc, -EBADMSG, "PROGBITS"},
	{"signature NOBITS", m_nobits, -EBADMSG, "PROGBITS"},
	{"signature with an address", m_addr, -EBADMSG, "PROGBITS"},
	{"non-zero bytes after the DER", m_trailing, -EBADMSG, "non-zero"},
	{"payload not a SEQUENCE", m_not_der, -EBADMSG, "DER"},
	{"payload indefinite length", m_indefinite, -EBADMSG, "DER"},
	{"payload DER longer than the section", m_der_too_long, -EBADMSG, "DER"},
	{"no signature section", m_no_sig, -ENOENT, NULL},
	{"absurd section count", m_shnum_huge, -EBADMSG, "section header"},
	{"section name out of range", m_bad_name, -EBADMSG, "name"},
	{"name table index out of range", m_strndx, -EBADMSG, "name table"},
	{"a section past EOF", m_section_past_eof, -EBADMSG, "outside the file"},
	{"a segment past EOF", m_segment_past_eof, -EBADMSG, "outside the file"},
	{"extended program header count", m_phnum_xnum, -EBADMSG, "program header count"},
	{"program headers inside the ELF header", m_phdrs_in_ehdr, -EBADMSG, "ELF header"},
	{"section headers inside the ELF header", m_shdrs_in_ehdr, -EBADMSG, "ELF header"},
};

static void locator_rejects_every_malformation_in_every_format(void **state)
{
	for (int fmt = 0; fmt < 4; fmt++) {
		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			struct eg_elf_sig sig;
			const unsigned char *der = NULL;
			char err[256] = "";
			struct img m;
			unsigned char *b;
			size_t len;
			int r;

			img_default(&m, fmt & 1, fmt & 2);
			cases[i].mutate(&m);
			b = img_build(&m, &len);
			r = eg_elf_find_sig_mem(b, len, &sig, &der, err, sizeof(err));
			if (r != cases[i].expect || (cases[i].msg && !strstr(err, cases[i].msg)))
				fail_msg("%s (%d-bit %s): got %d \"%s\", expected %d \"%s\"",
					 cases[i].name, fmt & 1 ? 64 : 32, fmt & 2 ? "MSB" : "LSB",
					 r, err, cases[i].expect, cases[i].msg ? cases[i].msg : "");
			if (!r) {
				assert_int_equal(sig.offset, 0x200);
				assert_int_equal(sig.size, 0x40);
				assert_int_equal(sig.der_len, 5);
				assert_int_equal(sig.file_size, len);
				assert_ptr_equal(der, b + 0x200);
			}
			free(b);
		}
	}
}

static void not_elf_and_oversized_signature(void **state)
{
	static const char text[] = "#!/bin/sh\necho hello\n";
	struct eg_elf_sig sig;
	char err[256];
	struct img m;
	unsigned char *b;
	size_t len;

	assert_int_equal(eg_elf_find_sig_mem(text, sizeof(text), &sig, NULL, err, sizeof(err)),
			 -ENOEXEC);
	assert_int_equal(eg_elf_find_sig_mem(text, 4, &sig, NULL, err, sizeof(err)), -ENOEXEC);

	/* A section above EG_SIG_MAX_SIZE, inside a file large enough to hold it. */
	img_default(&m, true, false);
	m.s[4].offset = 0x2c0;
	m.s[4].size = EG_SIG_MAX_SIZE + 1;
	m.len = 0x2c0 + EG_SIG_MAX_SIZE + 1;
	b = img_build(&m, &len);
	assert_int_equal(eg_elf_find_sig_mem(b, len, &sig, NULL, err, sizeof(err)), -EBADMSG);
	assert_non_null(strstr(err, "out of range"));
	free(b);
}

static int memfd_with(const void *buf, size_t len)
{
	int fd = memfd_create("eg-unit", MFD_CLOEXEC);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, buf, len), (ssize_t)len);
	return fd;
}

static void fd_locator_returns_a_copy_and_refuses_non_files(void **state)
{
	struct eg_elf_sig sig;
	unsigned char *der = NULL, *b;
	char err[256];
	struct img m;
	size_t len;
	int fd, pfd[2];

	img_default(&m, false, true);
	b = img_build(&m, &len);
	fd = memfd_with(b, len);
	assert_int_equal(eg_elf_find_sig(fd, &sig, &der, err, sizeof(err)), 0);
	assert_non_null(der);
	assert_memory_equal(der, b + 0x200, 5);
	free(der);
	close(fd);
	free(b);

	assert_int_equal(pipe(pfd), 0);
	assert_int_equal(eg_elf_find_sig(pfd[0], &sig, NULL, err, sizeof(err)), -ENOEXEC);
	close(pfd[0]);
	close(pfd[1]);
}

static unsigned char *fd_bytes(int fd, size_t *len)
{
	struct stat st;
	unsigned char *b;

	assert_int_equal(fstat(fd, &st), 0);
	b = malloc((size_t)st.st_size + 1);
	assert_non_null(b);
	assert_int_equal(pread(fd, b, (size_t)st.st_size, 0), st.st_size);
	*len = (size_t)st.st_size;
	return b;
}

/* Add, sign (a DER stand-in), re-add: loadable bytes stay, one section, no growth. */
static void add_section_keeps_the_image_and_replaces_the_old_one(void **state)
{
	static const unsigned char der[] = {0x30, 0x04, 0x04, 0x02, 0xab, 0xcd};

	for (int fmt = 0; fmt < 4; fmt++) {
		struct eg_elf_sig sig, sig2, found;
		unsigned char *in, *out, *out2;
		size_t in_len, out_len, out2_len;
		char err[256];
		struct img m;
		int ifd, ofd, ofd2;

		img_default(&m, fmt & 1, fmt & 2);
		m.shnum = 4; /* no signature yet */
		in = img_build(&m, &in_len);
		ifd = memfd_with(in, in_len);
		ofd = memfd_create("out", MFD_CLOEXEC);
		assert_int_equal(eg_elf_add_sig_section(ifd, ofd, 100, &sig, err, sizeof(err)), 0);
		out = fd_bytes(ofd, &out_len);
		assert_int_equal(sig.size, 100);
		assert_int_equal(sig.file_size, out_len);
		/* Every byte but e_shoff/e_shnum/e_shstrndx is where it was. */
		assert_memory_equal(out + EI_NIDENT, in + EI_NIDENT, 8);
		assert_memory_equal(out + (m.is64 ? 64 : 52), in + (m.is64 ? 64 : 52),
				    in_len - (m.is64 ? 64 : 52));
		assert_true(sig.offset >= in_len);
		/* Zero payload: located, but not a DER object yet. */
		assert_int_equal(eg_elf_find_sig(ofd, &found, NULL, err, sizeof(err)), -EBADMSG);
		assert_int_equal(pwrite(ofd, der, sizeof(der), (off_t)sig.offset), sizeof(der));
		assert_int_equal(eg_elf_find_sig(ofd, &found, NULL, err, sizeof(err)), 0);
		assert_int_equal(found.offset, sig.offset);
		assert_int_equal(found.der_len, sizeof(der));

		/* Replace: same slot, old payload and tables dropped, one section only. */
		ofd2 = memfd_create("out2", MFD_CLOEXEC);
		assert_int_equal(eg_elf_add_sig_section(ofd, ofd2, 100, &sig2, err, sizeof(err)),
				 0);
		out2 = fd_bytes(ofd2, &out2_len);
		assert_true(out2_len <= out_len);
		assert_int_equal(pwrite(ofd2, der, sizeof(der), (off_t)sig2.offset), sizeof(der));
		assert_int_equal(eg_elf_find_sig(ofd2, &found, NULL, err, sizeof(err)), 0);
		assert_memory_equal(out2 + (m.is64 ? 64 : 52), in + (m.is64 ? 64 : 52),
				    0x140 - (m.is64 ? 64 : 52));

		assert_int_equal(eg_elf_add_sig_section(ifd, ofd2, 0, &sig2, err, sizeof(err)),
				 -E2BIG);
		assert_int_equal(eg_elf_add_sig_section(ifd, ofd2, EG_SIG_MAX_SIZE + 1, &sig2, err,
							sizeof(err)),
				 -E2BIG);
		close(ifd);
		close(ofd);
		close(ofd2);
		free(in);
		free(out);
		free(out2);
	}
}

static void add_section_to_a_file_without_sections_and_to_non_elf(void **state)
{
	static const unsigned char der[] = {0x30, 0x00};
	struct eg_elf_sig sig, found;
	unsigned char *in;
	char err[256];
	struct img m;
	size_t len;
	int ifd, ofd;

	img_default(&m, true, false);
	m.shoff = 0;
	m.shnum = 0;
	m.shstrndx = 0;
	in = img_build(&m, &len);
	ifd = memfd_with(in, 0x240);
	ofd = memfd_create("out", MFD_CLOEXEC);
	assert_int_equal(eg_elf_add_sig_section(ifd, ofd, 16, &sig, err, sizeof(err)), 0);
	assert_int_equal(pwrite(ofd, der, sizeof(der), (off_t)sig.offset), sizeof(der));
	assert_int_equal(eg_elf_find_sig(ofd, &found, NULL, err, sizeof(err)), 0);
	assert_int_equal(found.der_len, 2);
	close(ifd);
	close(ofd);
	free(in);

	ifd = memfd_with("not an ELF file at all", 22);
	ofd = memfd_create("out", MFD_CLOEXEC);
	assert_int_equal(eg_elf_add_sig_section(ifd, ofd, 16, &sig, err, sizeof(err)), -ENOEXEC);
	close(ifd);
	close(ofd);
}

/* The signed content is the file minus the payload, and the BIO yields the same bytes
 * while computing the whole file's SHA-256. */
static void signed_ranges_leave_out_exactly_the_payload(void **state)
{
	unsigned char want[SHA256_DIGEST_LENGTH], got[SHA256_DIGEST_LENGTH], file_md[32];
	unsigned char *b, *content, buf[100];
	struct eg_elf_sig sig;
	unsigned int mdlen;
	EVP_MD_CTX *ctx;
	struct img m;
	size_t len, clen = 0;
	BIO *bio;
	int fd, n;

	img_default(&m, true, false);
	b = img_build(&m, &len);
	fd = memfd_with(b, len);
	assert_int_equal(eg_elf_find_sig(fd, &sig, NULL, NULL, 0), 0);

	content = malloc(len);
	assert_non_null(content);
	memcpy(content, b, 0x200);
	memcpy(content + 0x200, b + 0x240, len - 0x240);
	SHA256(content, len - 0x40, want);

	ctx = EVP_MD_CTX_new();
	assert_int_equal(EVP_DigestInit_ex(ctx, EVP_sha256(), NULL), 1);
	assert_int_equal(eg_sig_digest_fd(fd, &sig, ctx), 0);
	assert_int_equal(EVP_DigestFinal_ex(ctx, got, &mdlen), 1);
	assert_memory_equal(got, want, sizeof(want));

	bio = eg_sig_bio_new(fd, &sig, file_md);
	assert_non_null(bio);
	while ((n = BIO_read(bio, buf, sizeof(buf))) > 0) {
		assert_true(clen + (size_t)n <= len - 0x40);
		assert_memory_equal(buf, content + clen, (size_t)n);
		clen += (size_t)n;
	}
	assert_int_equal(n, 0);
	assert_int_equal(clen, len - 0x40);
	assert_int_equal(eg_sig_bio_done(bio), 1);
	SHA256(b, len, want);
	assert_memory_equal(file_md, want, 32);
	BIO_free(bio);

	/* The file no longer has the size the section was found in: refused. */
	assert_int_equal(ftruncate(fd, (off_t)len + 1), 0);
	assert_null(eg_sig_bio_new(fd, &sig, file_md));
	assert_int_equal(EVP_DigestInit_ex(ctx, EVP_sha256(), NULL), 1);
	assert_int_equal(eg_sig_digest_fd(fd, &sig, ctx), -EIO);

	/* Whole file when there is no section. */
	assert_int_equal(EVP_DigestInit_ex(ctx, EVP_sha256(), NULL), 1);
	assert_int_equal(ftruncate(fd, (off_t)len), 0);
	assert_int_equal(eg_sig_digest_fd(fd, NULL, ctx), 0);
	assert_int_equal(EVP_DigestFinal_ex(ctx, got, &mdlen), 1);
	assert_memory_equal(got, want, 32);

	EVP_MD_CTX_free(ctx);
	free(content);
	free(b);
	close(fd);
}

/* A real linked program (this test) takes a section and keeps its loadable bytes. */
static void add_section_to_a_real_executable(void **state)
{
	struct eg_elf_sig sig, found;
	static const unsigned char der[] = {0x30, 0x00};
	unsigned char *in, *out;
	size_t in_len, out_len;
	char err[256];
	int ifd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC), ofd;

	assert_true(ifd >= 0);
	ofd = memfd_create("out", MFD_CLOEXEC);
	assert_int_equal(eg_elf_add_sig_section(ifd, ofd, 4096, &sig, err, sizeof(err)), 0);
	assert_int_equal(pwrite(ofd, der, sizeof(der), (off_t)sig.offset), sizeof(der));
	assert_int_equal(eg_elf_find_sig(ofd, &found, NULL, err, sizeof(err)), 0);
	in = fd_bytes(ifd, &in_len);
	out = fd_bytes(ofd, &out_len);
	assert_memory_equal(out + 64, in + 64, in_len - 64);
	free(in);
	free(out);
	close(ifd);
	close(ofd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(locator_rejects_every_malformation_in_every_format),
		cmocka_unit_test(not_elf_and_oversized_signature),
		cmocka_unit_test(fd_locator_returns_a_copy_and_refuses_non_files),
		cmocka_unit_test(add_section_keeps_the_image_and_replaces_the_old_one),
		cmocka_unit_test(add_section_to_a_file_without_sections_and_to_non_elf),
		cmocka_unit_test(signed_ranges_leave_out_exactly_the_payload),
		cmocka_unit_test(add_section_to_a_real_executable),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
