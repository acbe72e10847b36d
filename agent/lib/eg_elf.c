// SPDX-License-Identifier: GPL-2.0
/*
 * The .execgate.sig section: locating and checking it, adding it, and the byte ranges it
 * signs.  Signer and verifier both go through this file, so "what is signed" has one
 * definition.
 *
 * libelf reads the headers (either class, either byte order); every offset and size it
 * hands back is checked here against the file size before use, with overflow checks,
 * because libelf itself accepts section and segment ranges that lie past the end of the
 * file or overlap one another.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/param.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/evp.h>

#include "eg_elf.h"

/* Bound on the section name string table we read names from. */
#define SHSTRTAB_MAX (16 * 1024 * 1024)
/* Reads of file content go through a buffer this large: few syscalls, fits in L2. */
#define READ_CHUNK (1024 * 1024)

/* Where the ELF image comes from: a file descriptor or a buffer. */
struct src {
	int fd;
	const unsigned char *mem;
	uint64_t size;
};

/* What the locator learnt, also what eg_elf_add_sig_section needs to rewrite the file. */
struct layout {
	Elf *elf;
	int class;
	int data;
	GElf_Ehdr ehdr;
	size_t shnum;
	size_t phnum;
	size_t shstrndx;
	uint64_t ehdr_size;
	uint64_t shdr_size; /* one section header in this class */
	ssize_t sig_index;  /* -1: none */
	GElf_Shdr sig;
	uint64_t phtab_len, shtab_len; /* bytes of the header tables, 0 when absent */
};

static void __attribute__((format(printf, 3, 4)))
set_err(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (!buf || !len)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

static pthread_once_t elf_once = PTHREAD_ONCE_INIT;
static bool elf_ok;

static void elf_init(void)
{
	elf_ok = elf_version(EV_CURRENT) != EV_NONE;
}

static int src_read(const struct src *s, uint64_t off, void *buf, size_t len)
{
	size_t done = 0;

	if (off > s->size || len > s->size - off)
		return -EIO;
	if (s->mem) {
		memcpy(buf, s->mem + off, len);
		return 0;
	}
	while (done < len) {
		ssize_t n = pread(s->fd, (char *)buf + done, len - done, (off_t)(off + done));

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -EIO; /* the file shrank under us */
		done += (size_t)n;
	}
	return 0;
}

/* Does [off, off + len) lie inside a file of SIZE bytes?  Overflow-safe. */
static bool in_file(uint64_t off, uint64_t len, uint64_t size)
{
	return off <= size && len <= size - off;
}

/* Both ranges are known to be inside the file, so the sums cannot overflow. */
static bool overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return alen && blen && a < b + blen && b < a + alen;
}

static int table_range(uint64_t off, uint64_t count, uint64_t entsize, uint64_t size,
		       uint64_t *ret_len)
{
	uint64_t len;

	if (__builtin_mul_overflow(count, entsize, &len) || !in_file(off, len, size))
		return -EBADMSG;
	*ret_len = len;
	return 0;
}

/* With e_shnum 0, the section count is section 0's sh_size.  Read here, not through
 * elf_getshdrnum(), which answers 0 for a count whose table would not fit the file. */
static int ext_shnum(const struct src *s, const struct layout *l, size_t *ret)
{
	bool is64 = l->class == ELFCLASS64;
	unsigned char b[8];
	uint64_t v = 0;
	int n = is64 ? 8 : 4, r;

	r = src_read(s, l->ehdr.e_shoff + (is64 ? 32 : 20), b, (size_t)n);
	if (r < 0)
		return r;
	for (int i = 0; i < n; i++)
		v |= (uint64_t)b[l->data == ELFDATA2MSB ? i : n - 1 - i] << (8 * (n - 1 - i));
	*ret = v > SIZE_MAX ? SIZE_MAX : (size_t)v;
	return 0;
}

/*
 * Parse the headers of the image in S and check every property of the signature
 * section the format requires (see eg_elf.h), except the payload's content.
 * L->elf is left open for the caller (elf_end).
 */
/* locate(), step 1: the identification and the ELF header, and libelf's handle. */
static int locate_header(const struct src *s, struct layout *l, char *errbuf, size_t errlen)
{
	unsigned char ident[EI_NIDENT];
	int r;

	pthread_once(&elf_once, elf_init);
	if (!elf_ok) {
		set_err(errbuf, errlen, "libelf: version mismatch");
		return -ENOTSUP;
	}
	if (s->size < EI_NIDENT) {
		set_err(errbuf, errlen, "not an ELF file (%llu bytes)",
			(unsigned long long)s->size);
		return -ENOEXEC;
	}
	r = src_read(s, 0, ident, sizeof(ident));
	if (r < 0) {
		set_err(errbuf, errlen, "cannot read the ELF identification: %s", strerror(-r));
		return r;
	}
	if (memcmp(ident, ELFMAG, SELFMAG)) {
		set_err(errbuf, errlen, "not an ELF file");
		return -ENOEXEC;
	}
	l->class = ident[EI_CLASS];
	l->data = ident[EI_DATA];
	if ((l->class != ELFCLASS32 && l->class != ELFCLASS64) ||
	    (l->data != ELFDATA2LSB && l->data != ELFDATA2MSB) || ident[EI_VERSION] != EV_CURRENT) {
		set_err(errbuf, errlen, "malformed ELF: unknown class, byte order or version");
		return -EBADMSG;
	}
	l->ehdr_size = l->class == ELFCLASS64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr);
	l->shdr_size = l->class == ELFCLASS64 ? sizeof(Elf64_Shdr) : sizeof(Elf32_Shdr);
	if (s->size < l->ehdr_size) {
		set_err(errbuf, errlen, "malformed ELF: truncated ELF header");
		return -EBADMSG;
	}

	l->elf = s->mem ? elf_memory((char *)s->mem, s->size) : elf_begin(s->fd, ELF_C_READ, NULL);
	if (!l->elf || elf_kind(l->elf) != ELF_K_ELF || !gelf_getehdr(l->elf, &l->ehdr)) {
		set_err(errbuf, errlen, "malformed ELF: %s", elf_errmsg(-1));
		return -EBADMSG;
	}
	return 0;
}

/* Step 2: the program header table inside the file. */
static int locate_phdrs(const struct src *s, struct layout *l, char *errbuf, size_t errlen)
{
	/* Program headers: the table and every segment's file range inside the file.  The
	 * count comes from the header itself: elf_getphdrnum() silently clamps it to what
	 * fits in the file, which would hide a truncated table.  PN_XNUM (count in section
	 * 0) is refused: no program the kernel loads has that many segments. */
	l->phnum = l->ehdr.e_phnum;
	if (l->phnum >= PN_XNUM) {
		set_err(errbuf, errlen, "malformed ELF: bad program header count");
		return -EBADMSG;
	}
	if (l->phnum) {
		uint64_t entsize = l->class == ELFCLASS64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr);

		if (l->ehdr.e_phentsize != entsize ||
		    table_range(l->ehdr.e_phoff, l->phnum, entsize, s->size, &l->phtab_len)) {
			set_err(errbuf, errlen,
				"malformed ELF: program header table outside the file");
			return -EBADMSG;
		}
		/* A table overlapping the ELF header would change when a signer rewrites
		 * e_shoff: what was checked would not be what gets signed. */
		if (l->ehdr.e_phoff < l->ehdr_size) {
			set_err(errbuf, errlen,
				"malformed ELF: program header table inside the ELF header");
			return -EBADMSG;
		}
	}
	return 0;
}

/* Step 3: the section header table inside the file, and the section name table's index. */
static int locate_shdrs(const struct src *s, struct layout *l, char *errbuf, size_t errlen)
{
	int r;

	/* Section headers.  With e_shnum 0 and e_shoff set, the count is in section 0. */
	if (l->ehdr.e_shoff) {
		if (l->ehdr.e_shentsize != l->shdr_size ||
		    !in_file(l->ehdr.e_shoff, l->shdr_size, s->size)) {
			set_err(errbuf, errlen,
				"malformed ELF: section header table outside the file");
			return -EBADMSG;
		}
		if (l->ehdr.e_shoff < l->ehdr_size) {
			set_err(errbuf, errlen,
				"malformed ELF: section header table inside the ELF header");
			return -EBADMSG;
		}
		l->shnum = l->ehdr.e_shnum;
		if (!l->shnum) {
			r = ext_shnum(s, l, &l->shnum);
			if (r < 0)
				return r;
		}
		if (l->shnum > EG_ELF_MAX_SHNUM ||
		    table_range(l->ehdr.e_shoff, l->shnum, l->shdr_size, s->size, &l->shtab_len)) {
			set_err(errbuf, errlen,
				"malformed ELF: section header table outside the file or too "
				"large");
			return -EBADMSG;
		}
	} else if (l->ehdr.e_shnum) {
		set_err(errbuf, errlen, "malformed ELF: sections but no section header table");
		return -EBADMSG;
	}
	if (l->shnum && (elf_getshdrstrndx(l->elf, &l->shstrndx) || l->shstrndx >= l->shnum)) {
		set_err(errbuf, errlen, "malformed ELF: bad section name table index");
		return -EBADMSG;
	}
	return 0;
}

/* Step 4: every segment and section inside the file, and a usable section name table. */
static int locate_ranges(const struct src *s, struct layout *l, char *errbuf, size_t errlen)
{
	for (size_t i = 0; i < l->phnum; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(l->elf, (int)i, &ph) ||
		    !in_file(ph.p_offset, ph.p_filesz, s->size)) {
			set_err(errbuf, errlen, "malformed ELF: segment %zu outside the file", i);
			return -EBADMSG;
		}
	}
	for (size_t i = 1; i < l->shnum; i++) {
		Elf_Scn *scn = elf_getscn(l->elf, i);
		GElf_Shdr sh;

		if (!scn || !gelf_getshdr(scn, &sh)) {
			set_err(errbuf, errlen, "malformed ELF: section %zu: %s", i,
				elf_errmsg(-1));
			return -EBADMSG;
		}
		if (sh.sh_type != SHT_NOBITS && !in_file(sh.sh_offset, sh.sh_size, s->size)) {
			set_err(errbuf, errlen, "malformed ELF: section %zu outside the file", i);
			return -EBADMSG;
		}
	}
	if (l->shnum) {
		GElf_Shdr str;

		if (!gelf_getshdr(elf_getscn(l->elf, l->shstrndx), &str) ||
		    str.sh_type != SHT_STRTAB || str.sh_size > SHSTRTAB_MAX) {
			set_err(errbuf, errlen, "malformed ELF: bad section name table");
			return -EBADMSG;
		}
	}
	return 0;
}

/* Step 5: the one .execgate.sig section (-ENOENT: none). */
static int locate_sig(struct layout *l, char *errbuf, size_t errlen)
{
	size_t nsig = 0;

	for (size_t i = 1; i < l->shnum; i++) {
		GElf_Shdr sh;
		const char *name;

		gelf_getshdr(elf_getscn(l->elf, i), &sh);
		name = elf_strptr(l->elf, l->shstrndx, sh.sh_name);
		if (!name) {
			set_err(errbuf, errlen, "malformed ELF: section %zu has no valid name", i);
			return -EBADMSG;
		}
		if (strcmp(name, EG_SIG_SECTION))
			continue;
		if (++nsig > 1) {
			set_err(errbuf, errlen, "malformed ELF: more than one %s section",
				EG_SIG_SECTION);
			return -EBADMSG;
		}
		l->sig_index = (ssize_t)i;
		l->sig = sh;
	}
	if (l->sig_index < 0) {
		set_err(errbuf, errlen, "no %s section", EG_SIG_SECTION);
		return -ENOENT;
	}
	return 0;
}

/* Step 6: the signature section itself, and nothing else touching its bytes. */
static int check_sig_placement(struct layout *l, char *errbuf, size_t errlen)
{
	if (l->sig.sh_type != SHT_PROGBITS || l->sig.sh_flags || l->sig.sh_addr) {
		set_err(errbuf, errlen,
			"malformed ELF: %s must be PROGBITS, without flags, at address 0",
			EG_SIG_SECTION);
		return -EBADMSG;
	}
	if (!l->sig.sh_size || l->sig.sh_size > EG_SIG_MAX_SIZE) {
		set_err(errbuf, errlen, "malformed ELF: %s size %llu out of range (1..%d)",
			EG_SIG_SECTION, (unsigned long long)l->sig.sh_size, EG_SIG_MAX_SIZE);
		return -EBADMSG;
	}
	if (overlaps(l->sig.sh_offset, l->sig.sh_size, 0, l->ehdr_size) ||
	    overlaps(l->sig.sh_offset, l->sig.sh_size, l->ehdr.e_phoff, l->phtab_len) ||
	    overlaps(l->sig.sh_offset, l->sig.sh_size, l->ehdr.e_shoff, l->shtab_len)) {
		set_err(errbuf, errlen, "malformed ELF: %s overlaps an ELF header table",
			EG_SIG_SECTION);
		return -EBADMSG;
	}
	for (size_t i = 1; i < l->shnum; i++) {
		GElf_Shdr sh;

		gelf_getshdr(elf_getscn(l->elf, i), &sh);
		if ((ssize_t)i == l->sig_index || sh.sh_type == SHT_NOBITS)
			continue;
		if (overlaps(l->sig.sh_offset, l->sig.sh_size, sh.sh_offset, sh.sh_size)) {
			set_err(errbuf, errlen, "malformed ELF: %s overlaps section %zu",
				EG_SIG_SECTION, i);
			return -EBADMSG;
		}
	}
	for (size_t i = 0; i < l->phnum; i++) {
		GElf_Phdr ph;

		gelf_getphdr(l->elf, (int)i, &ph);
		if (overlaps(l->sig.sh_offset, l->sig.sh_size, ph.p_offset, ph.p_filesz)) {
			set_err(errbuf, errlen, "malformed ELF: segment %zu covers %s", i,
				EG_SIG_SECTION);
			return -EBADMSG;
		}
	}
	return 0;
}

static int locate(const struct src *s, struct layout *l, char *errbuf, size_t errlen)
{
	int r;

	memset(l, 0, sizeof(*l));
	l->sig_index = -1;
	r = locate_header(s, l, errbuf, errlen);
	if (!r)
		r = locate_phdrs(s, l, errbuf, errlen);
	if (!r)
		r = locate_shdrs(s, l, errbuf, errlen);
	if (!r)
		r = locate_ranges(s, l, errbuf, errlen);
	if (!r)
		r = locate_sig(l, errbuf, errlen);
	if (!r)
		r = check_sig_placement(l, errbuf, errlen);
	return r;
}

/* The payload must be one definite-length DER SEQUENCE followed only by zero bytes. */
static int check_payload(const unsigned char *p, uint64_t size, uint64_t *ret_der_len, char *errbuf,
			 size_t errlen)
{
	const unsigned char *q = p;
	long len;
	int tag, xclass, r;

	r = ASN1_get_object(&q, &len, &tag, &xclass, (long)size);
	if ((r & 0x80) || r != V_ASN1_CONSTRUCTED || tag != V_ASN1_SEQUENCE ||
	    xclass != V_ASN1_UNIVERSAL) {
		set_err(errbuf, errlen, "malformed %s: the payload is not a DER SEQUENCE",
			EG_SIG_SECTION);
		return -EBADMSG;
	}
	*ret_der_len = (uint64_t)(q - p) + (uint64_t)len;
	for (uint64_t i = *ret_der_len; i < size; i++) {
		if (p[i]) {
			set_err(errbuf, errlen,
				"malformed %s: non-zero bytes after the signature (offset %llu)",
				EG_SIG_SECTION, (unsigned long long)i);
			return -EBADMSG;
		}
	}
	return 0;
}

static void fill_sig(const struct layout *l, uint64_t size, struct eg_elf_sig *sig)
{
	sig->offset = l->sig.sh_offset;
	sig->size = l->sig.sh_size;
	sig->file_size = size;
}

int eg_elf_find_sig(int fd, struct eg_elf_sig *ret_sig, unsigned char **ret_der, char *errbuf,
		    size_t errlen)
{
	struct src s = {.fd = fd};
	struct layout l;
	unsigned char *payload = NULL;
	struct stat st;
	int r;

	if (fstat(fd, &st)) {
		r = -errno;
		set_err(errbuf, errlen, "stat: %s", strerror(errno));
		return r;
	}
	if (!S_ISREG(st.st_mode)) {
		set_err(errbuf, errlen, "not a regular file");
		return -ENOEXEC;
	}
	s.size = (uint64_t)st.st_size;
	r = locate(&s, &l, errbuf, errlen);
	if (r < 0)
		goto out;
	payload = malloc(l.sig.sh_size);
	if (!payload) {
		r = -ENOMEM;
		set_err(errbuf, errlen, "out of memory");
		goto out;
	}
	r = src_read(&s, l.sig.sh_offset, payload, l.sig.sh_size);
	if (r < 0) {
		set_err(errbuf, errlen, "cannot read %s: %s", EG_SIG_SECTION, strerror(-r));
		goto out;
	}
	fill_sig(&l, s.size, ret_sig);
	r = check_payload(payload, l.sig.sh_size, &ret_sig->der_len, errbuf, errlen);
	if (r < 0)
		goto out;
	if (ret_der) {
		*ret_der = payload;
		payload = NULL;
	}
out:
	free(payload);
	elf_end(l.elf);
	return r;
}

int eg_elf_find_sig_mem(const void *buf, size_t len, struct eg_elf_sig *ret_sig,
			const unsigned char **ret_der, char *errbuf, size_t errlen)
{
	struct src s = {.fd = -1, .mem = buf, .size = len};
	struct layout l;
	int r;

	r = locate(&s, &l, errbuf, errlen);
	if (r < 0)
		goto out;
	fill_sig(&l, s.size, ret_sig);
	r = check_payload(s.mem + l.sig.sh_offset, l.sig.sh_size, &ret_sig->der_len, errbuf,
			  errlen);
	if (r < 0)
		goto out;
	if (ret_der)
		*ret_der = s.mem + l.sig.sh_offset;
out:
	elf_end(l.elf);
	return r;
}

/* ---- adding the section ------------------------------------------------------------- */

static void put(unsigned char *p, uint64_t v, int n, bool msb)
{
	for (int i = 0; i < n; i++)
		p[msb ? n - 1 - i : i] = (unsigned char)(v >> (8 * i));
}

/* One section header in the file's class and byte order. */
static void put_shdr(unsigned char *p, const GElf_Shdr *sh, int class, bool msb)
{
	int w = class == ELFCLASS64 ? 8 : 4; /* width of the Elf_Addr/Off/Xword fields */

	put(p, sh->sh_name, 4, msb);
	put(p + 4, sh->sh_type, 4, msb);
	put(p + 8, sh->sh_flags, w, msb);
	put(p + 8 + w, sh->sh_addr, w, msb);
	put(p + 8 + 2 * w, sh->sh_offset, w, msb);
	put(p + 8 + 3 * w, sh->sh_size, w, msb);
	put(p + 8 + 4 * w, sh->sh_link, 4, msb);
	put(p + 12 + 4 * w, sh->sh_info, 4, msb);
	put(p + 16 + 4 * w, sh->sh_addralign, w, msb);
	put(p + 16 + 5 * w, sh->sh_entsize, w, msb);
}

static int write_all(int fd, const void *buf, size_t len, uint64_t off)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = pwrite(fd, (const char *)buf + done, len - done, (off_t)(off + done));

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		done += (size_t)n;
	}
	return 0;
}

static int copy_range(int in_fd, int out_fd, uint64_t len)
{
	unsigned char *buf = malloc(READ_CHUNK);
	struct src s = {.fd = in_fd, .size = len};
	uint64_t off = 0;
	int r = 0;

	if (!buf)
		return -ENOMEM;
	while (off < len) {
		size_t n = len - off < READ_CHUNK ? (size_t)(len - off) : READ_CHUNK;

		r = src_read(&s, off, buf, n);
		if (!r)
			r = write_all(out_fd, buf, n, off);
		if (r)
			break;
		off += n;
	}
	free(buf);
	return r;
}

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) & ~(a - 1);
}

/* Where the kept part of the input ends: past every header table, segment and section
 * but the old signature and the section name table (both rewritten at the end). */
static uint64_t keep_end(const struct layout *l, uint64_t size)
{
	uint64_t end = l->ehdr_size;

	if (l->sig_index < 0)
		return size; /* first signature: keep everything, trailing bytes included */
	if (l->phnum)
		end = MAX(end, l->ehdr.e_phoff + l->phnum * l->ehdr.e_phentsize);
	for (size_t i = 0; i < l->phnum; i++) {
		GElf_Phdr ph;

		gelf_getphdr(l->elf, (int)i, &ph);
		end = MAX(end, ph.p_offset + ph.p_filesz);
	}
	for (size_t i = 1; i < l->shnum; i++) {
		GElf_Shdr sh;

		gelf_getshdr(elf_getscn(l->elf, i), &sh);
		if ((ssize_t)i == l->sig_index || i == l->shstrndx || sh.sh_type == SHT_NOBITS)
			continue;
		end = MAX(end, sh.sh_offset + sh.sh_size);
	}
	return end;
}

/* Long (about 160 lines) on purpose: one layout computation whose offsets, sizes and
 * tables all feed the writes at its end; split, a dozen values would cross each seam. */
int eg_elf_add_sig_section(int in_fd, int out_fd, uint64_t payload_size, struct eg_elf_sig *ret_sig,
			   char *errbuf, size_t errlen)
{
	struct src s = {.fd = in_fd};
	unsigned char *strtab = NULL, *shtab = NULL, *zeros = NULL;
	GElf_Shdr *shdrs = NULL;
	uint64_t kept, str_off, str_len, pay_off, sh_off, sig_name;
	size_t nshdrs, sig_idx, str_idx;
	bool msb, ext_shnum;
	struct layout l;
	struct stat st;
	int r;

	if (!payload_size || payload_size > EG_SIG_MAX_SIZE) {
		set_err(errbuf, errlen, "signature size %llu out of range (1..%d)",
			(unsigned long long)payload_size, EG_SIG_MAX_SIZE);
		return -E2BIG;
	}
	if (fstat(in_fd, &st)) {
		r = -errno;
		set_err(errbuf, errlen, "stat: %s", strerror(errno));
		return r;
	}
	s.size = (uint64_t)st.st_size;
	r = locate(&s, &l, errbuf, errlen);
	if (r < 0 && r != -ENOENT)
		goto out;
	msb = l.data == ELFDATA2MSB;
	kept = keep_end(&l, s.size);

	/* Section headers of the output: the input's, with the signature slot reused or a
	 * new one appended; a file without any gets a null section and a name table. */
	nshdrs = l.shnum ? l.shnum : 2;
	if (l.sig_index < 0)
		nshdrs++;
	if (nshdrs > EG_ELF_MAX_SHNUM) {
		r = -E2BIG;
		set_err(errbuf, errlen, "too many sections");
		goto out;
	}
	shdrs = calloc(nshdrs, sizeof(*shdrs));
	if (!shdrs) {
		r = -ENOMEM;
		goto out_nomem;
	}
	for (size_t i = 0; i < l.shnum; i++)
		gelf_getshdr(elf_getscn(l.elf, i), &shdrs[i]);
	if (l.shnum) {
		str_idx = l.shstrndx;
		if (!str_idx) {
			r = -EBADMSG;
			set_err(errbuf, errlen, "malformed ELF: sections without a name table");
			goto out;
		}
	} else {
		str_idx = 1;
		shdrs[1].sh_type = SHT_STRTAB;
		shdrs[1].sh_addralign = 1;
	}
	sig_idx = l.sig_index >= 0 ? (size_t)l.sig_index : nshdrs - 1;

	/* The name table copy: the old one (NULs only for a new file: index 0 is ""), plus
	 * ".shstrtab" for a new table and ".execgate.sig" unless the slot already names it. */
	str_len = l.shnum ? shdrs[str_idx].sh_size : 1;
	strtab = calloc(1, str_len + sizeof(EG_SIG_SECTION) + sizeof(".shstrtab"));
	if (!strtab) {
		r = -ENOMEM;
		goto out_nomem;
	}
	if (l.shnum) {
		r = src_read(&s, shdrs[str_idx].sh_offset, strtab, str_len);
		if (r < 0) {
			set_err(errbuf, errlen, "cannot read the section name table: %s",
				strerror(-r));
			goto out;
		}
	} else {
		shdrs[1].sh_name = (GElf_Word)str_len;
		memcpy(strtab + str_len, ".shstrtab", sizeof(".shstrtab"));
		str_len += sizeof(".shstrtab");
	}
	if (l.sig_index >= 0) {
		sig_name = shdrs[sig_idx].sh_name;
	} else {
		sig_name = str_len;
		memcpy(strtab + str_len, EG_SIG_SECTION, sizeof(EG_SIG_SECTION));
		str_len += sizeof(EG_SIG_SECTION);
	}

	str_off = kept;
	pay_off = align_up(str_off + str_len, 8);
	sh_off = align_up(pay_off + payload_size, 8);
	if (l.class == ELFCLASS32 && sh_off + nshdrs * l.shdr_size > UINT32_MAX) {
		r = -EFBIG;
		set_err(errbuf, errlen, "the signed file would not fit a 32-bit ELF");
		goto out;
	}
	shdrs[str_idx].sh_offset = str_off;
	shdrs[str_idx].sh_size = str_len;
	shdrs[sig_idx] = (GElf_Shdr){
		.sh_name = (GElf_Word)sig_name,
		.sh_type = SHT_PROGBITS,
		.sh_offset = pay_off,
		.sh_size = payload_size,
		.sh_addralign = 1,
	};
	/* Extended numbering: a count from SHN_LORESERVE on lives in section 0's sh_size. */
	ext_shnum = nshdrs >= SHN_LORESERVE;
	shdrs[0].sh_size = ext_shnum ? nshdrs : 0;

	shtab = calloc(nshdrs, l.shdr_size);
	zeros = calloc(1, sh_off - str_off);
	if (!shtab || !zeros) {
		r = -ENOMEM;
		goto out_nomem;
	}
	for (size_t i = 0; i < nshdrs; i++)
		put_shdr(shtab + i * l.shdr_size, &shdrs[i], l.class, msb);

	r = copy_range(in_fd, out_fd, kept);
	if (!r)
		r = write_all(out_fd, zeros, sh_off - str_off, str_off); /* padding + payload */
	if (!r)
		r = write_all(out_fd, strtab, str_len, str_off);
	if (!r)
		r = write_all(out_fd, shtab, nshdrs * l.shdr_size, sh_off);
	if (!r) {
		/* e_shoff, e_shnum and e_shstrndx of the ELF header. */
		unsigned char hdr[16];
		bool is64 = l.class == ELFCLASS64;
		uint64_t shnum_field = ext_shnum ? 0 : nshdrs;
		/* A large index stays in section 0's sh_link, copied from the input. */
		uint64_t strndx_field = str_idx >= SHN_LORESERVE ? SHN_XINDEX : str_idx;

		put(hdr, sh_off, is64 ? 8 : 4, msb);
		r = write_all(out_fd, hdr, is64 ? 8 : 4, is64 ? 0x28 : 0x20);
		put(hdr, l.shdr_size, 2, msb);
		put(hdr + 2, shnum_field, 2, msb);
		put(hdr + 4, strndx_field, 2, msb);
		if (!r)
			r = write_all(out_fd, hdr, 6, is64 ? 0x3a : 0x2e);
	}
	if (!r && ftruncate(out_fd, (off_t)(sh_off + nshdrs * l.shdr_size)))
		r = -errno;
	if (r < 0) {
		set_err(errbuf, errlen, "cannot write the signed file: %s", strerror(-r));
		goto out;
	}
	set_err(errbuf, errlen, "%s", "");
	*ret_sig = (struct eg_elf_sig){
		.offset = pay_off,
		.size = payload_size,
		.der_len = 0,
		.file_size = sh_off + nshdrs * l.shdr_size,
	};
	goto out;
out_nomem:
	set_err(errbuf, errlen, "out of memory");
out:
	free(zeros);
	free(shtab);
	free(strtab);
	free(shdrs);
	elf_end(l.elf);
	return r;
}

/* ---- the signed bytes ---------------------------------------------------------------- */

/*
 * One sequential pass over a file: chunks of up to READ_CHUNK bytes that never straddle
 * the payload boundaries, each marked signed or not.  Feeds the whole-file SHA-256 when
 * asked, and when FORK is set also the SHA-256 of the signed bytes: that one is a copy of
 * the file digest taken where the payload starts, so the bytes before the payload (nearly
 * all of a signed file) are hashed once for both.
 */
struct reader {
	int fd;
	uint64_t pos;
	uint64_t size;
	uint64_t skip_off; /* payload range, excluded from the signed content */
	uint64_t skip_len;
	EVP_MD_CTX *file_md;   /* whole-file SHA-256, or NULL */
	bool fork;	       /* compute signed_md from file_md */
	EVP_MD_CTX *signed_md; /* SHA-256 of the signed bytes, once forked */
	unsigned char *buf;
	size_t len;  /* bytes in buf */
	size_t used; /* bytes of buf already handed out */
	int err;     /* negative errno once a read failed */
};

static int reader_init(struct reader *rd, int fd, const struct eg_elf_sig *sig, bool file_hash)
{
	struct stat st;

	memset(rd, 0, sizeof(*rd));
	rd->fd = fd;
	if (fstat(fd, &st))
		return -errno;
	rd->size = (uint64_t)st.st_size;
	if (sig) {
		if (!in_file(sig->offset, sig->size, rd->size) || rd->size != sig->file_size)
			return -EIO; /* the file changed since the section was located */
		rd->skip_off = sig->offset;
		rd->skip_len = sig->size;
	}
	rd->buf = malloc(READ_CHUNK);
	if (!rd->buf)
		return -ENOMEM;
	if (file_hash) {
		rd->file_md = EVP_MD_CTX_new();
		if (!rd->file_md || EVP_DigestInit_ex(rd->file_md, EVP_sha256(), NULL) != 1)
			return -ENOMEM;
	}
	(void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL); /* advice: larger readahead */
	return 0;
}

static void reader_fini(struct reader *rd)
{
	free(rd->buf);
	EVP_MD_CTX_free(rd->file_md);
	EVP_MD_CTX_free(rd->signed_md);
	rd->buf = NULL;
	rd->file_md = NULL;
	rd->signed_md = NULL;
}

/* Read the next chunk into rd->buf.  1: signed bytes available, 0: EOF, < 0: error.
 * Payload chunks are hashed into the file digest and skipped. */
static int reader_fill(struct reader *rd)
{
	struct src s = {.fd = rd->fd, .size = rd->size};

	for (;;) {
		uint64_t end = rd->size, n;
		bool in_skip = rd->skip_len && rd->pos >= rd->skip_off &&
			       rd->pos < rd->skip_off + rd->skip_len;
		int r;

		if (rd->pos >= rd->size)
			return 0;
		if (in_skip)
			end = rd->skip_off + rd->skip_len;
		else if (rd->skip_len && rd->pos < rd->skip_off)
			end = rd->skip_off;
		n = MIN(end - rd->pos, (uint64_t)READ_CHUNK);
		r = src_read(&s, rd->pos, rd->buf, (size_t)n);
		if (r < 0)
			return rd->err = r;
		if (in_skip && rd->fork && !rd->signed_md) {
			rd->signed_md = EVP_MD_CTX_new();
			if (!rd->signed_md || EVP_MD_CTX_copy_ex(rd->signed_md, rd->file_md) != 1)
				return rd->err = -ENOMEM;
		}
		if (rd->file_md && EVP_DigestUpdate(rd->file_md, rd->buf, (size_t)n) != 1)
			return rd->err = -ENOMEM;
		if (!in_skip && rd->signed_md &&
		    EVP_DigestUpdate(rd->signed_md, rd->buf, (size_t)n) != 1)
			return rd->err = -ENOMEM;
		rd->pos += n;
		if (in_skip)
			continue;
		rd->len = (size_t)n;
		rd->used = 0;
		return 1;
	}
}

int eg_sig_digest_fd(int fd, const struct eg_elf_sig *sig, EVP_MD_CTX *mdctx)
{
	struct reader rd;
	int r;

	r = reader_init(&rd, fd, sig, false);
	while (r >= 0 && (r = reader_fill(&rd)) > 0)
		if (EVP_DigestUpdate(mdctx, rd.buf, rd.len) != 1)
			r = -EINVAL;
	reader_fini(&rd);
	return r < 0 ? r : 0;
}

int eg_sig_sha256_fd(int fd, const struct eg_elf_sig *sig, unsigned char *file_sha256,
		     unsigned char *signed_sha256)
{
	struct reader rd;
	unsigned int len;
	int r;

	r = reader_init(&rd, fd, sig, true);
	rd.fork = sig != NULL;
	while (r >= 0 && (r = reader_fill(&rd)) > 0)
		;
	if (r == 0 && EVP_DigestFinal_ex(rd.file_md, file_sha256, &len) != 1)
		r = -ENOMEM;
	/* Never forked: no payload byte was left out, the signed bytes are the file. */
	if (r == 0 && !rd.signed_md)
		memcpy(signed_sha256, file_sha256, len);
	else if (r == 0 && EVP_DigestFinal_ex(rd.signed_md, signed_sha256, &len) != 1)
		r = -ENOMEM;
	reader_fini(&rd);
	return r;
}

/* The BIO: a reader whose signed bytes come out of BIO_read; at EOF the whole-file
 * digest is stored where the creator asked. */
struct sig_bio {
	struct reader rd;
	unsigned char *file_sha256;
	int done; /* 1: EOF reached and digest stored; < 0: error */
};

static int sig_bio_read(BIO *b, char *out, int outl)
{
	struct sig_bio *sb = BIO_get_data(b);
	int r;

	BIO_clear_retry_flags(b);
	if (!sb || sb->done < 0 || outl <= 0)
		return -1;
	if (sb->rd.used == sb->rd.len) {
		r = reader_fill(&sb->rd);
		if (r < 0) {
			sb->done = r;
			return -1;
		}
		if (r == 0) {
			unsigned int mdlen = 0;

			if (sb->done == 0 && sb->rd.file_md &&
			    EVP_DigestFinal_ex(sb->rd.file_md, sb->file_sha256, &mdlen) != 1) {
				sb->done = -ENOMEM;
				return -1;
			}
			sb->done = 1;
			return 0;
		}
	}
	r = (int)MIN((size_t)outl, sb->rd.len - sb->rd.used);
	memcpy(out, sb->rd.buf + sb->rd.used, (size_t)r);
	sb->rd.used += (size_t)r;
	return r;
}

static long sig_bio_ctrl(BIO *b, int cmd, long num, void *ptr)
{
	struct sig_bio *sb = BIO_get_data(b);

	switch (cmd) {
	case BIO_CTRL_EOF:
		return sb && sb->done == 1;
	case BIO_CTRL_FLUSH:
		return 1;
	default:
		return 0;
	}
}

static int sig_bio_destroy(BIO *b)
{
	struct sig_bio *sb = BIO_get_data(b);

	if (sb) {
		reader_fini(&sb->rd);
		free(sb);
	}
	BIO_set_data(b, NULL);
	return 1;
}

static pthread_once_t meth_once = PTHREAD_ONCE_INIT;
static BIO_METHOD *sig_bio_meth;
static int sig_bio_type;

static void sig_bio_meth_init(void)
{
	int type = BIO_get_new_index() | BIO_TYPE_SOURCE_SINK;
	BIO_METHOD *m = BIO_meth_new(type, "execgate signed content");

	if (!m)
		return;
	if (!BIO_meth_set_read(m, sig_bio_read) || !BIO_meth_set_ctrl(m, sig_bio_ctrl) ||
	    !BIO_meth_set_destroy(m, sig_bio_destroy)) {
		BIO_meth_free(m);
		return;
	}
	sig_bio_meth = m;
	sig_bio_type = type;
}

BIO *eg_sig_bio_new(int fd, const struct eg_elf_sig *sig, unsigned char *file_sha256)
{
	struct sig_bio *sb;
	BIO *b;

	pthread_once(&meth_once, sig_bio_meth_init);
	if (!sig_bio_meth)
		return NULL;
	sb = calloc(1, sizeof(*sb));
	if (!sb)
		return NULL;
	if (reader_init(&sb->rd, fd, sig, file_sha256 != NULL) < 0) {
		reader_fini(&sb->rd);
		free(sb);
		return NULL;
	}
	sb->file_sha256 = file_sha256;
	b = BIO_new(sig_bio_meth);
	if (!b) {
		reader_fini(&sb->rd);
		free(sb);
		return NULL;
	}
	BIO_set_data(b, sb);
	BIO_set_init(b, 1);
	return b;
}

int eg_sig_bio_done(BIO *bio)
{
	struct sig_bio *sb;

	/* Another kind of BIO (content in memory) has no pass to report on. */
	if (!sig_bio_type || BIO_method_type(bio) != sig_bio_type)
		return 1;
	sb = BIO_get_data(bio);
	return sb ? sb->done : -EINVAL;
}
