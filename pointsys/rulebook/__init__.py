"""The points rulebook (积分管理细则): parse, validate and score, in pure Python (no Flask).

rulebook = load("rules/demo.toml")            # RulebookError lists every problem, located
decision = evaluate(rulebook, Claim("ENV-01", date(2026, 2, 3)), prior_entries)
"""

from __future__ import annotations

from pathlib import Path

from .build import loads
from .honours import public_name, star_level, tier_for
from .messages import N_, Problem, RulebookError
from .model import Item, ItemVersion, Rulebook
from .scoring import Claim, Decision, PriorEntry, Refusal, evaluate, fed_decisions, needs_history


def load(path: str | Path) -> Rulebook:
    """Read and validate a rulebook file."""
    path = Path(path)
    return loads(read_text(path), str(path))


def read_text(path: Path) -> str:
    """The file as text; a file that is missing, unreadable or not UTF-8 is a problem to report,
    not a crash (a scenario file may name a rulebook that is not there)."""
    try:
        return path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _unreadable(
            path, N_("文件不是 UTF-8 编码（第 {offset} 字节）；请另存为 UTF-8。"), offset=exc.start
        ) from None
    except FileNotFoundError:
        raise _unreadable(path, N_("找不到这个文件；请检查路径和文件名。")) from None
    except IsADirectoryError:
        raise _unreadable(path, N_("这是一个文件夹，不是文件；请写出 .toml 文件的路径。")) from None
    except PermissionError:
        raise _unreadable(path, N_("没有权限读取这个文件；请检查文件的权限。")) from None
    except OSError as exc:
        raise _unreadable(
            path, N_("无法读取这个文件：{reason}。"), reason=exc.strerror or str(exc)
        ) from None


def _unreadable(path: Path, message: str, **params) -> RulebookError:
    return RulebookError([Problem(message, "", params, str(path))])


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
    "fed_decisions",
    "load",
    "loads",
    "needs_history",
    "public_name",
    "star_level",
    "tier_for",
]
