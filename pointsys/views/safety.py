"""Small helpers shared by views."""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

from flask import url_for


def safe_next(target: str | None) -> str:
    """A redirect target on this site: a path starting with one "/"; anything else goes home.

    Browsers read "\\" as "/", drop tabs and line breaks anywhere, and take "////host" for
    "//host", another site; so a target counts only if, read as a browser would (percent-escapes
    undone too), it still has no scheme and no host and does not start with "//".
    """
    if target and target.startswith("/"):
        seen = re.sub(r"[\t\n\r]", "", unquote(target)).replace("\\", "/")
        parts = urlsplit(seen)
        if not seen.startswith("//") and not parts.scheme and not parts.netloc:
            return target
    return url_for("main.index")
