#!/usr/bin/env bash
# Times, in one run on the same files, our CLI (java -Xmx64m) against openssl pkeyutl -verify -rawin,
# BouncyCastle's Ed25519Signer and the JDK's Signature, with openssl dgst -sha512 as the hashing
# ceiling: wall time, peak memory and the ratio to openssl. Needs the build (mvn -B -q -DskipTests
# package), openssl and GNU time (Debian package 'time').
#   bench/run.sh [SIZE_MIB ...]        default: 256 1024
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(256 1024)
cli=signing-cli/target/appsign.jar
baseline=bench/target/benchmarks.jar
for f in "$cli" "$baseline"; do [ -f "$f" ] || { echo "missing $f: run mvn -B -q -DskipTests package" >&2; exit 2; }; done
command -v /usr/bin/time >/dev/null || { echo "needs GNU time: apt-get install time" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
java -jar "$cli" keygen --out "$work/keys" --subject "CN=Bench" >/dev/null
mkdir "$work/store" && cp "$work/keys/signing.crt" "$work/store/"
openssl pkey -in "$work/keys/signing.key" -pubout -out "$work/pub.pem"

measure() { # label command...  -> prints "label seconds kilobytes"
  local label=$1; shift
  # GNU time reports to a file of its own: the contender's output and errors are discarded.
  /usr/bin/time -f "%e %M" -o "$work/time.txt" "$@" >/dev/null 2>&1 || echo "warning: $label failed" >&2
  echo "$label $(tail -1 "$work/time.txt")"
}

echo "# $(date -u +%Y-%m-%dT%H:%MZ) $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(java -version 2>&1 | head -1), $(openssl version)"
for mib in "${sizes[@]}"; do
  app="$work/app-$mib.bin"
  head -c $((mib * 1024 * 1024)) /dev/urandom > "$app"
  openssl pkeyutl -sign -rawin -inkey "$work/keys/signing.key" -in "$app" -out "$app.sig.bin"
  printf '{"signature": "%s"}\n' "$(base64 -w0 "$app.sig.bin")" > "$app.sig"
  cat "$app" > /dev/null # in the page cache for every contender alike
  results=()
  results+=("$(measure ours-cli java -Xmx64m -jar "$cli" verify --trust-store "$work/store" --in "$app")")
  results+=("$(measure openssl-pkeyutl openssl pkeyutl -verify -pubin -inkey "$work/pub.pem" -rawin -in "$app" -sigfile "$app.sig.bin")")
  results+=("$(measure bouncycastle java -Xmx$((mib * 3 + 256))m -cp "$baseline" io.appsigning.bench.BaselineVerify bc "$app" "$work/pub.pem" "$app.sig.bin")")
  results+=("$(measure jdk-signature java -Xmx$((mib * 3 + 256))m -cp "$baseline" io.appsigning.bench.BaselineVerify jdk "$app" "$work/pub.pem" "$app.sig.bin")")
  results+=("$(measure openssl-dgst-sha512 openssl dgst -sha512 "$app")")
  openssl_s=$(printf '%s\n' "${results[@]}" | awk '$1=="openssl-pkeyutl"{print $2}')
  echo
  echo "## ${mib} MiB"
  printf '%-22s %10s %14s %16s\n' contender "wall (s)" "peak RSS (MB)" "wall / openssl"
  for r in "${results[@]}"; do
    set -- $r
    awk -v l="$1" -v s="$2" -v k="$3" -v o="$openssl_s" 'BEGIN{printf "%-22s %10.2f %14.0f %16.2f\n", l, s, k/1024, s/o}'
  done
done
