#!/usr/bin/env bash
# Checks that the build is reproducible: the jars of this tree (built by 'mvn verify' or 'package';
# built here first if there are none) must be byte-identical to the jars of a second, clean build
# of the same sources in another folder. Differences are listed by jar, and the script fails.
# Why it can hold: project.build.outputTimestamp in the parent POM fixes every entry's time, and bnd
# runs with -reproducible. Usage: scripts/check-reproducible.sh  (from anywhere; needs mvn and tar).
set -euo pipefail
cd "$(dirname "$0")/.."

# The project's own jars: not bench's (a profile), nor those of the Maven plugin's invoker test projects
# (target/it/*), which only 'verify' builds.
jars() { find . -regex '.*/target/[^/]*\.jar' -not -path './bench/*' -not -path '*/target/it/*' | LC_ALL=C sort; }

if [ -z "$(jars)" ]; then
  echo "No jars yet: building them once (mvn -B -q -DskipTests package)"
  mvn -B -q -DskipTests package
fi
first=$(mktemp)
jars | xargs sha256sum > "$first"

copy=$(mktemp -d)
trap 'rm -rf "$copy" "$first"' EXIT
# The same sources, without any build output or fuzzing corpus.
tar -cf - --exclude=target --exclude=.cifuzz-corpus --exclude=.git --exclude=upm-home . | tar -xf - -C "$copy"
( cd "$copy" && mvn -B -q -o -DskipTests package )
second=$( cd "$copy" && jars | xargs sha256sum )

if diff <(cat "$first") <(echo "$second") > "$copy/diff.txt"; then
  echo "Reproducible: $(wc -l < "$first") jars byte-identical in two clean builds"
else
  echo "NOT reproducible: these jars differ between two builds of the same sources (first build < > second):"
  cat "$copy/diff.txt"
  exit 1
fi
