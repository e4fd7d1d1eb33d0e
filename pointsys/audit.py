"""The audit trail: one function every write goes through to say who changed what."""

from __future__ import annotations

from typing import Any

from flask import has_request_context, request

from .extensions import db
from .models import AuditEvent, User


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
    # Every write made over the web also records where it came from.
    address = request.remote_addr if has_request_context() else None
    event = AuditEvent(
        address=address,
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
