#!/usr/bin/env bash
# Why verify hashes with OpenSSL's libcrypto where it can: what the JDK's own SHA-512 costs against
# OpenSSL's on this machine, with nothing of ours around it. Pure Ed25519 verification is one SHA-512
# over R || A || M, so no verifier on the JDK's SHA-512 can beat a bare Java program that hashes the
# app with the JDK's MessageDigest and prints the digest (BareSha512, compiled here with javac, no
# dependencies); that floor lies above issue 16's "1.15x of openssl dgst -sha512". ours-verify is
# bin/appsign verify as shipped (OpenSSL's SHA-512 on JDK 17 and 18, see 'appsign --version');
# ours-verify-jdk the same with APPSIGN_LIBCRYPTO=off.
#
#  1. whole programs, interleaved rounds on the same file in the page cache: openssl dgst -sha512, the
#     bare Java program (fresh JVM, the JDK's base CDS archive, serial collector, -Xmx64m) and our
#     verify through signing-cli/bin/appsign, with either SHA-512; ratios of medians, and the least
#     and greatest ratio of two runs in the same round;
#  2. the same three with the second core kept busy by a spinning shell;
#  3. the hashing alone, steady state, no start-up, no reading: the JDK's SHA-512 over a 1 MiB buffer
#     (after as long a warm-up) against openssl speed -evp sha512 at 1 MiB, interleaved rounds; both
#     in user CPU time (openssl speed's own measure), which the machine's load hardly moves.
#
# Needs the build (mvn -B -q -DskipTests package -pl signing-cli -am), openssl and GNU time.
#   bench/sha512-floor.sh [SIZE_MIB]        default: 1024
#   ROUNDS=N (default 7)   BUSY_ROUNDS=N (default 5)   MEMORY_ROUNDS=N (default 5)
set -euo pipefail
cd "$(dirname "$0")/.."
mib=${1:-1024}
rounds=${ROUNDS:-7}
busy_rounds=${BUSY_ROUNDS:-5}
memory_rounds=${MEMORY_ROUNDS:-5}
launcher=signing-cli/bin/appsign
# bench_prerequisites, bench_workspace, bench_cli_setup, run, stats, median, table, ratio, ratio_range
source bench/lib.sh
bench_prerequisites
bench_workspace
bench_cli_setup
app=$work/app.bin
head -c $((mib * 1024 * 1024)) /dev/urandom > "$app"
"$launcher" sign --key "$work/keys/signing.key" --in "$app" >/dev/null
# The verify command's CDS archive is made by one untimed run, as a vendor's first run would make it.
"$launcher" verify --trust-store "$work/store" --in "$app" >/dev/null
APPSIGN_LIBCRYPTO=off "$launcher" verify --trust-store "$work/store" --in "$app" >/dev/null
if [ "$("${bare[@]}" "$app" | cut -d' ' -f1)" != "$(openssl dgst -sha512 -r "$app" | cut -d' ' -f1)" ]; then
  echo "BareSha512 and openssl disagree on the digest" >&2; exit 1
fi

echo "# $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "# CPU flags: $(grep -m1 '^flags' /proc/cpuinfo | tr ' ' '\n' | grep -E '^(sha_ni|avx2|avx512f|avx512vl|bmi2)$' | xargs) (SHA-NI covers SHA-1 and SHA-256 only: SHA-512 runs on AVX2 code in both)"
echo "# $(java -version 2>&1 | head -1), $(java -XX:+UnlockDiagnosticVMOptions -XX:+PrintFlagsFinal -version 2>/dev/null | awk '/UseSHA512Intrinsics/{print $2 " = " $4}'), $(openssl version)"
echo "# ours-verify: $("$launcher" --version | sed -n 2p)"
echo "# load average at start: $(cut -d' ' -f1-3 /proc/loadavg); $mib MiB, $rounds interleaved rounds, $busy_rounds with the second core busy"

: > "$work/results"
for ((i = 0; i < rounds; i++)); do
  run openssl-dgst-sha512 openssl dgst -sha512 "$app"
  run jdk-bare-sha512 "${bare[@]}" "$app"
  run ours-verify "$launcher" verify --trust-store "$work/store" --in "$app"
  APPSIGN_LIBCRYPTO=off run ours-verify-jdk "$launcher" verify --trust-store "$work/store" --in "$app"
done
echo
echo "## ${mib} MiB, whole programs (start-up included)"
table openssl-dgst-sha512 jdk-bare-sha512 ours-verify ours-verify-jdk
echo "ratios of medians (in brackets: the least and greatest ratio within one round):"
echo "  JDK bare SHA-512 / openssl dgst:  wall $(ratio jdk-bare-sha512 openssl-dgst-sha512 2) ($(ratio_range jdk-bare-sha512 openssl-dgst-sha512 2))   CPU $(ratio jdk-bare-sha512 openssl-dgst-sha512 3) ($(ratio_range jdk-bare-sha512 openssl-dgst-sha512 3))   <- the floor on the JDK's SHA-512"
echo "  ours / openssl dgst:              wall $(ratio ours-verify openssl-dgst-sha512 2) ($(ratio_range ours-verify openssl-dgst-sha512 2))   CPU $(ratio ours-verify openssl-dgst-sha512 3) ($(ratio_range ours-verify openssl-dgst-sha512 3))   <- OpenSSL's SHA-512"
echo "  ours-jdk / openssl dgst:          wall $(ratio ours-verify-jdk openssl-dgst-sha512 2) ($(ratio_range ours-verify-jdk openssl-dgst-sha512 2))   CPU $(ratio ours-verify-jdk openssl-dgst-sha512 3) ($(ratio_range ours-verify-jdk openssl-dgst-sha512 3))"
echo "  ours-jdk / JDK bare SHA-512:      wall $(ratio ours-verify-jdk jdk-bare-sha512 2) ($(ratio_range ours-verify-jdk jdk-bare-sha512 2))   CPU $(ratio ours-verify-jdk jdk-bare-sha512 3) ($(ratio_range ours-verify-jdk jdk-bare-sha512 3))   <- what ours adds to the floor"

: > "$work/results"
sh -c 'while :; do :; done' &
spinner=$!
for ((i = 0; i < busy_rounds; i++)); do
  run openssl-dgst-sha512-busy openssl dgst -sha512 "$app"
  run jdk-bare-sha512-busy "${bare[@]}" "$app"
  run ours-verify-busy "$launcher" verify --trust-store "$work/store" --in "$app"
  APPSIGN_LIBCRYPTO=off run ours-verify-jdk-busy "$launcher" verify --trust-store "$work/store" --in "$app"
done
kill "$spinner"; wait "$spinner" 2>/dev/null || true; spinner=
echo
echo "## ${mib} MiB, the second core busy"
table openssl-dgst-sha512-busy jdk-bare-sha512-busy ours-verify-busy ours-verify-jdk-busy
echo "ratios of medians (in brackets: the least and greatest ratio within one round):"
echo "  JDK bare SHA-512 / openssl dgst:  wall $(ratio jdk-bare-sha512-busy openssl-dgst-sha512-busy 2) ($(ratio_range jdk-bare-sha512-busy openssl-dgst-sha512-busy 2))   CPU $(ratio jdk-bare-sha512-busy openssl-dgst-sha512-busy 3) ($(ratio_range jdk-bare-sha512-busy openssl-dgst-sha512-busy 3))"
echo "  ours / openssl dgst:              wall $(ratio ours-verify-busy openssl-dgst-sha512-busy 2) ($(ratio_range ours-verify-busy openssl-dgst-sha512-busy 2))   CPU $(ratio ours-verify-busy openssl-dgst-sha512-busy 3) ($(ratio_range ours-verify-busy openssl-dgst-sha512-busy 3))"
echo "  ours-jdk / openssl dgst:          wall $(ratio ours-verify-jdk-busy openssl-dgst-sha512-busy 2) ($(ratio_range ours-verify-jdk-busy openssl-dgst-sha512-busy 2))   CPU $(ratio ours-verify-jdk-busy openssl-dgst-sha512-busy 3) ($(ratio_range ours-verify-jdk-busy openssl-dgst-sha512-busy 3))"
rm -f "$app" "$app.sig"

echo
echo "## the hashing alone, steady state: µs of user CPU per MiB over a 1 MiB buffer ($memory_rounds interleaved rounds; JDK: 2 s warm-up, 2 s measured; openssl speed: 2 s)"
: > "$work/memory"
for ((i = 0; i < memory_rounds; i++)); do
  jdk=$("${bare[@]}" --memory 2 | awk '{print $2}')
  # openssl speed -mr: "+F:<n>:sha512:<bytes per second at each size>"
  ossl=$(openssl speed -mr -seconds 2 -bytes 1048576 -evp sha512 2>/dev/null | awk -F: '/^\+F:/{printf "%.1f", 1048576 / $4 * 1e6}')
  printf 'round %d: JDK SHA-512 %7.1f   openssl SHA-512 %7.1f   ratio %.2f\n' "$i" "$jdk" "$ossl" "$(awk -v a="$jdk" -v b="$ossl" 'BEGIN{print a / b}')" | tee -a "$work/memory"
done
col() { awk -v f="$1" '{print $f}' "$work/memory" | sort -g | awk '{v[++n]=$1} END{printf "%s (%s-%s)", n%2 ? v[(n+1)/2] : (v[n/2]+v[n/2+1])/2, v[1], v[n]}'; }
echo "median (min-max): JDK SHA-512 $(col 5) µs/MiB, openssl SHA-512 $(col 8) µs/MiB, ratio $(col 10)"
echo
echo "# load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
