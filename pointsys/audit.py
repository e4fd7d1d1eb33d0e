"""The audit trail: one function every write goes through to say who changed what.

It reads no request: where a write comes from (the client's address) is the caller's to say, as
`address=`, or the unit of work's origin (`origin()`), which the web layer sets for each request.
A command or a test records events the same way, with no origin or one of its own.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from typing import Any

from sqlalchemy import insert

from .extensions import db
from .models import AuditEvent, User, utcnow

# Who a write is attributed to: a staff user, or a label ("cli", "demo", a resident's 户号).
Actor = User | str

# The address the current unit of work comes from (a page's client); None for commands.
_origin: ContextVar[str | None] = ContextVar("audit_origin", default=None)


def set_origin(address: str | None) -> Token[str | None]:
    """Events recorded from now on come from `address`; reset_origin(token) undoes it."""
    return _origin.set(address)


def reset_origin(token: Token[str | None]) -> None:
    _origin.reset(token)


@contextmanager
def origin(address: str | None) -> Iterator[None]:
    """Events recorded inside the block come from `address`."""
    token = set_origin(address)
    try:
        yield
    finally:
        reset_origin(token)


def _who(actor: User | str | None, actor_label: str | None, address: str | None) -> dict[str, Any]:
    """Who acted and, for writes made over the web, from which address.

    `actor` is a staff user, or a label such as "cli" or "demo" when no user row acted.
    """
    if isinstance(actor, str):
        actor, actor_label = None, actor
    return {
        "actor_id": actor.id if actor is not None else None,
        "actor_label": actor_label or (actor.username if actor is not None else "system"),
        "address": address if address is not None else _origin.get(),
    }


def _what(
    action: str, obj_type: str, obj_id: object | None, before: Any = None, after: Any = None
) -> dict[str, Any]:
    return {
        "action": action,
        "object_type": obj_type,
        "object_id": None if obj_id is None else str(obj_id),
        "before": before,
        "after": after,
    }


def record(
    action: str,
    obj_type: str,
    obj_id: object | None,
    *,
    actor: User | str | None = None,
    actor_label: str | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    address: str | None = None,
) -> AuditEvent:
    """Add an audit event to the current transaction (committed with the write it describes).

    `address`: where the write comes from; by default the origin of the unit of work."""
    event = AuditEvent(
        **_who(actor, actor_label, address), **_what(action, obj_type, obj_id, before, after)
    )
    db.session.add(event)
    return event


def record_many(
    events: list[dict[str, Any]],
    *,
    actor: User | str | None = None,
    actor_label: str | None = None,
    address: str | None = None,
) -> None:
    """Add many events by one actor in one INSERT (bulk imports); each dict holds the arguments
    of record(): action, obj_type, obj_id, before, after."""
    if not events:
        return
    common = {"at": utcnow(), **_who(actor, actor_label, address)}
    db.session.execute(insert(AuditEvent), [{**common, **_what(**e)} for e in events])
