"""Roster import and export: refusals, problems by row and column, all-or-nothing, idempotence."""

import io
import zipfile

import pytest
from openpyxl import Workbook, load_workbook

from pointsys import households as registry
from pointsys import uploads
from pointsys.extensions import db
from pointsys.households import roster
from pointsys.localtime import app_today
from pointsys.models import AuditEvent, Household, Village


@pytest.fixture
def village(app):
    with app.app_context():
        village = Village(code="v1", name="幸福村")
        db.session.add(village)
        db.session.flush()
        for name in ("一组", "二组"):
            registry.create_group(village, name, actor="test")
        db.session.commit()
        yield village


def xlsx(rows, members=None, title_rows=(), merge=None) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "户"
    for row in (*title_rows, *rows):
        ws.append(list(row))
    if merge:
        ws.merge_cells(merge)
    if members is not None:
        ms = wb.create_sheet("家庭成员")
        for row in members:
            ms.append(list(row))
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


HEADER = ["户号", "户主", "门牌地址", "村民小组", "网格", "联系电话", "标签", "状态"]
GOOD = [
    HEADER,
    ["001", "张三明", "幸福路1号", "一组", "一网格", "13800000001", "军属、党员户", "在册"],
    ["002", "李建国", "幸福路3号", "二组", None, None, None, None],
]
MEMBERS = [
    ["户号", "姓名", "与户主关系", "性别", "出生年份", "党员"],
    ["001", "张三明", "户主", "男", 1968, "是"],
    ["001", "李秀英", "配偶", "女", 1970, "否"],
]


def messages(plan):
    return [str(p) for p in plan.problems]


def count(model):
    return db.session.execute(db.select(db.func.count()).select_from(model)).scalar_one()


def test_import_creates_then_reimport_changes_nothing(village):
    data = xlsx(GOOD, MEMBERS)
    plan = roster.plan_import(village, data)
    assert plan.problems == []
    assert [c["number"] for c in plan.creates] == ["001", "002"]
    assert roster.apply_import(village, plan, actor="test") == {
        "created": 2,
        "updated": 0,
        "members": 1,
        "unchanged": 0,
    }
    db.session.commit()
    first = registry.find_household(village, "001")
    assert first.tags == ["党员户", "军属"] and first.group.name == "一组"
    assert [(m.name, m.sex, m.birth_year, m.is_party_member) for m in first.members] == [
        ("张三明", "M", 1968, True),
        ("李秀英", "F", 1970, False),
    ]
    assert [m.relation for m in registry.find_household(village, "002").members] == ["户主"]
    audits = count(AuditEvent)
    again = roster.plan_import(village, data)
    assert (again.creates, again.updates, again.member_sets, again.unchanged) == ([], [], {}, 2)
    roster.apply_import(village, again, actor="test")
    db.session.commit()
    assert count(AuditEvent) == audits


def test_export_is_the_template_layout_and_round_trips(village):
    roster.apply_import(village, roster.plan_import(village, xlsx(GOOD, MEMBERS)), actor="t")
    db.session.commit()
    exported = roster.export_households(village)
    template = roster.workbook_bytes(village, [])
    wb, tpl = load_workbook(io.BytesIO(exported)), load_workbook(io.BytesIO(template))
    assert wb.sheetnames == tpl.sheetnames == ["户", "家庭成员", "填写说明"]
    for name in ("户", "家庭成员"):
        assert [c.value for c in wb[name][1]] == [c.value for c in tpl[name][1]]
    registered = app_today().isoformat()  # no 在册日期 in the file: the import day
    assert [c.value for c in wb["户"][2]] == [*GOOD[1][:6], "党员户、军属", "在册", registered]
    assert tpl["户"].max_row == 1
    plan = roster.plan_import(village, exported)
    assert (plan.creates, plan.updates, plan.member_sets, plan.problems) == ([], [], {}, [])


def test_update_only_changes_what_differs_and_columns_present(village):
    roster.apply_import(village, roster.plan_import(village, xlsx(GOOD)), actor="t")
    db.session.commit()
    plan = roster.plan_import(
        village,
        xlsx([["编号", "户主姓名", "小组"], ["001", "张三明", "二组"], ["002", "李建国", "二组"]]),
    )
    assert plan.updates == [
        {"number": "001", "changes": {"group": "二组"}, "before": {"group": "一组"}}
    ]
    roster.apply_import(village, plan, actor="t")
    db.session.commit()
    first = registry.find_household(village, "001")
    assert first.group.name == "二组" and first.phone == "13800000001"  # phone column absent: kept


def test_headers_are_matched_tolerantly_below_a_merged_title(village):
    data = xlsx(
        [
            [" 户编号 ", "户主（必填）", "住址", "组别", "手机号"],
            [1, "张三明", "幸福路", "一组", 13800000001],
        ],
        title_rows=[["幸福村农户花名册"]],
        merge="A1:E1",
    )
    plan = roster.plan_import(village, data)
    assert plan.problems == []
    assert plan.creates[0]["number"] == "1" and plan.creates[0]["phone"] == "13800000001"


def test_every_problem_is_listed_by_row_and_column_and_nothing_is_written(village):
    rows = [
        HEADER,
        ["001", "张三明", None, "一组", None, "12345", None, None],
        [None, "无户号", None, None, None, None, None, None],
        [None] * 8,
        ["001", "重复", None, None, None, None, None, None],
        ["003", None, None, "三组", None, None, None, "搬走"],
        ["004", "刘德华", None, None, None, None, None, None],
        ["005", "赵春花", None, None, None, None, None, None],
    ]
    members = [
        MEMBERS[0],
        ["009", "某人", "子", None, None, None],
        ["004", "刘洋", "子", "未知", "七十年代", "也许"],
        ["004", None, None, None, None, None],
    ]
    data = xlsx(rows, members, merge="C7:C8")
    plan = roster.plan_import(village, data)
    assert messages(plan) == [
        "「户」第 7 行 C 列：第 7–8 行有合并单元格；请取消合并，并在每一行填写完整",
        "「户」第 2 行 F（联系电话） 列：电话“12345”格式不对：应为 11 位手机号或带区号的座机号",
        "「户」第 3 行 A（户号） 列：缺少户号",
        "「户」第 4 行：空行，已跳过",
        "「户」第 5 行 A（户号） 列：户号 001 与第 2 行重复",
        "「户」第 6 行 B（户主） 列：缺少户主姓名",
        "「户」第 6 行 D（村民小组） 列：村民小组“三组”不存在；现有小组：一组、二组",
        "「户」第 6 行 H（状态） 列：状态“搬走”无法识别；应为 在册、迁出 或 注销",
        "「家庭成员」第 2 行 A（户号） 列：户号 009 不在「户」表中，系统里也没有这一户",
        "「家庭成员」第 3 行 D（性别） 列：性别“未知”无法识别；应为 男 或 女",
        "「家庭成员」第 3 行 E（出生年份） 列：出生年份“七十年代”不对；应为四位年份，如 1968",
        "「家庭成员」第 3 行 F（党员） 列：党员一栏“也许”无法识别；填 是 或 否",
        "「家庭成员」第 4 行 B（姓名） 列：缺少姓名",
        "「家庭成员」第 4 行 C（与户主关系） 列：缺少与户主关系",
    ]
    assert [p.blocking for p in plan.problems].count(False) == 1
    with pytest.raises(roster.RosterError) as exc:
        roster.apply_import(village, plan, actor="t")
    assert str(exc.value) == "名册还有 13 处问题，改正后重新上传；本次未导入任何数据"
    assert count(Household) == 0


def test_empty_rows_alone_do_not_block(village):
    plan = roster.plan_import(village, xlsx([HEADER, GOOD[1], [None] * 8, GOOD[2], [None] * 8]))
    assert messages(plan) == ["「户」第 3 行：空行，已跳过"]
    assert plan.blocking == [] and len(plan.creates) == 2


def test_read_only_households_refuse_changes_from_the_roster(village):
    roster.apply_import(village, roster.plan_import(village, xlsx(GOOD)), actor="t")
    db.session.commit()
    moved = [HEADER, [*GOOD[1][:7], "迁出"]]
    roster.apply_import(village, roster.plan_import(village, xlsx(moved)), actor="t")
    db.session.commit()
    assert registry.find_household(village, "001").status == "moved_out"
    assert roster.plan_import(village, xlsx(moved)).unchanged == 1
    plan = roster.plan_import(
        village, xlsx([HEADER, [*GOOD[1][:2], "新地址", *GOOD[1][3:7], "迁出"]])
    )
    assert messages(plan) == [
        "「户」第 2 行 A（户号） 列：户号 001 已迁出，记录只读，名册中不能修改"
    ]
    plan = roster.plan_import(village, xlsx(moved, [MEMBERS[0], ["001", "新人", "子"]]))
    assert messages(plan) == ["「家庭成员」：户号 001 已不在册，成员不能修改"]


def _encrypted_like() -> bytes:
    # An OLE2 compound file whose directory names the EncryptionInfo stream, as Excel writes.
    return uploads.OLE2_MAGIC + b"\x00" * 504 + "EncryptionInfo".encode("utf-16-le") + b"\x00" * 64


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            uploads.OLE2_MAGIC + b"\x00" * 600,
            "这是旧版 Excel（.xls）文件；请另存为 .xlsx 格式后再上传",
        ),
        (
            _encrypted_like(),
            "文件设置了打开密码，系统无法读取；请在 Excel 中取消密码后另存为 .xlsx 格式再上传",
        ),
        (
            "户号,户主\n001,张三明\n".encode("gb18030"),
            "这是 CSV 或文本文件（只是扩展名改成了 .xlsx）；"
            "请用 Excel 打开后另存为 .xlsx 格式再上传",
        ),
        (b"", "文件是空的；请选择填好的名册 .xlsx 文件"),
        (
            b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe",
            "无法识别的文件；请上传 Excel 2007 及以后版本保存的 .xlsx 文件",
        ),
        (
            xlsx(GOOD)[:300],
            "文件已损坏，无法读取；请在 Excel 中打开检查后重新另存为 .xlsx 格式再上传",
        ),
        (
            xlsx([["姓名", "电话"], ["张三明", "13800000001"]]),
            "没有找到名册表头：请在前 10 行内写上“户号”和“户主”两列（可下载模板对照）",
        ),
    ],
    ids=["xls", "password", "csv", "empty", "png", "truncated", "no-header"],
)
def test_unreadable_files_are_refused_in_chinese(village, data, message):
    with pytest.raises(roster.RosterError) as exc:
        roster.plan_import(village, data)
    assert str(exc.value) == message


def test_a_zip_that_is_not_a_workbook_is_refused(village):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("hello.txt", "hi")
    with pytest.raises(roster.RosterError, match=r"^文件已损坏"):
        roster.plan_import(village, buffer.getvalue())


TOO_BIG = "文件太大（%s），上限为 %s；请删去无关的工作表、图片后再上传，或分批导入"


@pytest.mark.parametrize(
    ("size", "limit", "shown"),
    [
        (3 * 1048576, 2 * 1048576, ("3 MB", "2 MB")),
        (1048576, 1048576 // 2, ("1 MB", "0.5 MB")),
        # A file just over the limit reads as over it: its size is rounded up, never down.
        (2 * 1048576 + 1, 2 * 1048576, ("2.1 MB", "2 MB")),
        (5000, 1024, ("4.9 KB", "1 KB")),
    ],
)
def test_over_size_files_are_refused_with_readable_sizes(village, size, limit, shown):
    with pytest.raises(roster.RosterError) as exc:
        roster.open_workbook(b"PK\x03\x04" + b"\x00" * (size - 4), max_bytes=limit)
    assert str(exc.value) == TOO_BIG % shown


def test_an_upload_over_the_limit_is_refused_before_it_is_read(village):
    data = xlsx(GOOD)
    with pytest.raises(roster.RosterError) as exc:
        roster.plan_import(village, data, max_bytes=1024)
    assert str(exc.value) == TOO_BIG % (uploads.byte_size(len(data), round_up=True), "1 KB")


def test_the_digest_changes_when_the_registry_changes_after_preview(village):
    data = xlsx(GOOD)
    before = roster.plan_import(village, data).digest
    assert roster.plan_import(village, data).digest == before
    registry.create_household(village, number="002", head_name="别人", actor="t")
    db.session.commit()
    assert roster.plan_import(village, data).digest != before


def test_stored_uploads_are_checked_by_hash(tmp_path):
    digest = roster.store_upload(str(tmp_path), b"PK\x03\x04data")
    assert roster.load_upload(str(tmp_path), digest) == b"PK\x03\x04data"
    (tmp_path / f"{digest}.xlsx").write_bytes(b"PK\x03\x04changed")
    with pytest.raises(roster.RosterError, match=r"^保存的名册文件已被改动，请重新上传$"):
        roster.load_upload(str(tmp_path), digest)
    for bad in ("../../etc/passwd", "0" * 64):
        with pytest.raises(roster.RosterError, match=r"^预览已失效，请重新上传名册$"):
            roster.load_upload(str(tmp_path), bad)


def test_commit_uses_the_kept_parse_or_reads_the_file_again(village, tmp_path):
    data = xlsx(GOOD, MEMBERS)
    file_sha256, preview = roster.preview_upload(village, data, str(tmp_path))
    kept = tmp_path / f"{file_sha256}.v{roster.PARSED_VERSION}.json"
    assert roster.load_parsed(str(tmp_path), file_sha256) == roster.parse_roster(data)
    kept.unlink()  # e.g. a worker with another instance folder wrote no parse: read the file again
    assert roster.load_parsed(str(tmp_path), file_sha256) == roster.parse_roster(data)
    counts = roster.commit_upload(village, str(tmp_path), file_sha256, preview.digest, actor="test")
    db.session.commit()
    assert counts["created"] == 2
    with pytest.raises(roster.RosterError) as exc:
        roster.commit_upload(village, str(tmp_path), file_sha256, preview.digest, actor="test")
    assert str(exc.value) == "预览之后户籍数据有了变化；请重新上传名册，核对预览后再导入"


def test_a_kept_parse_from_another_parser_version_is_not_trusted(village, tmp_path):
    data = xlsx(GOOD)
    file_sha256, _ = roster.preview_upload(village, data, str(tmp_path))
    kept = tmp_path / f"{file_sha256}.v{roster.PARSED_VERSION}.json"
    marked = kept.read_text(encoding="utf-8").replace("张三明", "张三明*")
    kept.write_text(marked, encoding="utf-8")
    # The kept parse is what the commit reads (the marker shows it) …
    assert "张三明*" in str(roster.load_parsed(str(tmp_path), file_sha256).households.rows)
    # … unless it comes from another parser version: then the workbook is read again.
    kept.write_text(marked.replace('"version": 1', '"version": 0'), encoding="utf-8")
    assert roster.load_parsed(str(tmp_path), file_sha256) == roster.parse_roster(data)


def test_imported_households_are_complete_like_hand_made_ones(village):
    rows = [HEADER, ["001", "曾国藩", None, None, None, None, None, "迁出"], GOOD[2]]
    roster.apply_import(village, roster.plan_import(village, xlsx(rows)), actor="test")
    db.session.commit()
    moved, active = (registry.find_household(village, n) for n in ("001", "002"))
    assert (moved.head_initials, moved.head_pinyin) == ("zgf", "zengguofan")
    assert moved.plaque_token and moved.plaque_token != active.plaque_token
    assert [(s.status, s.reason) for s in moved.status_history] == [("moved_out", "名册导入")]
    assert [(m.name, m.relation) for m in active.members] == [("李建国", "户主")]
    events = (
        db.session.execute(
            db.select(AuditEvent).filter_by(action="create", object_type="household")
        )
        .scalars()
        .all()
    )
    assert sorted(e.object_id for e in events) == sorted([str(moved.id), str(active.id)])
    assert {e.after["number"] for e in events} == {"001", "002"}


def test_new_households_are_registered_from_the_roster_s_day_or_the_import_day(village):
    rows = [
        ["户号", "户主", "在册日期"],
        ["001", "张三明", "2019-05-01"],
        ["002", "李建国", "2020/3/7"],
        ["003", "王五", "2021年10月1日"],
        ["004", "赵六", ""],
    ]
    roster.apply_import(village, roster.plan_import(village, xlsx(rows)), actor="t")
    db.session.commit()
    numbers = ["001", "002", "003", "004"]
    days = {n: str(registry.find_household(village, n).registered_on) for n in numbers}
    assert days == {
        "001": "2019-05-01",
        "002": "2020-03-07",
        "003": "2021-10-01",
        "004": app_today().isoformat(),
    }


def test_a_wrong_or_future_registration_day_is_refused_with_its_row(village):
    rows = [
        ["户号", "户主", "登记日期"],
        ["001", "张三明", "去年"],
        ["002", "李建国", "2999-01-01"],
    ]
    plan = roster.plan_import(village, xlsx(rows))
    assert [str(p) for p in plan.problems] == [
        "「户」第 2 行 C（在册日期） 列："
        "在册日期“去年”不对；应为 2019-05-01 这样的日期，或留空（按导入当天）",
        "「户」第 3 行 C（在册日期） 列：在册日期 2999-01-01 还没到；请填写实际登记在册的日期。",
    ]
