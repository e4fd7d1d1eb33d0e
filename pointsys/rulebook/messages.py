"""Problems a clerk can act on: Chinese message ids, English from the app's own catalogue.

No Flask here: messages are kept as (message id, parameters) and rendered in a language on demand
with babel.support.Translations, loaded from the same pointsys/translations catalogue the app uses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from babel.support import NullTranslations, Translations

TRANSLATIONS_DIR = Path(__file__).resolve().parent.parent / "translations"
DEFAULT_LANGUAGE = "zh_CN"


def N_(message: str) -> str:
    """Mark a message id for extraction; translated later, when the problem is rendered."""
    return message


@cache
def translations(language: str) -> NullTranslations:
    if language.startswith("zh"):
        return NullTranslations()  # message ids are Chinese already
    return Translations.load(str(TRANSLATIONS_DIR), [language])


def translate(message: str, language: str = DEFAULT_LANGUAGE, **params: Any) -> str:
    """The message in `language`, with parameters (translated when they are message ids too)."""
    text = translations(language).gettext(message)
    text = text.format(**params) if params else text
    return text if language.startswith("zh") else singular_english(text)


# English nouns counted by a number filled in at run time ("{points} points each time"): the
# catalogue writes the plural, and a count of exactly one takes the singular. Chinese has no number.
_SINGULAR = {"points": "point", "households": "household", "entries": "entry"}
_ONE_OF = re.compile(r"(?<![\d.,])([+-]?1) (" + "|".join(_SINGULAR) + r")\b")


def singular_english(text: str) -> str:
    """+1 points → +1 point, 1 households → 1 household; 0.1, 11 and 21 points unchanged."""
    return _ONE_OF.sub(lambda m: f"{m.group(1)} {_SINGULAR[m.group(2)]}", text)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a rulebook or scenario file, located as precisely as we can."""

    message: str  # a Chinese message id (marked with N_)
    path: str  # the key path: categories[2].items[0].points
    params: dict[str, Any] = field(default_factory=dict, hash=False)
    file: str = ""
    line: int | None = None
    column: int | None = None

    def text(self, language: str = DEFAULT_LANGUAGE) -> str:
        """file:line:column: key path: message — in the requested language."""
        where = self.file or "<text>"
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        params = {k: _localise(v, language) for k, v in self.params.items()}
        message = translate(self.message, language, **params)
        return f"{where}: {self.path}: {message}" if self.path else f"{where}: {message}"


@dataclass(frozen=True)
class Word:
    """A parameter that is itself a message id (a type name, a period name …)."""

    message: str


def _localise(value: Any, language: str) -> Any:
    if isinstance(value, Word):
        return translate(value.message, language)
    if isinstance(value, list | tuple):
        return ", ".join(str(_localise(v, language)) for v in value)
    return value


class RulebookError(Exception):
    """Raised when a rulebook (or a scenario file) has problems; carries all of them."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(p.text() for p in problems))

    def text(self, language: str = DEFAULT_LANGUAGE) -> str:
        return "\n".join(p.text(language) for p in self.problems)


def suggestion(word: str, choices: list[str] | tuple[str, ...]) -> str | None:
    """The allowed word `word` is most likely a misspelling of, for "did you mean …?"; else None.

    A suggestion that is not a typo would silently change the rule ("half_year" is not "year"),
    so only a unique choice within a small edit distance is offered: one edit (a transposition
    counts as one) for words up to 9 characters, two from 10. A different number is a different
    thing, never a typo: "A-03" is not offered "A-02".
    """
    allowed = 1 if max(len(word), 1) < 10 else 2
    numbers = _numbers(word)
    close = [
        (distance, choice)
        for choice in choices
        if _numbers(choice) == numbers
        and (distance := edit_distance(word.lower(), choice.lower())) <= allowed
        and distance < len(word)
    ]
    if not close:
        return None
    best = min(distance for distance, _ in close)
    winners = [choice for distance, choice in close if distance == best]
    return winners[0] if len(winners) == 1 else None


def _numbers(text: str) -> list[int]:
    return [int(n) for n in re.findall(r"\d+", text)]


def edit_distance(a: str, b: str) -> int:
    """Edits (insert, delete, replace, swap two neighbours) that turn `a` into `b`."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[len(b)]
