#!/bin/sh
# Regenerates the ImagingTests fixtures (run from anywhere; needs cc and libjpeg-dev).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
images="$here/../../../../shared/datasets/bccd/images"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cc -O2 -Wall -o "$tmp/make_fixtures" "$here/make_fixtures.c" -ljpeg
cd "$here" && "$tmp/make_fixtures" "$images"
