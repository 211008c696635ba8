#!/usr/bin/env bash
# Vendors Chorus's front-end libraries from the npm registry into
# internal/web/static/vendor/, where Go's embed picks them up, so that a fresh
# clone builds and runs without npm.
#
# Usage:
#   scripts/vendor-assets.sh            fetch the pinned versions, check them
#                                       against SHA256SUMS, then copy them in
#   scripts/vendor-assets.sh --update   fetch, copy and rewrite SHA256SUMS
#                                       (after changing a pinned version below)
#   scripts/vendor-assets.sh --check    only check the files already in the
#                                       tree against SHA256SUMS (no npm needed)
#
# Needs npm (with access to the npm registry) for the first two modes.
set -euo pipefail

# Pinned versions. To upgrade: change a version here, run with --update,
# review the diff, and update internal/web/static/vendor/README.md.
HTMX_VERSION="2.0.11"
ECHARTS_VERSION="6.1.0"

# package@version | file inside the package tarball | name in vendor/
FILES=(
  "htmx.org@${HTMX_VERSION}|dist/htmx.min.js|htmx.min.js"
  "htmx.org@${HTMX_VERSION}|LICENSE|htmx.LICENSE"
  "echarts@${ECHARTS_VERSION}|dist/echarts.min.js|echarts.min.js"
  "echarts@${ECHARTS_VERSION}|LICENSE|echarts.LICENSE"
  "echarts@${ECHARTS_VERSION}|NOTICE|echarts.NOTICE"
  "echarts@${ECHARTS_VERSION}|licenses/LICENSE-d3|echarts.LICENSE-d3"
)

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENDOR="$ROOT/internal/web/static/vendor"
SUMS="$VENDOR/SHA256SUMS"

mode="install"
case "${1:-}" in
  "") ;;
  --update) mode="update" ;;
  --check) mode="check" ;;
  -h|--help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) echo "vendor-assets: unknown argument: $1 (try --help)" >&2; exit 2 ;;
esac

die() { echo "vendor-assets: $*" >&2; exit 1; }

sha256() {
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum "$1" | cut -d' ' -f1
  else
    shasum -a 256 "$1" | cut -d' ' -f1
  fi
}

# pinned_sum NAME prints the hash pinned in SHA256SUMS for NAME (or nothing).
pinned_sum() {
  awk -v n="$1" '$2 == n || $2 == "*" n { print $1 }' "$SUMS"
}

# verify_dir DIR checks every file named in FILES, as found in DIR, against
# SHA256SUMS.
verify_dir() {
  local dir="$1" bad=0 entry name want got
  [[ -f "$SUMS" ]] || die "$SUMS is missing; run with --update to create it"
  for entry in "${FILES[@]}"; do
    name="${entry##*|}"
    want="$(pinned_sum "$name")"
    [[ -n "$want" ]] || { echo "vendor-assets: $name: not in SHA256SUMS" >&2; bad=1; continue; }
    [[ -f "$dir/$name" ]] || { echo "vendor-assets: $name: missing" >&2; bad=1; continue; }
    got="$(sha256 "$dir/$name")"
    if [[ "$got" != "$want" ]]; then
      echo "vendor-assets: $name: SHA-256 mismatch (want $want, got $got)" >&2
      bad=1
    fi
  done
  return "$bad"
}

if [[ "$mode" == "check" ]]; then
  verify_dir "$VENDOR" || die "vendored files do not match SHA256SUMS"
  echo "vendor-assets: all vendored files match SHA256SUMS"
  exit 0
fi

command -v npm >/dev/null 2>&1 || die "npm is needed (or use --check)"
if [[ "$mode" == "install" && ! -f "$SUMS" ]]; then
  die "$SUMS is missing; run with --update to create it"
fi

TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
STAGE="$TMP/stage"
mkdir -p "$STAGE"

# Fetch each package once with `npm pack` (npm checks the tarball against the
# registry's integrity hash) and unpack it; nothing is written to the repo.
declare -A unpacked=()
for entry in "${FILES[@]}"; do
  spec="${entry%%|*}"
  [[ -n "${unpacked[$spec]:-}" ]] && continue
  dir="$TMP/pkg-${#unpacked[@]}"
  mkdir -p "$dir"
  echo "vendor-assets: fetching $spec" >&2
  tarball="$(cd "$dir" && npm pack "$spec" --silent --ignore-scripts | tail -n1)"
  [[ -f "$dir/$tarball" ]] || die "npm pack $spec produced no tarball"
  tar -xzf "$dir/$tarball" -C "$dir"
  unpacked[$spec]="$dir/package"
done

for entry in "${FILES[@]}"; do
  spec="${entry%%|*}"
  rest="${entry#*|}"
  src="${rest%%|*}"
  name="${rest##*|}"
  [[ -f "${unpacked[$spec]}/$src" ]] || die "$spec has no $src"
  cp "${unpacked[$spec]}/$src" "$STAGE/$name"
done

if [[ "$mode" == "update" ]]; then
  {
    for entry in "${FILES[@]}"; do
      name="${entry##*|}"
      printf '%s  %s\n' "$(sha256 "$STAGE/$name")" "$name"
    done
  } >"$STAGE/SHA256SUMS"
  mkdir -p "$VENDOR"
  for entry in "${FILES[@]}"; do
    name="${entry##*|}"
    cp "$STAGE/$name" "$VENDOR/$name"
  done
  cp "$STAGE/SHA256SUMS" "$SUMS"
  echo "vendor-assets: updated $VENDOR and rewrote SHA256SUMS" >&2
else
  verify_dir "$STAGE" || die "downloaded files do not match SHA256SUMS (if you changed a version on purpose, run with --update)"
  for entry in "${FILES[@]}"; do
    name="${entry##*|}"
    cp "$STAGE/$name" "$VENDOR/$name"
  done
  echo "vendor-assets: installed files match SHA256SUMS" >&2
fi

for entry in "${FILES[@]}"; do
  name="${entry##*|}"
  printf '  %-20s %8d bytes\n' "$name" "$(wc -c <"$VENDOR/$name")" >&2
done
