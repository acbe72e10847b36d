// SPDX-License-Identifier: GPL-2.0
/* eg-marker.so: an unsigned library that proves it ran by creating the file named in
 * $EG_MARKER.  glibc only warns about a preload it cannot map and runs on, so tests look
 * for the marker, not at the exit status. */
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

__attribute__((constructor)) static void leave_marker(void)
{
	const char *marker = getenv("EG_MARKER");

	if (marker)
		close(open(marker, O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
}
