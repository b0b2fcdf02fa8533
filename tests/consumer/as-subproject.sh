#!/usr/bin/env bash
# Builds tests/consumer/project with picos pulled in as a Meson subproject and runs it.
# Usage: as-subproject.sh <picos source root> <scratch dir>
set -euo pipefail
source_root=$1
scratch=$2
rm -rf "$scratch"
mkdir -p "$scratch/subprojects"
cp "$source_root/tests/consumer/project/meson.build" "$source_root/tests/consumer/project/main.cpp" "$scratch/"
ln -s "$source_root" "$scratch/subprojects/picos"
cd "$scratch"
meson setup build --wrap-mode=nodownload -Dpicos:default_library=static >/dev/null
ninja -C build >/dev/null
./build/consumer
