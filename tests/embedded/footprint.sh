#!/bin/sh
# footprint.sh - flash, RAM and stack of lftrace on Cortex-M4 (-Os, section
# garbage collection), printed next to the goals. A report: exits non-zero
# only when something fails to build, never because a goal is missed.
#
#   tests/embedded/footprint.sh [build-dir]    (default build-embedded/footprint)
#
# What is measured (arm-none-eabi-gcc, -mcpu=cortex-m4 -mthumb -mfloat-abi=hard
# -Os -ffunction-sections -fdata-sections, linked with -Wl,--gc-sections):
#   record core (minimal)  fp_core.c -DFP_MINIMAL: init, trace/span/generation
#                          start and end, update, first token, event
#   record core (all)      fp_core.c: every lftrace.h function and the reader
#   whole client           fp_client.c: all of the core + transports/lft_export.c
#                          and what it pulls in (OTLP protobuf/JSON, HTTP/1.1,
#                          reply parsers, scores). TLS (lft_tls.c = mbedTLS),
#                          mbedTLS's base64 and the network stream are stubs
#                          (fp_stubs.c), listed apart; lwIP is not linked.
#   minimal client         the same application, lft_export.c built with
#                          LFT_EXPORT_OTLP_JSON=0, LFT_EXPORT_INGESTION=0 and
#                          LFT_EXPORT_SCORES_API=0: OTLP protobuf only, scores
#                          batched (score-create events, 207 replies).
#   Sizes per module come from the link map (input sections kept after gc):
#   flash = .text + .rodata + .data, RAM = .data + .bss; libc functions the
#   library pulls in (memcpy, snprintf, ...) are listed on their own line.
#   The modules' strings are counted before the linker merges identical
#   ones; "linked image" is the ELF's text+data (arm-none-eabi-size, or
#   $SIZE_ARM), everything linked, strings merged.
#   Stack: -fstack-usage frame sizes over the -fcallgraph-info call graph,
#   worst path from each entry point (every recording call of lftrace.h,
#   and the flush); a tail call (found in the objects' relocations) does not
#   add its caller's frame; calls through function pointers and into libc
#   are listed (their frames are not known to the compiler). The stack is
#   also given for the library built for Cortex-M0 (-mcpu=cortex-m0 -Os).
set -eu

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
HERE=$ROOT/tests/embedded
OUT=${1:-${LFT_FOOTPRINT_DIR:-$ROOT/build-embedded/footprint}}
CC=${CC_ARM:-arm-none-eabi-gcc}
mkdir -p "$OUT/obj" "$OUT/sysinc"
OUT=$(cd "$OUT" && pwd) # absolute: the compiler runs in other directories
ln -sfn /usr/include/mbedtls "$OUT/sysinc/mbedtls"
ln -sf /usr/include/jsmn.h "$OUT/sysinc/jsmn.h"

ARCH="-mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16"
CFLAGS="$ARCH -Os -std=c99 -ffunction-sections -fdata-sections -fstack-usage -fcallgraph-info=su \
 -Wall -Wextra -Wpedantic -Werror -Wconversion -Wshadow \
 -I$ROOT/core -I$ROOT/port -I$ROOT/port/baremetal -I$ROOT/transports -isystem $OUT/sysinc \
 -DMBEDTLS_USER_CONFIG_FILE=\"$HERE/footprint/mbedtls_user_config.h\""

echo "== footprint: $CC $ARCH -Os -ffunction-sections -fdata-sections, -Wl,--gc-sections"
echo "   objects and maps in $OUT"
compile() { # src obj
    (cd "$OUT/obj" && $CC $CFLAGS -c "$1" -o "$2")
}
LIB_OBJS=""
for src in "$ROOT"/core/*.c "$ROOT"/port/baremetal/lft_port_baremetal.c; do
    o=$(basename "$src" .c).o
    compile "$src" "$o"
    LIB_OBJS="$LIB_OBJS $o"
done
TR_OBJS=""
for src in "$ROOT"/transports/*.c; do
    case $src in */lft_tls.c) continue ;; esac
    o=$(basename "$src" .c).o
    compile "$src" "$o"
    TR_OBJS="$TR_OBJS $o"
done
MIN_FLAGS="-DLFT_EXPORT_OTLP_JSON=0 -DLFT_EXPORT_INGESTION=0 -DLFT_EXPORT_SCORES_API=0"
(cd "$OUT/obj" && $CC $CFLAGS $MIN_FLAGS -c "$ROOT/transports/lft_export.c" -o lft_export_min.o)
(cd "$OUT/obj" && $CC $CFLAGS $MIN_FLAGS -c "$HERE/footprint/fp_client.c" -o fp_client_min.o)
MIN_TR_OBJS=$(echo "$TR_OBJS" | sed 's/ lft_export\.o / lft_export_min.o /')
for app in fp_core fp_client fp_stubs; do
    compile "$HERE/footprint/$app.c" "$app.o"
done
(cd "$OUT/obj" && $CC $CFLAGS -DFP_MINIMAL -c "$HERE/footprint/fp_core.c" -o fp_core_min.o)

# The stack on Cortex-M0 too (ARMv6-M: other instructions, other frames, no
# tail calls): the library's objects and the stubs, for the call graph.
mkdir -p "$OUT/obj-m0"
ARCH_M0="-mcpu=cortex-m0 -mthumb"
CFLAGS_M0=$(echo "$CFLAGS" | sed "s|$ARCH|$ARCH_M0|")
for src in "$ROOT"/core/*.c "$ROOT"/port/baremetal/lft_port_baremetal.c "$ROOT"/transports/*.c \
    "$HERE/footprint/fp_stubs.c"; do
    case $src in */lft_tls.c) continue ;; esac
    (cd "$OUT/obj-m0" && $CC $CFLAGS_M0 -c "$src" -o "$(basename "$src" .c).o")
done

link() { # name objs...
    name=$1
    shift
    (cd "$OUT/obj" && $CC $ARCH --specs=nano.specs --specs=nosys.specs -nostartfiles \
        -T "$HERE/cortexm.ld" -Wl,--defsym=Reset_Handler=main -Wl,--gc-sections \
        -Wl,-Map="$OUT/$name.map" "$@" -lm -o "$OUT/$name.elf")
}
link core_min fp_core_min.o $LIB_OBJS
link core_all fp_core.o $LIB_OBJS
link client fp_client.o fp_stubs.o $LIB_OBJS $TR_OBJS
link client_min fp_client_min.o fp_stubs.o $LIB_OBJS $MIN_TR_OBJS

python3 - "$OUT" <<'PY'
import glob, os, re, subprocess, sys
out = sys.argv[1]

def sections(mapfile):
    """(input section name, size, object) kept in the link, from a GNU ld map."""
    text = open(mapfile).read()
    text = text[text.index("Linker script and memory map"):]
    rows, pending = [], None
    for line in text.splitlines():
        m = re.match(r"^ (\.\S+|COMMON)\s+(0x[0-9a-f]+)\s+(0x[0-9a-f]+)\s+(\S+)", line)
        if m:
            rows.append((m.group(1), int(m.group(3), 16), m.group(4)))
            pending = None
            continue
        m = re.match(r"^ (\.\S+|COMMON)$", line)
        if m:
            pending = m.group(1)
            continue
        m = re.match(r"^\s+(0x[0-9a-f]+)\s+(0x[0-9a-f]+)\s+(\S+\.(?:o|obj|a\(.*\)))$", line)
        if m and pending:
            rows.append((pending, int(m.group(2), 16), m.group(3)))
        pending = None
    return rows

def module(obj):
    base = os.path.basename(obj)
    if "(" in base:
        return "libc/libgcc"
    base = base[:-2] if base.endswith(".o") else base
    return base[:-4] if base.endswith("_min") and base != "fp_core_min" else base

def kind(sec):
    if sec.startswith(".text") or sec.startswith(".rodata") or sec.startswith(".ARM"):
        return "flash"
    if sec.startswith(".data"):
        return "data"
    if sec.startswith(".bss") or sec == "COMMON":
        return "bss"
    return None

def table(name):
    per = {}
    for sec, size, obj in sections(os.path.join(out, name + ".map")):
        k = kind(sec)
        if k is None or size == 0:
            continue
        d = per.setdefault(module(obj), {"flash": 0, "data": 0, "bss": 0})
        d[k] += size
    return per

def image_size(name):
    """(text, data) of the linked ELF, as arm-none-eabi-size reports them."""
    res = subprocess.run([os.environ.get("SIZE_ARM", "arm-none-eabi-size"), "-B",
                          os.path.join(out, name + ".elf")], capture_output=True, text=True, check=True)
    text, data = res.stdout.splitlines()[1].split()[:2]
    return int(text), int(data)

APP = ("fp_core", "fp_core_min", "fp_client")
STUB = ("fp_stubs",)
def summary(name, title, goal_flash):
    per = table(name)
    lib = {m: d for m, d in per.items() if m not in APP + STUB and m != "libc/libgcc"}
    print("\n%s" % title)
    print("  %-22s %7s %7s %7s" % ("module", "flash", "data", "bss"))
    tf = tr = 0
    for m in sorted(lib, key=lambda m: -(lib[m]["flash"] + lib[m]["data"])):
        d = lib[m]
        print("  %-22s %7d %7d %7d" % (m, d["flash"], d["data"], d["bss"]))
        tf += d["flash"] + d["data"]
        tr += d["data"] + d["bss"]
    print("  %-22s %7d B flash (text+rodata+data), %d B static RAM (data+bss)" % ("lftrace total", tf, tr))
    for other in ("libc/libgcc",) + STUB:
        if other in per:
            d = per[other]
            print("  %-22s %7d B flash, %d B RAM (not counted above)" % (
                "+ " + ("libc/libgcc pulled in" if other == "libc/libgcc" else "stubs (TLS, base64, net)"),
                d["flash"] + d["data"], d["data"] + d["bss"]))
    # The rows count each object's strings before the linker merges the
    # identical ones; the image's size is the figure after merging.
    text, data = image_size(name)
    print("  %-22s %7d B flash (text+data of %s.elf: everything above, strings merged)" % (
        "linked image", text + data, name))
    verdict = "met" if tf <= goal_flash else "NOT met"
    print("  goal: flash <= %d B: %s;  static RAM beyond ring and arena <= 512 B: %s" % (
        goal_flash, verdict, "met" if tr <= 512 else "NOT met (%d B)" % tr))
    return per

summary("core_min", "record core, minimal recording set (fp_core.c -DFP_MINIMAL)", 4096)
summary("core_all", "record core, every lftrace.h function + record reader (fp_core.c)", 4096)
per = summary("client", "whole client: core + exporter, OTLP protobuf/JSON, HTTP/1.1, replies, scores (fp_client.c)", 12288)
summary("client_min", "minimal client (OTLP protobuf only, scores batched): fp_client.c, lft_export.c with "
        "LFT_EXPORT_OTLP_JSON=0 LFT_EXPORT_INGESTION=0 LFT_EXPORT_SCORES_API=0", 12288)

# ---------------------------------------------------------------- stack
# Calls through function pointers whose targets the library fixes itself
# (not sinks or streams): followed like direct calls.
KNOWN_INDIRECT = {"lft_attr": ("lft_json_attr",)}
objdump = os.environ.get("OBJDUMP_ARM", "arm-none-eabi-objdump")

def callgraph(objdir):
    """The worst-stack function over the objects in objdir, and whether
    they make indirect calls."""
    nodes, edges = {}, {}
    for ci in glob.glob(os.path.join(objdir, "*.ci")):
        if ci.endswith(("lft_export_min.ci", "fp_client_min.ci")):
            continue  # the stack is that of the whole client
        for block in re.findall(r"node: \{([^}]*)\}", open(ci).read()):
            title = re.search(r'title: "([^"]*)"', block).group(1)
            label = re.search(r'label: "([^"]*)"', block).group(1)
            m = re.search(r"\\n(\d+) bytes \((\w+)", label)
            if m or title not in nodes:  # a declaration seen in another unit has no size
                nodes[title] = (int(m.group(1)) if m else None, m.group(2) if m else "external")
        for src, dst in re.findall(r'edge: \{ sourcename: "([^"]*)" targetname: "([^"]*)"',
                                   open(ci).read()):
            edges.setdefault(src, set()).add(dst)
    defined = {t.split(":")[-1]: t for t, (sz, _) in nodes.items() if sz is not None}
    for t in list(nodes):
        for dst in KNOWN_INDIRECT.get(t.split(":")[-1], ()):
            if dst in defined:
                edges.setdefault(t, set()).add(defined[dst])

    # Tail calls (a b.w or b<cond>.w to another function: R_ARM_THM_JUMP24
    # or JUMP19 relocations) run after the caller has released its frame, so
    # their callee's stack is not added to the caller's. A callee reached by
    # a bl as well (R_ARM_THM_CALL) counts as called.
    calls, tails = {}, {}
    for obj in glob.glob(os.path.join(objdir, "*.o")):
        cur = None
        dump = subprocess.run([objdump, "-dr", obj], capture_output=True, text=True,
                              check=True).stdout
        for line in dump.splitlines():
            m = re.match(r"^[0-9a-f]+ <([^>]+)>:$", line)
            if m:
                cur = m.group(1)
                continue
            m = re.match(r"^\s+[0-9a-f]+: (R_ARM_THM_\w+)\s+([^+\s]+)", line)
            if m and cur is not None:
                kind = calls if m.group(1) == "R_ARM_THM_CALL" else \
                    tails if m.group(1) in ("R_ARM_THM_JUMP24", "R_ARM_THM_JUMP19") else None
                if kind is not None:
                    kind.setdefault(cur, set()).add(m.group(2))

    def resolve(t):
        if nodes.get(t, (None,))[0] is not None:
            return t
        return defined.get(t.split(":")[-1], t)

    def is_tail(src, dst):
        s, d = src.split(":")[-1], dst.split(":")[-1]
        return d in tails.get(s, ()) and d not in calls.get(s, ())

    def worst(t, seen=()):
        """Worst stack from function t on: (bytes, path, libc functions reached)."""
        t = resolve(t)
        size, qual = nodes.get(t, (None, "external"))
        if t in seen:
            return 0, [t + " (recursion!)"], set()
        if size is None:
            return 0, [], {t.split(":")[-1]}
        name = t.split(":")[-1]
        label = name + "(%d%s)" % (size, "" if qual == "static" else " " + qual)
        best, path, ext = size, [label], set()
        for d in sorted(edges.get(t, ())):
            s, p, e = worst(d, seen + (t,))
            ext |= e
            if is_tail(t, d):  # after t's frame is released
                if s > best:
                    best, path = s, [label + " >tail"] + p
            elif size + s > best:
                best, path = size + s, [label] + p
        return best, path, ext

    return worst, any("__indirect_call" in v for v in edges.values())

def stack(worst, title, entries, goal):
    tot, path, ext = max((worst(e) for e in entries), key=lambda r: r[0])
    msg = ("goal <= %d B: %s" % (goal, "met" if tot <= goal else "NOT met")) if goal else "no goal"
    print("  %-44s %5d B   %s" % (title, tot, msg))
    print("      path: " + " > ".join(path))
    ext = sorted(e for e in ext if e not in ("__indirect_call",))
    if ext:
        print("      plus libc frames of: " + ", ".join(ext))

RECORD_CALLS = ["lft_span_start", "lft_span_start_ref", "lft_generation_start",
                "lft_generation_start_ref", "lft_obs_start", "lft_obs_end", "lft_event",
                "lft_event_ref", "lft_obs_update", "lft_generation_first_token", "lft_trace_start",
                "lft_trace_update", "lft_trace_end", "lft_score"]
print("\nworst-case stack (bytes, -fstack-usage over the -fcallgraph-info call graph; a tail call"
      "\n(>tail) runs after its caller's frame is released)")
worst, indirect = callgraph(os.path.join(out, "obj"))
stack(worst, "record path (every recording call)", RECORD_CALLS, 128)
print("      per call: " + ", ".join("%s %d" % (e, worst(e)[0]) for e in RECORD_CALLS))
stack(worst, "flush path (lft_flush / lft_poll)", ["lft_flush", "lft_poll"], 0)
if indirect:
    print("      indirect calls (sink writers, stream ops) are counted by their callers' frames only")
worst_m0, _ = callgraph(os.path.join(out, "obj-m0"))
print("  cortex-m0 (the same sources, -mcpu=cortex-m0 -Os):")
stack(worst_m0, "record path (every recording call), M0", RECORD_CALLS, 0)
print("      per call: " + ", ".join("%s %d" % (e, worst_m0(e)[0]) for e in RECORD_CALLS))
stack(worst_m0, "flush path (lft_flush / lft_poll), M0", ["lft_flush", "lft_poll"], 0)
PY
