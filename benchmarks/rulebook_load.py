"""Load+validate a generated 2,000-item rulebook vs. tomllib.loads of the same text (the floor).

    .venv/bin/python benchmarks/rulebook_load.py [items] [runs]

Prints both medians and their ratio; the target is at most 5×.
"""

from __future__ import annotations

import statistics
import sys
import time
import tomllib

from pointsys.rulebook import loads

HEADER = """[rulebook]
village = "bench"
name = "基准测试细则"
version = "1"
effective = 2026-01-01

[veto]
bar_red_list_quarters = 4

[[honours.tiers]]
code = "red"
name = "红榜"
side = "red"
min = 30

[[honours.tiers]]
code = "black"
name = "黑榜"
side = "black"
below = -10
veto = true
"""

# A mix like a real rulebook's: mostly fixed points, some ranges, quantities, bands, thresholds.
SCORINGS = [
    "points = 2\ncap = { quarter = 10 }",
    "points = -2\ncap = { year = 10 }",
    'points = 0.5\nonce_per = "quarter"',
    "range = { min = -10, max = -2 }",
    'per_unit = 0.5\nunit = "小时"\nmax_per_entry = 4\ncap = { quarter = 10 }',
    "per_member = 0.5",
    'unit = "元"\nbands = [{ upto = 1000, each = 100, points = 1 }, '
    "{ upto = 5000, each = 400, points = 1 }]",
    'unit = "小时"\nthresholds = [{ at = 10, points = 2 }, { at = 20, points = 5 }]',
    'points = -20\nveto = ["black_list", "bar_red_list"]',
    "points = 1\n\n  [[categories.items.changes]]\n  effective = 2026-07-01\n"
    '  note = "提高"\n  points = 2',
]


def generate(items: int) -> str:
    parts = [HEADER]
    for index in range(items):
        if index % 100 == 0:
            number = index // 100
            parts.append(f'\n[[categories]]\ncode = "c{number}"\nname = "类别{number}"\n')
        parts.append(
            f'\n[[categories.items]]\ncode = "X-{index:05d}"\ntitle = "事项 {index}"\n'
            f'article = "第 {index % 40 + 1} 条"\nevidence = "照片"\n'
            f"{SCORINGS[index % len(SCORINGS)]}\n"
        )
    return "".join(parts)


def median_seconds(function, text: str, runs: int) -> float:
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        function(text)
        timings.append(time.perf_counter() - start)
    return statistics.median(timings)


def main() -> None:
    items = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 15
    text = generate(items)
    rulebook = loads(text, "bench.toml")  # also proves the generated text is valid
    assert len(rulebook.items) == items
    floor = median_seconds(tomllib.loads, text, runs)
    ours = median_seconds(lambda t: loads(t, "bench.toml"), text, runs)
    print(f"items: {items}, text: {len(text):,} characters, runs: {runs}")
    print(f"tomllib.loads:     {floor * 1000:8.1f} ms (median)")
    print(f"load + validate:   {ours * 1000:8.1f} ms (median)")
    print(f"ratio: {ours / floor:.2f}x (target <= 5x)")


if __name__ == "__main__":
    main()
