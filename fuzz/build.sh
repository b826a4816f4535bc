#!/usr/bin/env bash
# Builds every fuzz target into OUT.
#
#   fuzz/build.sh OUT libfuzzer   clang's libFuzzer with ASan and UBSan:
#                                 OUT/fuzz_store, OUT/fuzz_proc, OUT/fuzz_report
#   fuzz/build.sh OUT replay      any C compiler ($CC, default cc) with ASan and
#                                 UBSan, main() from standalone.c, to replay
#                                 inputs: OUT/fuzz_store_replay, ...
#
# Run from anywhere; exits non-zero if a build fails.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:?usage: fuzz/build.sh OUT libfuzzer|replay}
mode=${2:?usage: fuzz/build.sh OUT libfuzzer|replay}
mkdir -p "$out"
# the header meson generates (configure_file in meson.build)
printf '#define LENTO_VERSION "fuzz"\n' >"$out/lento_config.h"

flags=(-std=c11 -g -O1 -D_GNU_SOURCE -Wall -Wextra -I "$out"
       -fno-sanitize-recover=all)
case $mode in
  libfuzzer) cc=${CC:-clang} suffix= flags+=(-fsanitize=fuzzer,address,undefined) extra=() ;;
  replay) cc=${CC:-cc} suffix=_replay
          # gcc leaves float-cast-overflow out of "undefined"
          flags+=(-fsanitize=address,undefined,float-cast-overflow)
          extra=("$root/fuzz/standalone.c") ;;
  *) echo "fuzz/build.sh: unknown mode '$mode' (libfuzzer, replay)" >&2; exit 2 ;;
esac

core=("$root"/src/core/*.c)
report=()
for f in "$root"/src/report/*.c; do
  case ${f##*/} in html.c | embed.c) ;; *) report+=("$f") ;; esac
done

build() { # build NAME SOURCES...
  local name=$1
  shift
  "$cc" "${flags[@]}" -o "$out/fuzz_$name$suffix" "$root/fuzz/fuzz_$name.c" \
    "${extra[@]}" "$@" -lz -lm
}
build store "${core[@]}"
build proc "${core[@]}" "$root/src/monitor/proc.c"
build report "${core[@]}" "${report[@]}"
