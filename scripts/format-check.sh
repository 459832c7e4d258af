#!/bin/sh
# make format-check: every C file of the tree as .clang-format wants it
# (Debian's clang-format 14).  Names each file that differs; `make format`
# rewrites them.  Generated sources (build/) are not checked.
set -eu
command -v clang-format >/dev/null || { echo "format-check: clang-format is not installed (make setup)" >&2; exit 1; }
files=$(git ls-files '*.c' '*.h' 2>/dev/null) || files=$(find . -path ./build -prune -o -name '*.[ch]' -print)
bad=""
for f in $files; do
	clang-format --dry-run -Werror "$f" >/dev/null 2>&1 || bad="$bad $f"
done
[ -z "$bad" ] && exit 0
for f in $bad; do echo "format-check: not formatted: $f" >&2; done
echo "format-check: run 'make format'" >&2
exit 1
