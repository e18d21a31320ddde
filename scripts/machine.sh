#!/usr/bin/env bash
# The machine line that RELIABILITY.md and BENCHMARKS.md put above their figures: cores, CPU model,
# memory, Java, and whether the figures were taken as root (the tests that set file owners need it).
set -euo pipefail
cpu=$(lscpu | sed -n 's/^Model name:[[:space:]]*//p' | head -1)
mem=$(free -g | awk '/^Mem:/ { print $2 }')
java=$(java -XshowSettings:properties -version 2>&1 | sed -n 's/^[[:space:]]*java.runtime.version = //p')
echo "$(date -u +%F): $(nproc) cores, ${cpu:-unknown CPU}, ${mem} GiB, OpenJDK ${java}, $( [ "$(id -u)" = 0 ] && echo 'as root' || echo "as $(id -un)")"
