"""Rulebooks in the database: immutable snapshots of validated text, and the one in force.

A file that fails validation is never stored, so the app keeps using the last good snapshot.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from . import audit
from .config import PROJECT_DIR
from .extensions import db
from .models import RulebookSnapshot, User
from .rulebook import Rulebook, loads, read_text
from .rulebook.model import Account, HonourPolicy, VetoPolicy

RULES_DIR = Path(PROJECT_DIR) / "rules"
DEMO_RULEBOOK = RULES_DIR / "demo.toml"

_parsed: dict[str, Rulebook] = {}  # by sha256: a snapshot's text never changes


def store(
    path: Path, *, actor: User | None = None, actor_label: str | None = None
) -> tuple[RulebookSnapshot, bool]:
    """Validate the file and store it as a snapshot; (snapshot, False) if that text is stored.

    Raises RulebookError (nothing stored) when the file has problems. The caller commits.
    """
    text = read_text(path)
    rulebook = loads(text, str(path))
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    existing = db.session.execute(
        db.select(RulebookSnapshot).filter_by(village_code=rulebook.village, sha256=digest)
    ).scalar_one_or_none()
    if existing is not None:
        return existing, False
    snapshot = RulebookSnapshot(
        village_code=rulebook.village,
        name=rulebook.name,
        version=rulebook.version,
        effective=rulebook.effective,
        sha256=digest,
        text=text,
        source=str(path),
        loaded_by=actor_label or (actor.username if actor else "system"),
    )
    db.session.add(snapshot)
    db.session.flush()
    audit.record(
        "load",
        "rulebook_snapshot",
        snapshot.id,
        actor=actor,
        actor_label=actor_label,
        after={"village": rulebook.village, "version": rulebook.version, "sha256": digest},
    )
    _parsed[digest] = rulebook
    return snapshot, True


@dataclass(frozen=True)
class InForce:
    """The rulebook in force for a village: the snapshot loaded last, and its rulebook.

    A rulebook holds every dated version of its items (`rulebook.item_on(code, day)`), so the
    same snapshot answers for any day; the day picks the item version, not the snapshot. While
    no rulebook is loaded, `snapshot` is None and `rulebook` is empty (no items, no base points,
    no tiers): sums and standings still work, and callers that need items check `loaded`.
    """

    snapshot: RulebookSnapshot | None
    rulebook: Rulebook

    @property
    def loaded(self) -> bool:
        return self.snapshot is not None


def in_force(village_code: str) -> InForce:
    """The one way to get the rulebook in force for a village (see InForce)."""
    snapshot = current_snapshot(village_code)
    if snapshot is None:
        return InForce(None, _empty(village_code))
    return InForce(snapshot, rulebook_of(snapshot))


def _empty(village_code: str) -> Rulebook:
    return Rulebook(village_code, "", "", date.min, Account(), VetoPolicy(), HonourPolicy(), (), {})


def current_snapshot(village_code: str) -> RulebookSnapshot | None:
    """The latest snapshot loaded for the village (in_force() wraps it with its rulebook)."""
    return db.session.execute(
        db.select(RulebookSnapshot)
        .filter_by(village_code=village_code)
        .order_by(RulebookSnapshot.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def rulebook_of(snapshot: RulebookSnapshot) -> Rulebook:
    """The snapshot's rulebook (parsed once per process; stored text validated when stored)."""
    rulebook = _parsed.get(snapshot.sha256)
    if rulebook is None:
        rulebook = _parsed[snapshot.sha256] = loads(snapshot.text, snapshot.source, stored=True)
    return rulebook


def load_demo_rulebook(created: list[str]) -> None:
    """The demo step: load rules/demo.toml unless that exact text is already stored."""
    _, new = store(DEMO_RULEBOOK, actor_label="demo")
    if new:
        created.append("积分管理细则")
