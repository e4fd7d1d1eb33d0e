"""Benchmark: the spreadsheets' speed and memory (issue 7, item 8).

    .venv/bin/python benchmarks/export_speed.py [--households 10000] [--runs 5]
        [--entries 1000000] [--archive-runs 1] [--postgres postgresql://postgres@127.0.0.1:5432/test]

(a) Notice board: the 10,000-household list (styled, merged titles, print setup) written by
    write_notice_board, against openpyxl's write-only mode writing the same cell values bare.
    Medians of --runs runs, same process, same data. Target: at most 1.5×.
(b) Archive: --entries entries bulk-loaded into a temporary SQLite database (and PostgreSQL with
    --postgres), exported by the real path (from_ledger.archive → ledger_queries.archive_rows
    streamed with yield_per → write_archive). Each export runs in a fresh subprocess whose peak
    RSS (VmHWM, the kernel's high-water mark of its resident set) is reported; the baseline
    subprocess writes the same number of rows of literal values with write-only openpyxl, no
    database. Target: peak under 200 MB.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from decimal import Decimal

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
# The app's instance folder (config, secret key) in a temporary place, inherited by the children.
os.environ.setdefault("POINTSYS_INSTANCE_PATH", tempfile.mkdtemp(prefix="export-bench-"))

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "建国明华秀英志强桂兰海燕春花德福永平玉兰文军丽红"


def make_board(households: int):
    from pointsys.periods import Period
    from pointsys.spreadsheets import HonourList, HonourLists, ListRow, NoticeBoard

    rows = [
        ListRow(
            rank=i + 1,
            household_id=i + 1,
            number=f"{i + 1:05d}",
            public_name=SURNAMES[i % 20] + "*" + GIVEN[i % 24],
            group_name=f"{i % 10 + 1}组",
            points=Decimal(40 - i % 80) / 2,
            balance=Decimal(100) + Decimal(40 - i % 80) / 2,
            tier_name="红榜" if i % 3 else "黑榜",
            reason="一票否决" if i % 97 == 0 else "",
        )
        for i in range(households)
    ]
    lists = HonourLists(
        "demo",
        "幸福村",
        Period.parse("2026Q3"),
        "village",
        "masked",
        [HonourList("", "全村积分排名", "red", rows)],
    )
    return NoticeBoard(
        lists,
        "幸福村村民委员会",
        1,
        date(2026, 10, 8),
        date(2026, 10, 14),
        objections_to="村务监督委员会",
    )


def baseline_board(board) -> bytes:
    """The same cells, bare: openpyxl write-only, no styles, merges or print setup."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("全村积分排名")
    ws.append(["幸福村2026年第三季度积分红黑榜"])
    ws.append(["全村积分排名"])
    ws.append(["公示期：2026年10月8日至2026年10月14日。"])
    ws.append(["名次", "户号", "户主", "村民小组", "本季积分", "累计积分", "等级", "备注"])
    for r in board.lists.lists[0].rows:
        ws.append(
            [
                r.rank,
                r.number,
                r.public_name,
                r.group_name,
                float(r.points),
                float(r.balance),
                r.tier_name,
                r.reason,
            ]
        )
    ws.append([])
    ws.append([None, None, None, None, None, "幸福村村民委员会"])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def bench_board(households: int, runs: int) -> None:
    from flask import Flask
    from flask_babel import Babel

    from pointsys.spreadsheets import write_notice_board

    app = Flask(__name__)  # gettext needs an app; the real one would add nothing here
    Babel(app)
    board = make_board(households)
    ours, base = [], []
    with app.app_context():
        for _ in range(runs):
            start = time.perf_counter()
            baseline_board(board)
            base.append(time.perf_counter() - start)
            start = time.perf_counter()
            write_notice_board(board, io.BytesIO())
            ours.append(time.perf_counter() - start)
    b, o = statistics.median(base), statistics.median(ours)
    print(f"(a) notice board, {households:,} households, median of {runs} runs")
    print(f"    openpyxl write-only, bare cells: {b:.3f} s")
    print(f"    write_notice_board (styled):     {o:.3f} s   ratio {o / b:.2f}× (target ≤ 1.5×)")


# ---- (b) archive -------------------------------------------------------------------------------


def load_ledger(url: str, entries: int) -> None:
    """A village, 5,000 households and `entries` entries, inserted in bulk (not through the
    ledger: this measures the export, and a million ledger.record calls would take hours)."""
    from pointsys import create_app
    from pointsys.cli import init_database
    from pointsys.extensions import db
    from pointsys.models import Entry, Household, RulebookSnapshot, User, Village

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True})
    with app.app_context():
        init_database()
        village = Village(code="bench", name="幸福村")
        db.session.add(village)
        db.session.flush()
        clerk = User(username="clerk", display_name="记分员", village_id=village.id)
        clerk.set_password("x" * 12)
        db.session.add(clerk)
        snapshot = RulebookSnapshot(
            village_code="bench",
            name="bench",
            version="1",
            effective=date(2026, 1, 1),
            sha256="0" * 64,
            text="",
            source="",
            loaded_by="bench",
        )
        db.session.add(snapshot)
        db.session.flush()
        households = 5000
        db.session.execute(
            db.insert(Household),
            [
                {
                    "village_id": village.id,
                    "number": f"{i + 1:05d}",
                    "head_name": SURNAMES[i % 20] + GIVEN[i % 24] + GIVEN[(i * 7) % 24],
                    "status": "active",
                }
                for i in range(households)
            ],
        )
        first = db.session.execute(db.select(db.func.min(Household.id))).scalar_one()
        now = datetime(2026, 11, 1, 8, 0)
        batch = 20000
        for offset in range(0, entries, batch):
            rows = []
            for i in range(offset, min(offset + batch, entries)):
                approved = i % 10 != 0
                rows.append(
                    {
                        "village_id": village.id,
                        "household_id": first + i % households,
                        "kind": "entry",
                        "rulebook_snapshot_id": snapshot.id,
                        "item_code": f"ENV-0{i % 8 + 1}",
                        "item_version": date(2026, 1, 1),
                        "item_title": "庭院整洁，季度检查合格",
                        "article": "村规民约第五条",
                        "occurred_on": date(2020, 1, 1) + timedelta(days=i % 2400),
                        "quantity": None,
                        "requested": Decimal(2) if i % 3 else Decimal("-0.5"),
                        "points": (Decimal(2) if i % 3 else Decimal("-0.5")) if approved else None,
                        "limits": "",
                        "veto": "",
                        "note": f"第{i}次检查" if i % 4 == 0 else None,
                        "source": "batch",
                        "status": "approved" if approved else "pending",
                        "created_by_id": clerk.id,
                        "created_label": "clerk",
                        "created_at": now,
                        "reviewed_by_id": clerk.id if approved else None,
                        "reviewed_at": now if approved else None,
                    }
                )
            db.session.execute(db.insert(Entry), rows)
        db.session.commit()


ARCHIVE_CHILD = """
import io, os, resource, sys, time
sys.path.insert(0, {root!r})
from datetime import UTC, datetime
mode, url, entries = sys.argv[1], sys.argv[2], int(sys.argv[3])
start = time.perf_counter()
if mode == "export":
    from pointsys import create_app
    from pointsys.extensions import db
    from pointsys.models import Village
    from pointsys.spreadsheets import from_ledger, write_archive
    app = create_app({{"SQLALCHEMY_DATABASE_URI": url, "TESTING": True}})
    with app.app_context():
        village = db.session.execute(db.select(Village).filter_by(code="bench")).scalar_one()
        with open(sys.argv[4], "wb") as out:
            count = write_archive(from_ledger.archive(village, now=datetime.now(UTC)), out)
else:
    from datetime import date, datetime
    from openpyxl import Workbook
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("台账")
    ws.append(["c%d" % i for i in range(23)])
    now = datetime(2026, 11, 1, 8, 0)
    for i in range(entries):
        ws.append([i + 1, "%05d" % (i % 5000 + 1), "王建国", "ENV-01", "庭院整洁，季度检查合格",
                   "村规民约第五条", date(2026, 1, 1), None, 2, 2, "已审核", "记录", None, "", "",
                   "batch", None, "clerk", "clerk", now, "clerk", now, None])
    with open(sys.argv[4], "wb") as out:
        wb.save(out)
    count = entries
seconds = time.perf_counter() - start
# VmHWM: this process's own peak RSS. ru_maxrss would do on a fresh process, but Linux carries
# it over from the parent across fork+exec (the parent holds the loaded test data).
hwm = next(l for l in open("/proc/self/status") if l.startswith("VmHWM")).split()[1]
print(count, seconds, int(hwm) / 1024, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""


def run_child(mode: str, url: str, entries: int) -> tuple[int, float, float]:
    code = ARCHIVE_CHILD.format(root=ROOT)
    with tempfile.NamedTemporaryFile(suffix=".xlsx") as out:
        done = subprocess.run(
            [sys.executable, "-c", code, mode, url, str(entries), out.name],
            capture_output=True,
            text=True,
            check=True,
        )
        size = os.path.getsize(out.name)
    count, seconds, peak_mb, _maxrss = done.stdout.split()
    print(
        f"    {mode:8s} {int(count):,} rows in {float(seconds):.1f} s, "
        f"peak RSS {float(peak_mb):.0f} MB, file {size / 1e6:.0f} MB"
    )
    return int(count), float(seconds), float(peak_mb)


def bench_archive(entries: int, runs: int, postgres: str | None) -> None:
    targets = []
    with tempfile.TemporaryDirectory() as tmp:
        sqlite_url = f"sqlite:///{tmp}/bench.db"
        start = time.perf_counter()
        load_ledger(sqlite_url, entries)
        print(
            f"(b) archive, {entries:,} entries (loaded into SQLite in "
            f"{time.perf_counter() - start:.0f} s), {runs} run(s) each"
        )
        targets.append(("SQLite", sqlite_url))
        if postgres:
            schema_url = _fresh_postgres_schema(postgres)
            load_ledger(schema_url, entries)
            targets.append(("PostgreSQL", schema_url))
        base = [run_child("baseline", "", entries) for _ in range(runs)]
        b_time = statistics.median(r[1] for r in base)
        b_peak = statistics.median(r[2] for r in base)
        for name, url in targets:
            print(f"    -- {name}")
            ours = [run_child("export", url, entries) for _ in range(runs)]
            assert all(r[0] == entries for r in ours)
            o_time = statistics.median(r[1] for r in ours)
            o_peak = statistics.median(r[2] for r in ours)
            print(
                f"    {name}: export peak {o_peak:.0f} MB (target < 200 MB), baseline peak "
                f"{b_peak:.0f} MB; time {o_time:.1f} s vs baseline {b_time:.1f} s "
                f"({o_time / b_time:.2f}×)"
            )
        if postgres:
            _drop_postgres_schema(postgres)


SCHEMA = "bench_exports"


def _fresh_postgres_schema(url: str) -> str:
    import psycopg

    with psycopg.connect(url.replace("postgresql://", "postgresql://", 1), autocommit=True) as c:
        c.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
        c.execute(f"CREATE SCHEMA {SCHEMA}")
    separator = "&" if "?" in url else "?"
    return (
        url.replace("postgresql://", "postgresql+psycopg://", 1)
        + f"{separator}options=-csearch_path%3D{SCHEMA}"
    )


def _drop_postgres_schema(url: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as c:
        c.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--households", type=int, default=10000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--archive-runs", type=int, default=1)
    parser.add_argument("--postgres", help="also load and export from this PostgreSQL database")
    parser.add_argument("--skip-board", action="store_true")
    parser.add_argument("--skip-archive", action="store_true")
    args = parser.parse_args()
    print("command:", " ".join([".venv/bin/python", "benchmarks/export_speed.py", *sys.argv[1:]]))
    if not args.skip_board:
        bench_board(args.households, args.runs)
    if not args.skip_archive:
        bench_archive(args.entries, args.archive_runs, args.postgres)


if __name__ == "__main__":
    main()
