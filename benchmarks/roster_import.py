"""Benchmark: import a 5,000-household roster (preview + commit) vs openpyxl's read-only load.

    .venv/bin/python benchmarks/roster_import.py [--households 5000] [--runs 5]
        [--postgres postgresql://postgres@127.0.0.1:5432/test]

Both sides read the same file. The baseline opens it read-only and iterates every row of every
sheet. The import runs what the two web requests run (roster.preview_upload, then
roster.commit_upload and the commit) into a fresh, migrated database each run; the commit re-plans
against the database from the parse the preview kept (keyed by the file's sha256).
Prints medians and the ratio; the target (issue 4) is at most 3×.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import tempfile
import time
import uuid

from openpyxl import Workbook, load_workbook

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "建国明华秀英志强桂兰海燕春花德福永平玉兰文军丽红"
GROUPS = [f"{n}组" for n in "一二三四五六七八九十"]
TAGS = ["", "", "", "军属", "低保户", "党员户", "党员户、军属"]


def make_roster(households: int) -> bytes:
    """A roster in the template's layout, with three members a household."""
    wb = Workbook(write_only=True)
    hh = wb.create_sheet("户")
    hh.append(["户号", "户主", "门牌地址", "村民小组", "网格", "联系电话", "标签", "状态"])
    ms = wb.create_sheet("家庭成员")
    ms.append(["户号", "姓名", "与户主关系", "性别", "出生年份", "党员"])
    for i in range(households):
        number = f"{i + 1:05d}"
        head = SURNAMES[i % 20] + GIVEN[i % 24] + GIVEN[(i * 7) % 24]
        hh.append(
            [
                number,
                head,
                f"幸福路{i + 1}号",
                GROUPS[i % 10],
                f"第{i % 5 + 1}网格",
                f"138{i:08d}",
                TAGS[i % len(TAGS)],
                "在册",
            ]
        )
        ms.append([number, head, "户主", "男", 1950 + i % 40, "是" if i % 9 == 0 else "否"])
        ms.append([number, SURNAMES[(i + 3) % 20] + "秀英", "配偶", "女", 1952 + i % 40, "否"])
        ms.append([number, head[0] + "小" + GIVEN[i % 24], "子", "男", 1980 + i % 30, "否"])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def read_only_load(data: bytes) -> int:
    wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    rows = sum(1 for ws in wb.worksheets for _ in ws.iter_rows(values_only=True))
    wb.close()
    return rows


def import_once(data: bytes, database_url: str, instance: str, reparse: bool = False) -> float:
    """Seconds for preview + commit into a fresh database (schema setup not timed)."""
    os.environ["POINTSYS_INSTANCE_PATH"] = instance
    from pointsys import create_app
    from pointsys import households as registry
    from pointsys.cli import init_database
    from pointsys.extensions import db
    from pointsys.households import roster
    from pointsys.models import Household, Village

    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "bench"})
    with app.app_context():
        init_database()
        village = Village(code="bench", name="幸福村")
        db.session.add(village)
        db.session.flush()
        for name in GROUPS:
            registry.create_group(village, name, actor="bench")
        db.session.commit()

        uploads = os.path.join(instance, "uploads")
        start = time.perf_counter()
        # Request 1: preview (nothing written but the kept file). Request 2: commit.
        file_sha256, preview = roster.preview_upload(village, data, uploads)
        assert not preview.blocking, preview.problems[:3]
        db.session.rollback()
        if reparse:  # the fallback: the commit reads the workbook again
            for kept in os.listdir(uploads):
                if kept.endswith(".json"):
                    os.remove(os.path.join(uploads, kept))
        roster.commit_upload(village, uploads, file_sha256, preview.digest, actor="bench")
        db.session.commit()
        elapsed = time.perf_counter() - start

        count = db.session.execute(db.select(db.func.count(Household.id))).scalar_one()
        assert count == len(preview.creates), count
        db.session.remove()
        db.engine.dispose()
    return elapsed


def postgres_schema(url: str):
    import psycopg
    from sqlalchemy.engine import make_url

    schema = "bench_" + uuid.uuid4().hex[:12]
    libpq = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(libpq, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    scoped = make_url(url).update_query_dict({"options": f"-csearch_path={schema}"})

    def drop():
        with psycopg.connect(libpq, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')

    return scoped.render_as_string(hide_password=False), drop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--postgres", help="also measure on this PostgreSQL server")
    parser.add_argument(
        "--reparse", action="store_true", help="drop the preview's kept parse before the commit"
    )
    args = parser.parse_args()

    data = make_roster(args.households)
    print(f"roster: {args.households} households, {len(data) / 1024:.0f} KiB")
    rows = read_only_load(data)  # warm-up (imports, caches) outside the measurement
    baseline = []
    for _ in range(args.runs):
        start = time.perf_counter()
        read_only_load(data)
        baseline.append(time.perf_counter() - start)
    base = statistics.median(baseline)
    print(f"openpyxl read-only load, {rows} rows: median {base:.3f} s  {_fmt(baseline)}")

    targets = [("sqlite", None)]
    if args.postgres:
        targets.append(("postgresql", args.postgres))
    for name, url in targets:
        times = []
        for _ in range(args.runs):
            with tempfile.TemporaryDirectory() as tmp:
                if url is None:
                    times.append(
                        import_once(data, f"sqlite:///{tmp}/bench.sqlite", tmp, args.reparse)
                    )
                else:
                    scoped, drop = postgres_schema(url)
                    try:
                        times.append(import_once(data, scoped, tmp, args.reparse))
                    finally:
                        drop()
        median = statistics.median(times)
        print(
            f"{name}: preview + commit median {median:.3f} s  {_fmt(times)}  "
            f"ratio {median / base:.2f}× (target ≤ 3×)"
        )


def _fmt(values: list[float]) -> str:
    return "[" + ", ".join(f"{v:.3f}" for v in values) + "]"


if __name__ == "__main__":
    main()
