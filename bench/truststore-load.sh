#!/usr/bin/env bash
# How long a trust store of N certificates (default 10,000, one PEM file each) takes to load in a cold
# JVM, as the product loads it at start-up (ReloadingTrustStore: parse every file, stamp it, judge the
# folder's safety), as the CLI does (TrustStoreLoader) and the parsing alone (CertificateFiles.read).
# Each run is a fresh JVM (class loading and JIT included); the runs are interleaved. Prints, for each
# run, the load time inside the JVM and the whole JVM's wall and CPU time, then the medians.
# The certificates are generated once into bench/target/truststore-N (kept between runs).
#   bench/truststore-load.sh [N] [RUNS]      default: 10000 5
set -euo pipefail
cd "$(dirname "$0")/.."
count=${1:-10000}
runs=${2:-5}
jar=bench/target/benchmarks.jar
[ -f "$jar" ] || mvn -B -q -Pbench -DskipTests package -pl bench -am
folder=bench/target/truststore-$count
if [ ! -f "$folder/.complete" ]; then
  rm -rf "$folder"
  java -cp "$jar" io.appsigning.bench.GenerateTrustStore "$folder" "$count"
  chmod -R go-w "$folder"
  touch "$folder/.complete"
fi
cat "$folder"/*.crt > /dev/null # in the page cache: the figure is the JVM's work, not the disk's
echo "# $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $(java -version 2>&1 | head -1), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# $count certificates in $folder, $runs interleaved cold runs of each way"
results=$(mktemp)
trap 'rm -f "$results"' EXIT
for ((i = 0; i < runs; i++)); do
  for how in product loader files; do
    line=$(/usr/bin/time -f "%e %U %S" -o "$results.time" java -XX:+UseSerialGC -cp "$jar" io.appsigning.bench.TrustStoreLoad "$folder" "$how")
    read -r wall user sys < "$results.time"
    echo "$line jvm-wall $wall jvm-cpu $(awk -v u="$user" -v s="$sys" 'BEGIN{print u + s}')" | tee -a "$results"
  done
done
rm -f "$results.time"
echo
echo "# where a product load's time goes (one more cold JVM; CPU of this JVM, getfacl's processes not included):"
java -XX:+UseSerialGC -cp "$jar" io.appsigning.bench.TrustStoreLoad "$folder" parts
echo
for how in product loader files; do
  for field in 4 7 9; do
    awk -v h="$how" -v f="$field" '$1==h{print $f}' "$results" | sort -g | awk '{v[++n]=$1} END{printf "%s ", n%2 ? v[(n+1)/2] : (v[n/2]+v[n/2+1])/2}'
  done | awk -v h="$how" '{printf "median %-8s load %5d ms   whole JVM %5.2f s wall %5.2f s CPU\n", h, $1, $2, $3}'
done
