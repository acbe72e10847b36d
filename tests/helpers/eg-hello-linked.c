// SPDX-License-Identifier: GPL-2.0
/* eg-hello-linked: a program with a library of its own (DT_NEEDED libeg-greet.so, found
 * through RUNPATH $ORIGIN/lib), as an application installs itself under /opt. */
void eg_greet(const char *who);

int main(int argc, char **argv)
{
	eg_greet(argc > 0 ? argv[0] : "eg-hello-linked");
	return 0;
}
