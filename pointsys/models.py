"""Typed SQLAlchemy 2.0 models; households, members and users start small and grow with features."""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime
from typing import Any

from flask_login import UserMixin
from sqlalchemy import (
    JSON,
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
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from .extensions import db


def utcnow() -> datetime:
    return datetime.now(UTC)


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

    role_rows: Mapped[list[UserRole]] = relationship(cascade="all, delete-orphan", lazy="selectin")
    group_rows: Mapped[list[UserGroup]] = relationship(
        cascade="all, delete-orphan", lazy="selectin"
    )

    def get_id(self) -> str:
        # "u:" tells the session loader a staff account from a household ("h:"); see views/auth.
        return f"u:{self.id}"

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

    pin_version grows with every issue, reset or change; a session remembers the version it
    signed in with, so a reset PIN signs out every phone still using the old one.
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
