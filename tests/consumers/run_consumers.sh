#!/usr/bin/env bash
# Installs a build tree into a temporary prefix, then builds and runs programs against the installed package:
# (a) a C program through find_package(zcnas) and zcnas::zcnas_c, (b) the same program through pkg-config and
# plain cc, (c) a C++ program through find_package(zcnas) and zcnas::zcnas (static).
#   run_consumers.sh BUILD_DIR
set -euo pipefail
build=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
prefix=$work/prefix

cmake --install "$build" --prefix "$prefix" > "$work/install.log"
libdir=$(dirname "$(find "$prefix" -name 'libzcnas.so.0' | head -n 1)")
[ -n "$libdir" ] || { echo "no libzcnas.so.0 installed under $prefix"; exit 1; }
# Only the installed package: nothing of the build tree may leak into the consumers.
unset CMAKE_PREFIX_PATH PKG_CONFIG_PATH

echo "== (a) C, find_package(zcnas) + zcnas::zcnas_c"
cmake -S "$here/c" -B "$work/c" -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_BUILD_TYPE=Release > "$work/c.log" ||
  { cat "$work/c.log"; exit 1; }
cmake --build "$work/c" > "$work/c_build.log" || { cat "$work/c_build.log"; exit 1; }
"$work/c/consumer"

echo "== (b) C, pkg-config --cflags --libs zcnas + cc"
export PKG_CONFIG_PATH=$libdir/pkgconfig
echo "pkg-config: $(pkg-config --cflags --libs zcnas)"
# shellcheck disable=SC2046  # pkg-config's output is a list of words
cc -std=c99 -Wall -Wextra -Wpedantic -Werror "$here/consumer.c" $(pkg-config --cflags --libs zcnas) -lm \
  -o "$work/consumer_pc"
LD_LIBRARY_PATH=$libdir "$work/consumer_pc"

echo "== (c) C++, find_package(zcnas) + zcnas::zcnas (static)"
cmake -S "$here/cxx" -B "$work/cxx" -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_BUILD_TYPE=Release > "$work/cxx.log" ||
  { cat "$work/cxx.log"; exit 1; }
cmake --build "$work/cxx" > "$work/cxx_build.log" || { cat "$work/cxx_build.log"; exit 1; }
"$work/cxx/consumer"
