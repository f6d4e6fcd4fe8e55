#!/usr/bin/env python3
"""Summaries for scripts/bench.sh.

  report.py cg FILE...         callgrind dumps (ei_bench -n N under
                               valgrind --tool=callgrind) -> "cg NAME IR UNIT" lines
  report.py table RESULTS [--markdown] [--brief]
                               the comparison table of a results file
                               (--brief: without the secondary timings,
                               reallocs and the RSS split)
  report.py profile FILE [N]   the N (30) functions of one callgrind dump
                               (--compress-strings=no) with the most
                               instructions, self and inclusive, whatever
                               file each part of a function was inlined from

A results file has one line per measurement:

  ROUND VARIANT metric NAME VALUE UNIT      VARIANT: ours, otp or machine
  - VARIANT cg NAME IR UNIT                 instructions per operation
"""
import re
import statistics
import sys

# Targets: (metric pattern, bound kind, bound).  "le"/"ge": ratio ours/OTP
# of medians; "abs_le": ours' median itself; "raw_ge": ours' median over
# the machine metric named in the 4th field.
TARGETS = [
    (r"codec\.encode_fixed\.time", "le", 0.70),
    (r"codec\.encode_x\.time", "le", 0.40),
    (r"codec\.decode\.time", "le", 0.70),
    (r"codec\.skip\.time", "le", 0.30),
    (r"codec\.print\.time", "le", 0.20),
    (r"codec\.format\.time", "le", 0.50),
    (r"stream\.16\.rate", "ge", 1.00),
    (r"stream\.65536\.rate", "ge", 1.20),
    (r"stream\.65536\.mbps", "raw_ge", 0.90, "machine.tcp_stream.65536.mbps"),
    (r"(rt|accept)\.\d+\.rate", "ge", 0.97),
    (r"(rt|accept)\.\d+\.cpu", "le", 0.95),
    (r"connect\.time", "le", 0.85),
    (r"connect\.fails", "abs_le", 0),
    (r"(rt|stream)\.\d+\.allocs_send", "abs_le", 0),
    (r"rt\.\d+\.allocs_recv", "abs_le", 1),
    (r"rss\..*", "le", 1.10),
    # callgrind: library instructions per message sent or received
    (r"cg\.(rt|stream|accept)\.\d+", "le", 0.60),
    # callgrind, codec and connect: the time targets, for reference
    (r"cg\.codec\.encode_fixed", "le", 0.70),
    (r"cg\.codec\.encode_x", "le", 0.40),
    (r"cg\.codec\.decode", "le", 0.70),
    (r"cg\.codec\.skip", "le", 0.30),
    (r"cg\.codec\.print", "le", 0.20),
    (r"cg\.codec\.format", "le", 0.50),
    (r"cg\.connect", "le", 0.85),
]

HIGHER_BETTER = {"rt/s", "msg/s", "MB/s", "GB/s"}

# Instructions per what: a round trip is one message sent and one received.
CG_DIVISOR = {"rt": 2, "accept": 2}
CG_UNIT = {"rt": "Ir/msg", "accept": "Ir/msg", "stream": "Ir/msg", "codec": "Ir/op",
           "connect": "Ir/op"}


def cg(files):
    for path in files:
        desc = total = None
        with open(path, encoding="utf-8", errors="replace") as f:
            for line in f:
                prefix = "desc: Trigger: Client Request: "
                if line.startswith(prefix):
                    desc = line[len(prefix):].strip()
                elif line.startswith("summary:") or line.startswith("totals:"):
                    total = int(line.split()[1])
        if not desc or total is None or ":" not in desc:
            continue
        name, count = desc.rsplit(":", 1)
        kind = name.split(".")[0]
        per = total / (int(count) * CG_DIVISOR.get(kind, 1))
        print(f"cg cg.{name} {per:.1f} {CG_UNIT.get(kind, 'Ir/op')}")


def target_for(name):
    for t in TARGETS:
        if re.fullmatch(t[0], name):
            return t
    return None


def fmt(v):
    if v is None:
        return "-"
    if v == 0:
        return "0"
    a = abs(v)
    if a >= 1000:
        return f"{v:,.0f}"
    if a >= 100:
        return f"{v:.0f}"
    if a >= 10:
        return f"{v:.1f}"
    if a >= 1:
        return f"{v:.2f}"
    return f"{v:.3f}"


def order_key(name):
    groups = ["codec.", "cg.codec.", "rt.", "stream.", "accept.", "connect.", "cg.rt.",
              "cg.stream.", "cg.accept.", "cg.connect", "rss.", "rss_anon.", "rss_file.",
              "machine."]
    g = next((i for i, p in enumerate(groups) if name.startswith(p)), len(groups))
    m = re.search(r"\.(\d+)(\.|$)", name)
    size = int(m.group(1)) if m else 0
    return (g, re.sub(r"\.\d+", "", name), size, name)


BRIEF_DROP = re.compile(r".*\.(time_median|time_mean|reallocs)$|^rss_(anon|file)\..*")


def table(path, markdown, brief=False):
    vals = {}   # (variant, name) -> [values]
    units = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            p = line.split()
            if len(p) == 6 and p[2] in ("metric", "cg"):
                _, variant, _, name, value, unit = p
                vals.setdefault((variant, name), []).append(float(value))
                units[name] = unit
    names = sorted({n for (_, n) in vals if not (brief and BRIEF_DROP.match(n))},
                   key=order_key)
    med = {k: statistics.median(v) for k, v in vals.items()}
    rows, missed = [], []
    for name in names:
        ours, otp = vals.get(("ours", name)), vals.get(("otp", name))
        if ours is None and otp is None:
            continue
        mo = med.get(("ours", name))
        mt = med.get(("otp", name))
        ratio = mo / mt if mo is not None and mt not in (None, 0) else None
        # Best against best: the least disturbed run of each (the minimum
        # of a time, the maximum of a rate).
        best = None
        if ours and otp:
            pick = max if units[name] in HIGHER_BETTER else min
            if pick(otp):
                best = pick(ours) / pick(otp)
        t = target_for(name)
        tgt, met = "", ""
        if t and mo is not None:
            kind, bound = t[1], t[2]
            if kind == "le" and ratio is not None:
                tgt, ok = f"<= {bound:.2f}", ratio <= bound
            elif kind == "ge" and ratio is not None:
                tgt, ok = f">= {bound:.2f}", ratio >= bound
            elif kind == "abs_le":
                tgt, ok = f"ours <= {bound:g}", mo <= bound
            elif kind == "raw_ge":
                raw = med.get(("machine", t[3]))
                if raw:
                    tgt, ok = f">= {bound:.2f} of raw TCP ({mo / raw:.2f})", mo / raw >= bound
                else:
                    tgt, ok = "vs raw TCP: not measured", None
            else:
                ok = None
            met = "" if ok is None else ("yes" if ok else "NO")
            if ok is False:
                missed.append(name)

        def cell(v, m):
            if v is None:
                return "-"
            if len(v) == 1:
                return fmt(m)
            return f"{fmt(m)} [{fmt(min(v))}..{fmt(max(v))}]"

        rows.append((name, units[name], cell(ours, mo), cell(otp, mt), fmt(ratio), fmt(best),
                     tgt, met))
    machine = [(n, units[n], cell_m(vals[("machine", n)])) for n in names
               if ("machine", n) in vals]

    head = ("metric", "unit", "ours: median [min..max]", "OTP libei: median [min..max]",
            "ours/OTP", "best/best", "target", "met")
    if markdown:
        print("| " + " | ".join(head) + " |")
        print("|" + "---|" * len(head))
        for r in rows:
            print("| " + " | ".join(r) + " |")
        print()
        print("| machine | unit | median [min..max] |")
        print("|---|---|---|")
        for r in machine:
            print("| " + " | ".join(r) + " |")
    else:
        w = [max(len(str(r[i])) for r in rows + [head]) for i in range(len(head))]
        line = "  ".join(h.ljust(w[i]) for i, h in enumerate(head))
        print(line)
        print("-" * len(line))
        for r in rows:
            print("  ".join(str(c).ljust(w[i]) for i, c in enumerate(r)))
        print()
        for r in machine:
            print(f"{r[0]:<36} {r[2]:>32} {r[1]}")
    print()
    print(f"targets missed: {len(missed)}" + (": " + ", ".join(missed) if missed else ""))


def cell_m(v):
    m = statistics.median(v)
    return fmt(m) if len(v) == 1 else f"{fmt(m)} [{fmt(min(v))}..{fmt(max(v))}]"


# Frames that were on the stack when the counters were zeroed: their
# inclusive cost is the whole dump.
FRAMES = re.compile(r"^(main|cmd_[a-z]+|\(below main\)|__libc_start_main.*|0x[0-9a-f]+)$")


def profile(path, n):
    self_cost, incl = {}, {}
    fn, after_calls, total, what = None, False, 0, "?"
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            c = line[:1]
            if c.isdigit() or c in "+-*":
                cost = int(line.split()[-1])
                if after_calls:
                    incl[fn] = incl.get(fn, 0) + cost
                    after_calls = False
                else:
                    self_cost[fn] = self_cost.get(fn, 0) + cost
                    incl[fn] = incl.get(fn, 0) + cost
            elif line.startswith("fn="):
                fn = line[3:].strip()
            elif line.startswith("calls="):
                after_calls = True
            elif line.startswith("totals:") or line.startswith("summary:"):
                total = int(line.split()[1])
            elif line.startswith("desc: Trigger: Client Request: "):
                what = line.split(": ", 3)[3].strip()
    total = total or sum(self_cost.values()) or 1
    print(f"# {what}: {total:,} Ir")
    for title, d in (("self", self_cost), ("inclusive", incl)):
        print(f"{'Ir':>12} {'%':>6}  function ({title})")
        rows = sorted(((v, k) for k, v in d.items() if not FRAMES.match(k or "")), reverse=True)
        for v, k in rows[:n]:
            print(f"{v:>12,} {100 * v / total:>5.1f}%  {k}")
        print()


def main(argv):
    if len(argv) >= 2 and argv[1] == "cg":
        cg(argv[2:])
    elif len(argv) >= 3 and argv[1] == "profile":
        profile(argv[2], int(argv[3]) if len(argv) > 3 else 30)
    elif len(argv) >= 3 and argv[1] == "table":
        table(argv[2], "--markdown" in argv[3:], "--brief" in argv[3:])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
