#!/usr/bin/env bash
# A/B (or A/B/C...) comparison of whole commands in interleaved rounds: each round runs every command
# once, in turn, so that load from other work on the machine falls on all of them alike. Prints each
# command's median (min-max) wall and CPU time (user + system, GNU time) and its largest RSS.
# BENCHMARKS.md gives the invocation behind each A/B figure it quotes.
#   ROUNDS=N bench/ab.sh 'LABEL::COMMAND' 'LABEL::COMMAND' ...      default ROUNDS=7
# COMMAND runs in bash -c, so it may set variables: 'old::JAVA_OPTS=-Xmx64m signing-cli/bin/appsign verify ...'
set -euo pipefail
[ $# -gt 0 ] || { sed -n '2,7p' "$0" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "needs GNU time: apt-get install time" >&2; exit 2; }
rounds=${ROUNDS:-7}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# run, stats, median, table, ratio, ratio_range
source "$(dirname "$0")/lib.sh"
echo "# $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, load average at start: $(cut -d' ' -f1-3 /proc/loadavg); $rounds interleaved rounds"
: > "$work/results"
labels=()
for spec in "$@"; do labels+=("${spec%%::*}"); done
for ((i = 0; i < rounds; i++)); do
  for spec in "$@"; do
    run "${spec%%::*}" bash -c "${spec#*::}"
  done
done
table "${labels[@]}"
if [ ${#labels[@]} -ge 2 ]; then
  echo "ratios of medians against ${labels[0]} (in brackets: the least and greatest within one round):"
  for label in "${labels[@]:1}"; do
    echo "  $label / ${labels[0]}: wall $(ratio "$label" "${labels[0]}" 2) ($(ratio_range "$label" "${labels[0]}" 2))   CPU $(ratio "$label" "${labels[0]}" 3) ($(ratio_range "$label" "${labels[0]}" 3))"
  done
fi
echo "# load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
