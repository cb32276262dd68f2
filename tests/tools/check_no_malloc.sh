#!/usr/bin/env bash
# no_malloc: fails if any object of the lftrace libraries references a heap
# function (malloc, calloc, realloc, free, strdup, aligned_alloc,
# posix_memalign, ...). Every object's undefined symbols are read with nm.
#
# Usage: check_no_malloc.sh <path>...
#   <path> is a static library (.a), an object file (.o), or a build directory,
#   in which liblftrace.a and liblftrace_transports*.a are looked up (the
#   install-consumers scratch directory is skipped).
# Environment: NM (default: nm).
# Exit: 0 no heap calls, 1 heap calls found (listed), 2 usage or tool error.
set -euo pipefail

nm=${NM:-nm}
heap='malloc calloc realloc reallocarray free cfree strdup strndup __strdup __strndup
      aligned_alloc posix_memalign memalign valloc pvalloc asprintf vasprintf'

if [ $# -eq 0 ]; then
  echo "usage: $0 <build dir | lib.a | file.o>..." >&2
  exit 2
fi

files=()
for arg in "$@"; do
  [ -n "$arg" ] || continue
  if [ -d "$arg" ]; then
    found=0
    while IFS= read -r -d '' lib; do
      files+=("$lib")
      found=1
    done < <(find "$arg" -maxdepth 3 \( -name 'install-consumers.tmp' -prune \) -o \
                  -type f \( -name liblftrace.a -o -name 'liblftrace_transports*.a' \) -print0 | sort -z)
    if [ "$found" -eq 0 ]; then
      echo "check_no_malloc: no liblftrace.a under $arg (not built yet?)" >&2
      exit 2
    fi
  elif [ -f "$arg" ]; then
    files+=("$arg")
  else
    echo "check_no_malloc: $arg not found" >&2
    exit 2
  fi
done

objects=0
bad=0
for f in "${files[@]}"; do
  case "$f" in
    *.a) members=$(ar t "$f" | grep -c '\.o$' || true) ;;
    *)   members=1 ;;
  esac
  if ! syms=$("$nm" -A -u -P "$f" 2>&1); then
    echo "check_no_malloc: $nm failed on $f: $syms" >&2
    exit 2
  fi
  echo "checked $f ($members objects)"
  objects=$((objects + members))
  # nm -A -u -P prints "<lib.a>[<obj.o>]: <symbol> <type>" (or "<obj.o>: ...").
  while read -r where sym type _; do
    [ -n "${sym:-}" ] || continue
    sym=${sym%%@*}
    for h in $heap; do
      if [ "$sym" = "$h" ]; then
        echo "HEAP CALL: ${where%:} references $sym ($type)"
        bad=$((bad + 1))
      fi
    done
  done <<<"$syms"
done

if [ "$objects" -eq 0 ]; then
  echo "check_no_malloc: no objects to check" >&2
  exit 2
fi
if [ "$bad" -ne 0 ]; then
  echo "check_no_malloc: $bad heap reference(s) in $objects objects"
  exit 1
fi
echo "no heap calls in $objects objects"
