#!/usr/bin/env bash
# A fuzzing campaign of each Jazzer target (or of the targets named), each for the maxDuration in
# its @FuzzTest (30 s as committed), offline, after a build has downloaded what it needs. Prints one
# line per target with libFuzzer's closing figures: inputs run (#N), edges covered (cov), corpus
# entries (corp); these are RELIABILITY.md's campaign figures. Each target's full log is
# fuzz/target/fuzz-<Class>-<method>.log. A finding fails the script; its input is left beside the
# test class under fuzz/src/test/resources, where it replays as a regression test from then on.
# Usage: scripts/fuzz-campaign.sh [Class#method ...]
set -euo pipefail
cd "$(dirname "$0")/.."

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(VerifierFuzzTest#signatureFileParser VerifierFuzzTest#mutationsNeverVerify
           TrustStoreFilesFuzzTest#certificateAndDenyListFiles UploadFormFuzzTest#hostileBodies)
fi
mkdir -p fuzz/target
for target in "${targets[@]}"; do
  log="fuzz/target/fuzz-${target/\#/-}.log"
  if JAZZER_FUZZ=1 mvn -B -q -o test -pl fuzz -am -Dtest="$target" -Dsurefire.failIfNoSpecifiedTests=false > "$log" 2>&1; then
    echo "Fuzzed $target: $(grep -E '#[0-9]+[[:space:]]+DONE' "$log" | tail -1)"
  else
    tail -80 "$log"
    echo "Fuzzing $target failed; the whole log is $log"
    exit 1
  fi
done
