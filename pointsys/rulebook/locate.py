"""Where a key path sits in TOML text: tomllib gives values but no positions, so we find them.

A small tokenizer walks the (already valid) text and records the line and column of every key,
table header, array-of-tables element and inline-array element, under its resolved path
(("categories", 2, "items", 0, "points")). Used only when there is a problem to report, so the
happy path never pays for it.
"""

from __future__ import annotations

import bisect
import contextlib
import re
from collections.abc import Iterator

Path = tuple[str | int, ...]

TOKEN = re.compile(
    r"""
    (?P<ws>[ \t]+)
  | (?P<nl>\r?\n)
  | (?P<comment>\#[^\n]*)
  | (?P<mlbasic>\"\"\"(?:\\[\s\S]|[^\\])*?\"\"\"\"{0,2})
  | (?P<mlliteral>'''[\s\S]*?''''{0,2})
  | (?P<basic>"(?:\\.|[^"\\\n])*")
  | (?P<literal>'[^'\n]*')
  | (?P<punct>[\[\]{}=,])
  | (?P<bare>[A-Za-z0-9_+\-:.]+)
  | (?P<other>.)
    """,
    re.VERBOSE,
)
STRINGS = ("basic", "literal", "mlbasic", "mlliteral")


class _Tokens:
    def __init__(self, text: str):
        self.items = [
            (m.lastgroup, m.group(), m.start())
            for m in TOKEN.finditer(text)
            if m.lastgroup not in ("ws", "comment")
        ]
        self.i = 0

    def peek(self) -> tuple[str, str, int] | None:
        return self.items[self.i] if self.i < len(self.items) else None

    def next(self) -> tuple[str, str, int]:
        token = self.items[self.i]
        self.i += 1
        return token

    def skip_newlines(self) -> None:
        while (t := self.peek()) is not None and t[0] == "nl":
            self.i += 1


def _unquote(kind: str, raw: str) -> str:
    if kind == "literal":
        return raw[1:-1]
    # Keys with escapes are rare in rulebooks; the common ones are handled, the rest kept raw.
    return raw[1:-1].replace('\\"', '"').replace("\\\\", "\\")


class Locator:
    """Positions of key paths in one TOML text."""

    def __init__(self, text: str):
        self._line_starts = [0] + [m.end() for m in re.finditer(r"\n", text)]
        self.positions: dict[Path, int] = {}
        # Positions found before a surprise still help; a message without a line is still useful.
        with contextlib.suppress(IndexError, ValueError):
            self._scan(_Tokens(text))

    def where(self, path: Path) -> tuple[int | None, int | None]:
        """(line, column), both 1-based, of the path or of its nearest located parent."""
        for end in range(len(path), -1, -1):
            offset = self.positions.get(tuple(path[:end]))
            if offset is not None:
                line = bisect.bisect_right(self._line_starts, offset)
                return line, offset - self._line_starts[line - 1] + 1
        return None, None

    def _mark(self, path: Path, offset: int) -> None:
        self.positions.setdefault(path, offset)

    def _scan(self, tokens: _Tokens) -> None:
        table: Path = ()
        arrays: dict[Path, int] = {}  # array-of-tables path → elements seen
        while (token := tokens.peek()) is not None:
            kind, raw, offset = token
            if kind == "nl":
                tokens.next()
            elif raw == "[":
                tokens.next()
                following = tokens.peek()
                double = (
                    following is not None and following[1] == "[" and following[2] == offset + 1
                )
                if double:
                    tokens.next()
                segments = [s for s, _ in self._key(tokens)]
                tokens.next()  # ]
                if double:
                    tokens.next()  # ]
                resolved = self._resolve(segments, arrays)
                if double:
                    count = arrays.get(resolved, 0)
                    arrays[resolved] = count + 1
                    self._mark(resolved, offset)
                    resolved = (*resolved, count)
                self._mark(resolved, offset)
                table = resolved
            else:
                self._pair(tokens, table)

    @staticmethod
    def _resolve(segments: list[str], arrays: dict[Path, int]) -> Path:
        resolved: Path = ()
        for index, segment in enumerate(segments):
            resolved = (*resolved, segment)
            if index < len(segments) - 1 and resolved in arrays:
                resolved = (*resolved, arrays[resolved] - 1)
        return resolved

    def _key(self, tokens: _Tokens) -> Iterator[tuple[str, int]]:
        """The segments of a (possibly dotted, possibly quoted) key, each with its offset."""
        while True:
            kind, raw, offset = tokens.next()
            if kind == "bare":
                position = offset
                for part in raw.split("."):
                    if part:
                        yield part, position
                    position += len(part) + 1
            elif kind in STRINGS:
                yield _unquote(kind, raw), offset
            if kind == "bare" and raw.endswith("."):
                continue  # a. "b"
            following = tokens.peek()
            if following is None or following[0] != "bare" or not following[1].startswith("."):
                break

    def _pair(self, tokens: _Tokens, table: Path) -> None:
        path = table
        for segment, offset in self._key(tokens):
            path = (*path, segment)
            self._mark(path, offset)
        tokens.next()  # =
        self._value(tokens, path)

    def _value(self, tokens: _Tokens, path: Path) -> None:
        kind, raw, _ = tokens.next()
        if raw == "[":
            index = 0
            while True:
                tokens.skip_newlines()
                token = tokens.peek()
                if token[1] == "]":
                    tokens.next()
                    return
                if token[1] == ",":
                    tokens.next()
                    continue
                self._mark((*path, index), token[2])
                self._value(tokens, (*path, index))
                index += 1
        elif raw == "{":
            while True:
                token = tokens.peek()
                if token[1] == "}":
                    tokens.next()
                    return
                if token[1] == ",":
                    tokens.next()
                    continue
                self._pair(tokens, path)
        elif kind == "bare":
            # A date-time may be split by its space: 1979-05-27 07:32:00
            following = tokens.peek()
            if following is not None and following[0] == "bare" and ":" in following[1]:
                tokens.next()
