"""Door plaques (门牌): the unguessable token behind a plaque's QR code, rotated when it leaks."""

from __future__ import annotations

import hashlib
import secrets

from .. import audit
from ..extensions import db
from ..models import Household, HouseholdStatus, utcnow


def new_plaque_token() -> str:
    """A fresh unguessable token for a door plaque's QR code (192 random bits)."""
    return secrets.token_urlsafe(24)


def rotate_plaque_token(household: Household, *, actor: audit.Actor) -> str:
    """Give the household a new plaque token; the old QR code stops working at once."""
    old = household.plaque_token
    household.plaque_token = new_plaque_token()
    household.plaque_token_rotated_at = utcnow()
    db.session.flush()
    # The token is a capability: the audit trail keeps only a short fingerprint of it.
    audit.record(
        "rotate_plaque_token",
        "household",
        household.id,
        actor=actor,
        before={"token": _fingerprint(old)},
        after={"token": _fingerprint(household.plaque_token)},
    )
    return household.plaque_token


def _fingerprint(token: str | None) -> str | None:
    return hashlib.sha256(token.encode()).hexdigest()[:12] if token else None


def by_plaque_token(token: str) -> Household | None:
    """The household a plaque's QR code opens, or None for an unknown or rotated token."""
    if not token or len(token) > 64:
        return None
    return db.session.execute(
        db.select(Household).filter_by(plaque_token=token)
    ).scalar_one_or_none()


def active_counts_by_group(village_id: int) -> dict[int | None, int]:
    """How many active households (plaques to print) each village group has; None: no group."""
    rows = db.session.execute(
        db.select(Household.group_id, db.func.count(Household.id))
        .where(
            Household.village_id == village_id,
            Household.status == HouseholdStatus.ACTIVE.value,
        )
        .group_by(Household.group_id)
    )
    return {group_id: count for group_id, count in rows}
