#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot a Debian kernel in QEMU with the clientbuf initramfs and report how
# the VM ended.
#
# Usage: scripts/vm-run.sh KVER [MODE]
#   KVER   a kernel release with /boot/vmlinuz-KVER (on the host or in the
#          build root of scripts/buildroot.sh), or a series such as 6.12
#          or 7 (the newest vmlinuz-6.12.*-cloud-amd64 is taken)
#   MODE   check (default), run, bench, ... (see scripts/vm-init)
#
# The serial console goes to stdout and to build/KVER/MODE.log. Exit status:
# 0 when the VM powered off through isa-debug-exit with code 0; 1 on a
# non-zero code, a kernel panic/reset or the timeout.
#
# Environment:
#   VM_TIMEOUT=1200     seconds before the VM is killed (the whole suite
#                       under TCG on a loaded 2-core machine passes 600)
#   ACCEL="-accel ..."  QEMU accelerator/CPU arguments; default: detected
#                       once (KVM if it boots, else TCG), cached in
#                       build/accel. An ACCEL given is used as is and not
#                       cached: make bench boots with "-accel
#                       tcg,thread=single -cpu max -icount shift=0,sleep=on"
#                       (the guest clock counts instructions; see
#                       Documentation/performance.rst)
#   VM_MEM=2G VM_SMP=2  memory and CPUs
#   VM_APPEND="..."     extra kernel command line
#   RUN_SCRIPT, EXTRA_FILES, SELFTESTS: passed to scripts/mkinitramfs.sh
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/lib.sh
. "$top/scripts/lib.sh"

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
	die "usage: $0 KVER [MODE]"
fi
build=${BUILD:-$top/build}
export BUILD=$build
mode=${2:-check}
timeout_s=${VM_TIMEOUT:-1200}

kver=$1
if [ -n "${KERNEL_IMAGE:-}" ]; then
	# a kernel of our own (make check-debug): KVER is its release
	kernel=$KERNEL_IMAGE
	kconfig=${KERNEL_CONFIG:-}
else
	kver=$(resolve_kernel "$kver") ||
		die "no vmlinuz-$kver in /boot or a build root"
	# on the host, or in the build root of scripts/buildroot.sh
	kroot=$(kernel_root "$kver") ||
		die "no vmlinuz-$kver in /boot or a build root"
	kernel=$kroot/boot/vmlinuz-$kver
	kconfig=$kroot/boot/config-$kver
fi
[ -r "$kernel" ] || die "$kernel not readable"

append="console=ttyS0 panic=-1 oops=panic panic_on_warn=1 slub_debug=FZPU"
append="$append loglevel=4 no_hash_pointers edd=off"
# No comm recording by trace events: with it, every enable and disable of
# an event (clientbuf_trace, clientbuf_fail_nth's kretprobe) also adds or
# removes probes on the scheduler's tracepoints, a text_poke_bp() of
# __schedule() and ttwu() that QEMU's TCG with two vCPUs can leave
# half-seen (Documentation/reliability.rst, "The debug kernels under TCG").
append="$append trace_options=norecord-cmd"
# The TSC is trusted: under TCG on a busy host the clocksource watchdog
# can judge it unstable, and marking it so flips sched_clock's static key
# from a work item - another text_poke_bp() of code every vCPU runs
# (sched_clock_cpu()), which killed a 6.12 VM of make check on 2026-12-07.
append="$append tsc=reliable"
if grep -q '^CONFIG_KFENCE=y' "$kconfig" 2>/dev/null; then
	append="$append kfence.sample_interval=5"
fi
append="$append ${VM_APPEND:-}"

# qemu KVER INITRD TIMEOUT ACCEL-ARGS...: boot $kernel, console on stdout.
qemu() {
	local initrd=$2 t=$3
	shift 3
	timeout -k 10 "$t" qemu-system-x86_64 "$@" \
		-m "${VM_MEM:-2G}" -smp "${VM_SMP:-2}" \
		-nographic -no-reboot -nic none \
		-kernel "$kernel" -initrd "$initrd" \
		-append "$append" \
		-device isa-debug-exit,iobase=0xf4,iosize=0x04 </dev/null
}

# Decide the accelerator by booting a probe initramfs that powers off at
# once: KVM must reach it quickly, else TCG.
detect_accel() {
	local probe=$build/$kver/probe.cpio.gz rc=0 out
	if [ -w /dev/kvm ]; then
		MODE=probe "$top/scripts/mkinitramfs.sh" "$kver" "$probe"
		out=$(qemu "$kver" "$probe" 30 -accel kvm -cpu host 2>&1) ||
			rc=$?
		if [ $rc = 1 ] && grep -q 'CLIENTBUF-VM: init' <<<"$out"; then
			echo "-accel kvm -cpu host"
			return
		fi
		echo "vm-run: KVM probe failed (rc=$rc), using TCG" >&2
	fi
	echo "-accel tcg -cpu max"
}

mkdir -p "$build/$kver"
if [ -n "${ACCEL:-}" ]; then
	accel=$ACCEL
elif [ -s "$build/accel" ]; then
	accel=$(cat "$build/accel")
else
	accel=$(detect_accel)
	echo "$accel" > "$build/accel"
fi

initrd=$build/$kver/$mode.cpio.gz
MODE=$mode "$top/scripts/mkinitramfs.sh" "$kver" "$initrd"

log=$build/$kver/$mode.log
echo "vm-run: $kernel mode=$mode ($accel), log $log"
start=$(date +%s)
# A kernel that resets before our /init has printed a line never ran any
# of our code: TCG occasionally trips a boot-time WARN in the emulated CPU
# (panic_on_warn). Boot once more in that case, and say so.
for attempt in 1 2; do
	set +e
	# shellcheck disable=SC2086 # $accel is a list of arguments
	qemu "$kver" "$initrd" "$timeout_s" $accel 2>&1 |
		sed -u -e 's/\r//g' -e 's/\x1b\[[0-9;?]*[A-Za-z]//g' \
			-e 's/\x1bc//g' |
		tee "$log"
	rc=${PIPESTATUS[0]}
	set -e
	if [ "$rc" != 0 ] || grep -q 'CLIENTBUF-VM: init' "$log" ||
	   [ $attempt = 2 ]; then
		break
	fi
	cp "$log" "$log.boot-failure"
	echo "vm-run: kernel reset before /init ran; booting again" \
		"(first log: $log.boot-failure)"
done
secs=$(($(date +%s) - start))

case $rc in
1)	msg="passed"; status=0 ;;
3)	msg="failed (vm-exit 1)"; status=1 ;;
124|137) msg="TIMEOUT after ${timeout_s}s"; status=1 ;;
0)	msg="VM reset without vm-exit (kernel panic?)"; status=1 ;;
*)	msg="QEMU exit status $rc"; status=1 ;;
esac
# (the console may have stopped mid-line)
printf '\nCLIENTBUF-VM-RUN: %s %s: %s in %ss\n' "$kver" "$mode" "$msg" "$secs" |
	tee -a "$log"
exit $status
