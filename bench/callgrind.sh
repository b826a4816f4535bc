#!/usr/bin/env bash
# Instruction counts (callgrind "Ir") of one workload: bare, cProfile, python -m lento.
# Unlike wall time these barely move on a noisy machine, so they make a repeatable overhead figure.
#
#   bench/callgrind.sh [WORKLOAD] [SCALE]      e.g. bench/callgrind.sh loops 0.3
#
# WORKLOAD is a name in the shared workloads dir (default calls) or a path to a .py file;
# SCALE defaults to 0.3 (callgrind runs ~50x slower than native).
# Env: PYTHON (interpreter; default: python3's real executable, not a pyenv shim), WORKLOADS_DIR.
#
# Each variant also runs an empty script to count its start-up alone (interpreter + the runner's own
# imports: cProfile's pulls in optparse, inspect, ...). At small scales start-up is a large part
# of the total, so the "net" columns, with each variant's start-up subtracted, are the ones
# that compare with wall-time ratios at full scale.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
workload=${1:-calls}
scale=${2:-0.3}
dir=${WORKLOADS_DIR:-$here/../workloads}
script=$workload
[[ -f $script ]] || script=$dir/$workload.py
[[ -f $script ]] || { echo "no such workload: $workload" >&2; exit 2; }
# valgrind does not follow the exec in a shim script, so resolve the real interpreter
py=${PYTHON:-$(python3 -c 'import sys; print(sys.executable)')}
command -v valgrind >/dev/null || { echo "valgrind is not installed" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export PYTHONHASHSEED=0  # same hashing, same work, every run

# ir NAME ARGS...: run under callgrind, print the "Collected" instruction count (empty on failure)
ir() {
    local name=$1 rc=0; shift
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" >/dev/null 2>"$tmp/$name.err" || rc=$?
    if ((rc != 0)); then
        echo "$name: FAILED (exit code $rc); last lines of stderr:" >&2
        grep -v '^==[0-9]*==' "$tmp/$name.err" | tail -n 5 | sed 's/^/    /' >&2
        return 0
    fi
    sed -n 's/^==[0-9]*== Collected : \([0-9]*\)$/\1/p' "$tmp/$name.err"
}

variants=(bare cProfile)
declare -A pre=([bare]="" [cProfile]="-m cProfile -o $tmp/c.pstats" [lento]="-m lento -o $tmp/l.pstats"
                [lento-nb]="-m lento --no-builtins -o $tmp/n.pstats")
if "$py" -c 'import lento' 2>/dev/null; then
    variants+=(lento lento-nb)
else
    echo "lento: skipped (import lento fails; pip install . first)"
fi

echo "callgrind: $(basename "$script") scale $scale, $py"
declare -A total start
: >"$tmp/empty.py"
for v in "${variants[@]}"; do
    # shellcheck disable=SC2086  # pre[] holds several words
    total[$v]=$(ir "$v" "$py" ${pre[$v]} "$script" "$scale")
    start[$v]=$(ir "$v-startup" "$py" ${pre[$v]} "$tmp/empty.py")
done
[[ -n ${total[bare]} && -n ${start[bare]} ]] || exit 1

printf '%-10s %14s %12s %8s %8s %10s\n' variant instructions start-up ratio excess "net excess"
for v in "${variants[@]}"; do
    [[ -n ${total[$v]} && -n ${start[$v]} ]] || continue
    awk -v v="$v" -v n="${total[$v]}" -v s="${start[$v]}" -v b="${total[bare]}" -v bs="${start[bare]}" \
        'BEGIN { printf "%-10s %14d %12d %8.3f %+8.3f %+10.3f\n", v, n, s, n / b, n / b - 1, (n - s) / (b - bs) - 1 }'
done
for v in lento lento-nb; do
    if [[ -n ${total[$v]:-} && -n ${start[$v]} && -n ${total[cProfile]} && -n ${start[cProfile]} ]]; then
        awk -v name="$v" -v b="${total[bare]}" -v bs="${start[bare]}" -v c="${total[cProfile]}" \
            -v cs="${start[cProfile]}" -v l="${total[$v]}" -v ls="${start[$v]}" 'BEGIN {
            printf "%s excess / cProfile excess: %.3f total, %.3f net of start-up\n", name,
                (l - b) / (c - b), ((l - ls) - (b - bs)) / ((c - cs) - (b - bs)) }'
    fi
done
