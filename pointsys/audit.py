"""The audit trail: one function every write goes through to say who changed what."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert

from .extensions import db
from .models import AuditEvent, User, utcnow


def record(
    action: str,
    obj_type: str,
    obj_id: object | None,
    *,
    actor: User | None = None,
    actor_label: str | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEvent:
    """Add an audit event to the current transaction (committed with the write it describes)."""
    event = AuditEvent(
        actor_id=actor.id if actor is not None else None,
        actor_label=actor_label or (actor.username if actor is not None else "system"),
        action=action,
        object_type=obj_type,
        object_id=None if obj_id is None else str(obj_id),
        before=before,
        after=after,
    )
    db.session.add(event)
    return event


def record_many(
    events: list[dict[str, Any]], *, actor: User | None = None, actor_label: str | None = None
) -> None:
    """Add many events by one actor in one INSERT (bulk imports); each dict holds the arguments
    of record(): action, obj_type, obj_id, before, after."""
    if not events:
        return
    label = actor_label or (actor.username if actor is not None else "system")
    at = utcnow()
    db.session.execute(
        insert(AuditEvent),
        [
            {
                "at": at,
                "actor_id": actor.id if actor is not None else None,
                "actor_label": label,
                "action": e["action"],
                "object_type": e["obj_type"],
                "object_id": None if e.get("obj_id") is None else str(e["obj_id"]),
                "before": e.get("before"),
                "after": e.get("after"),
            }
            for e in events
        ],
    )
