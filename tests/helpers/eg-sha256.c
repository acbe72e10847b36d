// SPDX-License-Identifier: GPL-2.0
/* eg-sha256: SHA-256 of a file with OpenSSL's EVP, read in 1 MiB blocks: the hash code the
 * verifier runs, as the floor of a first exec in the benchmark (busybox's sha256sum is
 * other code, of other speed, above all under an emulator).  Prints the digest in hex. */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include <openssl/evp.h>

int main(int argc, char **argv)
{
	static unsigned char block[1 << 20];
	unsigned char digest[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	EVP_MD_CTX *ctx;
	ssize_t n;
	int fd;

	if (argc != 2) {
		fprintf(stderr, "usage: eg-sha256 FILE\n");
		return 2;
	}
	fd = open(argv[1], O_RDONLY | O_CLOEXEC);
	ctx = EVP_MD_CTX_new();
	if (fd < 0 || !ctx || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
		perror(argv[1]);
		return 1;
	}
	while ((n = read(fd, block, sizeof(block))) > 0)
		if (EVP_DigestUpdate(ctx, block, (size_t)n) != 1)
			return 1;
	if (n < 0 || EVP_DigestFinal_ex(ctx, digest, &len) != 1) {
		perror(argv[1]);
		return 1;
	}
	for (unsigned int i = 0; i < len; i++)
		printf("%02x", digest[i]);
	printf("  %s\n", argv[1]);
	EVP_MD_CTX_free(ctx);
	close(fd);
	return 0;
}
