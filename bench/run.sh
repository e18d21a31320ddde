#!/usr/bin/env bash
# Whole programs on the same files, in one run: our CLI's sign and verify against openssl pkeyutl
# -sign/-verify -rawin, with openssl dgst -sha512 (one SHA-512 pass over the app: the least any pure
# Ed25519 verifier must do) as the limit. Wall time, CPU time (user + system) and peak RSS from GNU
# time; the contenders run in interleaved rounds (each round runs every contender once, in turn), so
# that load from other work on the machine falls on all of them alike; the table gives each one's
# median (and range), the ratios are of medians (in brackets: the least and greatest ratio of two runs
# in the same round). Then the same verify against dgst with the second core kept busy by a spinning
# shell (a product node under load). Beside them, jdk-bare-sha512: a Java program that only hashes the
# app with the JDK's SHA-512 (bench/src/main/java/io/appsigning/bench/BareSha512.java, compiled here),
# the floor under any Java verifier (bench/sha512-floor.sh looks at it closer).
#
# Ours runs through signing-cli/bin/appsign (AppCDS archive, serial collector) with JAVA_OPTS=-Xmx64m;
# its verify hashes with the system's OpenSSL libcrypto where the JDK allows it (JDK 17 and 18, see
# 'appsign --version'), and ours-verify-jdk is the same verify with APPSIGN_LIBCRYPTO=off: the JDK's SHA-512.
# each command's archive is made by an untimed first run, as a vendor's first run would make it. A sign that cannot
# run in 64 MiB (one that reads the app whole) is retried with a heap the size of the app and marked.
#
# Needs the build (mvn -B -q -DskipTests package -pl signing-cli -am), openssl and GNU time (Debian
# package 'time').
#   bench/run.sh [SIZE_MIB ...]        default: 256 1024
#   ROUNDS=N (default 5)   BUSY_ROUNDS=N (default 5)
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(256 1024)
rounds=${ROUNDS:-5}
busy_rounds=${BUSY_ROUNDS:-5}
launcher=signing-cli/bin/appsign
# bench_prerequisites, bench_workspace, bench_cli_setup, run, stats, median, table, ratio, ratio_range
source bench/lib.sh
bench_prerequisites
bench_workspace
bench_cli_setup
# The first run of each command makes its CDS archive, untimed, as a vendor's first run would.
head -c 1024 /dev/urandom > "$work/first.bin"
"$launcher" sign --key "$work/keys/signing.key" --in "$work/first.bin" >/dev/null
"$launcher" verify --trust-store "$work/store" --in "$work/first.bin" >/dev/null
APPSIGN_LIBCRYPTO=off "$launcher" verify --trust-store "$work/store" --in "$work/first.bin" >/dev/null
openssl pkey -in "$work/keys/signing.key" -pubout -out "$work/pub.pem"


echo "# $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "# $(java -version 2>&1 | head -1), $(openssl version), load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# ours-verify: $("$launcher" --version | sed -n 2p)"
echo "# $rounds interleaved rounds per size, $busy_rounds with the second core busy; median (min-max) of each"

# Start-up: a 1 KiB app, the launcher with its CDS archive against the same JVM options without one.
: > "$work/results"
for ((i = 0; i < rounds; i++)); do
  run ours-verify-1KiB-cds "$launcher" verify --trust-store "$work/store" --in "$work/first.bin"
  APPSIGN_LIBCRYPTO=off run ours-verify-jdk-1KiB-cds "$launcher" verify --trust-store "$work/store" --in "$work/first.bin"
  APPSIGN_CDS_DIR=off run ours-verify-1KiB-no-cds "$launcher" verify --trust-store "$work/store" --in "$work/first.bin"
  run java-version java -XX:+UseSerialGC -Xshare:auto -version
done
echo
echo "## start-up (1 KiB app)"
table ours-verify-1KiB-cds ours-verify-jdk-1KiB-cds ours-verify-1KiB-no-cds java-version
echo "ratios of medians:"
echo "  with / without the CDS archive: wall $(ratio ours-verify-1KiB-cds ours-verify-1KiB-no-cds 2)   CPU $(ratio ours-verify-1KiB-cds ours-verify-1KiB-no-cds 3)"
for mib in "${sizes[@]}"; do
  app="$work/app-$mib.bin"
  head -c $((mib * 1024 * 1024)) /dev/urandom > "$app"
  openssl pkeyutl -sign -rawin -inkey "$work/keys/signing.key" -in "$app" -out "$app.sig.bin"
  printf '{"signature": "%s"}\n' "$(base64 -w0 "$app.sig.bin")" > "$app.sig"
  sign_opts=-Xmx64m sign_label=ours-sign
  if ! JAVA_OPTS=-Xmx64m "$launcher" sign --key "$work/keys/signing.key" --in "$app" --out "$work/probe.sig" >/dev/null 2>&1; then
    sign_opts=-Xmx$((mib * 3 + 256))m sign_label="ours-sign-Xmx$((mib * 3 + 256))m"
    echo "# $mib MiB: our sign does not run in -Xmx64m (it reads the app whole); timed with $sign_opts" >&2
  fi
  cat "$app" > /dev/null # in the page cache for every contender alike
  : > "$work/results"
  for ((i = 0; i < rounds; i++)); do
    run ours-verify "$launcher" verify --trust-store "$work/store" --in "$app"
    run openssl-dgst-sha512 openssl dgst -sha512 "$app"
    APPSIGN_LIBCRYPTO=off run ours-verify-jdk "$launcher" verify --trust-store "$work/store" --in "$app"
    run jdk-bare-sha512 "${bare[@]}" "$app"
    run openssl-pkeyutl-verify openssl pkeyutl -verify -pubin -inkey "$work/pub.pem" -rawin -in "$app" -sigfile "$app.sig.bin"
    JAVA_OPTS=$sign_opts run "$sign_label" "$launcher" sign --key "$work/keys/signing.key" --in "$app" --out "$work/ours.sig"
    run openssl-pkeyutl-sign openssl pkeyutl -sign -rawin -inkey "$work/keys/signing.key" -in "$app" -out "$work/openssl.sig"
  done
  echo
  echo "## ${mib} MiB"
  table ours-verify openssl-dgst-sha512 ours-verify-jdk jdk-bare-sha512 openssl-pkeyutl-verify "$sign_label" openssl-pkeyutl-sign
  echo "ratios of medians (in brackets: the least and greatest ratio within one round):"
  echo "  verify / dgst -sha512:        wall $(ratio ours-verify openssl-dgst-sha512 2) ($(ratio_range ours-verify openssl-dgst-sha512 2))   CPU $(ratio ours-verify openssl-dgst-sha512 3) ($(ratio_range ours-verify openssl-dgst-sha512 3))"
  echo "  verify-jdk / dgst -sha512:    wall $(ratio ours-verify-jdk openssl-dgst-sha512 2) ($(ratio_range ours-verify-jdk openssl-dgst-sha512 2))   CPU $(ratio ours-verify-jdk openssl-dgst-sha512 3) ($(ratio_range ours-verify-jdk openssl-dgst-sha512 3))   (APPSIGN_LIBCRYPTO=off)"
  echo "  JDK bare SHA-512 / dgst:      wall $(ratio jdk-bare-sha512 openssl-dgst-sha512 2) ($(ratio_range jdk-bare-sha512 openssl-dgst-sha512 2))   CPU $(ratio jdk-bare-sha512 openssl-dgst-sha512 3) ($(ratio_range jdk-bare-sha512 openssl-dgst-sha512 3))   (the floor of a verifier on the JDK's SHA-512)"
  echo "  verify-jdk / JDK bare SHA-512: wall $(ratio ours-verify-jdk jdk-bare-sha512 2)   CPU $(ratio ours-verify-jdk jdk-bare-sha512 3)   (what ours adds to it)"
  echo "  verify / pkeyutl -verify:     wall $(ratio ours-verify openssl-pkeyutl-verify 2)   CPU $(ratio ours-verify openssl-pkeyutl-verify 3)"
  echo "  sign / pkeyutl -sign:         wall $(ratio "$sign_label" openssl-pkeyutl-sign 2)   CPU $(ratio "$sign_label" openssl-pkeyutl-sign 3)"
  echo "  sign / dgst -sha512:          wall $(ratio "$sign_label" openssl-dgst-sha512 2)   CPU $(ratio "$sign_label" openssl-dgst-sha512 3)   (pure Ed25519 signing reads the app twice)"

  : > "$work/results"
  sh -c 'while :; do :; done' &
  spinner=$!
  for ((i = 0; i < busy_rounds; i++)); do
    run ours-verify-busy "$launcher" verify --trust-store "$work/store" --in "$app"
    run openssl-dgst-sha512-busy openssl dgst -sha512 "$app"
    APPSIGN_LIBCRYPTO=off run ours-verify-jdk-busy "$launcher" verify --trust-store "$work/store" --in "$app"
    run jdk-bare-sha512-busy "${bare[@]}" "$app"
  done
  kill "$spinner"; wait "$spinner" 2>/dev/null || true; spinner=
  echo
  echo "## ${mib} MiB, the second core busy"
  table ours-verify-busy openssl-dgst-sha512-busy ours-verify-jdk-busy jdk-bare-sha512-busy
  echo "ratios of medians (in brackets: the least and greatest ratio within one round):"
  echo "  verify / dgst -sha512:        wall $(ratio ours-verify-busy openssl-dgst-sha512-busy 2) ($(ratio_range ours-verify-busy openssl-dgst-sha512-busy 2))   CPU $(ratio ours-verify-busy openssl-dgst-sha512-busy 3) ($(ratio_range ours-verify-busy openssl-dgst-sha512-busy 3))"
  echo "  verify-jdk / dgst -sha512:    wall $(ratio ours-verify-jdk-busy openssl-dgst-sha512-busy 2) ($(ratio_range ours-verify-jdk-busy openssl-dgst-sha512-busy 2))   CPU $(ratio ours-verify-jdk-busy openssl-dgst-sha512-busy 3) ($(ratio_range ours-verify-jdk-busy openssl-dgst-sha512-busy 3))"
  echo "  JDK bare SHA-512 / dgst:      wall $(ratio jdk-bare-sha512-busy openssl-dgst-sha512-busy 2) ($(ratio_range jdk-bare-sha512-busy openssl-dgst-sha512-busy 2))   CPU $(ratio jdk-bare-sha512-busy openssl-dgst-sha512-busy 3) ($(ratio_range jdk-bare-sha512-busy openssl-dgst-sha512-busy 3))"
  rm -f "$app" "$app.sig" "$app.sig.bin"
done
echo
echo "# load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
