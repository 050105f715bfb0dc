#!/usr/bin/env bash
# Regenerate static/images/ icons from the SVG sources in this folder.
# Needs Debian's librsvg2-bin (rsvg-convert) and imagemagick (convert):
#   apt-get install -y librsvg2-bin imagemagick
# The PNG/ICO outputs are committed; run this only when the mark changes.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="$here/../../static/images"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

cp "$here/mark.svg" "$out/favicon.svg"
rsvg-convert -w 192 -h 192 "$here/mark-square.svg" -o "$out/icon-192.png"
rsvg-convert -w 512 -h 512 "$here/mark-square.svg" -o "$out/icon-512.png"
rsvg-convert -w 180 -h 180 "$here/mark-square.svg" -o "$out/apple-touch-icon.png"
rsvg-convert -w 512 -h 512 "$here/mark-maskable.svg" -o "$out/icon-maskable-512.png"
for size in 16 32 48; do
  rsvg-convert -w "$size" -h "$size" "$here/mark.svg" -o "$tmp/favicon-$size.png"
done
convert "$tmp/favicon-16.png" "$tmp/favicon-32.png" "$tmp/favicon-48.png" "$out/favicon.ico"
echo "Icons written to $out"
