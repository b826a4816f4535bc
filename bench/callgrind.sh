#!/usr/bin/env bash
# Instruction counts (callgrind "Ir") of one workload: bare, cProfile, python -m lento.
# Unlike wall time these barely move on a noisy machine, so they make a repeatable overhead figure.
#
#   bench/callgrind.sh [WORKLOAD] [SCALE]      e.g. bench/callgrind.sh loops 0.3
#
# WORKLOAD is a name in the shared workloads dir (default calls) or a path to a .py file;
# SCALE defaults to 0.3 (callgrind runs ~50x slower than native).
# Env: PYTHON (interpreter; default: python3's real executable, not a pyenv shim), WORKLOADS_DIR.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
workload=${1:-calls}
scale=${2:-0.3}
dir=${WORKLOADS_DIR:-$here/../../shared/workloads}
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
        tail -n 5 "$tmp/$name.err" | sed 's/^/    /' >&2
        return 0
    fi
    sed -n 's/^==[0-9]*== Collected : \([0-9]*\)$/\1/p' "$tmp/$name.err"
}

echo "callgrind: $(basename "$script") scale $scale, $py"
bare=$(ir bare "$py" "$script" "$scale")
[[ -n $bare ]] || exit 1
cprof=$(ir cProfile "$py" -m cProfile -o "$tmp/c.pstats" "$script" "$scale")
lento=
if "$py" -c 'import lento' 2>/dev/null; then
    lento=$(ir lento "$py" -m lento -o "$tmp/l.pstats" "$script" "$scale")
else
    echo "lento: skipped (import lento fails; pip install . first)"
fi

printf '%-10s %16s %8s %8s\n' variant instructions ratio excess
for v in bare cProfile lento; do
    case $v in bare) n=$bare;; cProfile) n=$cprof;; lento) n=$lento;; esac
    [[ -n $n ]] && awk -v v="$v" -v n="$n" -v b="$bare" \
        'BEGIN { printf "%-10s %16d %8.3f %+8.3f\n", v, n, n / b, n / b - 1 }'
done
if [[ -n $cprof && -n $lento ]]; then
    awk -v b="$bare" -v c="$cprof" -v l="$lento" \
        'BEGIN { if (c > b) printf "lento excess / cProfile excess: %.3f\n", (l - b) / (c - b) }'
fi
