#!/usr/bin/env bash
# Release archives of walctl.
#
#   scripts/release.sh VERSION [--dry-run] [--out DIR]
#
# Builds static (CGO_ENABLED=0), reproducible (-trimpath, no build ID, no
# VCS stamp) binaries with the version set (-X …/cmd.Version=VERSION) for
# every target below, then puts each with README.md into
# walctl_VERSION_OS_ARCH.tar.gz (.zip for windows) in DIR (default dist/)
# and writes DIR/SHA256SUMS. --dry-run builds every target and writes
# nothing (CI runs it, so that the script cannot rot).
set -euo pipefail
cd "$(dirname "$0")/.."

usage() { echo "usage: scripts/release.sh VERSION [--dry-run] [--out DIR]" >&2; exit 2; }
version="" dry=0 out=dist
while [ $# -gt 0 ]; do
  case $1 in
    --dry-run) dry=1 ;;
    --out) [ $# -ge 2 ] || usage; out=$2; shift ;;
    -*) usage ;;
    *) [ -z "$version" ] || usage; version=$1 ;;
  esac
  shift
done
[ -n "$version" ] || usage
# A version lands in file names and in --version: keep it to what a tag holds.
[[ $version =~ ^v?[0-9A-Za-z][0-9A-Za-z._+-]*$ ]] || { echo "release.sh: bad version '$version'" >&2; exit 2; }

# OS/ARCH[/GOARM]: linux/arm is v7, the hardware of dotNext issue #244.
targets="linux/amd64 linux/arm64 linux/arm/7 windows/amd64 darwin/amd64 darwin/arm64"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
ldflags="-s -w -buildid= -X github.com/walctl/walctl/cmd.Version=$version"

for t in $targets; do
  IFS=/ read -r goos goarch goarm <<<"$t"
  name="walctl_${version}_${goos}_${goarch}"
  [ -n "$goarm" ] && name="${name}v${goarm}"
  exe=walctl
  [ "$goos" = windows ] && exe=walctl.exe
  mkdir -p "$work/$name"
  CGO_ENABLED=0 GOOS=$goos GOARCH=$goarch GOARM=$goarm \
    go build -trimpath -buildvcs=false -ldflags "$ldflags" -o "$work/$name/$exe" .
  echo "built $goos/$goarch${goarm:+ (GOARM=$goarm)}: $name/$exe"
done

if [ "$dry" = 1 ]; then
  echo "dry run: ${targets// /, } built; no archive written"
  exit 0
fi

mkdir -p "$out"
for dir in "$work"/walctl_*; do
  name=$(basename "$dir")
  cp README.md "$dir/"
  # Fixed order, owner and time: the same tree gives the same archive.
  touch -d "@0" "$dir"/* "$dir"
  if [[ $name == *_windows_* ]]; then
    (cd "$work" && rm -f "$name.zip" && zip -q -X -r "$name.zip" "$name")
    mv "$work/$name.zip" "$out/"
  else
    tar -C "$work" --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -czf "$out/$name.tar.gz" "$name"
  fi
done
(cd "$out" && sha256sum walctl_"${version}"_* >SHA256SUMS)
echo "wrote $(ls "$out" | grep -c "^walctl_${version}_") archives and SHA256SUMS to $out/"
