#!/usr/bin/env python3
"""What a results file spends per rank (doc/scale.md, issue 14): for each file, the bytes of each
phase per rank, the compute phase's whole and summarised rank records (--detail-ranks), the comm
phase's per_rank entries, per_rank_summary, raw arrival/exit samples and link matrix, and the
JSON values and objects as the reader counts them (lib/results.c: every ',' '[' '{' outside
strings; estimated parse memory 48 B a value + 320 B an object).  A measurement script, not a
test.  Usage: bytes_per_rank.py FILE..."""
import json
import os
import sys


def size(x):
    return len(json.dumps(x, separators=(",", ":")))


def values(x):
    """(values, objects) of x's compact text, counted as the reader counts them"""
    t = json.dumps(x, separators=(",", ":"))
    v = o = 0
    ins = esc = False
    for c in t:
        if ins:
            if esc:
                esc = False
            elif c == "\\":
                esc = True
            elif c == '"':
                ins = False
        elif c == '"':
            ins = True
        elif c in ",[{":
            v += 1
            o += c == "{"
    return v, o


def per(xs):
    if not xs:
        return "0"
    v = o = b = 0
    for x in xs:
        a, c = values(x)
        v, o, b = v + a, o + c, b + size(x)
    n = len(xs)
    return "%d x %.0f B (%.1f values, %.1f objects)" % (n, b / n, v / n, o / n)


def report(path):
    d = json.load(open(path))
    n = d["world"]["ranks"]
    ph = d["phases"]
    v, o = values(d)
    print("%s: %d ranks, %d bytes, %d values, %d objects, estimated parse %.1f MB"
          % (path, n, os.path.getsize(path), v, o, (48 * v + 320 * o) / 1e6))
    print("  per rank: " + ", ".join("%s %.0f B" % (p, size(ph[p]) / n) for p in ph))
    c = ph.get("compute")
    if c:
        whole = [r for r in c["ranks"] if not r.get("summarised")]
        slim = [r for r in c["ranks"] if r.get("summarised")]
        print("  compute ranks: whole %s; summarised %s; detail %s"
              % (per(whole), per(slim), json.dumps(c.get("detail"))))
    cm = ph.get("comm")
    if cm:
        pts = [p for s in cm["sweeps"] for p in s["points"]]
        pr = [e for p in pts for e in p["per_rank"]]
        sm = [p["per_rank_summary"] for p in pts if "per_rank_summary" in p]
        rows = [r for p in pts for k in ("arrive_s", "exit_s") for r in p["samples"][k]]
        ns = sum(len(r) for r in rows)
        print("  comm: %d points; per_rank entries %s (%.1f B a rank and point); "
              "per_rank_summary %s; arrive/exit samples %d in %d B; link matrix %d B"
              % (len(pts), per(pr), sum(map(size, pr)) / n / max(len(pts), 1), per(sm), ns,
                 sum(map(size, rows)), size(cm.get("link_matrix"))))


for f in sys.argv[1:]:
    report(f)
