"""Sign-in throttling: too many failures for one account or from one address lock it for a while.

The failures are the audit trail's own `login_failed` events, so the count is shared by every worker
process and survives a restart, with no extra store to run (an in-memory limiter such as
Flask-Limiter's default would give each gunicorn worker its own count and forget it on restart).

Staff and residents have separate policies (`policy_from_config`): an account is the audit trail's
actor label of the sign-in, a staff username or a household's `residents.account_label()` (which no
username can equal), and an address counts the failures of its own kind only, so wrong PINs typed
in the village office never lock out the clerk who signs in there. Residents also have a daily
budget per household, which bounds the guesses at a 6-digit PIN however many addresses try.

Counting and recording are one step (`serialise`): the check, the secret's check and the failure's
audit row happen while the sign-in holds a lock on its account and address, so concurrent guesses
are evaluated one after another and never more than the limit get through.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, text

from .extensions import db
from .models import AuditEvent

FAILED = "login_failed"
SUCCEEDED = "login"
DAY = timedelta(days=1)


@dataclass(frozen=True)
class Policy:
    max_failures_per_account: int = 5
    max_failures_per_address: int = 20  # a village office shares one address among several clerks
    window: timedelta = timedelta(minutes=15)
    max_failures_per_day: int | None = None  # per account within 24 hours; None: no daily budget
    kind: str | None = None  # the audit object type whose failures an address counts ("user" …)


@dataclass(frozen=True)
class Lock:
    scope: str  # "account", "day" (the account's daily budget) or "address"
    failures: int
    until: datetime


def as_utc(moment: datetime) -> datetime:
    """SQLite hands datetimes back without a zone; we always store UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def serialise(account: str, address: str | None) -> None:
    """Hold, until the transaction ends, the lock under which this account's and this address's
    failures are counted and recorded: a second sign-in of either waits until this one is counted.

    PostgreSQL: transaction-scoped advisory locks on the two keys, taken in one order. SQLite: the
    sign-in's transaction already holds the database's write lock (BEGIN IMMEDIATE, see
    `pointsys.database`), which serialises every sign-in.
    """
    if db.session.get_bind().dialect.name != "postgresql":
        return
    keys = sorted({_key("account", account), *([_key("address", address)] if address else [])})
    for key in keys:
        db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


def _key(scope: str, value: str) -> int:
    """A signed 64-bit advisory lock key for a throttle key."""
    digest = hashlib.blake2b(f"pointsys-throttle:{scope}:{value}".encode(), digest_size=8)
    return int.from_bytes(digest.digest(), "big", signed=True)


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
    last_success = as_utc(last_success) if last_success else None
    account_since = max(since, last_success) if last_success else since
    checks = [
        (
            "account",
            AuditEvent.actor_label == account,
            account_since,
            policy.max_failures_per_account,
            policy.window,
        )
    ]
    if policy.max_failures_per_day:
        day_since = max(now - DAY, last_success) if last_success else now - DAY
        checks.append(
            ("day", AuditEvent.actor_label == account, day_since, policy.max_failures_per_day, DAY)
        )
    if address:
        condition = AuditEvent.address == address
        if policy.kind is not None:
            condition = condition & (AuditEvent.object_type == policy.kind)
        checks.append(("address", condition, since, policy.max_failures_per_address, policy.window))
    for scope, condition, start, limit, window in checks:
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
            return Lock(scope, len(times), as_utc(times[-1]) + window)
    return None


def policy_from_config(config, kind: str = "user") -> Policy:
    """Staff sign-ins (kind "user") or residents' (kind "household"), as the app is configured."""
    if kind == "household":
        return Policy(
            max_failures_per_account=int(config["RESIDENT_LOGIN_MAX_FAILURES_PER_HOUSEHOLD"]),
            max_failures_per_address=int(config["RESIDENT_LOGIN_MAX_FAILURES_PER_ADDRESS"]),
            window=timedelta(minutes=int(config["RESIDENT_LOGIN_LOCK_MINUTES"])),
            max_failures_per_day=int(config["RESIDENT_LOGIN_MAX_FAILURES_PER_DAY"]) or None,
            kind=kind,
        )
    return Policy(
        max_failures_per_account=int(config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]),
        max_failures_per_address=int(config["LOGIN_MAX_FAILURES_PER_ADDRESS"]),
        window=timedelta(minutes=int(config["LOGIN_LOCK_MINUTES"])),
        kind=kind,
    )
