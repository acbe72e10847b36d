// SPDX-License-Identifier: GPL-2.0
/* eg-hello: a small dynamically linked program for the gate's tests to copy, sign and run. */
#include <stdio.h>

int main(int argc, char **argv)
{
	printf("hello from %s\n", argc > 0 ? argv[0] : "eg-hello");
	return 0;
}
