/* SPDX-License-Identifier: GPL-2.0 */
#ifndef EXECGATE_TOOLS_COMMANDS_H
#define EXECGATE_TOOLS_COMMANDS_H

/* Exit statuses shared by every subcommand. */
enum {
	EG_EXIT_OK = 0,
	EG_EXIT_FINDING = 1,
	EG_EXIT_ERROR = 2,
};

#define EG_COMMAND(name, handler, summary) int handler(int argc, char **argv);
#include "commands.def"
#undef EG_COMMAND

/* execgate catalog apt-hook | apt-post | refresh | key-init (argv[0] names which). */
int cmd_catalog_apt(int argc, char **argv);

#endif
