#!/bin/sh
# Builds a man page from one of docs/*.md: the first line ("# NAME(SECTION)
# — summary") becomes the title line go-md2man wants, the rest is the page.
# Usage: md2man.sh GO_MD2MAN INPUT.md OUTPUT VERSION
set -eu
tool=$1 src=$2 out=$3 version=$4
head=$(head -n 1 "$src")
name=$(printf '%s\n' "$head" | sed -n 's/^# *\([^(]*\)(\([0-9]\)).*/\1/p' | tr '[:lower:]' '[:upper:]')
section=$(printf '%s\n' "$head" | sed -n 's/^# *[^(]*(\([0-9]\)).*/\1/p')
[ -n "$name" ] && [ -n "$section" ] || { echo "$src: first line is not '# name(N) — ...'" >&2; exit 1; }
{
    printf '%% %s %s "" "gatewayd %s"\n\n' "$name" "$section" "$version"
    tail -n +2 "$src"
} | "$tool" 2>/dev/null > "$out.tmp"
mv "$out.tmp" "$out"
