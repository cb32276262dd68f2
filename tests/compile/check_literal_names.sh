#!/bin/sh
# check_literal_names.sh CC SOURCE_DIR - LFT_SPAN_START & co. compile for
# string literals of at most LFT_NAME_REF_MAX bytes and for nothing else:
# builds tests/compile/literal_names.c once per case (-fsyntax-only) and
# fails when an accepted case does not compile or a refused one does.
set -u
CC=$1
SRC=$2
failed=0
for case in 0 1 2 3; do
    if [ "$case" -le 1 ]; then want=accepted; else want=refused; fi
    if "$CC" -std=c99 -Wall -Wextra -Wpedantic -Werror -fsyntax-only -I"$SRC/core" \
        -DLFT_CASE="$case" "$SRC/tests/compile/literal_names.c" 2>/dev/null; then
        got=accepted
    else
        got=refused
    fi
    echo "case $case: $got (want $want)"
    [ "$got" = "$want" ] || failed=1
done
# the harness itself: an unknown case must not compile
if "$CC" -std=c99 -fsyntax-only -I"$SRC/core" -DLFT_CASE=9 "$SRC/tests/compile/literal_names.c" 2>/dev/null; then
    echo "case 9 (unknown) compiled: the harness is broken"
    failed=1
fi
exit $failed
