# Shared by bench/run.sh and bench/sha512-floor.sh (sourced, not run): timing whole programs with GNU
# time into "$work/results", and the medians, ranges and ratios of what was timed. The caller sets
# $work (a scratch folder) and empties "$work/results" before each table.

# bench_prerequisites: what every whole-program bench needs before it starts (exit 2 naming what is missing)
bench_prerequisites() {
  [ -f signing-cli/target/appsign.jar ] || { echo "missing signing-cli/target/appsign.jar: run mvn -B -q -DskipTests package -pl signing-cli -am" >&2; exit 2; }
  [ -x /usr/bin/time ] || { echo "needs GNU time: apt-get install time" >&2; exit 2; }
  command -v openssl >/dev/null || { echo "needs openssl" >&2; exit 2; }
}

# bench_workspace: sets $work, a scratch folder removed at exit, and $spinner (a busy-core process the
# caller may start), stopped at exit
bench_workspace() {
  work=$(mktemp -d)
  spinner=
  trap bench_cleanup EXIT
}
bench_cleanup() { [ -z "$spinner" ] || kill "$spinner" 2>/dev/null || true; rm -rf "$work"; }

# bench_cli_setup: our CLI as every bench runs it (archives in the workspace, -Xmx64m), a key with its
# certificate alone in "$work/store", and $bare: the bare JDK SHA-512 program, compiled here
bench_cli_setup() {
  export APPSIGN_CDS_DIR=$work/cds
  export JAVA_OPTS=-Xmx64m
  signing-cli/bin/appsign keygen --out "$work/keys" --subject "CN=Bench" >/dev/null
  mkdir "$work/store" && cp "$work/keys/signing.crt" "$work/store/"
  javac -d "$work/classes" bench/src/main/java/io/appsigning/bench/BareSha512.java
  bare=(java -XX:+UseSerialGC -Xshare:auto -Xmx64m -cp "$work/classes" io.appsigning.bench.BareSha512)
}

# run LABEL COMMAND... : appends "LABEL wall cpu rss_kb status" to $work/results
run() {
  local label=$1; shift
  local status=0
  /usr/bin/time -f "%e %U %S %M" -o "$work/time.txt" "$@" >/dev/null 2>"$work/err.txt" || status=$?
  awk -v l="$label" -v s="$status" 'END{printf "%s %.3f %.3f %d %s\n", l, $1, $2 + $3, $4, s}' "$work/time.txt" >> "$work/results"
  if [ "$status" != 0 ]; then echo "warning: $label exited $status: $(head -c 300 "$work/err.txt")" >&2; fi
}

# stats LABEL FIELD (2 wall, 3 CPU): "median min max" of that field over the label's runs
stats() {
  awk -v l="$1" -v f="$2" '$1==l{print $f}' "$work/results" | sort -g |
    awk '{v[++n]=$1} END{if (n==0) exit; printf "%s %s %s\n", n%2 ? v[(n+1)/2] : (v[n/2]+v[n/2+1])/2, v[1], v[n]}'
}
median() { stats "$1" "$2" | cut -d' ' -f1; }

# table LABEL...: the median (min-max) of each label's wall and CPU, its largest RSS, its failures
table() {
  printf '%-28s %20s %20s %8s\n' contender "wall s (min-max)" "CPU s (min-max)" "RSS MB"
  local label
  for label in "$@"; do
    if [ -z "$(stats "$label" 2)" ]; then printf '%-28s %20s\n' "$label" "not run"; continue; fi
    read -r mw w1 w2 <<<"$(stats "$label" 2)"
    read -r mc c1 c2 <<<"$(stats "$label" 3)"
    awk -v l="$label" '$1==l{if ($4>r) r=$4; if ($5!=0) f++} END{printf "%.0f %d\n", r/1024, f}' "$work/results" | {
      read -r rss failed
      printf '%-28s %6.2f (%5.2f-%5.2f) %6.2f (%5.2f-%5.2f) %8s%s\n' "$label" "$mw" "$w1" "$w2" "$mc" "$c1" "$c2" "$rss" \
        "$([ "$failed" = 0 ] || echo "  FAILED ${failed}x")"
    }
  done
}

# ratio A B FIELD: the ratio of A's median to B's (2 wall, 3 CPU)
ratio() { awk -v a="$(median "$1" "$3")" -v b="$(median "$2" "$3")" 'BEGIN{printf "%.2f", a/b}'; }

# ratio_range A B FIELD: the least and greatest ratio of A's run to B's run in the same round (the
# runs are paired by their order in $work/results), as "min-max"
ratio_range() {
  awk -v a="$1" -v b="$2" -v f="$3" '$1==a{x[++i]=$f} $1==b{y[++j]=$f}
    END{n = i < j ? i : j; for (k = 1; k <= n; k++) {r = x[k] / y[k]; if (k == 1 || r < lo) lo = r; if (k == 1 || r > hi) hi = r}
        if (n > 0) printf "%.2f-%.2f", lo, hi}' "$work/results"
}
