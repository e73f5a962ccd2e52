"""Precision and recall of the civil-registry matcher on the corpus of realistic pairs
(tests/civil/corpus.py, docs/civil_registry.md "Matching").

Each case is our record against Dukcapil's record of the same NIK (or none) with the parts a careful
verifier would report. A "positive" is a difference reported: per part, a case whose outcome has the
part; overall, every (case, part) pair; and the name decision, a name mismatch reported (`nama` or
`other_person`). It prints, at the configured default threshold and the default title and patronym
lists (dtks/civil/models.py):

* per part and overall: true and false positives, false negatives, precision and recall;
* the cases whose outcome differs from the expected one (part lists, the `swapped` flag), and any
  `other_person` outcome that carries more than the part (that person's data must never be shown);
* the threshold sweep: the name decision's precision, recall and F1 at each threshold, so the
  default can be justified;
* the matcher's time per pair (median of --repeat passes over the corpus): the Python step of the
  set-based check (benchmarks/bench_civil_check.py).

    python -m benchmarks.bench_civil_corpus [--thresholds 75,80,85,90,95] [--repeat 5]
"""

import argparse
import os
import statistics
import sys
import time
from dataclasses import replace

SWEEP = (75, 80, 83, 85, 87, 88, 89, 90, 92, 95)


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dtks.settings.local")
    import django

    django.setup()


def default_rules():
    """The NameRules of a fresh installation: the model's defaults, no database needed."""
    from dtks.civil.matching import NameRules, parse_list
    from dtks.civil.models import DEFAULT_PATRONYMS, DEFAULT_TITLES, Settings

    threshold = Settings._meta.get_field("name_threshold").default
    return NameRules(
        threshold=threshold, titles=parse_list(DEFAULT_TITLES), patronyms=parse_list(DEFAULT_PATRONYMS)
    )


def outcomes(cases, rules) -> list[tuple]:
    """(case, parts returned) for every case."""
    from dtks.civil.matching import compare

    return [(c, compare(c.ours, c.theirs, rules)) for c in cases]


def score(results) -> dict:
    """Counts per part, overall (micro) and for the name decision; the cases that differ."""
    from dtks.civil.matching import PARTS
    from tests.civil.corpus import name_positive

    per = {p: {"tp": 0, "fp": 0, "fn": 0} for p in PARTS}
    name = {"tp": 0, "fp": 0, "fn": 0}
    wrong, leaks = [], []
    for case, parts in results:
        got = {p["part"] for p in parts}
        want = set(case.expected)
        for p in PARTS:
            if p in got and p in want:
                per[p]["tp"] += 1
            elif p in got:
                per[p]["fp"] += 1
            elif p in want:
                per[p]["fn"] += 1
        if case.theirs is not None:
            g, w = name_positive(got), name_positive(want)
            if g or w:
                name["tp" if g and w else "fp" if g else "fn"] += 1
        swapped = any(p.get("swapped") for p in parts)
        if tuple(p["part"] for p in parts) != case.expected or swapped != case.swapped:
            wrong.append((case, parts))
        if "other_person" in got and (len(parts) != 1 or set(parts[0]) != {"part"}):
            leaks.append((case, parts))
    overall = {k: sum(v[k] for v in per.values()) for k in ("tp", "fp", "fn")}
    return {"per": per, "overall": overall, "name": name, "wrong": wrong, "leaks": leaks}


def pr(c: dict) -> tuple[float, float, float]:
    p = c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else 1.0
    r = c["tp"] / (c["tp"] + c["fn"]) if c["tp"] + c["fn"] else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def _row(label: str, c: dict) -> str:
    p, r, _f = pr(c)
    return f"  {label:<16} {c['tp']:5} {c['fp']:5} {c['fn']:5}   {p:9.3f} {r:7.3f}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--thresholds", default=",".join(map(str, SWEEP)))
    ap.add_argument("--repeat", type=int, default=5, help="passes over the corpus for the time per pair")
    args = ap.parse_args(argv)
    _setup()
    from dtks.civil.matching import compare
    from tests.civil.corpus import CASES

    rules = default_rules()
    kinds: dict[str, int] = {}
    for c in CASES:
        kinds[c.kind] = kinds.get(c.kind, 0) + 1
    print(
        f"Corpus: {len(CASES)} pairs (tests/civil/corpus.py): "
        + ", ".join(f"{k} {n}" for k, n in kinds.items())
    )
    print(
        f"Rules: the defaults of a fresh installation — threshold {rules.threshold}, {len(rules.titles)} titles, "
        f"{len(rules.patronyms)} patronym markers"
    )
    s = score(outcomes(CASES, rules))
    print(f"\n== at the default threshold {rules.threshold} (a positive = a difference reported) ==")
    print(f"  {'part':<16} {'TP':>5} {'FP':>5} {'FN':>5}   precision  recall")
    for part, c in s["per"].items():
        print(_row(part, c))
    print(_row("overall", s["overall"]))
    print(_row("name decision", s["name"]) + "   (nama or other_person; cases with a Dukcapil record)")
    print(f"\n  outcomes as expected: {len(CASES) - len(s['wrong'])} / {len(CASES)}")
    for case, parts in s["wrong"]:
        got = [p["part"] + ("(swapped)" if p.get("swapped") else "") for p in parts]
        theirs = case.theirs.nama if case.theirs else None
        print(f"    {case.id:<16} {case.ours.nama!r} / {theirs!r}: expected {list(case.expected)}, got {got}")
    print(f"  other_person outcomes carrying that person's data: {len(s['leaks'])}")

    print("\n== threshold sweep: the name decision ==")
    print(
        f"  {'threshold':>9} {'TP':>5} {'FP':>5} {'FN':>5}   precision  recall     F1   all outcomes as expected"
    )
    for t in (int(x) for x in args.thresholds.split(",")):
        st = score(outcomes(CASES, replace(rules, threshold=t)))
        p, r, f = pr(st["name"])
        mark = "  <- default" if t == rules.threshold else ""
        n = st["name"]
        print(
            f"  {t:>9} {n['tp']:5} {n['fp']:5} {n['fn']:5}   {p:9.3f} {r:7.3f} {f:6.3f}"
            f"   {len(CASES) - len(st['wrong'])} / {len(CASES)}{mark}"
        )

    times = []
    for _ in range(max(1, args.repeat)):
        t0 = time.perf_counter()
        for c in CASES:
            compare(c.ours, c.theirs, rules)
        times.append(time.perf_counter() - t0)
    per_pair = statistics.median(times) / len(CASES)
    print(f"\ncompare(): {per_pair * 1e6:.1f} µs a pair (median of {len(times)} passes over the corpus)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
