#!/usr/bin/env bash
# Installs the already-built picos into a staging directory (meson install --destdir), then
# builds tests/consumer/project against it through pkg-config and runs it.
# Usage: from-install.sh <picos build dir> <picos source root> <scratch dir>
set -euo pipefail
build_dir=$1
source_root=$2
scratch=$3
rm -rf "$scratch"
mkdir -p "$scratch"
meson install -C "$build_dir" --no-rebuild --destdir "$scratch/stage" >/dev/null
pc_file=$(find "$scratch/stage" -name picos.pc | head -n 1)
[[ -n "$pc_file" ]] || { echo "no picos.pc was installed" >&2; exit 1; }
# Point the staged .pc file's prefix at the staging copy (a real install needs no such step).
installed_prefix=$(pkg-config --variable=prefix "$pc_file")
mkdir -p "$scratch/pkgconfig"
sed "s|^prefix=.*|prefix=$scratch/stage$installed_prefix|" "$pc_file" > "$scratch/pkgconfig/picos.pc"
export PKG_CONFIG_PATH=$scratch/pkgconfig
flags=$(pkg-config --cflags --libs picos)
lib_dir=$(pkg-config --variable=libdir picos)
c++ -std=c++20 -o "$scratch/consumer" "$source_root/tests/consumer/project/main.cpp" $flags
LD_LIBRARY_PATH="$lib_dir" "$scratch/consumer"
