#!/usr/bin/env python3
"""Assertions on `llmbench-report --format json A B` for the emulated-cluster scenarios.

usage: check_report.py REPORT.json CHECK [CHECK ...]

Each CHECK prints one TAP line ("ok"/"not ok", numbered from --start N) and, on
failure, the evidence as TAP diagnostics.  Checks:

  top=ID[|ID...]          the first finding's id is one of these
  top-run=R               the first finding is about run R (0 = A, 1 = B)
  top-nodes-has=NODE      NODE is among the first finding's "nodes"
  top-nodes-max=K         the first finding names at most K nodes
  top-ranks-eq=R,R,...    the first finding's "ranks" are exactly these
  top-ranks-in=R,R,...    the first finding names ranks, all of them among these
  largest=FACTOR          FACTOR has the largest share_s of the gap
  share-min=FACTOR:F      FACTOR's share_s is at least F (0..1) of the gap: the sum of
                          every factor's share_s (the Shapley shares add up to the
                          modelled T_B - T_A; "unexplained" is the rest, a factor)
  slower=1                run B is slower than run A (the gap is positive)

Only the JSON contract is used (never the wording): top-level "findings" (most
costly first; id, run, ranks, nodes, time_lost_s) and "attribution" ("factors":
[{name, factor, share_s}], "unexplained").
"""
import json
import sys


def gap_of(att):
    """T_B - T_A: the Shapley shares add up to it; any remainder is 'unexplained'."""
    for k in ("gap_s", "delta_s", "diff_s"):
        if isinstance(att.get(k), (int, float)):
            return float(att[k])
    g = sum(float(f.get("share_s") or 0) for f in att.get("factors", []))
    u = att.get("unexplained")
    if isinstance(u, dict) and isinstance(u.get("share_s"), (int, float)):
        g += float(u["share_s"])
    return g


def main():
    args = sys.argv[1:]
    start = 1
    if len(args) >= 2 and args[0] == "--start":
        start = int(args[1])
        args = args[2:]
    path, checks = args[0], args[1:]
    n = start - 1
    try:
        with open(path) as f:
            rep = json.load(f)
    except Exception as e:  # noqa: BLE001 - report any parse error as a failure
        for c in checks:
            n += 1
            print(f"not ok {n} - {c} (report is not JSON: {e})")
        return 1

    findings = rep.get("findings") or []
    top = findings[0] if findings else {}
    att = rep.get("attribution") or {}
    factors = {f.get("name"): f for f in att.get("factors", []) if isinstance(f, dict)}
    gap = gap_of(att) if att else 0.0

    def summary():
        lines = []
        for i, f in enumerate(findings[:5]):
            lines.append(f"finding {i}: id={f.get('id')} run={f.get('run')} ranks={f.get('ranks')} "
                         f"nodes={f.get('nodes')} time_lost_s={f.get('time_lost_s')}")
        if not findings:
            lines.append("no findings")
        runs = rep.get("runs") or []
        if len(runs) >= 2:
            lines.append("measured step time A {} s, B {} s; predicted A {} s, B {} s".format(
                *(r.get(k) for k in ("step_time_s", "predicted_step_time_s") for r in runs[:2])))
        if att:
            lines.append(f"attribution: ratio={att.get('ratio')} predicted_ratio="
                         f"{att.get('predicted_ratio')} gap_s (sum of shares)={gap:.6g} "
                         f"unexplained={json.dumps(att.get('unexplained'))}")
            for name, f in factors.items():
                lines.append(f"  factor {name}: factor={f.get('factor')} share_s={f.get('share_s')}")
        else:
            lines.append("no attribution")
        return lines

    failed = 0
    shown = False
    for c in checks:
        n += 1
        key, _, val = c.partition("=")
        ok, why = False, ""
        try:
            if key == "top":
                ok = top.get("id") in val.split("|")
                why = f"top finding is {top.get('id')!r}"
            elif key == "top-run":
                ok = top.get("run") == int(val)
                why = f"top finding is about run {top.get('run')!r}"
            elif key == "top-nodes-has":
                ok = val in (top.get("nodes") or [])
                why = f"top finding names nodes {top.get('nodes')!r}"
            elif key == "top-nodes-max":
                ok = 0 < len(top.get("nodes") or []) <= int(val)
                why = f"top finding names nodes {top.get('nodes')!r}"
            elif key == "top-ranks-eq":
                want = sorted(int(x) for x in val.split(","))
                ok = sorted(top.get("ranks") or []) == want
                why = f"top finding names ranks {top.get('ranks')!r}"
            elif key == "top-ranks-in":
                want = {int(x) for x in val.split(",")}
                got = set(top.get("ranks") or [])
                ok = bool(got) and got <= want
                why = f"top finding names ranks {sorted(got)!r}"
            elif key == "largest":
                best = max(factors.values(), key=lambda f: float(f.get("share_s") or 0), default={})
                ok = bool(factors) and best.get("name") == val
                why = f"largest share is {best.get('name')!r}"
            elif key == "share-min":
                name, _, frac = val.partition(":")
                s = float((factors.get(name) or {}).get("share_s") or 0)
                ok = gap > 0 and s >= float(frac) * gap
                why = f"{name} share {s:.6g} s of a {gap:.6g} s gap ({(s / gap * 100 if gap else 0):.0f}%)"
            elif key == "slower":
                ok = gap > 0
                why = f"gap {gap:.6g} s, ratio {att.get('ratio')}"
            else:
                why = f"unknown check {key!r}"
        except Exception as e:  # noqa: BLE001
            ok, why = False, f"{type(e).__name__}: {e}"
        print(f"{'ok' if ok else 'not ok'} {n} - {c} ({why})")
        if not ok:
            failed += 1
            if not shown:
                for line in summary():
                    print(f"# {line}")
                shown = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
