#!/usr/bin/env python3
"""masked.py - how long lftrace keeps interrupts masked, per recording call.

    tests/embedded/masked.py <build-dir>/bench_instr.cmd

Runs the instruction benchmark (bench_instr.c) once more under QEMU with
every executed instruction logged (-d exec,nochain, one instruction per
translation block), and counts the instructions executed while PRIMASK is
set by lftrace: from a `cpsid i` to the `msr PRIMASK` that restores the
state the outermost one saved (lft_port_lock / lft_port_unlock of
port/baremetal nest). The benchmark's
measured stretches lie between pairs of calls to its ticks_now(); each is
reported under the label the benchmark printed for it, with its number of
masked windows, their mean and the longest. The instructions are those of
the benchmark's build (-Os), the same as its figures. A report: exits
non-zero only when the run or the log cannot be read, never on a figure.
Cortex-M only (RISC-V masks through mstatus; the benchmark runs on Arm).
"""
import os
import re
import shlex
import subprocess
import sys
import tempfile


def symbols(elf):
    """Sorted (start, size, name) of the ELF's functions."""
    out = subprocess.run(["arm-none-eabi-nm", "-S", "--defined-only", elf],
                         capture_output=True, text=True, check=True).stdout
    syms = []
    for line in out.splitlines():
        p = line.split()
        if len(p) == 4 and p[2] in "tTwW":
            syms.append((int(p[0], 16) & ~1, int(p[1], 16), p[3]))
    return sorted(syms)


def mask_sites(elf):
    """PCs of the instructions that set PRIMASK (cpsid i) and restore it (msr)."""
    out = subprocess.run(["arm-none-eabi-objdump", "-d", "--no-show-raw-insn", elf],
                         capture_output=True, text=True, check=True).stdout
    on, off = set(), set()
    for line in out.splitlines():
        m = re.match(r"^\s*([0-9a-f]+):\s+(\S+)\s*(.*)$", line)
        if not m:
            continue
        pc, op, args = int(m.group(1), 16), m.group(2), m.group(3)
        if op == "cpsid" and args.startswith("i"):
            on.add(pc)
        elif op == "msr" and args.upper().startswith("PRIMASK"):
            off.add(pc)
    return on, off


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    cmd = shlex.split(open(sys.argv[1]).read())
    elf = cmd[cmd.index("-kernel") + 1]
    syms = symbols(elf)
    marker = [s for s in syms if s[2] == "ticks_now"]
    if not marker:
        sys.exit("masked.py: no ticks_now in %s" % elf)
    marker_pc = marker[0][0]
    on, off = mask_sites(elf)
    # one instruction per translation block: -singlestep until QEMU 8.1
    # renamed it (Debian bookworm has 7.2)
    qemu = next(a for a in cmd if "qemu-system" in a)
    helptext = subprocess.run([qemu, "-help"], capture_output=True, text=True).stdout
    one_insn = ["-singlestep"] if "-singlestep" in helptext else ["-accel", "tcg,one-insn-per-tb=on"]
    with tempfile.TemporaryDirectory() as tmp:
        log = os.path.join(tmp, "exec.log")
        k = cmd.index("-kernel")
        run = cmd[:k] + ["-d", "exec,nochain"] + one_insn + ["-D", log] + cmd[k:]
        res = subprocess.run(run, capture_output=True, text=True, timeout=300)
        if res.returncode != 0:
            sys.exit("masked.py: the benchmark failed:\n" + res.stdout + res.stderr)
        labels = [re.split(r"\s{2,}", l.strip())[0] for l in res.stdout.splitlines()
                  if "instructions/" in l]
        stretches = []  # per measured stretch: list of window lengths
        inside = False  # between the first and the second ticks_now of a pair
        marks = 0
        depth = 0
        length = 0
        with open(log) as f:
            for line in f:
                if not line.startswith("Trace"):
                    continue
                b = line.index("[")
                pc = int(line[b + 1:].split("/")[1], 16)
                if pc == marker_pc:
                    marks += 1
                    inside = marks % 2 == 1
                    if inside:
                        stretches.append([])
                    continue
                if depth > 0:
                    length += 1
                if pc in on:
                    if depth == 0:
                        length = 0
                    depth += 1
                elif pc in off and depth > 0:
                    depth -= 1
                    if depth == 0 and inside:
                        stretches[-1].append(length)
    # the first two stretches are the benchmark's baselines (no recording)
    measured = stretches[2:]
    if len(measured) != len(labels):
        sys.exit("masked.py: %d measured stretches for %d figures" % (len(measured), len(labels)))
    print("interrupts masked (instructions from cpsid i to the msr PRIMASK that restores it)")
    for label, windows in zip(labels, measured):
        if windows:
            print("  %-38s %4d windows, mean %7.1f, longest %6d" % (
                label, len(windows), sum(windows) / len(windows), max(windows)))
        else:
            print("  %-38s no window" % label)


if __name__ == "__main__":
    main()
