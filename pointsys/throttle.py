"""Sign-in throttling: too many failures for one account or from one address lock it for a while.

The failures are the audit trail's own `login_failed` events, so the count is shared by every worker
process and survives a restart, with no extra store to run (an in-memory limiter such as
Flask-Limiter's default would give each gunicorn worker its own count and forget it on restart).

One policy for staff and residents: an account is the audit trail's actor label of the sign-in, a
staff username or a household's `residents.account_label()` (which no username can equal), and
the address count takes both kinds of failure together.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func

from .extensions import db
from .models import AuditEvent

FAILED = "login_failed"
SUCCEEDED = "login"


@dataclass(frozen=True)
class Policy:
    max_failures_per_account: int = 5
    max_failures_per_address: int = 20  # a village office shares one address among several clerks
    window: timedelta = timedelta(minutes=15)


@dataclass(frozen=True)
class Lock:
    scope: str  # "account" or "address"
    failures: int
    until: datetime


def as_utc(moment: datetime) -> datetime:
    """SQLite hands datetimes back without a zone; we always store UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def current_lock(account: str, address: str | None, now: datetime, policy: Policy) -> Lock | None:
    """The lock in force for this account (a username or a household's label) or this address
    at `now`, if any (sliding window)."""
    since = now - policy.window
    # A successful sign-in clears the account's earlier failures.
    last_success = db.session.execute(
        db.select(func.max(AuditEvent.at)).where(
            AuditEvent.action == SUCCEEDED, AuditEvent.actor_label == account
        )
    ).scalar_one()
    account_since = max(since, as_utc(last_success)) if last_success else since
    checks = [
        (
            "account",
            AuditEvent.actor_label == account,
            account_since,
            policy.max_failures_per_account,
        )
    ]
    if address:
        checks.append(
            ("address", AuditEvent.address == address, since, policy.max_failures_per_address)
        )
    for scope, condition, start, limit in checks:
        times = (
            db.session.execute(
                db.select(AuditEvent.at)
                .where(AuditEvent.action == FAILED, condition, AuditEvent.at > start)
                .order_by(AuditEvent.at.desc())
                .limit(limit)
            )
            .scalars()
            .all()
        )
        if len(times) >= limit:
            # The lock lifts when the oldest of the last `limit` failures leaves the window.
            return Lock(scope, len(times), as_utc(times[-1]) + policy.window)
    return None


def policy_from_config(config) -> Policy:
    return Policy(
        max_failures_per_account=int(config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]),
        max_failures_per_address=int(config["LOGIN_MAX_FAILURES_PER_ADDRESS"]),
        window=timedelta(minutes=int(config["LOGIN_LOCK_MINUTES"])),
    )
