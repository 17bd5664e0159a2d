#!/usr/bin/env bash
# Builds the libFuzzer binary of the config loader with clang and runs it,
# seeded with the fixture corpus. Crashes land in $FUZZ_BUILD_DIR/crashes/;
# add the input to tests/fuzz/corpus/ once fixed so the replay test keeps it.
#
#   tests/fuzz/build-fuzzer.sh [SECONDS]     (default 120)
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-120}
out=${FUZZ_BUILD_DIR:-build-fuzz}
cxx=${CLANGXX:-$(command -v clang++ || command -v clang++-14 || true)}
if [ -z "$cxx" ]; then
    echo "build-fuzzer: clang++ not found; the g++ replay test (fuzz-config-replay) still runs" >&2
    exit 77
fi
mkdir -p "$out/crashes"
flags=(-std=c++2b -O1 -g -fsanitize=fuzzer,address,undefined -fno-omit-frame-pointer -I.)
# The config loader and what it links from the rest of the core.
sources=(tests/fuzz/fuzz_config.cpp rules/config/*.cpp rules/net/address.cpp)
[ -f rules/json.cpp ] && sources+=(rules/json.cpp)
"$cxx" "${flags[@]}" "${sources[@]}" \
    $(pkg-config --cflags --libs yaml-cpp) -o "$out/fuzz_config"
work="$out/corpus"
mkdir -p "$work"
seeds=(tests/config/bad tests/config/good)
[ -d examples ] && seeds+=(examples)
[ -d tests/fuzz/corpus ] && seeds+=(tests/fuzz/corpus)
echo "build-fuzzer: running $out/fuzz_config for ${seconds}s"
"$out/fuzz_config" "$work" "${seeds[@]}" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -max_len=8192 -artifact_prefix="$out/crashes/" -print_final_stats=1
