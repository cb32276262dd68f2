#!/usr/bin/env bash
# Fails if any object in the given static libraries references a heap function.
# Usage: check_no_malloc.sh lib.a [lib.a ...]
set -euo pipefail
heap='^(malloc|calloc|realloc|free|strdup|strndup|aligned_alloc|posix_memalign|memalign|valloc|reallocarray)$'
objects=0
bad=0
for lib in "$@"; do
  [ -n "$lib" ] || continue
  if [ ! -f "$lib" ]; then
    echo "check_no_malloc: $lib not found" >&2
    exit 2
  fi
  objects=$((objects + $(ar t "$lib" | grep -c '\.o$')))
  # nm -A prints "lib.a:object.o:         U symbol" for undefined symbols.
  while read -r where kind sym; do
    if [[ "$kind" == U && "$sym" =~ $heap ]]; then
      echo "heap call: ${where%:} references $sym"
      bad=1
    fi
  done < <(nm -A "$lib" 2>/dev/null | awk '{ if (NF == 3) print $1, $2, $3; else if (NF == 2) print $1, $2, "" }')
done
if [ "$objects" -eq 0 ]; then
  echo "check_no_malloc: no objects checked" >&2
  exit 2
fi
if [ "$bad" -ne 0 ]; then
  exit 1
fi
echo "no heap calls in $objects objects"
