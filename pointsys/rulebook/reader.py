"""Typed reading of parsed TOML with every problem collected, never the first one only."""

from __future__ import annotations

import re
import tomllib
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from .locate import Locator, Path
from .messages import N_, Problem, RulebookError, Word, suggestion

MISSING = object()
# The decimal places a rulebook may give points ([rulebook] precision): the ledger keeps whole
# hundredths (models.Points), so at most 2. Each refusal names an example the clerk can copy.
PRECISIONS = (0, 1, 2)
DEFAULT_PRECISION = 1
TOO_FINE = {
    0: N_("积分须为整数（本细则 precision = 0），“{value}” 不行；请改为如 1 这样的值。"),
    1: N_("积分最多一位小数，“{value}” 不行；请改为如 0.5 这样的值。"),
    2: N_("积分最多两位小数（本细则 precision = 2），“{value}” 不行；请改为如 0.25 这样的值。"),
}
LARGEST = Decimal(10) ** 9
TOML_POSITION = re.compile(r"\(at line (\d+), column (\d+)\)")
MONTH_DAY = re.compile(r"(\d\d)-(\d\d)")

TYPE_WORDS = {
    "text": Word(N_("文字")),
    "date": Word(N_("日期（如 2026-01-01）")),
    "number": Word(N_("数字")),
    "count": Word(N_("正整数")),
    "bool": Word(N_("true 或 false")),
    "table": Word(N_("表（键 = 值）")),
    "list": Word(N_("列表 [ … ]")),
}


def path_text(path: Path) -> str:
    """categories[2].items[0].points"""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


def parse_toml(text: str, file: str) -> dict[str, Any]:
    """tomllib with exact decimals; a syntax error becomes a located Problem."""
    try:
        return tomllib.loads(text, parse_float=Decimal)
    except tomllib.TOMLDecodeError as exc:
        match = TOML_POSITION.search(str(exc))
        detail = TOML_POSITION.sub("", str(exc)).strip()
        line, column = (int(match[1]), int(match[2])) if match else (None, None)
        problem = Problem(
            N_("TOML 语法错误：{detail}。请检查引号、括号、等号是否成对，同一个键是否写了两次。"),
            "",
            {"detail": detail},
            file=file,
            line=line,
            column=column,
        )
        raise RulebookError([problem]) from None


class Reader:
    """Reads values by key path, recording a Problem for each thing wrong and carrying on."""

    def __init__(self, text: str, file: str, stored: bool = False):
        self.text = text
        self.file = file
        self.stored = stored  # a snapshot already in force: see build.loads
        self.problems: list[tuple[Path, str, dict[str, Any]]] = []
        self.precision = DEFAULT_PRECISION  # set from [rulebook] precision before any points

    def problem(self, path: Path, message: str, **params: Any) -> None:
        self.problems.append((path, message, params))

    def located(self) -> list[Problem]:
        """The problems with file, line and column, in the order they appear in the text."""
        if not self.problems:
            return []
        locator = Locator(self.text)
        result = []
        for path, message, params in self.problems:
            line, column = locator.where(path)
            result.append(
                Problem(message, path_text(path), params, self.file, line=line, column=column)
            )
        return sorted(result, key=lambda p: (p.line or 0, p.column or 0))

    def table(
        self, value: Any, path: Path, allowed: tuple[str, ...], required: tuple[str, ...] = ()
    ) -> dict[str, Any]:
        """A table whose keys are all known; unknown keys get a "did you mean" problem each."""
        if not isinstance(value, dict):
            self.problem(path, N_("应为{expected}。"), expected=TYPE_WORDS["table"])
            return {}
        for key in value:
            if key not in allowed:
                self.unknown((*path, key), key, allowed, N_("键"))
        for key in required:
            if key not in value:
                self.problem((*path, key), N_("缺少必填的键 “{key}”，请补上。"), key=key)
        return value

    def unknown(self, path: Path, word: str, allowed: tuple[str, ...], what: str) -> None:
        guess = suggestion(word, allowed)
        if guess:
            self.problem(
                path,
                N_("未知的{what} “{word}”。您是不是要写 “{guess}”？"),
                what=Word(what),
                word=word,
                guess=guess,
            )
        else:
            self.problem(
                path,
                N_("未知的{what} “{word}”。可用的有：{allowed}。"),
                what=Word(what),
                word=word,
                allowed=list(allowed),
            )

    def get(self, table: dict[str, Any], path: Path, key: str, kind: str, default: Any = None):
        """table[key] checked against `kind`; `default` if absent; None if of the wrong type."""
        value = table.get(key, MISSING)
        if value is MISSING:
            return default
        checked = self.check(value, (*path, key), kind)
        return default if checked is MISSING else checked

    def check(self, value: Any, path: Path, kind: str) -> Any:
        ok = {
            "text": isinstance(value, str) and value.strip() != "",
            "date": isinstance(value, date) and not isinstance(value, datetime),
            "number": isinstance(value, Decimal | int) and not isinstance(value, bool),
            "count": isinstance(value, int) and not isinstance(value, bool) and value > 0,
            "bool": isinstance(value, bool),
            "table": isinstance(value, dict),
            "list": isinstance(value, list),
        }[kind]
        if not ok:
            self.problem(
                path,
                N_("应为{expected}，现在是 “{actual}”。"),
                expected=TYPE_WORDS[kind],
                actual=show_value(value),
            )
            return MISSING
        if kind == "number":
            value = Decimal(value)
            # inf, nan and 1e400 parse as TOML numbers but mean nothing as points or amounts.
            if not value.is_finite() or abs(value) >= LARGEST:
                self.problem(
                    path,
                    N_("数字 “{value}” 超出范围；请写绝对值小于 1000000000 的数。"),
                    value=show_value(value),
                )
                return MISSING
        return value

    def points(self, table: dict[str, Any], path: Path, key: str, default: Any = None):
        """A number of points: exact, no finer than the rulebook's precision (0.1, never 0.15)."""
        value = self.get(table, path, key, "number", default)
        if isinstance(value, Decimal) and value != value.quantize(step(self.precision)):
            self.problem((*path, key), TOO_FINE[self.precision], value=value)
        return value

    def choice(self, table, path: Path, key: str, allowed: tuple[str, ...], default=None):
        value = self.get(table, path, key, "text", default)
        if value is not None and value not in allowed:
            self.unknown((*path, key), value, allowed, N_("取值"))
            return default
        return value

    def month_day(self, table, path: Path, key: str, default):
        value = self.get(table, path, key, "text")
        if value is None:
            return default
        match = MONTH_DAY.fullmatch(value)
        try:
            if match:
                date(2000, int(match[1]), int(match[2]))  # 2000 is a leap year: 02-29 gets here
                if (int(match[1]), int(match[2])) == (2, 29) and not self.stored:
                    # A day that three years in four lack cannot start every year. (A snapshot
                    # stored before this check resets on the last day of February instead.)
                    self.problem(
                        (*path, key),
                        N_(
                            "“02-29” 不是每年都有（平年没有 2 月 29 日）；"
                            "请改为 “02-28” 或 “03-01”。"
                        ),
                    )
                    return default
                return int(match[1]), int(match[2])
        except ValueError:
            pass
        self.problem((*path, key), N_("“{value}” 不是“月-日”，请写成如 “01-01”。"), value=value)
        return default


def step(places: int) -> Decimal:
    """The smallest amount at `places` decimal places: 1, 0.1, 0.01."""
    return Decimal(1).scaleb(-places)


def list_of(r: Reader, table: dict[str, Any], path: tuple, key: str) -> list[Any]:
    """table[key] as a list (empty when absent or not a list, which is reported)."""
    return r.get(table, path, key, "list", [])


def unique(r: Reader, seen: dict, key: tuple, path: tuple) -> bool:
    if key[1] is None:
        return False
    if key in seen:
        r.problem(
            path,
            N_("编码 “{code}” 重复（{first} 已经用过）；每个编码只能用一次，请改名。"),
            code=key[1],
            first=path_text(seen[key]),
        )
        return False
    seen[key] = path
    return True


def show_value(value: Any) -> str:
    text = str(value).lower() if isinstance(value, bool) else str(value)
    return text if len(text) <= 40 else text[:37] + "…"
