#!/usr/bin/env bash
# Fuzzes every target for a bounded time: fuzz/run.sh [SECONDS_EACH]
# (default 60).  Builds with clang's libFuzzer when clang has it, and
# fuzzes from the committed seeds (fuzz/corpus/TARGET; the report target
# reads .lento files, so it starts from the store seeds too); new inputs
# go to a scratch directory, a crash reproducer to the current directory
# as TARGET-crash-<hash>.  Without libFuzzer it only replays the seeds
# under ASan/UBSan (fuzz/build.sh replay).  Exits non-zero on the first
# target that crashes, leaks, hangs or fails a check.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
secs=${1:-60}
work=$(mktemp -d "${TMPDIR:-/tmp}/lento-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT
export ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1

seeds() { # the seed directories of a target
  case $1 in
    report) echo "$root/fuzz/corpus/store" "$root/fuzz/corpus/report" ;;
    *) echo "$root/fuzz/corpus/$1" ;;
  esac
}

if command -v "${CC:-clang}" >/dev/null &&
   "$root/fuzz/build.sh" "$work/bin" libfuzzer 2>"$work/build.log"; then
  for t in store proc report; do
    mkdir -p "$work/new-$t"
    # shellcheck disable=SC2046 # seeds prints paths without blanks
    echo "fuzz_$t: ${secs}s"
    "$work/bin/fuzz_$t" "$work/new-$t" $(seeds $t) -max_total_time="$secs" \
      -timeout=10 -max_len=16384 -print_final_stats=1 \
      -artifact_prefix="$PWD/$t-" >"$work/$t.log" 2>&1
    rc=$?
    grep -E '^(stat::number_of_executed_units|Done)' "$work/$t.log"
    if ((rc != 0)); then
      tail -n 60 "$work/$t.log"
      echo "fuzz/run.sh: fuzz_$t failed (exit $rc)" >&2
      exit 1
    fi
  done
else
  echo "fuzz/run.sh: no libFuzzer (clang); replaying the seeds only"
  [[ -s $work/build.log ]] && cat "$work/build.log"
  "$root/fuzz/build.sh" "$work/bin" replay || exit 1
  for t in store proc report; do
    # shellcheck disable=SC2046
    "$work/bin/fuzz_${t}_replay" $(seeds $t) || exit 1
  done
fi
echo "fuzz/run.sh: every target ran clean"
