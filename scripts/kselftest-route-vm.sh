#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# In the test VM, for scripts/kselftest-route.sh: the kselftest install
# tree a kernel tree's "make install" made, packed at /kselftest, run
# with its own run_kselftest.sh (clientbuf.ko and the test package are
# loaded). KSFT_TESTS in /etc/kselftest-route.conf names the tests.
# shellcheck source=/dev/null # written by scripts/kselftest-route.sh
. /etc/kselftest-route.conf
set --
for t in $KSFT_TESTS; do
	set -- "$@" -t "clientbuf:$t"
done
echo "\$ /kselftest/run_kselftest.sh $*"
/kselftest/run_kselftest.sh "$@"
