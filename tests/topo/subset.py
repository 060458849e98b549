#!/usr/bin/env python3
"""subset.py EXPECTED.json RESULTS.json: every value in EXPECTED is found at the same place in
RESULTS (objects: the expected keys; arrays: same length, element by element; "*" matches any
value).  Prints the first difference and exits 1."""
import json
import sys


def check(exp, act, path):
    if exp == "*":
        return None
    if isinstance(exp, dict):
        if not isinstance(act, dict):
            return "%s: expected an object, got %r" % (path, act)
        for k, v in exp.items():
            if k not in act:
                return "%s: missing key %r" % (path, k)
            d = check(v, act[k], "%s.%s" % (path, k))
            if d:
                return d
        return None
    if isinstance(exp, list):
        if not isinstance(act, list) or len(act) != len(exp):
            return "%s: expected %d elements, got %r" % (path, len(exp), act)
        for i, (e, a) in enumerate(zip(exp, act)):
            d = check(e, a, "%s[%d]" % (path, i))
            if d:
                return d
        return None
    if isinstance(exp, float) or isinstance(act, float):
        ok = isinstance(act, (int, float)) and not isinstance(act, bool) and abs(exp - act) <= 1e-6 * max(1, abs(exp))
    else:
        ok = type(exp) == type(act) and exp == act
    return None if ok else "%s: expected %r, got %r" % (path, exp, act)


if __name__ == "__main__":
    exp = json.load(open(sys.argv[1]))
    act = json.load(open(sys.argv[2]))
    d = check(exp, act, "$")
    if d:
        print(d)
        sys.exit(1)
