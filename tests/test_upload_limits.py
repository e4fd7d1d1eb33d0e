"""Hostile workbooks and pictures cannot tie up a worker: each is refused quickly, in little
memory, with a message saying what to do.

Every file is built here from raw XML in a zip, streamed where it is big, so the test shows
exactly what is hostile about it. Each refusal is measured: well under a second, and a
tracemalloc peak far below what parsing the file would take.
"""

import io
import random
import time
import tracemalloc
import zipfile

import pytest
from flask_babel import force_locale
from PIL import Image

from pointsys import evidence, score_sheet, uploads
from pointsys.households import roster
from pointsys.score_sheet import ScoreSheetError

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006"
TYPES = f"""<?xml version="1.0" encoding="UTF-8"?>
<Types xmlns="{PKG}/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml"
 ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
<Override PartName="/xl/worksheets/sheet1.xml"
 ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>
<Override PartName="/xl/sharedStrings.xml"
 ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>
<Override PartName="/xl/styles.xml"
 ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>
</Types>"""
PACKAGE_RELS = f"""<Relationships xmlns="{PKG}/relationships">
<Relationship Id="rId1" Type="{REL}/officeDocument" Target="xl/workbook.xml"/>
</Relationships>"""
WORKBOOK = f"""<workbook xmlns="{MAIN}" xmlns:r="{REL}">
<sheets><sheet name="户" sheetId="1" r:id="rId1"/></sheets></workbook>"""
WORKBOOK_RELS = f"""<Relationships xmlns="{PKG}/relationships">
<Relationship Id="rId1" Type="{REL}/worksheet" Target="worksheets/sheet1.xml"/>
<Relationship Id="rId2" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/>
<Relationship Id="rId3" Type="{REL}/styles" Target="styles.xml"/>
</Relationships>"""
STYLES = f"""<styleSheet xmlns="{MAIN}"><fonts count="1"><font/></fonts>
<fills count="1"><fill><patternFill patternType="none"/></fill></fills>
<borders count="1"><border/></borders>
<cellStyleXfs count="1"><xf/></cellStyleXfs>
<cellXfs count="1"><xf xfId="0"/></cellXfs>
<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>"""
STRINGS = f'<sst xmlns="{MAIN}"><si><t>户号</t></si><si><t>户主</t></si></sst>'
HEADER = '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>'
ROW = '<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>{n:03d}</t></is></c></row>'
LIMIT = 50 * 1024 * 1024  # the file itself may be big here: what is inside is being tested


def xlsx(sheet_rows="", *, dimension=None, parts=None, before_data="") -> bytes:
    """A roster-shaped workbook from raw XML: `sheet_rows` is the body of <sheetData> (a str, or
    an iterable of str streamed into the zip); `parts` replace or add parts (str, bytes, or an
    iterable of bytes streamed)."""
    ref = f'<dimension ref="{dimension}"/>' if dimension else ""
    sheet_start = f'<worksheet xmlns="{MAIN}">{ref}{before_data}<sheetData>{HEADER}'
    rows = [sheet_rows] if isinstance(sheet_rows, str) else sheet_rows
    sheet = _chain([sheet_start], rows, ["</sheetData></worksheet>"])
    contents = {
        "[Content_Types].xml": TYPES,
        "_rels/.rels": PACKAGE_RELS,
        "xl/workbook.xml": WORKBOOK,
        "xl/_rels/workbook.xml.rels": WORKBOOK_RELS,
        "xl/styles.xml": STYLES,
        "xl/sharedStrings.xml": STRINGS,
        "xl/worksheets/sheet1.xml": sheet,
        **(parts or {}),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for name, content in contents.items():
            with archive.open(name, "w") as part:
                for piece in [content] if isinstance(content, str | bytes) else content:
                    part.write(piece.encode() if isinstance(piece, str) else piece)
    return buffer.getvalue()


def _chain(*pieces):
    for group in pieces:
        yield from group


def rows(first: int, last: int, template: str = ROW, batch: int = 10_000):
    """Rows first..last as XML, streamed in batches."""
    for start in range(first, last + 1, batch):
        yield "".join(template.format(n=n) for n in range(start, min(start + batch, last + 1)))


REFUSALS = (roster.RosterError, ScoreSheetError, uploads.UploadError)


def refused(read, data: bytes):
    """Run `read(data)`, which must refuse: the error, after checking it was quick (timed on its
    own: tracemalloc slows every allocation) and small (traced on a second run)."""
    started = time.perf_counter()
    with pytest.raises(REFUSALS) as caught:
        read(data)
    seconds = time.perf_counter() - started
    tracemalloc.start()
    try:
        with pytest.raises(REFUSALS):
            read(data)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # Before these checks such files ran for minutes; the bound is loose because CI machines are
    # shared and slow at times. The memory peak is the precise check.
    assert seconds < 10, seconds
    assert peak < 50 * 1024 * 1024, peak
    return caught.value


def read_roster(data: bytes):
    return roster.parse_roster(data, max_bytes=LIMIT)


def both(app, error) -> tuple[str, str]:
    with app.app_context():
        chinese = str(error)
        with force_locale("en"):
            return chinese, str(error)


def test_the_files_built_here_are_workbooks_openpyxl_reads(app):
    """So the refusals below are the limits, not broken files."""
    data = xlsx(ROW.format(n=2), dimension="A1:B2")
    parsed = read_roster(data)
    assert parsed.households.rows == [[2, ["002", ""]]]


def test_a_sheet_declaring_the_whole_grid_is_refused_before_any_row_is_read(app):
    data = xlsx(dimension="A1:XFD1048576")
    assert len(data) < 2048
    assert both(app, refused(read_roster, data)) == (
        "表格的使用范围是 A1:XFD1048576（1,048,576 行、16,384 列），"
        "超过了 30,000 行、200 列的上限；"
        "请删除表格下方和右侧多余的行和列（或只把有内容的部分复制到新工作簿）后再上传",
        "The sheet's used range is A1:XFD1048576 (1,048,576 rows, 16,384 columns), over the "
        "limit of 30,000 rows and 200 columns. Delete the extra rows below and columns to the "
        "right of the table (or copy only the filled part into a new workbook), then upload "
        "again.",
    )


def test_a_sheet_padded_with_whitespace_is_refused_by_its_unpacked_size(app):
    spaces = (b" " * (1 << 20) for _ in range(80))  # 80 MB of whitespace in the sheet data
    data = xlsx(parts={}, before_data="", sheet_rows=(s.decode() for s in spaces))
    assert len(data) < 1024 * 1024
    assert both(app, refused(read_roster, data)) == (
        "文件解压后有 80.1 MB，超过了 64 MB 的上限；"
        "请删去无关的工作表、图片和多余的空行空列，另存为 .xlsx 后再上传",
        "Unpacked, the file holds 80.1 MB, over the limit of 64 MB. Remove unrelated sheets, "
        "pictures and extra blank rows and columns, save as .xlsx and upload again.",
    )


def test_a_part_packed_a_thousand_times_is_refused_even_below_the_size_limit(app):
    data = xlsx(sheet_rows=" " * (20 << 20))
    assert both(app, refused(read_roster, data)) == (
        "文件里有一部分压缩得异常紧密（解压后 20.1 MB），不像是 Excel 保存的表格；"
        "请在 Excel 中打开后另存为新的 .xlsx 文件再上传",
        "Part of the file is packed unusually tightly (20.1 MB unpacked); it does not look like "
        "a workbook saved by Excel. Open it in Excel, save it as a new .xlsx file and upload "
        "again.",
    )


def test_a_shared_strings_bomb_is_refused_by_its_count(app):
    strings = rows(1, 1_000_000, "<si><t>{n}</t></si>")
    data = xlsx(
        parts={"xl/sharedStrings.xml": _chain([f'<sst xmlns="{MAIN}">'], strings, ["</sst>"])}
    )
    assert both(app, refused(read_roster, data)) == (
        "文件里的文字条目超过 300,000 条；请删去无关的工作表，或分成几个文件上传",
        "The file holds more than 300,000 pieces of text. Remove unrelated sheets, or split it "
        "into several files.",
    )


def test_a_million_rows_are_refused_without_reading_them(app):
    data = xlsx(rows(2, 1_000_000, '<row r="{n}"><c r="A{n}"><v>{n}</v></c></row>'))
    assert both(app, refused(read_roster, data)) == (
        "有一张工作表超过 30,000 行（空白行也算）；请删除表格下方多余的行，或分成几个文件上传",
        "A sheet has more than 30,000 rows (blank rows count too). Delete the extra rows below "
        "the table, or split it into several files.",
    )


def test_a_million_rows_declared_are_refused_by_the_dimension(app):
    data = xlsx(
        rows(2, 1_000_000, '<row r="{n}"><c r="A{n}"><v>{n}</v></c></row>'), dimension="A1:B1000000"
    )
    error = refused(read_roster, data)
    assert both(app, error)[0].startswith("表格的使用范围是 A1:B1000000（1,000,000 行、2 列）")


def test_a_jump_to_row_one_million_is_refused_while_reading(app):
    """Two rows in the file, so nothing is counted too many — but the reader would yield every
    row between them."""
    data = xlsx('<row r="1000000"><c r="A1000000"><v>1</v></c></row>')
    error = refused(read_roster, data)
    assert both(app, error)[0] == (
        "有一张工作表超过 30,000 行（空白行也算）；请删除表格下方多余的行，或分成几个文件上传"
    )


def test_a_cell_far_to_the_right_is_not_read_into_every_row(app):
    """A cell at XFD (no dimension) would make every row 16,384 values wide."""
    far = "".join(f'<row r="{n}"><c r="XFD{n}"><v>1</v></c></row>' for n in range(2, 20_000))
    parsed = read_roster(xlsx(far))
    assert parsed.households.rows == []  # only blank rows, as far as the roster's columns go


def test_too_many_cells_are_refused(app):
    cells = "".join(f'<c r="{c}{{n}}"><v>1</v></c>' for c in ("A", "B", "C", "D", "E") * 8)
    template = '<row r="{n}">' + cells + "</row>"
    data = xlsx(rows(2, 29_000, template))
    assert both(app, refused(read_roster, data)) == (
        "文件里的单元格超过 1,000,000 个（空白但设置了格式的也算）；"
        "请删除多余的行和列，或分成几个文件上传",
        "The file has more than 1,000,000 cells (blank but formatted ones count too). Delete "
        "the extra rows and columns, or split it into several files.",
    )


def test_a_styles_bomb_is_refused_by_its_count(app):
    formats = rows(1, 200_000, '<xf xfId="0" numFmtId="{n}"/>')
    styles = _chain([f'<styleSheet xmlns="{MAIN}"><cellXfs>'], formats, ["</cellXfs></styleSheet>"])
    data = xlsx(parts={"xl/styles.xml": styles})
    assert both(app, refused(read_roster, data)) == (
        "文件里的格式或结构定义太多（超过 50,000 项）；"
        "请在 Excel 中清除多余的格式，或只把内容复制到新工作簿后再上传",
        "The file defines too many formats or structures (more than 50,000). Clear the extra "
        "formatting in Excel, or copy only the contents into a new workbook, then upload again.",
    )


NOT_FROM_EXCEL = (
    "文件里有 Excel 不会写入的内容（XML 文档类型声明或非 UTF-8 编码），系统不予读取；"
    "请在 Excel 中打开后另存为新的 .xlsx 文件再上传",
    "The file holds something Excel never writes (an XML document type declaration or an "
    "encoding other than UTF-8), so it is not read. Open it in Excel, save it as a new .xlsx "
    "file and upload again.",
)


def test_entities_are_refused(app):
    laughs = (
        '<?xml version="1.0"?><!DOCTYPE sst [<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;&a;&a;">]>'
        f'<sst xmlns="{MAIN}"><si><t>&b;</t></si><si><t>户主</t></si></sst>'
    )
    data = xlsx(parts={"xl/sharedStrings.xml": laughs})
    assert both(app, refused(read_roster, data)) == NOT_FROM_EXCEL


def test_utf16_xml_is_refused(app):
    data = xlsx(parts={"xl/styles.xml": STYLES.encode("utf-16")})
    assert both(app, refused(read_roster, data)) == NOT_FROM_EXCEL


def test_too_many_parts_are_refused(app):
    data = xlsx(parts={f"xl/media/image{n}.png": b"" for n in range(1000)})
    assert both(app, refused(read_roster, data)) == (
        "文件里的部件太多（1,007 个，上限 1,000 个），不像是 Excel 保存的表格；"
        "请在 Excel 中打开后另存为新的 .xlsx 文件再上传",
        "The file has too many parts (1,007; the limit is 1,000); it does not look like a "
        "workbook saved by Excel. Open it in Excel, save it as a new .xlsx file and upload "
        "again.",
    )


def test_pictures_and_printer_settings_in_a_workbook_are_not_counted(app):
    """Binary parts are never parsed: their bytes are not taken for XML."""
    noise = random.Random(13).randbytes(1 << 20)  # a megabyte that does not pack, "<" in it
    data = xlsx(ROW.format(n=2), parts={"xl/media/image1.png": b"\x89PNG" + noise})
    assert read_roster(data).households.rows == [[2, ["002", ""]]]


def test_the_score_sheet_is_refused_by_the_same_limits(village):
    data = xlsx(dimension="A1:XFD1048576")
    error = refused(lambda d: score_sheet.parse(village.village, d), data)
    assert str(error).startswith(
        "表格的使用范围是 A1:XFD1048576（1,048,576 行、16,384 列），超过了 20,100 行"
    )


def test_a_score_sheet_jumping_to_row_one_million_is_refused_while_reading(village):
    sheet = score_sheet.generate(village.village, village.group, ["ENV-02"], None).data
    source = zipfile.ZipFile(io.BytesIO(sheet))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                far = b'<row r="1000000"><c r="A1000000"><v>1</v></c></row></sheetData>'
                content = content.replace(b"</sheetData>", far)
                content = content.replace(b'<dimension ref="A1:E5"/>', b"")
            target.writestr(info, content)
    error = refused(lambda d: score_sheet.parse(village.village, d), buffer.getvalue())
    assert str(error) == (
        "有一张工作表超过 20,100 行（空白行也算）；请删除表格下方多余的行，或分成几个文件上传"
    )


def png_header(width: int, height: int) -> bytes:
    """A PNG that declares its size and holds one row of pixels: enough for Pillow to open, and
    a decoder would allocate the whole declared picture."""
    import struct
    import zlib

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00" + b"\x00" * 3 * width)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def test_a_picture_over_the_pixel_limit_is_refused_before_it_is_decoded(app, monkeypatch):
    decoded = []
    monkeypatch.setattr(Image.Image, "load", lambda self: decoded.append(self) or None)
    monkeypatch.setattr("PIL.ImageFile.ImageFile.load", lambda self: decoded.append(self))
    data = png_header(9000, 9000)  # 81 million pixels: 243 MB and more once decoded
    started = time.perf_counter()
    with pytest.raises(evidence.EvidenceError) as caught:
        evidence.check(data, position=2, max_pixels=50_000_000)
    assert time.perf_counter() - started < 10  # decoding 81 MP took seconds and 380 MB
    assert decoded == []
    with app.app_context():
        assert str(caught.value) == "第 2 张照片像素太多，请缩小到 5,000 万像素以内后重新上传。"
        with force_locale("en"):
            assert str(caught.value) == (
                "Photo 2 has too many pixels. Please shrink it to at most 5,000 × 10,000 pixels "
                "and upload it again."
            )


def test_a_picture_within_the_pixel_limit_is_decoded_and_kept(app):
    small = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(small, "PNG")
    photo = evidence.check(small.getvalue(), max_pixels=1200)
    assert (photo.width, photo.height) == (40, 30)
    with pytest.raises(evidence.EvidenceError):
        evidence.check(small.getvalue(), max_pixels=1199)
    # The limit comes from the settings (POINTSYS_EVIDENCE_MAX_PIXELS) by way of Limits.
    assert evidence.Limits.from_config({"EVIDENCE_MAX_PIXELS": "1199"}).max_pixels == 1199
    with app.app_context():
        assert evidence.Limits.from_config(app.config).max_pixels == 50_000_000


def test_rows_are_counted_whatever_their_namespace_prefix_or_spacing(app):
    """Excel writes <row r=…>; XML allows <x:row …> and a line break after the name too."""
    prefixed = "".join(
        f'<x:row r="{n}"><x:c r="A{n}"><x:v>1</x:v></x:c></x:row>' for n in range(30)
    )
    spaced = "".join(f'<row\n\tr="{n}"><c\rr="A{n}"><v>1</v></c></row>' for n in range(30, 60))
    sheet = (
        f'<x:worksheet xmlns:x="{MAIN}" xmlns="{MAIN}"><x:sheetData>{prefixed}{spaced}'
        "</x:sheetData></x:worksheet>"
    )
    data = xlsx(parts={"xl/worksheets/sheet1.xml": sheet})
    error = refused(lambda d: roster.parse_roster(d, max_bytes=LIMIT, max_rows=50), data)
    assert both(app, error)[0] == (
        "有一张工作表超过 50 行（空白行也算）；请删除表格下方多余的行，或分成几个文件上传"
    )
