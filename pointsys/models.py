"""Typed SQLAlchemy 2.0 models; households, members and users start small and grow with features."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask_login import UserMixin
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator
from werkzeug.security import check_password_hash, generate_password_hash

from . import localtime
from .extensions import db


def utcnow() -> datetime:
    # Through the one clock (pointsys.localtime), so a test that freezes it freezes stored times.
    return localtime.utc_now()


class Role(enum.StrEnum):
    """Staff roles; one person may hold several."""

    ADMIN = "admin"  # 村两委
    CLERK = "clerk"  # 记分员
    GROUP_LEADER = "group_leader"  # 村民小组长
    SUPERVISOR = "supervisor"  # 监督委员


class Village(db.Model):
    __tablename__ = "village"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    households: Mapped[list[Household]] = relationship(back_populates="village")


class HouseholdStatus(enum.StrEnum):
    """Where a household stands in the registry; only ACTIVE households may change."""

    ACTIVE = "active"  # 在册
    MOVED_OUT = "moved_out"  # 迁出
    CANCELLED = "cancelled"  # 注销 (also: merged into another household)


class VillageGroup(db.Model):
    """A village group (村民小组); every household belongs to at most one."""

    __tablename__ = "village_group"
    __table_args__ = (UniqueConstraint("village_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("village.id"), index=True)
    name: Mapped[str] = mapped_column(String(50))  # "第一村民小组", "一组" …
    sort_order: Mapped[int] = mapped_column(default=0)


class Household(db.Model):
    __tablename__ = "household"
    __table_args__ = (
        UniqueConstraint("village_id", "number"),
        CheckConstraint("status IN ('active', 'moved_out', 'cancelled')", name="known_status"),
        # Pinyin search is a prefix range on these columns, so it stays an index scan.
        Index("ix_household_village_id_head_initials", "village_id", "head_initials"),
        Index("ix_household_village_id_head_pinyin", "village_id", "head_pinyin"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("village.id"), index=True)
    number: Mapped[str] = mapped_column(String(32))  # 户号, unique within the village
    head_name: Mapped[str] = mapped_column(String(50))  # 户主
    address: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("village_group.id"), index=True)
    grid: Mapped[str | None] = mapped_column(String(50))  # 网格, optional
    phone: Mapped[str | None] = mapped_column(String(20))
    # server defaults: rows that existed before this column was added are active and unindexed.
    status: Mapped[str] = mapped_column(
        String(10), default=HouseholdStatus.ACTIVE.value, server_default="active"
    )
    status_since: Mapped[date | None] = mapped_column(Date)
    # The first day the household was 在册 (registered): it is ranked only in periods it was there
    # for (standings), and the ledger takes no conduct from before it. Every row has one (migration
    # 0009 filled in the old ones); the column stays nullable because SQLite cannot add NOT NULL
    # without rebuilding the table the whole ledger points at.
    registered_on: Mapped[date | None] = mapped_column(Date, default=date.today)
    # Precomputed from head_name by households.pinyin_keys(): "zsm" / "zhangsanming".
    head_initials: Mapped[str] = mapped_column(String(50), default="", server_default="")
    head_pinyin: Mapped[str] = mapped_column(String(200), default="", server_default="")
    # The random capability in the door plaque's QR code; rotating it kills the old plaque.
    plaque_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    plaque_token_rotated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    village: Mapped[Village] = relationship(back_populates="households")
    group: Mapped[VillageGroup | None] = relationship()
    members: Mapped[list[Member]] = relationship(
        back_populates="household", order_by="Member.id", cascade="all, delete-orphan"
    )
    tag_rows: Mapped[list[HouseholdTag]] = relationship(
        cascade="all, delete-orphan", order_by="HouseholdTag.name"
    )
    status_history: Mapped[list[HouseholdStatusChange]] = relationship(
        order_by="HouseholdStatusChange.id", cascade="all, delete-orphan"
    )

    @property
    def tags(self) -> list[str]:
        return [t.name for t in self.tag_rows]

    @property
    def is_active(self) -> bool:
        return self.status == HouseholdStatus.ACTIVE.value


class HouseholdTag(db.Model):
    """A free tag on a household (军属, 低保户, 党员户 …)."""

    __tablename__ = "household_tag"
    __table_args__ = (Index("ix_household_tag_name", "name"),)

    household_id: Mapped[int] = mapped_column(
        ForeignKey("household.id", ondelete="CASCADE"), primary_key=True
    )
    name: Mapped[str] = mapped_column(String(30), primary_key=True)


class HouseholdStatusChange(db.Model):
    """Every status a household has had, with the day it took effect; rows are only added."""

    __tablename__ = "household_status_change"
    __table_args__ = (
        CheckConstraint("status IN ('active', 'moved_out', 'cancelled')", name="known_status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id"), index=True)
    status: Mapped[str] = mapped_column(String(10))
    effective_on: Mapped[date] = mapped_column(Date)
    reason: Mapped[str | None] = mapped_column(String(200))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class HouseholdLink(db.Model):
    """Lineage: a split (source → new household) or a merge (absorbed source → survivor target).

    The ledger reads these to decide whose points a household carries; see README "Households".
    """

    __tablename__ = "household_link"
    __table_args__ = (
        CheckConstraint("kind IN ('split', 'merge')", name="known_kind"),
        CheckConstraint("source_id <> target_id", name="not_self"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    source_id: Mapped[int] = mapped_column(ForeignKey("household.id"), index=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("household.id"), index=True)
    effective_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Member(db.Model):
    __tablename__ = "member"
    __table_args__ = (
        CheckConstraint("sex IS NULL OR sex IN ('M', 'F')", name="known_sex"),
        CheckConstraint(
            "birth_year IS NULL OR (birth_year BETWEEN 1900 AND 2100)", name="birth_year_range"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id"), index=True)
    name: Mapped[str] = mapped_column(String(50))
    relation: Mapped[str] = mapped_column(String(20))  # relation to the head: 户主, 配偶, 子 …
    # No ID-card numbers, on purpose: sex and birth year are all the points system needs.
    sex: Mapped[str | None] = mapped_column(String(1))
    birth_year: Mapped[int | None] = mapped_column(SmallInteger)
    is_party_member: Mapped[bool] = mapped_column(default=False, server_default=false())

    household: Mapped[Household] = relationship(back_populates="members")


class User(UserMixin, db.Model):
    __tablename__ = "user_account"  # "user" is reserved in PostgreSQL

    is_resident = False  # a staff account; see residents.Resident for the household sign-in
    household_id = None

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(50), unique=True)
    display_name: Mapped[str] = mapped_column(String(50))
    password_hash: Mapped[str] = mapped_column(String(255))
    is_active_account: Mapped[bool] = mapped_column(default=True)
    village_id: Mapped[int | None] = mapped_column(ForeignKey("village.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # Grows on sign-out, password reset, role change and deactivation; a session carries the
    # version it signed in with (get_id), so a copied cookie stops working at once.
    session_version: Mapped[int] = mapped_column(default=0, server_default="0")

    role_rows: Mapped[list[UserRole]] = relationship(cascade="all, delete-orphan", lazy="selectin")
    group_rows: Mapped[list[UserGroup]] = relationship(
        cascade="all, delete-orphan", lazy="selectin"
    )

    def get_id(self) -> str:
        # "u:" tells the session loader a staff account from a household ("h:"); see views/auth.
        # The version ends the session (and any remember-me cookie) once it is bumped.
        return f"u:{self.id}:{self.session_version}"

    def end_sessions(self) -> None:
        """Sign this account out everywhere: every session and cookie made so far stops working."""
        self.session_version += 1

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive accounts
        return self.is_active_account

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(Role(r.role) for r in self.role_rows)

    def has_role(self, *roles: Role) -> bool:
        return bool(self.roles.intersection(roles))

    @property
    def group_ids(self) -> frozenset[int]:
        """The village groups this person leads (村民小组长); see pointsys.access."""
        return frozenset(r.group_id for r in self.group_rows)

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)


class UserRole(db.Model):
    __tablename__ = "user_role"
    __table_args__ = (
        CheckConstraint(
            "role IN ('admin', 'clerk', 'group_leader', 'supervisor')", name="known_role"
        ),
    )

    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String(20), primary_key=True)


class UserGroup(db.Model):
    """A group leader's assignment to a village group; they see only these groups' households."""

    __tablename__ = "user_group"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True
    )
    group_id: Mapped[int] = mapped_column(
        ForeignKey("village_group.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class ResidentAccess(db.Model):
    """A household's sign-in (户号 + PIN): only the PIN's hash is kept, one row per household.

    pin_version is the version of the household's sign-in: it grows with every issue, reset or
    change of the PIN and with every sign-out; a session remembers the version it signed in with,
    so a reset PIN or a sign-out signs out every phone (and every copied cookie) still using it.
    """

    __tablename__ = "resident_access"

    household_id: Mapped[int] = mapped_column(
        ForeignKey("household.id", ondelete="CASCADE"), primary_key=True
    )
    pin_hash: Mapped[str] = mapped_column(String(255))
    pin_version: Mapped[int] = mapped_column(default=1)
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # None until the resident replaces the PIN from the slip with one of their own.
    changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    household: Mapped[Household] = relationship()

    def set_pin(self, pin: str) -> None:
        self.pin_hash = generate_password_hash(pin)

    def check_pin(self, pin: str) -> bool:
        return check_password_hash(self.pin_hash, pin)


class AuditEvent(db.Model):
    """Who did what, when, with the values before and after. Rows are only ever added."""

    __tablename__ = "audit_event"
    # Sign-in throttling counts recent failures per account and per address.
    __table_args__ = (
        Index("ix_audit_event_action_actor_label_at", "action", "actor_label", "at"),
        Index("ix_audit_event_action_address_at", "action", "address", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # Who acted when there is no user row: "cli", "demo", a resident's household number …
    actor_label: Mapped[str] = mapped_column(String(100))
    address: Mapped[str | None] = mapped_column(String(64))  # the client's IP address, if any
    action: Mapped[str] = mapped_column(String(50), index=True)
    object_type: Mapped[str] = mapped_column(String(50))
    object_id: Mapped[str | None] = mapped_column(String(50))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class RulebookSnapshot(db.Model):
    """A rulebook exactly as loaded: its text and hash, never changed (the database refuses it).

    Entries will reference the snapshot they were scored under, so a later edit of the file can
    never change what a past entry shows.
    """

    __tablename__ = "rulebook_snapshot"
    __table_args__ = (UniqueConstraint("village_code", "sha256"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    village_code: Mapped[str] = mapped_column(String(32), index=True)
    name: Mapped[str] = mapped_column(String(200))
    version: Mapped[str] = mapped_column(String(100))
    effective: Mapped[date] = mapped_column(Date)
    sha256: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(500))  # the file it was loaded from
    loaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    loaded_by: Mapped[str] = mapped_column(String(100))


class Points(TypeDecorator):
    """Points stored as whole hundredths in an integer column, read back as exact Decimals.

    Rulebook values have one decimal and quantities one decimal, so every amount is a whole
    number of hundredths; integers sum exactly in SQLite and PostgreSQL alike (invariant 8),
    where SQLite would turn a NUMERIC into a binary float.
    """

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: Any) -> int | None:
        if value is None:
            return None
        hundredths = Decimal(value) * 100
        if hundredths != hundredths.to_integral_value():
            raise ValueError(f"{value} has more than two decimals")
        return int(hundredths)

    def process_result_value(self, value: int | None, dialect: Any) -> Decimal | None:
        return None if value is None else from_hundredths(value)


def from_hundredths(value: int) -> Decimal:
    """An integer sum of a Points column as the Decimal it stands for (1050 → 10.5)."""
    return Decimal(value) / 100


class EntryStatus(enum.StrEnum):
    PENDING = "pending"  # 待审核: never counts
    APPROVED = "approved"  # 已审核: counts in balances, caps and lists
    REJECTED = "rejected"  # 已驳回


class Submission(db.Model):
    """One form post or upload, by its idempotency key: a replay finds it and changes nothing."""

    __tablename__ = "submission"
    __table_args__ = (UniqueConstraint("village_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("village.id"))
    key: Mapped[str] = mapped_column(String(64))
    digest: Mapped[str] = mapped_column(String(64))  # sha256 of the canonical content
    source: Mapped[str] = mapped_column(String(20))  # form, batch, sheet, declaration, reversal
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    actor_label: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Entry(db.Model):
    """One ledger line (积分记录). Append-only: the database refuses DELETE, and refuses any
    UPDATE except the one review that moves a pending entry to approved (setting its granted
    points) or rejected. A correction is a new reversal entry pointing at the original."""

    __tablename__ = "entry"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'approved', 'rejected')", name="known_status"),
        CheckConstraint("kind IN ('entry', 'reversal')", name="known_kind"),
        CheckConstraint(
            "(kind = 'reversal' AND reverses_id IS NOT NULL)"
            " OR (kind = 'entry' AND reverses_id IS NULL)",
            name="reversal_points_back",
        ),
        CheckConstraint("status <> 'approved' OR points IS NOT NULL", name="approved_has_points"),
        # A household's balance: an index-only range scan over its approved entries. `status`
        # is constant in this partial index, but SQLite (3.40) reads the table unless every
        # column the query names is in the index (benchmarks/ledger_speed.py shows the plan).
        Index(
            "ix_entry_household_balance",
            "household_id",
            "occurred_on",
            "points",
            "status",
            sqlite_where=text("status = 'approved'"),
            postgresql_where=text("status = 'approved'"),
        ),
        # A period's standings for a village: one index-only scan, grouped by household.
        Index(
            "ix_entry_village_standings",
            "village_id",
            "occurred_on",
            "household_id",
            "points",
            "status",
            sqlite_where=text("status = 'approved'"),
            postgresql_where=text("status = 'approved'"),
        ),
        Index("ix_entry_village_id_status", "village_id", "status"),
        # Veto entries are rare: the honour lists find them without reading the whole ledger.
        Index(
            "ix_entry_vetoes",
            "village_id",
            "occurred_on",
            sqlite_where=text("veto <> ''"),
            postgresql_where=text("veto <> ''"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("village.id"))
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id"), index=True)
    submission_id: Mapped[int | None] = mapped_column(ForeignKey("submission.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10), default="entry")
    # unique: an entry is reversed at most once (a reversal may itself be reversed).
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("entry.id"), unique=True)
    # What the entry was scored under (invariant 2): never re-read from a later rulebook.
    rulebook_snapshot_id: Mapped[int] = mapped_column(ForeignKey("rulebook_snapshot.id"))
    item_code: Mapped[str] = mapped_column(String(32))
    item_version: Mapped[date] = mapped_column(Date)  # the item version's effective date
    item_title: Mapped[str] = mapped_column(String(200))
    article: Mapped[str] = mapped_column(String(200))
    occurred_on: Mapped[date] = mapped_column(Date)  # the day of the conduct: decides the period
    quantity: Mapped[Decimal | None] = mapped_column(Points)
    requested: Mapped[Decimal] = mapped_column(Points)
    points: Mapped[Decimal | None] = mapped_column(Points)  # granted; set once, on approval
    limits: Mapped[str] = mapped_column(String(200), default="")  # what cut the points
    veto: Mapped[str] = mapped_column(String(200), default="")  # veto consequences triggered
    member_ids: Mapped[list[int] | None] = mapped_column(JSON)
    note: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(20))  # form, batch, sheet, declaration, reversal
    status: Mapped[str] = mapped_column(String(10), default=EntryStatus.PENDING.value)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_label: Mapped[str] = mapped_column(String(100))  # username, or a resident's 户号
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    review_note: Mapped[str | None] = mapped_column(Text)
    level: Mapped[str | None] = mapped_column(String(100))  # the level chosen (levels items)
    # A companion: posted with this source entry for an item accumulating its quantity
    # (quantity_from); reversing the source reverses it, in the same transaction.
    source_entry_id: Mapped[int | None] = mapped_column(ForeignKey("entry.id"), index=True)

    household: Mapped[Household] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    reviewed_by: Mapped[User | None] = relationship(foreign_keys=[reviewed_by_id])
    reverses: Mapped[Entry | None] = relationship(
        remote_side=[id], foreign_keys=[reverses_id], back_populates="reversed_by"
    )
    reversed_by: Mapped[Entry | None] = relationship(
        foreign_keys=[reverses_id], back_populates="reverses", uselist=False
    )
    source_entry: Mapped[Entry | None] = relationship(
        remote_side=[id], foreign_keys=[source_entry_id], back_populates="companions"
    )
    companions: Mapped[list[Entry]] = relationship(
        foreign_keys=[source_entry_id], back_populates="source_entry", order_by="Entry.id"
    )

    @property
    def is_approved(self) -> bool:
        return self.status == EntryStatus.APPROVED.value


class QuarterClose(db.Model):
    """A period of the lists (a quarter, or the month … year the rulebook's [honours] period
    says) an admin closed: entries dated in it are refused until an admin reopens it. The
    table keeps its first name; rows closed before periods other than quarters are quarters."""

    __tablename__ = "quarter_close"
    __table_args__ = (UniqueConstraint("village_id", "period_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("village.id"))
    quarter_start: Mapped[date] = mapped_column(Date)  # the period's first day
    period_code: Mapped[str] = mapped_column(String(10))  # 2026Q3, 2026-07, 2026H2 …
    period_end: Mapped[date] = mapped_column(Date)  # the day after its last day
    closed: Mapped[bool] = mapped_column(Boolean, default=True)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    reason: Mapped[str | None] = mapped_column(Text)  # why it was reopened


class Publication(db.Model):
    """One issue (第N版) of a period's honour lists as published. Never changed: the database
    refuses UPDATE and DELETE (invariant 5); a correction is published as the next issue.
    The period is a quarter unless the rulebook's [honours] period said otherwise."""

    __tablename__ = "publication"
    __table_args__ = (UniqueConstraint("village_id", "quarter_code", "issue"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("village.id"))
    quarter_start: Mapped[date] = mapped_column(Date)  # the period's first day
    quarter_code: Mapped[str] = mapped_column(String(10))  # the period's code: "2026Q3", "2026H2"
    period_end: Mapped[date] = mapped_column(Date)  # the day after the period's last day
    issue: Mapped[int] = mapped_column()  # 1, 2, …
    rulebook_snapshot_id: Mapped[int | None] = mapped_column(ForeignKey("rulebook_snapshot.id"))
    rulebook_version: Mapped[str] = mapped_column(String(100))
    last_entry_id: Mapped[int | None] = mapped_column()  # the newest ledger entry it includes
    scope: Mapped[str] = mapped_column(String(10))  # "village" or "group"
    names: Mapped[str] = mapped_column(String(10))  # "full" or "masked"
    published_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    published_label: Mapped[str] = mapped_column(String(100))
    publicity_start: Mapped[date] = mapped_column(Date)  # first day of the publicity period
    publicity_end: Mapped[date] = mapped_column(Date)  # last day (inclusive)
    objection_days: Mapped[int] = mapped_column()  # days the committee has to settle one
    reason: Mapped[str | None] = mapped_column(Text)  # why a later issue was published

    rows: Mapped[list[PublicationRow]] = relationship(
        order_by="PublicationRow.position", back_populates="publication"
    )


class PublicationRow(db.Model):
    """A household's line on a published list, exactly as printed (the name as shown); on a
    latest-deductions list (曝光台) an entry's line: its household, the name as printed (the
    group's name or the head's), the item, the day and the points, with no balance."""

    __tablename__ = "publication_row"
    __table_args__ = (UniqueConstraint("publication_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    publication_id: Mapped[int] = mapped_column(ForeignKey("publication.id"), index=True)
    position: Mapped[int] = mapped_column()  # order on the notice board, from 1
    tier_code: Mapped[str] = mapped_column(String(32))
    tier_name: Mapped[str] = mapped_column(String(50))
    side: Mapped[str] = mapped_column(String(5))  # red / black
    rank: Mapped[int] = mapped_column()
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id"))
    number: Mapped[str] = mapped_column(String(32))
    public_name: Mapped[str] = mapped_column(String(100))
    group_name: Mapped[str | None] = mapped_column(String(50))
    points: Mapped[Decimal] = mapped_column(Points)  # the period's points (an entry's points)
    # the account balance at the period's end; None on an entry's line
    balance: Mapped[Decimal | None] = mapped_column(Points)
    reason: Mapped[str] = mapped_column(String(300), default="")
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("entry.id"))  # an entry's line
    occurred_on: Mapped[date | None] = mapped_column(Date)  # an entry's line: the conduct's day
    item_title: Mapped[str | None] = mapped_column(String(200))  # an entry's line

    publication: Mapped[Publication] = relationship(back_populates="rows")


class ObjectionStatus(enum.StrEnum):
    OPEN = "open"  # 待处理
    UPHELD = "upheld"  # 异议成立
    DISMISSED = "dismissed"  # 异议不成立


class Objection(db.Model):
    """An objection (异议) to a household's place on a published list, or to one of its entries,
    raised during the publicity period and settled once by the supervision committee."""

    __tablename__ = "objection"
    __table_args__ = (
        CheckConstraint("status IN ('open', 'upheld', 'dismissed')", name="known_status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    publication_id: Mapped[int] = mapped_column(ForeignKey("publication.id"), index=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id"))
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("entry.id"))
    text: Mapped[str] = mapped_column(Text)
    raised_by_label: Mapped[str] = mapped_column(String(100))  # who objected (a resident's name)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    raised_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)  # the committee answers by this day
    status: Mapped[str] = mapped_column(String(10), default=ObjectionStatus.OPEN.value)
    answer: Mapped[str | None] = mapped_column(Text)
    settled_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    settled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    correction_entry_id: Mapped[int | None] = mapped_column(ForeignKey("entry.id"))
    new_publication_id: Mapped[int | None] = mapped_column(ForeignKey("publication.id"))

    publication: Mapped[Publication] = relationship(foreign_keys=[publication_id])
    household: Mapped[Household] = relationship()
    entry: Mapped[Entry | None] = relationship(foreign_keys=[entry_id])


class EntryPhoto(db.Model):
    """An evidence photo attached to an entry; the file lives under instance/evidence/ by its hash.

    Rows are only added (the database refuses UPDATE and DELETE), like the entries they support.
    """

    __tablename__ = "entry_photo"
    __table_args__ = (
        # The same picture twice on one entry proves nothing more.
        UniqueConstraint("entry_id", "sha256"),
        CheckConstraint("content_type IN ('image/jpeg', 'image/png')", name="known_type"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entry.id"), index=True)
    # "2026/11/<sha256>.jpg", relative to instance/evidence/; made by us, never by the uploader.
    stored_name: Mapped[str] = mapped_column(String(100))
    content_type: Mapped[str] = mapped_column(String(20))
    size: Mapped[int] = mapped_column()
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    uploaded_label: Mapped[str] = mapped_column(String(100))
    uploaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
