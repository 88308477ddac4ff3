#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Run in clientbuf's test VM (busybox sh) by
#   make -C CLIENTBUF run RUN_SCRIPT=vm-test.sh EXTRA_FILES="..."
# with mypkg.ko in /lib/clientbuf/ (loaded after clientbuf.ko) and the
# two programs in /bin. The exit status is the verdict: 0 passes.
set -e

echo '$ mypkg_client mypkg hello'
mypkg_client mypkg hello
echo 'ok 1 mypkg: the kernel package answers'

echo '$ mypkg_server mypkg_user 1 &'
mypkg_server mypkg_user 1 > /tmp/server.out &
server=$!
i=0
until grep -q serving /tmp/server.out; do
	i=$((i + 1))
	[ $i -lt 50 ] || { echo 'mypkg_server did not start'; exit 1; }
	sleep 0.1
done
echo '$ mypkg_client mypkg_user hello'
mypkg_client mypkg_user hello
wait $server
cat /tmp/server.out
echo 'ok 2 mypkg: the served package answers'
