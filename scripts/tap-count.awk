# SPDX-License-Identifier: GPL-2.0
#
# Count the TAP results of one test program, checking its plan.
#
# Usage: awk -f tap-count.awk -v name=NAME [-v prefix="# "] [-v top=LINE] \
#            [-v rc=EXIT] FILE
#   prefix   stripped from each line first; lines without it are not the
#            program's (the kselftest runner prefixes its output "# ")
#   top      the runner's own result line for the program ("ok N ...",
#            "not ok N ... # exit=1"), or empty
#   rc       the program's exit status, when known
#
# Prints "pass=N fail=N skip=N" and, as "# " lines, why a check failed.
# Counted: each "ok"/"not ok" line once. "# SKIP" and "# XFAIL" are skips
# (an expected failure is not a pass), "# XPASS" a failure. A missing plan,
# a plan whose count differs from the results printed, and a program that
# failed with no failing result are one failure each; a program skipped
# as a whole ("1..0 # SKIP" or the runner's "# SKIP") is one skip.
BEGIN {
	np = 0; nf = 0; ns = 0; nres = 0; plan = -1; planskip = 0
	plen = length(prefix)
}

{
	line = $0
	if (plen) {
		if (substr(line, 1, plen) != prefix)
			next
		line = substr(line, plen + 1)
	}
}

line ~ /^1\.\.[0-9]+/ {
	if (plan >= 0) {
		nf++
		print "# " name ": a second plan: " line
	}
	plan = line
	sub(/^1\.\./, "", plan)
	sub(/[^0-9].*$/, "", plan)
	plan += 0
	if (plan == 0 && line ~ /# *[Ss][Kk][Ii][Pp]/)
		planskip = 1
	next
}

line ~ /^not ok [0-9]+/ {
	nres++
	nf++
	next
}

line ~ /^ok [0-9]+/ {
	nres++
	if (line ~ /# *XPASS/) {
		nf++
		print "# " name ": unexpected pass: " line
	} else if (line ~ /# *([Ss][Kk][Ii][Pp]|XFAIL)/) {
		ns++
	} else {
		np++
	}
	next
}

END {
	if (planskip && nres == 0) {
		ns++
	} else if (plan < 0) {
		if (top ~ /# SKIP/ && nres == 0) {
			ns++
		} else {
			nf++
			print "# " name ": no TAP plan (1..N)"
		}
	} else if (plan != nres) {
		nf++
		print "# " name ": plan 1.." plan " but " nres " results"
	}
	if (nf == 0 && ((rc != "" && rc != 0 && rc != 4) || top ~ /^not ok/)) {
		nf++
		print "# " name ": failed outside its test cases (" \
		      (top != "" ? top : "exit " rc) ")"
	}
	print "pass=" np " fail=" nf " skip=" ns
}
