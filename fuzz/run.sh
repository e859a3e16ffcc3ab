#!/bin/sh
# Run each libFuzzer target for SECONDS and print one line of figures per
# target (mk/fuzz.mk's `make fuzz`).  Fails if any target found an input
# that crashes or breaks an invariant; the input is in build/fuzz/artifacts/.
#
#   sh fuzz/run.sh SECONDS NAME...
#
# FUZZ_SEED is libFuzzer's -seed (unset or 0: a new random one each run).
# A fixed seed starts every run the same way, but libFuzzer's walk also
# depends on timing, so a failing input is printed too (base64, up to 64
# KiB): a CI log is enough to get it back:
#   base64 -d > fuzz/regress/NAME/WHAT   (paste the lines, then ^D)
set -u

secs=$1
shift
seed=${FUZZ_SEED:-0}
status=0
if [ "$seed" != 0 ]; then
	echo "libFuzzer -seed=$seed (FUZZ_SEED)"
fi
printf '%-8s %6s %12s %9s %6s %7s %7s\n' target seconds executions exec/s cov ft corpus
for name in "$@"; do
	bin=build/fuzz/fuzz_$name
	corpus=build/fuzz/corpus/$name
	log=build/fuzz/$name.log
	mkdir -p "$corpus" build/fuzz/artifacts
	dirs=$corpus
	for d in fuzz/seeds/$name build/fuzz/seeds/$name fuzz/regress/$name; do
		[ -d "$d" ] && dirs="$dirs $d"
	done
	case $name in
	payload) dict=fuzz/event.dict ;;
	yamlpath) dict=fuzz/yamledit.dict ;;
	*) dict=fuzz/$name.dict ;;
	esac
	[ -f "$dict" ] && dict="-dict=$dict" || dict=
	# shellcheck disable=SC2086
	"$bin" -max_total_time="$secs" -seed="$seed" -print_final_stats=1 -timeout=10 -rss_limit_mb=2048 \
		-artifact_prefix="build/fuzz/artifacts/$name-" $dict $dirs >"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
	done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -n 1)
	cov=$(printf '%s\n' "$done_line" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
	ft=$(printf '%s\n' "$done_line" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
	files=$(find "$corpus" -type f | wc -l)
	if [ "$rc" -ne 0 ] || [ -z "$done_line" ]; then
		status=1
		printf '%-8s FAILED (exit %s); the log: %s\n' "$name" "$rc" "$log"
		grep -E 'invariant failed|ERROR: |SUMMARY: |Test unit written to' "$log" | head -n 5
		sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | while IFS= read -r unit; do
			[ -f "$unit" ] || continue
			echo "the input ($unit, $(wc -c <"$unit") bytes), base64:"
			head -c 65536 "$unit" | base64
		done
		continue
	fi
	printf '%-8s %6s %12s %9s %6s %7s %7s\n' "$name" "$secs" "$execs" "$rate" "$cov" "$ft" "$files"
done
exit $status
