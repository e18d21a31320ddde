#!/usr/bin/env bash
# The verification core at one size (default 1 MiB) against SHA-512 over the same bytes, in
# interleaved rounds: each round is one JMH fork of VerifyBenchmark (ours: verify; the JDK's SHA-512:
# jdkSha512) and one `openssl speed` of SHA-512 at that block size. Prints each round, then the medians
# and the ratios ours / openssl and ours / JDK SHA-512 (time per app: lower is better).
#   bench/core.sh [SIZE_MIB] [ROUNDS]      default: 1 5
set -euo pipefail
cd "$(dirname "$0")/.."
mib=${1:-1}
rounds=${2:-5}
jar=bench/target/benchmarks.jar
[ -f "$jar" ] || mvn -B -q -Pbench -DskipTests package -pl bench -am
bytes=$((mib * 1024 * 1024))
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
echo "# $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $(java -version 2>&1 | head -1), $(openssl version | cut -d' ' -f1-2), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# $mib MiB, $rounds interleaved rounds; µs per app (JMH: 1 fork, 4 x 1 s warm-up, 5 x 1 s measured, mean ± 99.9% error)"
for ((i = 0; i < rounds; i++)); do
  java -jar "$jar" 'VerifyBenchmark\.(verify|jdkSha512)$' -p sizeMiB="$mib" -f 1 -wi 4 -w 1s -i 5 -r 1s \
    -rf csv -rff "$out/jmh.csv" >/dev/null
  # "Benchmark","Mode","Threads","Samples","Score","Score Error (99.9%)","Unit","Param: sizeMiB"
  ours=$(awk -F, '/VerifyBenchmark.verify"/{print $5}' "$out/jmh.csv"); ours_err=$(awk -F, '/VerifyBenchmark.verify"/{print $6}' "$out/jmh.csv")
  jdk=$(awk -F, '/VerifyBenchmark.jdkSha512"/{print $5}' "$out/jmh.csv"); jdk_err=$(awk -F, '/VerifyBenchmark.jdkSha512"/{print $6}' "$out/jmh.csv")
  # openssl speed -mr: "+F:<n>:sha512:<bytes per second at each size>"
  ossl_rate=$(openssl speed -mr -seconds 3 -bytes "$bytes" -evp sha512 2>/dev/null | awk -F: '/^\+F:/{print $4}')
  ossl=$(awk -v r="$ossl_rate" -v b="$bytes" 'BEGIN{printf "%.1f", b / r * 1e6}')
  printf 'round %d: ours %8.1f ± %-6.1f  JDK SHA-512 %8.1f ± %-6.1f  openssl SHA-512 %8.1f\n' "$i" "$ours" "$ours_err" "$jdk" "$jdk_err" "$ossl" | tee -a "$out/rounds"
done
median() { awk -v f="$1" '{print $f}' "$out/rounds" | sort -g | awk '{v[++n]=$1} END{print n%2 ? v[(n+1)/2] : (v[n/2]+v[n/2+1])/2}'; }
ours=$(median 4); jdk=$(median 9); ossl=$(median 14)
echo
awk -v o="$ours" -v j="$jdk" -v s="$ossl" 'BEGIN{
  printf "median µs per app: ours %.1f, JDK SHA-512 %.1f, openssl SHA-512 %.1f\n", o, j, s
  printf "ours / openssl SHA-512: %.2f    ours / JDK SHA-512: %.2f    JDK / openssl SHA-512: %.2f\n", o / s, o / j, j / s }'
