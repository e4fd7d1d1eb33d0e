"""The home page of each staff role: what needs doing now, computed here; the view only renders.

- supervisor (监督委员): entries waiting for review, open objections and their deadlines;
- clerk (记分员): what they recorded today and this week, their latest entries;
- admin (村两委): the state of the current and previous period of the lists, households, staff,
  and the year's charts (points by category, by village group, by period; households per tier);
- group leader (村民小组长): their groups' households and the declarations waiting there.

A person holding several roles gets each role's section. Figures come from pointsys.standings
(invariant 6) or one grouped query each; nothing here loops over households with a query.
Takes plain arguments (village, the person, today) like the other domain modules; chart titles
go through Flask-Babel, like period_names, so this is called inside a request.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import case, func, or_

from . import rules_store, standings
from .charts import Bar, Chart
from .extensions import db
from .ledger.quarters import list_period_kind, period_closed
from .models import (
    Entry,
    EntryStatus,
    Household,
    HouseholdStatus,
    Publication,
    Role,
    User,
    Village,
    VillageGroup,
)
from .period_names import KIND_WORDS, period_name, period_name_in_year
from .periods import Period
from .publishing.issues import in_publicity, latest_issue
from .publishing.objections import ObjectionView, objections

LATEST = 5  # entries shown in a list on the home page; the full lists are one click away

# A period of the lists, as the admin's home page says where it stands.
OPEN = "open"  # not yet ended: entries still come in
PENDING = "pending"  # ended, entries waiting for review: it cannot be closed yet
READY = "ready"  # ended, nothing pending: ready to close
CLOSED = "closed"  # closed, lists not yet published
PUBLICITY = "publicity"  # published, in its publicity period (公示期)
PUBLISHED = "published"  # published, publicity over


@dataclass(frozen=True)
class PeriodState:
    period: Period
    state: str  # one of the constants above
    pending: int  # entries of the period waiting for review
    issue: Publication | None  # the newest issue of its lists, if published


@dataclass(frozen=True)
class AdminHome:
    periods: list[PeriodState]  # the current period of the lists, then the previous one
    households: int  # 在册
    staff: int  # active staff accounts
    charts: list[Chart]


@dataclass(frozen=True)
class SupervisorHome:
    pending: int
    oldest: list[Entry]  # the LATEST entries waiting longest (oldest conduct first)
    objections: list[ObjectionView]  # open ones, earliest deadline first


@dataclass(frozen=True)
class ClerkHome:
    today: int  # entries they recorded today (the village's date)
    week: int  # … since Monday
    latest: list[Entry]  # their LATEST newest entries


@dataclass(frozen=True)
class LeaderHome:
    groups: list[tuple[VillageGroup, int]]  # their groups with 在册 households
    declarations: list[Entry]  # declarations of those households waiting for review


@dataclass(frozen=True)
class Home:
    """One section per role the person holds (None for the others)."""

    admin: AdminHome | None = None
    supervisor: SupervisorHome | None = None
    clerk: ClerkHome | None = None
    leader: LeaderHome | None = None


def home(village: Village, person: User, today: date, zone: ZoneInfo) -> Home:
    """Every section of the home page `person` should see, for `today` in `zone`."""
    roles = person.roles
    return Home(
        admin=admin_home(village, today) if Role.ADMIN in roles else None,
        supervisor=supervisor_home(village, today) if Role.SUPERVISOR in roles else None,
        clerk=clerk_home(village, person.id, today, zone) if Role.CLERK in roles else None,
        leader=leader_home(village, person.group_ids) if Role.GROUP_LEADER in roles else None,
    )


def pending_count(village_id: int) -> int:
    """Entries of the village waiting for review (the review queue's menu entry shows it)."""
    return db.session.execute(
        db.select(func.count(Entry.id)).where(
            Entry.village_id == village_id, Entry.status == EntryStatus.PENDING.value
        )
    ).scalar_one()


# ───── supervisor ─────


def supervisor_home(village: Village, today: date) -> SupervisorHome:
    oldest = list(
        db.session.execute(
            db.select(Entry)
            .where(Entry.village_id == village.id, Entry.status == EntryStatus.PENDING.value)
            .options(db.joinedload(Entry.household))
            .order_by(Entry.occurred_on, Entry.id)
            .limit(LATEST)
        ).scalars()
    )
    return SupervisorHome(
        pending=pending_count(village.id),
        oldest=oldest,
        objections=objections(village, today, open_only=True),
    )


# ───── clerk ─────


def day_start(day: date, zone: ZoneInfo) -> datetime:
    """The UTC moment the village's day begins (timestamps are stored in UTC)."""
    return datetime.combine(day, time(0), zone).astimezone(UTC)


def clerk_home(village: Village, user_id: int, today: date, zone: ZoneInfo) -> ClerkHome:
    """What the clerk recorded (entries, not reversals or the companions posted with them)."""
    since_today = day_start(today, zone)
    since_monday = day_start(today - timedelta(days=today.weekday()), zone)
    theirs = (
        Entry.village_id == village.id,
        Entry.created_by_id == user_id,
        Entry.kind == "entry",
        Entry.source_entry_id.is_(None),
    )
    today_count, week_count = db.session.execute(
        db.select(
            func.count(case((Entry.created_at >= since_today, Entry.id))),
            func.count(Entry.id),
        ).where(*theirs, Entry.created_at >= since_monday)
    ).one()
    latest = list(
        db.session.execute(
            db.select(Entry)
            .where(*theirs)
            .options(db.joinedload(Entry.household))
            .order_by(Entry.created_at.desc(), Entry.id.desc())
            .limit(LATEST)
        ).scalars()
    )
    return ClerkHome(today=today_count, week=week_count, latest=latest)


# ───── group leader ─────


def leader_home(village: Village, group_ids: frozenset[int]) -> LeaderHome:
    if not group_ids:
        return LeaderHome(groups=[], declarations=[])
    ids = sorted(group_ids)
    groups = db.session.execute(
        db.select(VillageGroup, func.count(Household.id))
        .outerjoin(
            Household,
            (Household.group_id == VillageGroup.id)
            & (Household.status == HouseholdStatus.ACTIVE.value),
        )
        .where(VillageGroup.village_id == village.id, VillageGroup.id.in_(ids))
        .group_by(VillageGroup.id)
        .order_by(VillageGroup.sort_order, VillageGroup.name)
    ).all()
    declarations = list(
        db.session.execute(
            db.select(Entry)
            .join(Household, Household.id == Entry.household_id)
            .where(
                Entry.village_id == village.id,
                Entry.status == EntryStatus.PENDING.value,
                Entry.source == "declaration",
                Household.group_id.in_(ids),
            )
            .options(db.contains_eager(Entry.household))
            .order_by(Entry.occurred_on, Entry.id)
        ).scalars()
    )
    return LeaderHome(groups=[(g, n) for g, n in groups], declarations=declarations)


# ───── admin ─────


def admin_home(village: Village, today: date) -> AdminHome:
    current = Period.of(list_period_kind(village), today)
    households, staff = db.session.execute(
        db.select(
            db.select(func.count(Household.id))
            .where(
                Household.village_id == village.id,
                Household.status == HouseholdStatus.ACTIVE.value,
            )
            .scalar_subquery(),
            # staff of this village, and those without one (a one-village deployment's)
            db.select(func.count(User.id))
            .where(
                User.is_active_account.is_(True),
                or_(User.village_id == village.id, User.village_id.is_(None)),
            )
            .scalar_subquery(),
        )
    ).one()
    return AdminHome(
        periods=period_states(village, [current, current.previous()], today),
        households=households,
        staff=staff,
        charts=year_charts(village, current),
    )


def period_states(village: Village, periods: list[Period], today: date) -> list[PeriodState]:
    """Where each period of the lists stands: open, waiting for review, ready to close, closed,
    in publicity or published. One query counts the pending entries of all of them."""
    counts = db.session.execute(
        db.select(
            *(
                func.count(
                    case(
                        (
                            (Entry.occurred_on >= p.start) & (Entry.occurred_on < p.end),
                            Entry.id,
                        )
                    )
                )
                for p in periods
            )
        ).where(Entry.village_id == village.id, Entry.status == EntryStatus.PENDING.value)
    ).one()
    states = []
    for period, pending in zip(periods, counts, strict=True):
        issue = latest_issue(village, period)
        closed = period_closed(village, period)
        if issue is not None and in_publicity(issue, today):
            state = PUBLICITY
        elif issue is not None and closed:
            state = PUBLISHED
        elif closed:
            state = CLOSED
        elif today < period.end:
            state = OPEN
        else:
            # ended and open: reopened after publishing too, so it must be closed again
            state = PENDING if pending else READY
        states.append(PeriodState(period, state, pending, issue))
    return states


def year_charts(village: Village, current: Period) -> list[Chart]:
    """The admin's charts: the year's points by category, by village group and by period, and
    the households on each tier in the current period."""
    rulebook = rules_store.in_force(village.code).rulebook
    year = Period.of("year", current.start)
    so_far = _year_so_far(current)
    by_period = standings.points_by_period(village, so_far)
    year_table = standings.standings(village, year, rulebook)
    current_table = standings.standings(village, current, rulebook)
    kind = KIND_WORDS[current.kind]
    return [
        Chart(
            key="chart-categories",
            title=_("%(year)s年各类积分", year=year.start.year),
            label_heading=_("类别"),
            value_heading=_("积分"),
            bars=_by_category(rulebook, standings.points_by_item(village, year)),
            horizontal=True,
        ),
        Chart(
            key="chart-groups",
            title=_("%(year)s年各村民小组积分", year=year.start.year),
            label_heading=_("村民小组"),
            value_heading=_("积分"),
            bars=_by_group(village, year_table),
            horizontal=True,
        ),
        Chart(
            key="chart-periods",
            title=_("%(year)s年每%(kind)s积分", year=year.start.year, kind=kind),
            label_heading=str(kind),
            value_heading=_("积分"),
            bars=tuple(
                Bar(period_name_in_year(p), value, highlight=p == current)
                for p, value in zip(so_far, by_period, strict=True)
            ),
        ),
        Chart(
            key="chart-tiers",
            title=_("%(period)s各榜户数", period=period_name(current)),
            label_heading=_("榜单"),
            value_heading=_("户数"),
            bars=_by_tier(rulebook, current_table),
            horizontal=True,
        ),
    ]


def _year_so_far(current: Period) -> list[Period]:
    periods = [current]
    while periods[0].start.month != 1:
        periods.insert(0, periods[0].previous())
    return periods


def _ranked(table: standings.Standings):
    """Rows that count for themselves: a household merged away is listed unranked, and its
    points already count for the household that absorbed it."""
    return (row for row in table.rows if row.rank is not None)


def _by_category(rulebook, by_item: dict[str, Decimal]) -> tuple[Bar, ...]:
    """Every category of the rulebook in its order; items it no longer has under 其他."""
    totals: dict[str, Decimal] = {c.code: Decimal(0) for c in rulebook.categories}
    other = Decimal(0)
    for code, points in by_item.items():
        item = rulebook.items.get(code)
        if item is not None and item.category in totals:
            totals[item.category] += points
        else:
            other += points
    bars = [Bar(c.name, totals[c.code]) for c in rulebook.categories]
    if other:
        bars.append(Bar(_("其他"), other))
    return tuple(bars)


def _by_group(village: Village, table: standings.Standings) -> tuple[Bar, ...]:
    """Every group of the village in its order, then households in no group (if any)."""
    totals: dict[int | None, Decimal] = {}
    for row in _ranked(table):
        totals[row.group_id] = totals.get(row.group_id, Decimal(0)) + row.points
    groups = db.session.execute(
        db.select(VillageGroup.id, VillageGroup.name)
        .where(VillageGroup.village_id == village.id)
        .order_by(VillageGroup.sort_order, VillageGroup.name)
    ).all()
    bars = [Bar(name, totals.get(group_id, Decimal(0))) for group_id, name in groups]
    if None in totals:
        bars.append(Bar(_("未分组"), totals[None]))
    return tuple(bars)


def _by_tier(rulebook, table: standings.Standings) -> tuple[Bar, ...]:
    """Households on each tier, in the rulebook's order, then those on no list."""
    counts = Counter(row.tier.code if row.tier else None for row in _ranked(table))
    bars = [
        Bar(t.name, Decimal(counts.get(t.code, 0)), tone=t.side) for t in rulebook.honours.tiers
    ]
    bars.append(Bar(_("未上榜"), Decimal(counts.get(None, 0))))
    return tuple(bars)
