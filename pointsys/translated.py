"""Errors for people: a Chinese message id and its parameters, translated when shown."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext


class TranslatedError(Exception):
    """An error for a person: the Chinese message id and its named parameters.

    str() translates them into the language of the moment (the request's, or the village default
    zh_CN), so the same error reads right wherever and whenever it is shown.
    """

    def __init__(self, message: str, **params: Any) -> None:
        super().__init__(message)
        self.message = message
        self.params = params

    def __str__(self) -> str:
        return gettext(self.message, **self.params)
