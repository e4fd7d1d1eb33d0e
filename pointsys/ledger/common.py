"""What the ledger's parts share: errors, drafts, results, idempotent submissions."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from .. import audit
from ..extensions import db
from ..models import (
    Entry,
    Submission,
    User,
    Village,
)
from ..rulebook import Refusal
from ..rulebook.messages import N_
from ..translated import TranslatedError

Actor = audit.Actor


SOURCES = ("form", "batch", "sheet", "declaration", "reversal")
MAX_KEY_LENGTH = 64
ONE_DECIMAL = Decimal("0.1")


class PointsError(TranslatedError):
    """A ledger write refused; the message says what to do about it."""


class SubmissionRefused(Exception):
    """A submission with problems: nothing was written. `problems` pairs a draft's index (its row)
    with what is wrong with it."""

    def __init__(self, problems: list[tuple[int, PointsError]]) -> None:
        super().__init__("; ".join(str(p) for _, p in problems))
        self.problems = problems


@dataclass(frozen=True)
class Draft:
    """One entry as a clerk fills it in: household, item, day of the conduct, quantity …"""

    household_id: int
    item: str
    on: date
    quantity: Decimal | None = None  # hours, yuan, members, or a range item's chosen points
    member_ids: tuple[int, ...] = ()
    note: str | None = None
    level: str | None = None  # the level chosen for a levels item (国家级 …)

    def canonical(self) -> list[object]:
        quantity = None if self.quantity is None else str(self.quantity.normalize())
        members = sorted(self.member_ids)
        content = [self.household_id, self.item, self.on.isoformat(), quantity, members, self.note]
        # Only when set: submissions made before levels existed keep their digests.
        return content if self.level is None else [*content, self.level]


@dataclass
class Recorded:
    """What record() did: the entries, whether this was a replay, and what the clerk should know."""

    entries: list[Entry]
    replayed: bool = False
    notices: list[str] = field(default_factory=list)


@dataclass
class Reviewed:
    """What a review did: entries approved or rejected, and entries left pending with why."""

    done: list[Entry] = field(default_factory=list)
    refused: list[tuple[Entry, PointsError]] = field(default_factory=list)


def is_cancelled(entry_id: int, reversed_by: dict[int, int]) -> bool:
    """Whether a chain of reversals cancels the entry (a reversal of a reversal revives it).

    `reversed_by` maps an entry's id to the id of the reversal pointing at it.
    """
    depth, current = 0, entry_id
    while current in reversed_by:
        depth, current = depth + 1, reversed_by[current]
    return depth % 2 == 1


class RefusedClaim(PointsError):
    """The rulebook refused the claim (unknown item, not in force, once per period …)."""

    def __init__(self, refusal: Refusal) -> None:
        super().__init__(refusal.code)
        self.refusal = refusal

    def __str__(self) -> str:
        return self.refusal.text(current_language())


def current_language() -> str:
    """The language of the request (or the village default outside one)."""
    from flask import has_request_context
    from flask_babel import get_locale

    return str(get_locale()) if has_request_context() else "zh_CN"


def label(actor: Actor) -> str:
    return actor if isinstance(actor, str) else actor.username


def entry_state(entry: Entry) -> dict[str, object]:
    return {
        "household_id": entry.household_id,
        "item": entry.item_code,
        "on": entry.occurred_on.isoformat(),
        "quantity": None if entry.quantity is None else str(entry.quantity),
        "requested": str(entry.requested),
        "points": None if entry.points is None else str(entry.points),
        "status": entry.status,
        "kind": entry.kind,
        "reverses": entry.reverses_id,
        **({"level": entry.level} if entry.level else {}),
    }


def content_digest(source: str, content: list[object]) -> str:
    text = json.dumps([source, content], ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def drafts_digest(source: str, drafts: Iterable[Draft]) -> str:
    """What record() keys a submission's content by: the batch form's preview carries it, so
    saving records only what was previewed."""
    return content_digest(source, [d.canonical() for d in drafts])


def find_replay(village: Village, key: str, digest: str) -> Recorded | None:
    if not key or len(key) > MAX_KEY_LENGTH:
        raise PointsError(N_("提交缺少有效的编号，未作任何记录；请刷新页面后重新提交。"))
    existing = db.session.execute(
        db.select(Submission).filter_by(village_id=village.id, key=key)
    ).scalar_one_or_none()
    if existing is None:
        return None
    if existing.digest != digest:
        raise PointsError(
            N_("这个提交编号已经用于另一份内容，本次未作任何记录。请刷新页面，重新填写后再提交。")
        )
    entries = (
        db.session.execute(db.select(Entry).filter_by(submission_id=existing.id).order_by(Entry.id))
        .scalars()
        .all()
    )
    return Recorded(list(entries), replayed=True)


def lock_villages(village_ids: Iterable[int], *, exclusive: bool = False) -> None:
    """Serialise closing a quarter with recording and review in these villages until the
    transaction ends: a close (exclusive) waits for the recordings and reviews under way and they
    wait for it, so none of them acts on a closure it read before the other committed.

    PostgreSQL locks the village rows in id order: FOR UPDATE to close or reopen, FOR KEY SHARE to
    record or review (which do not wait for each other; inserting an entry takes that lock anyway).
    Take it before the households' locks (`lock_households`), always in that order. SQLite has one
    writer at a time; lock_rows' no-op UPDATE makes the transaction that writer at once.
    """
    lock_rows(Village, village_ids, shared=not exclusive)


def lock_rows(model, ids: Iterable[int], *, shared: bool = False) -> None:
    """Lock these rows of `model` until the transaction ends, in id order (no deadlock between two
    writers taking the same rows): PostgreSQL FOR UPDATE, or FOR KEY SHARE when `shared`. SQLite
    has one writer at a time; a no-op UPDATE makes this transaction that writer before it reads
    anything (synchronize_session=False: it changes nothing the session holds, and evaluating it
    against every loaded row made a batch of 500 take seconds)."""
    ids = sorted(set(ids))
    if not ids:
        return
    if db.session.get_bind().dialect.name == "postgresql":
        query = db.select(model.id).where(model.id.in_(ids)).order_by(model.id)
        db.session.execute(query.with_for_update(read=shared, key_share=shared))
    else:
        db.session.execute(
            update(model)
            .where(model.id.in_(ids))
            .values(id=model.id)
            .execution_options(synchronize_session=False)
        )


def open_submission(
    village: Village, key: str, digest: str, source: str, actor: Actor
) -> Submission:
    submission = Submission(
        village_id=village.id,
        key=key,
        digest=digest,
        source=source,
        actor_id=actor.id if isinstance(actor, User) else None,
        actor_label=label(actor),
    )
    db.session.add(submission)
    try:
        # A savepoint: two identical posts racing each other meet at the unique key.
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise PointsError(N_("这份内容正在提交或已经提交过，请刷新页面查看结果。")) from None
    return submission
