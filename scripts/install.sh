#!/usr/bin/env bash
# Install dist/berth and one symlink per plugin into a CNI bin dir (default /opt/cni/bin).
# Every file is written under a temporary name and renamed into place, so a runtime exec'ing
# a plugin during an upgrade never sees a half-written file ("text file busy", cni#763).
set -euo pipefail
cd "$(dirname "$0")/.."
dest="${1:-/opt/cni/bin}"
mkdir -p "$dest"
tmp="$dest/.berth.tmp.$$"
trap 'rm -f "$tmp" "$dest"/.berth-link.tmp.$$' EXIT
install -m 0755 dist/berth "$tmp"
mv -f "$tmp" "$dest/berth"
for link in dist/cni/*; do
  name=$(basename "$link")
  ln -sfn berth "$dest/.berth-link.tmp.$$"
  mv -fT "$dest/.berth-link.tmp.$$" "$dest/$name"
done
echo "installed berth and $(ls dist/cni | wc -l) plugin links into $dest"
