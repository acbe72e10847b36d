// SPDX-License-Identifier: GPL-2.0
/* execgate: the command-line tool.  One entry point; each subcommand lives in its own
 * file and is listed in commands.def. */
#include <stdio.h>
#include <string.h>

#include "commands.h"

struct command {
	const char *name;
	int (*handler)(int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
#define EG_COMMAND(name, handler, summary) { #name, handler, summary },
#include "commands.def"
#undef EG_COMMAND
};

static void usage(FILE *out)
{
	fprintf(out, "usage: execgate COMMAND [OPTIONS] [ARGS]\n\n"
		     "Signed-only execution for Linux: sign, verify and operate execgate.\n\n"
		     "Commands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(out, "\n'execgate COMMAND --help' describes each command; 'execgate --version'\n"
		     "prints the version.\n"
		     "Exit status: 0 allowed, valid or nothing found; 1 denied, invalid or a "
		     "finding;\n2 usage or operational error.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EG_EXIT_ERROR;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return EG_EXIT_OK;
	}
	if (!strcmp(argv[1], "--version"))
		return cmd_version(1, (char *[]){ "version", NULL });
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].handler(argc - 1, argv + 1);
	fprintf(stderr, "execgate: unknown command '%s' (see 'execgate --help')\n", argv[1]);
	return EG_EXIT_ERROR;
}
