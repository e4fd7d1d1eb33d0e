"""Benchmark: export the audit trail (xlsx and CSV) vs writing the same rows with bare openpyxl.

    .venv/bin/python benchmarks/audit_export.py [--events 50000] [--runs 3]

Fills a fresh SQLite database with household "update" events (before/after of five fields), then
times audit_trail.rows() → xlsx_file() and → csv_chunks() over all of them. The baseline writes
the same number of ten-cell text rows with openpyxl's write-only mode and nothing else: the floor
for an xlsx export. Also prints tracemalloc's peak for the xlsx export at N/5 and N events: the
export streams if the peak does not grow with N.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from sqlalchemy import insert

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from pointsys import audit_trail, create_app
from pointsys.cli import init_database
from pointsys.extensions import db
from pointsys.models import AuditEvent

ZONE = ZoneInfo("Asia/Shanghai")


def fill(events: int) -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    rows = [
        {
            "at": start + timedelta(minutes=i),
            "actor_label": "clerk",
            "address": "10.0.0.7",
            "action": "update",
            "object_type": "household",
            "object_id": str(i % 3000),
            "before": {"head_name": "张三", "phone": "138", "grid": "A", "tags": ["党员户"]},
            "after": {"head_name": f"张三{i}", "phone": "139", "grid": "A", "tags": ["军属"]},
        }
        for i in range(events)
    ]
    db.session.execute(db.delete(AuditEvent))
    db.session.execute(insert(AuditEvent), rows)
    db.session.commit()


def timed(action, runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def baseline(events: int) -> None:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("x")
    row = ["2026-01-01 08:00:00", "clerk", "10.0.0.7", "修改", "update", "户", "1"] + ["x" * 60] * 3
    for _ in range(events):
        sheet.append(row)
    with tempfile.TemporaryFile() as f:
        workbook.save(f)


def export_xlsx() -> None:
    audit_trail.xlsx_file(audit_trail.rows(audit_trail.Filters(), ZONE)).close()


def export_csv() -> None:
    for _ in audit_trail.csv_chunks(audit_trail.rows(audit_trail.Filters(), ZONE)):
        pass


def peak(action) -> float:
    tracemalloc.start()
    action()
    _, top = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return top / 1024 / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        os.environ["POINTSYS_INSTANCE_PATH"] = folder
        app = create_app({"DATABASE_URL": f"sqlite:///{folder}/bench.sqlite", "SECRET_KEY": "x"})
        with app.test_request_context():
            init_database()
            fill(args.events)
            floor = timed(lambda: baseline(args.events), args.runs)
            xlsx = timed(export_xlsx, args.runs)
            text = timed(export_csv, args.runs)
            print(f"{args.events} events, median of {args.runs}")
            print(f"bare openpyxl write-only: {floor:.2f} s")
            print(f"xlsx export:             {xlsx:.2f} s  ({xlsx / floor:.2f}x)")
            print(f"CSV export:              {text:.2f} s  ({text / floor:.2f}x)")
            fill(args.events // 5)
            small = peak(export_xlsx)
            fill(args.events)
            large = peak(export_xlsx)
            print(f"xlsx peak memory: {small:.1f} MB at {args.events // 5}, {large:.1f} MB at N")


if __name__ == "__main__":
    main()
