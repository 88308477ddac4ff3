// SPDX-License-Identifier: GPL-2.0
/*
 * vm-exit - power off the test VM with an exit code, through QEMU's
 * isa-debug-exit device (-device isa-debug-exit,iobase=0xf4,iosize=0x04).
 * QEMU then exits with (CODE << 1) | 1. Debian's cloud kernels have no
 * /dev/port, so the port is written directly after ioperm().
 *
 * Usage: vm-exit CODE      (CODE 0..255)
 *
 * Built static so it runs in the busybox initramfs.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/io.h>
#include <sys/reboot.h>

#define DEBUG_EXIT_PORT 0xf4

int main(int argc, char **argv)
{
	unsigned long code;
	char *end;

	if (argc != 2) {
		fprintf(stderr, "usage: %s CODE\n", argv[0]);
		return 2;
	}
	errno = 0;
	code = strtoul(argv[1], &end, 0);
	if (errno || *end || end == argv[1] || code > 255) {
		fprintf(stderr, "%s: bad code '%s'\n", argv[0], argv[1]);
		return 2;
	}
	fflush(NULL);
	sync();
	if (ioperm(DEBUG_EXIT_PORT, 4, 1)) {
		fprintf(stderr, "%s: ioperm: %s\n", argv[0], strerror(errno));
		return 1;
	}
	outb((unsigned char)code, DEBUG_EXIT_PORT);
	/* Not reached under QEMU with isa-debug-exit; power off instead. */
	fprintf(stderr, "%s: isa-debug-exit did not stop the VM\n", argv[0]);
	reboot(RB_POWER_OFF);
	return 1;
}
