#!/usr/bin/env bash
# Every C++ file in the repository is formatted as .clang-format says (issue 12.10):
# a diff in review is then about code, never about layout.  Fix with scripts/format.
set -u
root=${1:-.}
cd "$root" || exit 2
cf=$(command -v clang-format-14 || command -v clang-format || true)
if [ -z "$cf" ]; then
	echo "clang-format is not installed (scripts/deps test installs it)"
	exit 1
fi
# One clang-format per batch of files: a process per file costs most of the time.
bad=$(git ls-files '*.cpp' '*.hpp' '*.h' | xargs -r -n 50 -P 2 "$cf" --dry-run -Werror 2>&1 |
	sed -n 's/^\([^:]*\.[ch]p*\):[0-9]*:[0-9]*: error:.*/\1/p' | sort -u)
if [ -n "$bad" ]; then
	echo "$bad" | sed 's/^/not formatted: /'
	echo "run scripts/format to format them"
	exit 1
fi
