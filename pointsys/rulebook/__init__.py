"""The points rulebook (积分管理细则): parse, validate and score, in pure Python (no Flask).

rulebook = load("rules/demo.toml")            # RulebookError lists every problem, located
decision = evaluate(rulebook, Claim("ENV-01", date(2026, 2, 3)), prior_entries)
"""

from __future__ import annotations

from pathlib import Path

from .build import loads
from .honours import public_name, star_level, tier_for
from .messages import Problem, RulebookError
from .model import Item, ItemVersion, Rulebook
from .scoring import Claim, Decision, PriorEntry, Refusal, evaluate


def load(path: str | Path) -> Rulebook:
    """Read and validate a rulebook file."""
    path = Path(path)
    return loads(read_text(path), str(path))


def read_text(path: Path) -> str:
    """The file as text; a file that is not UTF-8 is a problem to report, not a crash."""
    try:
        return path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        from .messages import N_

        raise RulebookError(
            [
                Problem(
                    N_("文件不是 UTF-8 编码（第 {offset} 字节）；请另存为 UTF-8。"),
                    "",
                    {"offset": exc.start},
                    str(path),
                )
            ]
        ) from None


__all__ = [
    "Claim",
    "Decision",
    "Item",
    "ItemVersion",
    "PriorEntry",
    "Problem",
    "Refusal",
    "Rulebook",
    "RulebookError",
    "evaluate",
    "load",
    "loads",
    "public_name",
    "star_level",
    "tier_for",
]
