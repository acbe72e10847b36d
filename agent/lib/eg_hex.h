/* SPDX-License-Identifier: GPL-2.0 */
#ifndef EXECGATE_EG_HEX_H
#define EXECGATE_EG_HEX_H

/* The value of hex digit C, either case, or -1: what fingerprints and digests typed by
 * people (policies, deny lists, command lines) are read with. */
static inline int eg_hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

#endif
