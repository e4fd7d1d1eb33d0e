"""The demo village's ledger for 2026: inspections, good deeds and penalties through the year,
one capped entry, one veto, one reversal, a few entries waiting for review, Q1–Q3 closed.

Everything goes through pointsys.ledger, as a clerk and a supervisor would do it on the pages.
Idempotent: each submission has a fixed key ("demo-ledger-001" …), so a second run replays
them and adds nothing; approvals, the reversal and the closes happen only the first time.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from . import ledger
from .extensions import db
from .ledger import Draft, PointsError, SubmissionRefused
from .localtime import app_today
from .models import Household, User, Village
from .periods import Period

GROUPS = {
    "一组": ("001", "002", "003", "004"),
    "二组": ("005", "006", "007", "008"),
    "三组": ("009", "010", "011", "012"),
}
REVIEWED, PENDING, DIRECT = "reviewed", "pending", "direct"

# (key, source, item, day, 户号s, quantity, members involved (count from the head), note, outcome)
DEMO_LEDGER = [
    # 2026Q1
    (
        "001",
        "batch",
        "ENV-01",
        date(2026, 3, 20),
        GROUPS["一组"],
        None,
        0,
        "一季度卫生检查",
        DIRECT,
    ),
    ("002", "batch", "ENV-01", date(2026, 3, 21), ("005", "006", "007"), None, 0, None, DIRECT),
    ("003", "batch", "ENV-01", date(2026, 3, 22), GROUPS["三组"], None, 0, None, DIRECT),
    ("004", "form", "FIL-01", date(2026, 2, 10), ("003",), None, 0, "镇里评为孝老爱亲户", REVIEWED),
    ("005", "form", "ENV-05", date(2026, 3, 5), ("006",), None, 0, "路口堆放建筑垃圾", REVIEWED),
    (
        "006",
        "form",
        "PUB-01",
        date(2026, 3, 15),
        ("010",),
        Decimal(6),
        1,
        "植树节义务植树",
        REVIEWED,
    ),
    ("007", "form", "LAW-05", date(2026, 1, 15), ("002",), None, 0, None, DIRECT),
    # 2026Q2
    ("008", "batch", "ENV-01", date(2026, 6, 19), GROUPS["一组"], None, 0, None, DIRECT),
    ("009", "batch", "ENV-01", date(2026, 6, 19), GROUPS["二组"], None, 0, None, DIRECT),
    ("010", "batch", "ENV-01", date(2026, 6, 20), ("009", "010", "012"), None, 0, None, DIRECT),
    (
        "011",
        "form",
        "PUB-03",
        date(2026, 4, 18),
        ("008",),
        Decimal(2000),
        0,
        "捐建村口路灯",
        REVIEWED,
    ),
    ("012", "form", "ENV-06", date(2026, 5, 22), ("009",), Decimal(-3), 0, "鸡鸭散养", REVIEWED),
    ("013", "form", "SAF-07", date(2026, 4, 10), ("001",), None, 0, None, REVIEWED),
    ("014", "form", "FIL-07", date(2026, 5, 8), ("007",), None, 0, "照顾瘫痪的婆婆", REVIEWED),
    # 2026Q3
    ("015", "batch", "ENV-01", date(2026, 9, 18), GROUPS["一组"], None, 0, None, DIRECT),
    ("016", "batch", "ENV-01", date(2026, 9, 18), GROUPS["二组"], None, 0, None, DIRECT),
    ("017", "batch", "ENV-01", date(2026, 9, 19), GROUPS["三组"], None, 0, None, DIRECT),
    # 8 hours, at most 4 points an entry: the capped entry.
    ("018", "form", "PUB-01", date(2026, 7, 12), ("001",), Decimal(8), 2, "防汛值守", REVIEWED),
    (
        "019",
        "form",
        "PUB-06",
        date(2026, 8, 15),
        ("003",),
        Decimal(10),
        1,
        "下河救起落水儿童",
        REVIEWED,
    ),
    ("020", "form", "FIL-06", date(2026, 8, 2), ("005",), None, 0, "经派出所调查属实", REVIEWED),
    ("021", "form", "SAF-02", date(2026, 9, 1), ("007",), None, 0, "调解宅基地纠纷", REVIEWED),
    ("022", "form", "ENV-05", date(2026, 7, 30), ("011",), None, 0, "门前倾倒垃圾", REVIEWED),
    ("023", "form", "PUB-05", date(2026, 8, 20), ("010",), Decimal(2), 2, "修机耕路", REVIEWED),
    # 2026Q4
    ("024", "form", "PUB-04", date(2026, 10, 20), ("006",), None, 0, None, REVIEWED),
    # 005 was vetoed in Q3 (86 points): gambling takes its 年度积分 to 66, below the rulebook's
    # 70, and the household shows 暂停享受村集体福利 until it climbs back.
    ("029", "form", "LAW-04", date(2026, 10, 12), ("005",), None, 0, "派出所通报赌博", REVIEWED),
    ("025", "form", "FIL-02", date(2026, 10, 15), ("004",), None, 0, "探望五保户杨大爷", PENDING),
    ("026", "form", "SAF-01", date(2026, 11, 2), ("010",), None, 0, None, PENDING),
    (
        "027",
        "form",
        "LAW-02",
        date(2026, 11, 10),
        ("012",),
        Decimal(-5),
        0,
        "院外搭建彩钢棚",
        PENDING,
    ),
    ("028", "form", "ENV-03", date(2026, 11, 5), ("002",), None, 0, None, PENDING),
]
# The penalty of 022 turned out to be a mistake: a supervisor reverses it.
REVERSAL = ("demo-ledger-rev-001", "022", "经核实系过路车辆倾倒，不是本户所为")
CLOSED = ("2026Q1", "2026Q2", "2026Q3")


def demo_ledger(village: Village, report, today: date | None = None) -> None:
    """Record, review, reverse and close as above: only what a previous run has not done."""
    today = today or app_today()
    users = {
        u.username: u
        for u in db.session.execute(
            db.select(User).where(User.username.in_(("clerk", "supervisor", "admin")))
        ).scalars()
    }
    if len(users) < 3:
        return  # someone renamed the demo users: leave their village alone
    households = {
        h.number: h
        for h in db.session.execute(db.select(Household).filter_by(village_id=village.id)).scalars()
    }
    added = 0
    by_key = {}
    for key, source, item, on, numbers, quantity, involved, note, outcome in DEMO_LEDGER:
        if on > today or not all(n in households for n in numbers):
            continue  # never a future date; a demo household someone removed is skipped
        drafts = [
            Draft(
                households[n].id,
                item,
                on,
                quantity,
                tuple(m.id for m in households[n].members[:involved]),
                note,
            )
            for n in numbers
        ]
        try:
            result = ledger.record(
                village,
                drafts,
                key=f"demo-ledger-{key}",
                actor=users["clerk"],
                source=source,
                today=today,
            )
            if not result.replayed:
                added += len(result.entries)
                if outcome == REVIEWED:
                    ledger.approve(result.entries, reviewer=users["supervisor"], today=today)
            db.session.commit()
        except (PointsError, SubmissionRefused):
            db.session.rollback()  # e.g. a demo household moved out since: skip that line
            continue
        by_key[key] = result.entries
    added += _reverse(by_key, users["supervisor"], today)
    _close(village, users["admin"], today)
    if added:
        report.created.append(f"积分记录 {added} 条")


def _reverse(by_key, supervisor: User, today: date) -> int:
    key, original, reason = REVERSAL
    if original not in by_key:
        return 0
    try:
        result = ledger.reverse(
            by_key[original][0], actor=supervisor, reason=reason, key=key, today=today
        )
        db.session.commit()
    except PointsError:
        db.session.rollback()
        return 0
    return 0 if result.replayed else 1


def _close(village: Village, admin: User, today: date) -> None:
    for code in CLOSED:
        quarter = Period.parse(code)
        if today >= quarter.end and not ledger.is_closed(village, quarter.start):
            try:
                ledger.close_quarter(village, quarter, actor=admin, today=today)
                db.session.commit()
            except PointsError:
                db.session.rollback()
