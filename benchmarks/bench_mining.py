"""Benchmark of motivic.mining.mine_closed_patterns against a textbook Gap-BIDE.

Run: ``.venv/bin/python benchmarks/bench_mining.py [--runs 5]`` (about a minute).

1. A plain pure-Python Gap-BIDE (Li & Wang 2008; BIDE, Wang & Han 2004) written here:
   depth-first pattern growth over projected occurrence lists, backward check and
   BackScan pruning by scanning each occurrence's backward window, forward check over
   the projected extensions; it returns records of (tokens, support, sorted tuple of
   ``(sequence, positions)`` occurrences). It and the project's miner run on a
   synthetic database of 3,000 phrases of 20–60 tokens (alphabet ±1..±4, small
   intervals more frequent, planted repeated motifs), min_support 3, min_length 5,
   gap [0, 0]. Each run times the whole call on each side (best of 3 calls each) and
   asserts identical outputs: the same list of (tokens, support, every occurrence),
   after converting both sides to one canonical form (untimed). The runs are
   repeated (``--runs``, the host is shared) and the median is reported.
2. Scaling of the project's miner to 10^4, 10^5 and 10^6 tokens: wall time (without
   tracing, best of 3 calls) and peak Python/numpy memory (a
   separate run under ``tracemalloc``, the returned patterns included).

The figures are written as the ``## Mining`` section of ``docs/benchmarks.md`` (the
section is replaced if present; other sections are kept).
"""

from __future__ import annotations

import argparse
import logging
import platform
import statistics
import sys
import time
import tracemalloc
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from motivic.mining import mine_closed_patterns

logger = logging.getLogger("bench_mining")

ALPHABET = np.array([-4, -3, -2, -1, 1, 2, 3, 4])
WEIGHTS = np.array([0.1, 0.2, 0.3, 0.4, 0.4, 0.3, 0.2, 0.1]) / 2.0
PARAMS = {"min_support": 3, "min_length": 5, "min_gap": 0, "max_gap": 0}


# --------------------------------------------------------------------------- data


def synthetic_database(
    rng: np.random.Generator, *, n_tokens=None, n_phrases=None, n_motifs=40, plant_rate=0.3
) -> list[np.ndarray]:
    """Phrases of 20–60 tokens with planted motifs of 5–12 tokens."""
    motifs = [
        rng.choice(ALPHABET, size=int(rng.integers(5, 13)), p=WEIGHTS) for _ in range(n_motifs)
    ]
    seqs, total = [], 0
    while (n_phrases is not None and len(seqs) < n_phrases) or (
        n_tokens is not None and total < n_tokens
    ):
        s = rng.choice(ALPHABET, size=int(rng.integers(20, 61)), p=WEIGHTS).astype(np.int8)
        if rng.random() < plant_rate:
            m = motifs[int(rng.integers(len(motifs)))]
            at = int(rng.integers(0, s.size - m.size + 1))
            s[at : at + m.size] = m
        seqs.append(s)
        total += s.size
    return seqs


# --------------------------------------------------------------------------- textbook


@dataclass(frozen=True)
class TextbookPattern:
    """A closed pattern as the textbook miner returns it (tuples of Python ints)."""

    tokens: tuple[int, ...]
    support: int
    occurrences: tuple[tuple[int, tuple[int, ...]], ...]


def textbook_gap_bide(sequences, *, min_support, min_length, min_gap, max_gap):
    """Plain depth-first Gap-BIDE over projected occurrence lists (reference)."""
    seqs = [[int(t) for t in s] for s in sequences]
    gaps = range(min_gap, max_gap + 1)
    out: list[TextbookPattern] = []

    def support(occs):
        return len({s for s, _ in occs})

    def backward(occs, sup):
        seqs_with = defaultdict(set)
        occs_with = defaultdict(int)
        for s, pos in occs:
            seen = set()
            for g in gaps:
                b = pos[0] - g - 1
                if b < 0:
                    break
                e = seqs[s][b]
                seqs_with[e].add(s)
                if e not in seen:
                    seen.add(e)
                    occs_with[e] += 1
        prune = any(c == len(occs) for c in occs_with.values())
        has_backward = any(len(v) == sup for v in seqs_with.values())
        return prune, has_backward

    def grow(pattern, occs, sup):
        prune, has_backward = backward(occs, sup)
        if prune:
            return
        projected = defaultdict(list)
        for s, pos in occs:
            seq = seqs[s]
            for g in gaps:
                j = pos[-1] + g + 1
                if j >= len(seq):
                    break
                projected[seq[j]].append((s, pos + (j,)))
        has_forward, children = False, []
        for e in sorted(projected):
            child_sup = support(projected[e])
            has_forward |= child_sup == sup
            if child_sup >= min_support:
                children.append((e, projected[e], child_sup))
        if not (has_backward or has_forward) and len(pattern) >= min_length:
            out.append(TextbookPattern(pattern, sup, tuple(sorted(occs))))
        for e, child_occs, child_sup in children:
            grow(pattern + (e,), child_occs, child_sup)

    first = defaultdict(list)
    for s, seq in enumerate(seqs):
        for i, t in enumerate(seq):
            first[t].append((s, (i,)))
    for e in sorted(first):
        sup = support(first[e])
        if sup >= min_support:
            grow((e,), first[e], sup)
    out.sort(key=lambda p: (len(p.tokens), p.tokens))
    return out


# --------------------------------------------------------------------------- runs


def canonical_motivic(patterns) -> list:
    """(tokens, support, ((sequence, *positions), ...)) of each mined Pattern."""
    return [(p.tokens, p.support, tuple(map(tuple, p.occurrences.tolist()))) for p in patterns]


def canonical_textbook(patterns) -> list:
    """The same canonical form for the textbook records."""
    return [(p.tokens, p.support, tuple((s, *pos) for s, pos in p.occurrences)) for p in patterns]


def timed(fn, *args, repeat=1, **kwargs):
    """Result of the last call and the best wall time over ``repeat`` calls."""
    best = float("inf")
    for _ in range(repeat):
        result = None  # free the previous output before the next call
        t0 = time.perf_counter()
        result = fn(*args, **kwargs)
        best = min(best, time.perf_counter() - t0)
    return result, best


def peak_memory_mb(fn, *args, **kwargs) -> float:
    """Peak traced memory of one call, its output included."""
    tracemalloc.start()
    try:
        result = fn(*args, **kwargs)
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        del result
        return peak
    finally:
        tracemalloc.stop()


def compare_once(seqs) -> dict:
    ours, t_ours = timed(mine_closed_patterns, seqs, repeat=3, **PARAMS)
    ref, t_ref = timed(textbook_gap_bide, seqs, repeat=3, **PARAMS)
    assert canonical_motivic(ours) == canonical_textbook(ref), "outputs differ"
    return {
        "n_phrases": len(seqs),
        "n_tokens": sum(s.size for s in seqs),
        "n_patterns": len(ours),
        "n_occ": sum(p.n_occurrences for p in ours),
        "t_ours": t_ours,
        "t_ref": t_ref,
    }


def compare(rng, *, runs: int) -> dict:
    """Median over ``runs`` of the timings and of the speed-up measured in each run."""
    seqs = synthetic_database(rng, n_phrases=3000)
    results = []
    for k in range(runs):
        r = compare_once(seqs)
        results.append(r)
        logger.info(
            "run %d: textbook %.3f s, motivic %.4f s (%.1fx)",
            k + 1,
            r["t_ref"],
            r["t_ours"],
            r["t_ref"] / r["t_ours"],
        )
    ratios = [r["t_ref"] / r["t_ours"] for r in results]
    return {
        **results[0],
        "runs": runs,
        "t_ours": statistics.median(r["t_ours"] for r in results),
        "t_ref": statistics.median(r["t_ref"] for r in results),
        "ratio": statistics.median(ratios),
        "ratio_min": min(ratios),
        "ratio_max": max(ratios),
    }


def scaling(rng, sizes=(10**4, 10**5, 10**6)) -> list[dict]:
    rows = []
    for n in sizes:
        seqs = synthetic_database(rng, n_tokens=n)
        pats, t = timed(mine_closed_patterns, seqs, repeat=3, **PARAMS)
        n_patterns, n_occ = len(pats), sum(p.n_occurrences for p in pats)
        del pats
        mem = peak_memory_mb(mine_closed_patterns, seqs, **PARAMS)
        n_tokens = sum(s.size for s in seqs)
        rows.append(
            {
                "n_tokens": n_tokens,
                "n_phrases": len(seqs),
                "n_patterns": n_patterns,
                "n_occ": n_occ,
                "t": t,
                "us_per_token": t / n_tokens * 1e6,
                "us_per_occ": t / max(n_occ, 1) * 1e6,
                "mem": mem,
            }
        )
        logger.info("scaling %d tokens: %.3f s, %.0f MiB", n, t, mem)
    return rows


# --------------------------------------------------------------------------- report


def markdown(cmp: dict, rows: list[dict]) -> str:
    lines = [
        "## Mining",
        "",
        "`benchmarks/bench_mining.py` — closed contiguous patterns (Gap-BIDE, gap [0, 0]),",
        "min_support 3, min_length 5, synthetic phrases of 20–60 tokens over ±1..±4 with",
        (
            f"planted motifs. Machine: {platform.processor() or platform.machine()}, "
            f"Python {platform.python_version()}, numpy {np.__version__}, single process "
            "(shared 2-core host, so timings are indicative)."
        ),
        "",
        (
            "Textbook pure-Python Gap-BIDE vs `motivic.mining.mine_closed_patterns`: the "
            "whole call on each side (best of 3 calls), outputs asserted identical in every "
            "run (tokens, support and every occurrence, compared in one canonical form "
            f"built outside the timings); median of {cmp['runs']} runs, the speed-up being "
            "the median of the ratios measured within each run:"
        ),
        "",
        (
            "| phrases | tokens | closed patterns | occurrences | textbook (s) | motivic (s) "
            "| speed-up (min–max) |"
        ),
        "|---:|---:|---:|---:|---:|---:|---:|",
        (
            f"| {cmp['n_phrases']:,} | {cmp['n_tokens']:,} | {cmp['n_patterns']:,} "
            f"| {cmp['n_occ']:,} | {cmp['t_ref']:.3f} | {cmp['t_ours']:.4f} "
            f"| {cmp['ratio']:.1f}× ({cmp['ratio_min']:.1f}–{cmp['ratio_max']:.1f}) |"
        ),
        "",
        (
            "Scaling of `mine_closed_patterns` (time without tracing; peak traced memory "
            "from a separate run under `tracemalloc`, numpy buffers and the returned "
            "patterns included):"
        ),
        "",
        (
            "| tokens | phrases | closed patterns | occurrences | time (s) | µs per token "
            "| µs per occurrence | peak memory (MiB) |"
        ),
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['n_tokens']:,} | {r['n_phrases']:,} | {r['n_patterns']:,} "
            f"| {r['n_occ']:,} | {r['t']:.3f} | {r['us_per_token']:.2f} "
            f"| {r['us_per_occ']:.2f} | {r['mem']:.0f} |"
        )
    lines += [
        "",
        "With min_support fixed, a larger database has more frequent patterns: the output",
        "grows faster than the input (10× the tokens gives about 20× the occurrences at",
        "10^6 tokens), so the cost per token rises somewhat while the cost per returned",
        "occurrence does not; the work is linear in the occurrences explored.",
        "",
        "The miner grows all patterns of one length at once over flat numpy arrays",
        "(backward checks as per-token bitmasks OR-ed per sequence and AND-ed per pattern,",
        "forward extension by one stable radix sort per length), and stores each pattern's",
        "occurrences as a read-only view into one `[n_occurrences, 1 + length]` integer",
        "matrix per length (column 0 the phrase, then the positions;",
        "`Pattern.occurrence_tuples()` gives the old tuple form). Building the output thus",
        "costs one small object and one array view per pattern, not one tuple per",
        "occurrence; on the 3,000-phrase database it is still about 40% of the call",
        "(pattern growth about 45%, input encoding about 10%).",
    ]
    return "\n".join(lines) + "\n"


def write_section(section: str, path: Path) -> None:
    """Replace (or append) the ``## Mining`` section of ``path``, keeping the rest."""
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    lines = text.splitlines(keepends=True)
    start = next((i for i, ln in enumerate(lines) if ln.strip() == "## Mining"), None)
    if start is None:
        new = text.rstrip("\n") + "\n\n" + section
    else:
        end = next(
            (i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines)
        )
        tail = "".join(lines[end:])
        new = "".join(lines[:start]) + section + ("\n" + tail if tail else "")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(new)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="comparison runs (median)")
    parser.add_argument("--no-write", action="store_true", help="do not update the docs")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger("motivic").setLevel(logging.WARNING)
    rng = np.random.default_rng(2021)
    cmp = compare(rng, runs=args.runs)
    logger.info(
        "3000 phrases, median of %d runs: textbook %.3f s, motivic %.4f s, speed-up %.1fx",
        cmp["runs"],
        cmp["t_ref"],
        cmp["t_ours"],
        cmp["ratio"],
    )
    rows = scaling(rng)
    section = markdown(cmp, rows)
    if not args.no_write:
        write_section(section, ROOT / "docs" / "benchmarks.md")
    sys.stdout.write(section)


if __name__ == "__main__":
    main()
