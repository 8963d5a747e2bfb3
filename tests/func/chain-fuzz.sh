#!/usr/bin/env bash
# group: chain fuzz
# Fuzz the qcow2 header reader (tests/tools/fuzz-qcow2.c) with libFuzzer
# for ~20 s, seeded with the first clusters of images qemu-img makes
# now (v2, v3, backing files, extended L2, zstd, external data file).
# Any crash, sanitizer report or leak fails the test.  Skips when clang
# or libFuzzer is missing.
source "$srcdir/tests/functions.sh"
set -euo pipefail
requires clang --version
requires "$QEMU_IMG" --version

dir=$(mktempdir)
printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { (void) d; (void) n; return 0; }\n' >"$dir/probe.c"
requires clang -fsanitize=fuzzer,address "$dir/probe.c" -o "$dir/probe"

fuzzer=$dir/fuzz-qcow2
clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
    -DST_FUZZ_LIBFUZZER -I"$builddir" -I"$srcdir" \
    "$srcdir/tests/tools/fuzz-qcow2.c" "$srcdir/chain/qcow2.c" \
    "$srcdir/common/error.c" "$srcdir/common/xalloc.c" "$srcdir/common/cleanup.c" \
    "$srcdir/common/strv.c" \
    -o "$fuzzer"

mkdir "$dir/corpus" "$dir/img"
i=0
seed() {   # seed QEMU-IMG-CREATE-ARGS...: an image's first 64 KiB
    i=$((i + 1))
    "$QEMU_IMG" create -q "$@" "$dir/img/s$i.qcow2" 16M
    head -c 65536 "$dir/img/s$i.qcow2" >"$dir/corpus/s$i"
}
"$QEMU_IMG" create -q -f qcow2 "$dir/img/base.qcow2" 16M
seed -f qcow2
seed -f qcow2 -o compat=0.10
seed -f qcow2 -b "$dir/img/base.qcow2" -F qcow2
seed -f qcow2 -o compat=0.10 -b base.qcow2 -F qcow2
seed -f qcow2 -o extended_l2=on,cluster_size=64k
seed -f qcow2 -o compression_type=zstd
seed -f qcow2 -o cluster_size=512
seed -f qcow2 -o data_file="$dir/img/data.raw"
head -c 4096 "$dir/img/s3.qcow2" >"$dir/corpus/short"

cd "$dir"
"$fuzzer" -max_total_time=20 -max_len=70000 -timeout=10 -rss_limit_mb=1024 \
    -artifact_prefix="$dir/crash-" -print_final_stats=1 "$dir/corpus" >fuzz.log 2>&1 || {
    tail -n 60 fuzz.log
    fail "the fuzzer found a crash: $(ls "$dir"/crash-* 2>/dev/null)"
}
tail -n 12 fuzz.log
grep -q 'Done [0-9]* runs' fuzz.log || fail "the fuzzer did not run to its time limit"
# The same inputs replay under gcc through the built tool.
"$builddir/tests/tools/fuzz-qcow2" "$dir"/corpus/*
echo ok
