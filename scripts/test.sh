#!/usr/bin/env bash
# walctl's whole test suite: vet, unit and fixture tests, the same suite on
# 32-bit ARM under qemu, a short run of every fuzz target, and cross builds.
# FUZZTIME (default 10s) sets how long each fuzz target runs.
set -euo pipefail
cd "$(dirname "$0")/.."
FUZZTIME=${FUZZTIME:-10s}

echo "== go vet"
go vet ./...

echo "== go test (native)"
go test -count=1 ./...

echo "== go test (GOARCH=arm GOARM=7 under qemu-arm-static)"
if ! command -v qemu-arm-static >/dev/null 2>&1; then
  echo "qemu-arm-static is missing: install the Debian package qemu-user-static" >&2
  exit 1
fi
# -short: the same tests with fewer crash points and R values (qemu makes fsync-heavy tests slow)
GOARCH=arm GOARM=7 go test -short -count=1 -exec qemu-arm-static ./...

echo "== cross builds"
for target in linux/arm linux/arm64 windows/amd64 darwin/arm64; do
  GOOS=${target%/*} GOARCH=${target#*/} go build -o /dev/null . && echo "built $target"
done

echo "== fuzz targets, $FUZZTIME each"
# Go ≤ 1.26 can end a duration-limited run with a bare "context deadline
# exceeded" at the -fuzztime boundary and no crasher (golang/go#75804, fixed
# in 1.27). That one message, with no new file under testdata/fuzz, is the
# coordinator's race: the target fuzzed its full time without a crasher, and
# counts as passed (a hanging input is reported differently and written to
# testdata/fuzz). Any other failure, or a written reproducer, fails the run.
# -timeout 0: go test's default 10-minute limit would cut a long run short.
fuzz_once() { # pkg target dir -> 0 ok, 1 failed, 3 the coordinator's race
  local pkg=$1 target=$2 corpus=$3/testdata/fuzz/$2 before after
  before=$(ls "$corpus" 2>/dev/null | sort || true)
  if go test -run '^$' -fuzz "^${target}\$" -fuzztime "$FUZZTIME" -timeout 0 "$pkg" >/tmp/walctl-fuzz.log 2>&1; then
    return 0
  fi
  after=$(ls "$corpus" 2>/dev/null | sort || true)
  if [ "$before" = "$after" ] && grep -q '^    context deadline exceeded$' /tmp/walctl-fuzz.log &&
     [ "$(grep -c -- '^--- FAIL' /tmp/walctl-fuzz.log)" = 1 ] && ! grep -q 'Failing input written' /tmp/walctl-fuzz.log; then
    return 3
  fi
  return 1
}
for pkg in $(go list ./...); do
  dir=$(go list -f '{{.Dir}}' "$pkg")
  for target in $(go test -list '^Fuzz' "$pkg" | grep '^Fuzz' || true); do
    echo "-- $pkg $target"
    rc=0; fuzz_once "$pkg" "$target" "$dir" || rc=$?
    if [ "$rc" = 3 ]; then
      echo "   (ended on Go's fuzz-deadline race, golang/go#75804: full time fuzzed, no crasher written)"
      rc=0
    fi
    if [ "$rc" != 0 ]; then
      cat /tmp/walctl-fuzz.log; echo "fuzz target $target failed; the crasher is in $dir/testdata/fuzz/$target" >&2; exit 1
    fi
    grep -o 'execs: [0-9]*' /tmp/walctl-fuzz.log | tail -n 1 || true
  done
done

echo "== all checks passed"
