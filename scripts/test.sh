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
for pkg in $(go list ./...); do
  for target in $(go test -list '^Fuzz' "$pkg" | grep '^Fuzz' || true); do
    echo "-- $pkg $target"
    go test -run '^$' -fuzz "^${target}\$" -fuzztime "$FUZZTIME" "$pkg" >/tmp/walctl-fuzz.log 2>&1 || {
      cat /tmp/walctl-fuzz.log; echo "fuzz target $target failed; the crasher is in $(go list -f '{{.Dir}}' "$pkg")/testdata/fuzz/$target" >&2; exit 1; }
    tail -n 1 /tmp/walctl-fuzz.log
  done
done

echo "== all checks passed"
