#!/usr/bin/env bash
# walctl's whole test suite: vet, unit and fixture tests, the same suite on
# 32-bit ARM under qemu, the release dry run (cross builds), checks of the
# built binary (completion, man page, versions, verify --recursive over the
# fixtures), and a short run of every fuzz target.
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

echo "== release dry run (static -trimpath cross builds of every release target)"
./scripts/release.sh v0.0.0-ci --dry-run

echo "== the walctl binary: completion, man page, versions, verify --recursive"
bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
go build -o "$bin/walctl" .
"$bin/walctl" completion bash | bash -n
echo "completion bash: bash -n ok"
if command -v groff >/dev/null 2>&1; then
  # -ww: every warning; any (an unknown macro, a bad character) fails the check
  if "$bin/walctl" man | groff -man -Tutf8 -ww -z 2>&1 | grep .; then
    echo "walctl man: groff warns (above)" >&2; exit 1
  fi
  echo "man page: groff -man -Tutf8 renders it without a warning"
else
  echo "groff is missing (Debian package groff-base): man page not rendered" >&2; exit 1
fi
# Versions: a checkout build shows its revision (+dirty), go install …@vX the
# module version; -ldflags -X wins (the release dry run sets it). The
# checkout is cloned (a git worktree, whose .git is a file, gets no VCS stamp
# from Go) and the module served from a file proxy; nothing touches the
# network or the module cache.
if rev=$(git rev-parse --short=12 HEAD 2>/dev/null); then
  # A private module cache, filled from the shared one as a file proxy: a
  # checkout build records its pseudo-version there.
  privcache() { env -u GOFLAGS GOFLAGS=-modcacherw GOPROXY="file://$bin/proxy,file://$(go env GOMODCACHE)/cache/download" \
    GOSUMDB=off GOMODCACHE="$bin/modcache" "$@"; }
  git clone -q . "$bin/clone"
  (cd "$bin/clone" && privcache go build -buildvcs=true -o "$bin/walctl-checkout" . 2>"$bin/build.log") ||
    { cat "$bin/build.log"; exit 1; }
  v=$("$bin/walctl-checkout" --version)
  [[ $v == *"$rev"* && $v != *dirty* ]] || { echo "checkout build: '$v' does not name revision $rev" >&2; exit 1; }
  echo >>"$bin/clone/README.md"
  (cd "$bin/clone" && privcache go build -buildvcs=true -o "$bin/walctl-dirty" . 2>"$bin/build.log") ||
    { cat "$bin/build.log"; exit 1; }
  v=$("$bin/walctl-dirty" --version)
  [[ $v == *"$rev"*+dirty* ]] || { echo "dirty checkout build: '$v' lacks $rev+dirty" >&2; exit 1; }
  proxy=$bin/proxy/github.com/walctl/walctl/@v
  mkdir -p "$proxy"
  git archive --format=zip --prefix=github.com/walctl/walctl@v0.99.0/ -o "$proxy/v0.99.0.zip" HEAD
  cp go.mod "$proxy/v0.99.0.mod"
  echo '{"Version":"v0.99.0","Time":"2026-01-01T00:00:00Z"}' >"$proxy/v0.99.0.info"
  echo v0.99.0 >"$proxy/list"
  GOBIN="$bin/install" privcache go install github.com/walctl/walctl@v0.99.0 2>"$bin/install.log" ||
    { cat "$bin/install.log"; echo "go install @v0.99.0 failed" >&2; exit 1; }
  v=$("$bin/install/walctl" --version)
  [ "$v" = "walctl version v0.99.0" ] || { echo "go install @v0.99.0: '$v'" >&2; exit 1; }
  echo "versions: checkout $rev, dirty checkout, go install @v0.99.0: ok"
else
  echo "not a git checkout: the version checks need one" >&2; exit 1
fi
# CI's fixture check: every log below testdata/fixtures, one row each. The
# exit code is 1: the damaged fixtures are damaged (TestVerifyRecursiveFixtures
# checks each verdict against expect.json), and no log is unsure — not even
# 5.7.2/table-snapshot-install, whose R the files cannot tell (6..10 fit):
# verify tries every R that fits, and all give its verdict (damaged, #244 T2).
rc=0
"$bin/walctl" verify --recursive testdata/fixtures >"$bin/fixtures.tsv" 2>"$bin/fixtures.err" || rc=$?
[ "$rc" = 1 ] || { cat "$bin/fixtures.tsv" "$bin/fixtures.err"; echo "verify --recursive testdata/fixtures: exit $rc, want 1" >&2; exit 1; }
unsure=$(awk -F'\t' '$3 == "unsure" || $3 == "unreadable" { print $1 }' "$bin/fixtures.tsv")
[ -z "$unsure" ] || { echo "unsure or unreadable logs: '$unsure', want none" >&2; exit 1; }
awk -F'\t' '$3 == "damaged"' "$bin/fixtures.tsv" | grep -q . || { echo "no damaged fixture found" >&2; exit 1; }
missing=0
for m in $(cd testdata/fixtures && find . -name manifest.json | sort); do
  d=${m#./}; d=${d%/manifest.json}
  if [ -d "testdata/fixtures/$d/wal" ]; then
    want="$d/wal"
  else # a replica set: node1, node2, …
    want=$(cd "testdata/fixtures/$d" && find . -mindepth 1 -maxdepth 1 -type d -name 'node*' | sort | sed "s|^\./|$d/|")
  fi
  for w in $want; do
    awk -F'\t' -v w="$w" '$1 == w { found = 1 } END { exit !found }' "$bin/fixtures.tsv" || { echo "fixture $w missing from verify --recursive" >&2; missing=1; }
  done
done
[ "$missing" = 0 ] || exit 1
rows=$(awk -F'\t' 'NF >= 6 && $1 != "DIR"' "$bin/fixtures.tsv" | wc -l)
echo "verify --recursive testdata/fixtures: $rows logs, exit 1 (none unsure), every fixture listed"

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
