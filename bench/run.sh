#!/usr/bin/env bash
# bench/run.sh: how fast walctl reads, hashes and converts a large log,
# compared with the plain tools that read, hash and copy the same files.
#
# Generates a SIZE_MB MiB log in the legacy and in the v2 (Table) format
# (entries of 100–700 bytes, R = 10000) with the project's own writers, then
# times, as the median of RUNS runs: cat of all files to /dev/null, walctl
# verify, sha256sum of all files, walctl inspect --entries --json --payload
# redacted, cp -r, and walctl convert to the other format; and records the
# peak RSS of every walctl run (/usr/bin/time -v). Prints a table and, as its
# last line:
#   verify/cat ratio: X.XX; hash/sha256sum ratio: Y.YY; convert/(cp+fsync) ratio: Z.ZZ; peak RSS: N MiB
# (each ratio is the worse of the two formats; N the largest peak RSS).
# Targets (issue 14): verify/cat ≤ 1.5, inspect/sha256sum ≤ 1.3,
# convert/(cp+fsync) ≤ 3 (convert fsyncs every file it writes, so it is
# measured against a copy made as durable: sync FILE… fsyncs each file),
# peak RSS ≤ 64 MiB.
#
# Environment:
#   SIZE_MB   size of each generated log in MiB (default 1024)
#   RUNS      timed runs per row, odd is best for a median (default 3)
#   CACHE     warm (default): every row reads its input once, untimed, before
#             its runs, so all rows read from the page cache;
#             cold: drop the page cache before every run (root only)
#   BENCH_TMP where the logs go (default: $TMPDIR or /tmp); needs ≈ 6×SIZE_MB
#   KEEP=1    keep the generated logs and per-run outputs (path printed)
#
# Runs from a clean checkout: needs Go, coreutils and /usr/bin/time (GNU
# time; installed with apt-get when missing and running as root).
set -euo pipefail
cd "$(dirname "$0")/.."

SIZE_MB=${SIZE_MB:-1024}
RUNS=${RUNS:-3}
CACHE=${CACHE:-warm}
BENCH_TMP=${BENCH_TMP:-${TMPDIR:-/tmp}}
FORMATS=(legacy v2)

die() { echo "bench: $*" >&2; exit 2; }
[[ $SIZE_MB =~ ^[0-9]+$ && $SIZE_MB -ge 1 ]] || die "SIZE_MB must be a positive number of MiB"
[[ $RUNS =~ ^[0-9]+$ && $RUNS -ge 1 ]] || die "RUNS must be a positive number"
[[ $CACHE == warm || $CACHE == cold ]] || die "CACHE must be warm or cold"

need_time() {
  if /usr/bin/time -v true >/dev/null 2>&1; then return; fi
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
    echo "bench: installing GNU time" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null ||
      { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null; }
  fi
  /usr/bin/time -v true >/dev/null 2>&1 || die "GNU time (/usr/bin/time -v) is needed: install the package 'time'"
}
need_time
if [[ $CACHE == cold ]]; then
  [[ -w /proc/sys/vm/drop_caches ]] || die "CACHE=cold needs a writable /proc/sys/vm/drop_caches (root)"
fi

mkdir -p "$BENCH_TMP"
work=$(mktemp -d "$BENCH_TMP/walctl-bench.XXXXXX")
cleanup() {
  if [[ ${KEEP:-0} == 1 ]]; then echo "bench: kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT

# Disk: two logs, plus one copy and one converted log alive at a time per
# format, plus slack for v2 footers and filesystem overhead.
need_kib=$(( SIZE_MB * 1024 * 5 + 512 * 1024 ))
avail_kib=$(df -Pk "$work" | awk 'NR == 2 { print $4 }')
(( avail_kib >= need_kib )) ||
  die "$work has $(( avail_kib / 1024 )) MiB free, the benchmark needs about $(( need_kib / 1024 )) MiB (set BENCH_TMP or SIZE_MB)"
mem_kib=$(awk '/^MemAvailable:/ { print $2 }' /proc/meminfo)
if [[ $CACHE == warm ]] && (( mem_kib < SIZE_MB * 1024 * 3 )); then
  echo "bench: warning: $(( mem_kib / 1024 )) MiB of memory available, less than 3×SIZE_MB: 'warm' rows may partly read from disk" >&2
fi

echo "bench: building walctl and genlog" >&2
mkdir -p "$work/bin" "$work/runs"
go build -o "$work/bin/walctl" .
go build -o "$work/bin/genlog" ./internal/gen/cmd/genlog
walctl=$work/bin/walctl
have_convert=0
if "$walctl" help convert >/dev/null 2>&1; then have_convert=1; fi

for f in "${FORMATS[@]}"; do
  echo "bench: generating a $SIZE_MB MiB $f log" >&2
  "$work/bin/genlog" -format "$f" -mb "$SIZE_MB" -size-min 100 -size-max 700 -R 10000 -out "$work/$f" | tee "$work/$f.gen" >&2
done
sync

load_start=$(cut -d' ' -f1-3 /proc/loadavg)
other() { if [[ $1 == legacy ]]; then echo v2; else echo legacy; fi; }
files_bytes() { du -sb --apparent-size "$1" | awk '{ print $1 }'; }

# before_run: the same starting point for every timed run.
before_run() {
  sync
  if [[ $CACHE == cold ]]; then echo 3 >/proc/sys/vm/drop_caches; fi
}

# warm_up DIR: read the input once (untimed) so a warm row starts warm.
warm_up() { if [[ $CACHE == warm ]]; then cat "$1"/* >/dev/null; fi; }

# median: the median of the numbers on stdin.
median() { sort -g | awk '{ a[NR] = $1 } END { if (NR == 0) exit; m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2; printf "%.3f", m }'; }

# timed NAME -- CMD...: runs CMD under /usr/bin/time -v RUNS times and
# records each wall time (from date, ns resolution), CPU time (user + system,
# less disturbed by other load on the machine than wall time) and peak RSS.
declare -A MEDIAN CPU RSS STATUS ALLTIMES
timed() {
  local name=$1; shift 2
  local times=() cpus=() rss=0 st=ok i
  for (( i = 1; i <= RUNS; i++ )); do
    [[ -n ${PREPARE:-} ]] && eval "$PREPARE"
    before_run
    local log=$work/runs/${name//\//-}.$i
    local t0 t1 rc=0
    t0=$(date +%s%N)
    /usr/bin/time -v -o "$log.time" "$@" >"$log.out" 2>"$log.err" || rc=$?
    t1=$(date +%s%N)
    times+=("$(( t1 - t0 ))")
    cpus+=("$(awk -F': ' '/User time|System time/ { s += $2 } END { print s + 0 }' "$log.time")")
    if (( rc != 0 )); then st="exit $rc"; fi
    local k
    k=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$log.time")
    k=${k:-0}
    (( k > rss )) && rss=$k
  done
  MEDIAN[$name]=$(printf '%s\n' "${times[@]}" | awk '{ print $1 / 1e9 }' | median)
  CPU[$name]=$(printf '%s\n' "${cpus[@]}" | median)
  ALLTIMES[$name]=$(printf '%s\n' "${times[@]}" | awk '{ printf "%s%.3f", (NR > 1 ? " " : ""), $1 / 1e9 }')
  RSS[$name]=$(( (rss + 1023) / 1024 ))
  STATUS[$name]=$st
}

for f in "${FORMATS[@]}"; do
  dir=$work/$f
  to=$(other "$f")
  echo "bench: timing $f ($RUNS runs per row, $CACHE cache)" >&2
  warm_up "$dir"; timed "$f/cat" -- sh -c 'cat "$1"/* >/dev/null' sh "$dir"
  warm_up "$dir"; timed "$f/verify" -- "$walctl" verify "$dir"
  warm_up "$dir"; timed "$f/sha256sum" -- sh -c 'sha256sum "$1"/* >/dev/null' sh "$dir"
  warm_up "$dir"; timed "$f/inspect" -- sh -c '"$1" inspect --entries --json --payload redacted "$2" >/dev/null' sh "$walctl" "$dir"
  warm_up "$dir"; PREPARE="rm -rf '$work/copy'" timed "$f/cp" -- cp -r "$dir" "$work/copy"
  # convert fsyncs every file it writes (atomic output); cp -r does not.
  # This row shows the copy made as durable as convert makes its output.
  warm_up "$dir"; PREPARE="rm -rf '$work/copy'" timed "$f/cp+fsync" -- sh -c 'cp -r "$1" "$2" && sync "$2" "$2"/*' sh "$dir" "$work/copy"
  rm -rf "$work/copy"
  if (( have_convert )); then
    warm_up "$dir"
    PREPARE="rm -rf '$work/conv'" timed "$f/convert" -- "$walctl" convert --to="$to" --out "$work/conv" "$dir"
    rm -rf "$work/conv"
  fi
done

# ---- report ----
mib() { awk -v b="$1" 'BEGIN { printf "%.0f", b / 1048576 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
# okratio A B: the ratio of rows A and B, n/a unless both commands succeeded.
okratio() {
  if [[ ${STATUS[$1]:-} == ok && ${STATUS[$2]:-} == ok ]]; then ratio "${MEDIAN[$1]}" "${MEDIAN[$2]}"; else echo n/a; fi
}
worst() { printf '%s\n' "$@" | { grep -v n/a || true; } | sort -g | tail -n 1; }

echo
echo "walctl bench: $(date -u +%Y-%m-%dT%H:%MZ), load average at start $load_start, at end $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) CPUs ($(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)), $(( $(awk '/^MemTotal:/ { print $2 }' /proc/meminfo) / 1024 )) MiB RAM, $(go version | awk '{ print $3 }'), $(uname -sr)"
echo "logs: $SIZE_MB MiB each (entries 100–700 bytes, R = 10000); medians of $RUNS runs; page cache: $CACHE"
if [[ $CACHE == warm ]]; then
  echo "      (every row reads its input once, untimed, before its runs; sync before every run)"
else
  echo "      (sync and drop_caches before every run)"
fi
for f in "${FORMATS[@]}"; do
  echo "  $f: $(find "$work/$f" -type f | wc -l) files, $(mib "$(files_bytes "$work/$f")") MiB; genlog: $(sed 's/^[^:]*: //' "$work/$f.gen")"
done
echo
row() { printf '%-7s %-10s %9s %7s %9s %10s  %-26s %s\n' "$@"; }
row FORMAT COMMAND MEDIAN_S CPU_S MIB/S PEAK_RSS "RUNS_S (wall)" STATUS
declare -A R_VERIFY R_HASH R_CONVERT R_CONVSYNC C_VERIFY C_HASH
maxrss=0
for f in "${FORMATS[@]}"; do
  size=$(files_bytes "$work/$f")
  for c in cat verify sha256sum inspect cp cp+fsync convert; do
    n="$f/$c"
    if [[ -z ${MEDIAN[$n]:-} ]]; then
      row "$f" "$c" - - - - - "skipped: walctl has no convert command yet"
      continue
    fi
    rss=-
    case $c in verify | inspect | convert)
      rss="${RSS[$n]} MiB"
      (( RSS[$n] > maxrss )) && maxrss=${RSS[$n]} ;;
    esac
    row "$f" "$c" "${MEDIAN[$n]}" "${CPU[$n]}" \
      "$(awk -v b="$size" -v s="${MEDIAN[$n]}" 'BEGIN { if (s > 0) printf "%.0f", b / 1048576 / s; else print "-" }')" \
      "$rss" "${ALLTIMES[$n]}" "${STATUS[$n]}"
  done
  R_VERIFY[$f]=$(okratio "$f/verify" "$f/cat")
  R_HASH[$f]=$(okratio "$f/inspect" "$f/sha256sum")
  R_CONVERT[$f]=$(okratio "$f/convert" "$f/cp")
  R_CONVSYNC[$f]=$(okratio "$f/convert" "$f/cp+fsync")
  C_VERIFY[$f]=$(ratio "${CPU[$f/verify]}" "${CPU[$f/cat]}")
  C_HASH[$f]=$(ratio "${CPU[$f/inspect]}" "${CPU[$f/sha256sum]}")
done
echo
for f in "${FORMATS[@]}"; do
  echo "$f: verify/cat ${R_VERIFY[$f]} (target ≤ 1.50; CPU time ${C_VERIFY[$f]}), inspect/sha256sum ${R_HASH[$f]} (≤ 1.30; CPU time ${C_HASH[$f]}), convert/(cp+fsync) ${R_CONVSYNC[$f]} (≤ 3.00; convert/cp ${R_CONVERT[$f]})"
done
for n in "${!STATUS[@]}"; do
  if [[ ${STATUS[$n]} != ok ]]; then echo "note: $n failed (${STATUS[$n]}); its stderr is in runs/${n//\//-}.*.err (KEEP=1 keeps them)"; fi
done
(( have_convert )) || echo "note: convert rows skipped: this walctl has no 'convert' command yet (cmd/convert.go); the convert ratio is n/a"
echo "peak RSS target ≤ 64 MiB; largest walctl peak RSS: $maxrss MiB"
rv=$(worst "${R_VERIFY[@]}"); rh=$(worst "${R_HASH[@]}"); rc=$(worst "${R_CONVSYNC[@]}")
echo "verify/cat ratio: ${rv:-n/a}; hash/sha256sum ratio: ${rh:-n/a}; convert/(cp+fsync) ratio: ${rc:-n/a}; peak RSS: $maxrss MiB"
