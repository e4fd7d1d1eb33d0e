"""Translation catalogues: source strings are Chinese; English must translate every one of them.

Pure Babel, no Flask: used by `flask --app pointsys translations …` and by the tests.
"""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po, write_po

from .config import PACKAGE_DIR, PROJECT_DIR

TRANSLATIONS = PACKAGE_DIR / "translations"
TARGET_LOCALES = ("en",)
# N_ marks message ids in the pure rulebook package, which is translated without Flask.
KEYWORDS = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "_l": None,
    "lazy_gettext": None,
    "N_": None,
}
METHOD_MAP = [("pointsys/**.py", "python"), ("templates/**.html", "jinja2")]


def extract() -> Catalog:
    """Every translatable string in the code and templates, as a template catalogue."""
    catalog = Catalog(project="pointsys", fuzzy=False)
    for filename, lineno, message, comments, context in extract_from_dir(
        str(PROJECT_DIR), METHOD_MAP, keywords=KEYWORDS, strip_comment_tags=True
    ):
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return catalog


def po_path(locale: str) -> Path:
    return TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po"


def read_catalog(locale: str) -> Catalog:
    with po_path(locale).open("rb") as f:
        return read_po(f, locale=locale)


def update() -> dict[str, list[str]]:
    """Merge newly extracted strings into each catalogue; returns the strings still untranslated."""
    template = extract()
    with (TRANSLATIONS / "messages.pot").open("wb") as f:
        write_po(f, template, width=100, no_location=True, sort_output=True, omit_header=True)
    for locale in TARGET_LOCALES:
        catalog = read_catalog(locale)
        catalog.update(template, no_fuzzy_matching=True)
        with po_path(locale).open("wb") as f:
            write_po(
                f, catalog, width=100, no_location=True, sort_output=True, ignore_obsolete=True
            )
    return missing()


def missing() -> dict[str, list[str]]:
    """Per locale: source strings with no (or only a fuzzy) translation."""
    wanted = {m.id for m in extract() if m.id}
    result = {}
    for locale in TARGET_LOCALES:
        catalog = read_catalog(locale)
        done = {m.id for m in catalog if m.id and _translated(m.string) and not m.fuzzy}
        result[locale] = sorted(str(i) if isinstance(i, str) else str(i[0]) for i in wanted - done)
    return result


def _translated(string) -> bool:
    """A translation, and for a plural message every one of its forms."""
    if isinstance(string, (tuple, list)):
        return bool(string) and all(string)
    return bool(string)


def compiled(locale: str) -> bytes:
    buffer = BytesIO()
    write_mo(buffer, read_catalog(locale), use_fuzzy=False)
    return buffer.getvalue()


def compile_all() -> None:
    """Write the .mo files shipped with the package (so a plain install needs no compile step)."""
    for locale in TARGET_LOCALES:
        po_path(locale).with_suffix(".mo").write_bytes(compiled(locale))


def stale_compiled() -> list[str]:
    """Locales whose shipped .mo does not hold exactly what the .po says."""
    stale = []
    for locale in TARGET_LOCALES:
        mo = po_path(locale).with_suffix(".mo")
        if not mo.exists():
            stale.append(locale)
            continue
        with mo.open("rb") as f:
            shipped = {m.id: m.string for m in read_mo(f) if m.id}
        expected = {m.id: m.string for m in read_catalog(locale) if m.id and not m.fuzzy}
        if shipped != expected:
            stale.append(locale)
    return stale
