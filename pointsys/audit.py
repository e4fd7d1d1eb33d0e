"""The audit trail: one function every write goes through to say who changed what."""

from __future__ import annotations

from typing import Any

from flask import has_request_context, request
from sqlalchemy import insert

from .extensions import db
from .models import AuditEvent, User, utcnow


def _who(actor: User | str | None, actor_label: str | None) -> dict[str, Any]:
    """Who acted and, for writes made over the web, from which address.

    `actor` is a staff user, or a label such as "cli" or "demo" when no user row acted.
    """
    if isinstance(actor, str):
        actor, actor_label = None, actor
    return {
        "actor_id": actor.id if actor is not None else None,
        "actor_label": actor_label or (actor.username if actor is not None else "system"),
        "address": request.remote_addr if has_request_context() else None,
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
) -> AuditEvent:
    """Add an audit event to the current transaction (committed with the write it describes)."""
    event = AuditEvent(**_who(actor, actor_label), **_what(action, obj_type, obj_id, before, after))
    db.session.add(event)
    return event


def record_many(
    events: list[dict[str, Any]],
    *,
    actor: User | str | None = None,
    actor_label: str | None = None,
) -> None:
    """Add many events by one actor in one INSERT (bulk imports); each dict holds the arguments
    of record(): action, obj_type, obj_id, before, after."""
    if not events:
        return
    common = {"at": utcnow(), **_who(actor, actor_label)}
    db.session.execute(insert(AuditEvent), [{**common, **_what(**e)} for e in events])
