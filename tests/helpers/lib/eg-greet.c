// SPDX-License-Identifier: GPL-2.0
/* libeg-greet.so: the library eg-hello-linked needs, found through its RUNPATH. */
#include <stdio.h>

void eg_greet(const char *who);

void eg_greet(const char *who)
{
	printf("greetings from libeg-greet to %s\n", who);
}
