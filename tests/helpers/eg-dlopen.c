// SPDX-License-Identifier: GPL-2.0
/* eg-dlopen: dlopen(LIB) the way a plugin host would; prints "loaded" or "refused: WHY".
 * Built dynamic (dlopen needs the dynamic loader). */
#include <dlfcn.h>
#include <stdio.h>

int main(int argc, char **argv)
{
	void *lib;

	if (argc != 2) {
		fprintf(stderr, "usage: eg-dlopen LIB\n");
		return 2;
	}
	lib = dlopen(argv[1], RTLD_NOW);
	if (!lib) {
		printf("refused: %s\n", dlerror());
		return 1;
	}
	printf("loaded\n");
	return 0;
}
