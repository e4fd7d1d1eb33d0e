"""What every upload shares: telling a real .xlsx from what only looks like one, keeping an upload
between preview and commit, and showing sizes and pixel counts the way people read them.

Used by the roster (花名册), the score sheet (评分表) and evidence photos, so one file is refused
with the same words, and one limit is shown the same way, wherever it is uploaded.

An .xlsx is a zip of XML parts, and a few kilobytes of it can cost a worker minutes and gigabytes:
a sheet declaring A1:XFD1048576, a part padded with a gigabyte of whitespace, a million shared
strings, a million rows, a styles part with a million formats. So before openpyxl parses a byte,
check_archive() reads the zip's directory (how many parts, how big unpacked, how well packed) and
then streams every XML part once in small chunks, counting what openpyxl would build — rows and
cells of a sheet, shared strings, elements of any other part — and stops at the first limit
passed. Each refusal says what to do. Reading is bounded again by whoever iterates the rows
(`max_row`, `max_col`), so a sheet that skips from row 1 to row 1,000,000 costs nothing either.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import re
import time
import zipfile
import zlib
from decimal import ROUND_FLOOR, Decimal
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.utils import range_boundaries

from .rulebook.messages import N_
from .translated import TranslatedError

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
# An encrypted .xlsx is an OLE2 container holding a stream of this name (UTF-16LE).
ENCRYPTION_STREAM = "EncryptionInfo".encode("utf-16-le")
KEEP_SECONDS = 2 * 24 * 3600  # a preview older than two days must be uploaded again
KIB = 1024
MIB = 1024 * 1024

# What a workbook upload may hold. A 5,000-household roster with 20,000 members is about 30 MB of
# XML, 500,000 cells and 100,000 strings; a score sheet far less. Within these bounds openpyxl
# needs a few seconds and well under 200 MB; beyond them it is a broken or hostile file.
MAX_PARTS = 1000
MAX_UNPACKED = 64 * MIB  # all parts together, as the zip's directory declares them
MAX_RATIO = 100  # unpacked ÷ packed of one part; XML packs 5–20 times, whitespace 1,000 times
RATIO_FROM = MIB  # small parts may pack as well as they like
MAX_COLUMNS = 200  # columns a sheet may use (the roster has 8, a score sheet at most 23)
MAX_CELLS = 1_000_000  # cell elements in all sheets together, blank but formatted ones included
MAX_SHARED_STRINGS = 300_000
MAX_ELEMENTS = 50_000  # of any other XML part: styles, workbook, relationships …
CHUNK = 256 * KIB  # what is unpacked at a time while counting
TAG_MAX = 1024  # bytes of an unfinished tag kept between chunks (names and a few attributes)

_NAME = rb"<(?:[A-Za-z_][\w.-]*:)?"  # an element's start, with any namespace prefix
TAG_ENDS = (b" ", b">", b"/")  # what may follow an element's name (other whitespace made " ")
SPACES = bytes.maketrans(b"\t\n\r", b"   ")
ROOT = re.compile(_NAME + rb"([A-Za-z_][\w.-]*)[\s/>]")
DIMENSION = re.compile(
    _NAME + rb'dimension\s[^>]*?ref="([A-Za-z]{1,3}[0-9]{1,7}(?::[A-Za-z]{1,3}[0-9]{1,7})?)"'
)
XML_NAMES = (".xml", ".rels", ".vml")

TOO_MANY_ROWS = N_(
    "有一张工作表超过 %(max)s 行（空白行也算）；请删除表格下方多余的行，或分成几个文件上传"
)


class UploadError(TranslatedError):
    """The upload is not a workbook that can be read; the message says how to fix the file."""


class KeptUploadGone(LookupError):
    """No kept upload by that name (expired, never kept, or not a sha256 at all)."""


class KeptUploadChanged(ValueError):
    """The kept file's bytes no longer match its name."""


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _number(value: Decimal, places: int) -> str:
    """value with thousands separators and at most `places` decimals, trailing zeros dropped."""
    text = f"{value:,.{places}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def byte_size(size: int, *, round_up: bool = False) -> str:
    """A byte count as people read it: "2 MB", "0.5 MB", "12.3 KB", "900 B" (one decimal at most).

    round_up: for the size of a refused file, so a file just over a 5 MB limit reads 5.1 MB, not 5.
    """
    if size >= MIB // 10:
        unit, scale = "MB", MIB
    elif size >= KIB:
        unit, scale = "KB", KIB
    else:
        return f"{size:,} B"
    # Whole tenths of the unit, in integers: exact, and rounding half up rather than to even.
    tenths = -(-size * 10 // scale) if round_up else (size * 20 + scale) // (2 * scale)
    return f"{_number(Decimal(tenths) / 10, 1)} {unit}"


def pixel_count(pixels: int) -> str:
    """A pixel count in 万 (ten thousands), as Chinese camera settings give it: 20,000,000 → "2,000"
    (shown as "2,000 万像素"). Rounded down, being a limit; small counts keep their decimals."""
    wan = Decimal(pixels) / 10_000
    if wan >= 10:
        return _number(wan.to_integral_value(ROUND_FLOOR), 0)
    return _number(wan, 4)


def open_workbook(data: bytes, max_bytes: int, *, max_rows: int):
    """The workbook in an upload (read-only, values only), or an UploadError saying how to fix it.

    Sniffed by content, never by file name: an old .xls, a password-protected workbook or a CSV
    renamed to .xlsx each get their own advice. `max_rows`: rows one sheet may have, blank ones
    included (see check_archive); the caller bounds its own reading by it too.
    """
    if len(data) > max_bytes:
        raise UploadError(
            N_(
                "文件太大（%(size)s），上限为 %(limit)s；"
                "请删去无关的工作表、图片后再上传，或分批导入"
            ),
            size=byte_size(len(data), round_up=True),
            limit=byte_size(max_bytes),
        )
    if not data:
        raise UploadError(N_("文件是空的；请选择填好的 .xlsx 文件"))
    if data.startswith(OLE2_MAGIC):
        if ENCRYPTION_STREAM in data:
            raise UploadError(
                N_(
                    "文件设置了打开密码，系统无法读取；"
                    "请在 Excel 中取消密码后另存为 .xlsx 格式再上传"
                )
            )
        raise UploadError(N_("这是旧版 Excel（.xls）文件；请另存为 .xlsx 格式后再上传"))
    if not data.startswith(ZIP_MAGIC):
        if _looks_like_text(data):
            raise UploadError(
                N_(
                    "这是 CSV 或文本文件（只是扩展名改成了 .xlsx）；"
                    "请用 Excel 打开后另存为 .xlsx 格式再上传"
                )
            )
        raise UploadError(N_("无法识别的文件；请上传 Excel 2007 及以后版本保存的 .xlsx 文件"))
    check_archive(data, max_rows)
    try:
        return load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds of error on a damaged archive
        raise _corrupt() from None


def _corrupt() -> UploadError:
    return UploadError(
        N_("文件已损坏，无法读取；请在 Excel 中打开检查后重新另存为 .xlsx 格式再上传")
    )


def check_archive(data: bytes, max_rows: int) -> None:
    """Refuse, before any XML is parsed, an .xlsx that would cost a worker too much time or
    memory: an UploadError saying what is wrong and what to do, or None."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        parts = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise _corrupt() from None
    if len(parts) > MAX_PARTS:
        raise UploadError(
            N_(
                "文件里的部件太多（%(count)s 个，上限 %(max)s 个），不像是 Excel 保存的表格；"
                "请在 Excel 中打开后另存为新的 .xlsx 文件再上传"
            ),
            count=f"{len(parts):,}",
            max=f"{MAX_PARTS:,}",
        )
    unpacked = sum(part.file_size for part in parts)
    if unpacked > MAX_UNPACKED:
        raise UploadError(
            N_(
                "文件解压后有 %(size)s，超过了 %(limit)s 的上限；"
                "请删去无关的工作表、图片和多余的空行空列，另存为 .xlsx 后再上传"
            ),
            size=byte_size(unpacked, round_up=True),
            limit=byte_size(MAX_UNPACKED),
        )
    for part in parts:
        if part.file_size > RATIO_FROM and part.file_size > MAX_RATIO * max(part.compress_size, 1):
            raise UploadError(
                N_(
                    "文件里有一部分压缩得异常紧密（解压后 %(size)s），不像是 Excel 保存的表格；"
                    "请在 Excel 中打开后另存为新的 .xlsx 文件再上传"
                ),
                size=byte_size(part.file_size, round_up=True),
            )
    cells = _Cells()
    try:
        for part in parts:
            _scan_part(archive, part, max_rows, cells)
    except (zipfile.BadZipFile, RuntimeError, NotImplementedError, OSError, EOFError, zlib.error):
        raise _corrupt() from None  # a part that does not unpack: encrypted, damaged, unknown


def _not_from_excel() -> UploadError:
    return UploadError(
        N_(
            "文件里有 Excel 不会写入的内容（XML 文档类型声明或非 UTF-8 编码），系统不予读取；"
            "请在 Excel 中打开后另存为新的 .xlsx 文件再上传"
        )
    )


class _Cells:
    """Cell elements counted over every sheet of the workbook."""

    def __init__(self) -> None:
        self.count = 0

    def add(self, count: int) -> None:
        self.count += count
        if self.count > MAX_CELLS:
            raise UploadError(
                N_(
                    "文件里的单元格超过 %(max)s 个（空白但设置了格式的也算）；"
                    "请删除多余的行和列，或分成几个文件上传"
                ),
                max=f"{MAX_CELLS:,}",
            )


def _scan_part(archive: zipfile.ZipFile, part: zipfile.ZipInfo, max_rows: int, cells) -> None:
    """Stream one part, counting what openpyxl would build from it; refuse at the first limit.

    Chunks are cut before their last "<", so every tag but the last is whole in the piece it
    starts in; the last is carried into the next piece (at most TAG_MAX bytes of it: the rest of
    the chunk holds no "<", so no tag is lost)."""
    if part.is_dir():
        return
    with archive.open(part) as stream:
        chunk = stream.read(CHUNK)
        start = chunk.removeprefix(b"\xef\xbb\xbf").lstrip()
        if chunk.startswith((b"\xff\xfe", b"\xfe\xff")) or start.startswith((b"<\x00", b"\x00<")):
            if part.filename.lower().endswith(XML_NAMES):
                raise _not_from_excel()  # UTF-16 XML: Excel writes UTF-8
            return
        if start and not start.startswith(b"<"):
            return  # not XML (a picture, printer settings): openpyxl never parses it read-only
        scan = _PartScan(max_rows, cells)
        carry = b""
        while chunk:
            data = carry + chunk
            cut = data.rfind(b"<")
            if cut < 0:
                piece, carry = data, b""
            else:
                piece, carry = data[:cut], data[cut : cut + TAG_MAX]
            scan.feed(piece)
            chunk = stream.read(CHUNK)
        scan.feed(carry)


class _PartScan:
    """Counts in one XML part, fed piece by piece: its root element decides what is counted."""

    def __init__(self, max_rows: int, cells: _Cells) -> None:
        self.max_rows = max_rows
        self.cells = cells
        self.root: bytes | None = None
        self.before_data = True  # a sheet's <dimension> comes before its <sheetData>
        self.count = 0

    def feed(self, piece: bytes) -> None:
        if b"<!DOCTYPE" in piece or b"<!ENTITY" in piece:
            raise _not_from_excel()  # Excel never writes one; entities can expand without end
        if self.root is None:
            found = ROOT.search(piece)
            if found is None:
                return
            self.root = found.group(1)
        if self.root == b"worksheet":
            self._sheet(piece)
        elif self.root == b"sst":
            self.count += _elements(b"si", piece.translate(SPACES))
            if self.count > MAX_SHARED_STRINGS:
                raise UploadError(
                    N_("文件里的文字条目超过 %(max)s 条；请删去无关的工作表，或分成几个文件上传"),
                    max=f"{MAX_SHARED_STRINGS:,}",
                )
        else:
            self.count += piece.count(b"<") - piece.count(b"</")
            if self.count > MAX_ELEMENTS:
                raise UploadError(
                    N_(
                        "文件里的格式或结构定义太多（超过 %(max)s 项）；"
                        "请在 Excel 中清除多余的格式，或只把内容复制到新工作簿后再上传"
                    ),
                    max=f"{MAX_ELEMENTS:,}",
                )

    def _sheet(self, piece: bytes) -> None:
        if self.before_data:
            data_at = piece.find(b"sheetData")
            if data_at >= 0:
                self.before_data = False
            found = DIMENSION.search(piece, 0, len(piece) if data_at < 0 else data_at)
            if found is not None:
                self.before_data = False
                _check_dimension(found.group(1).decode(), self.max_rows)
        piece = piece.translate(SPACES)  # so three counts find every tag end
        self.count += _elements(b"row", piece)
        if self.count > self.max_rows:
            raise UploadError(TOO_MANY_ROWS, max=f"{self.max_rows:,}")
        self.cells.add(_elements(b"c", piece))


def _elements(name: bytes, piece: bytes) -> int:
    """Start tags of elements called `name` in piece (whitespace made spaces). Counted with
    bytes.count, which is fast and makes no object per match; a namespace prefix (<x:row …>),
    which Excel never writes but XML allows, is counted by a regular expression, only where one
    may be."""
    tag = b"<" + name
    count = sum(piece.count(tag + end) for end in TAG_ENDS)
    if b":" + name in piece:
        prefixed = re.compile(rb"<[A-Za-z_][\w.-]*:" + name + rb"[\s/>]")
        count += prefixed.subn(b"", piece)[1]
    return count


def _check_dimension(ref: str, max_rows: int) -> None:
    """The range a sheet says it uses (Excel's own record of it), before any row is read."""
    try:
        _, _, columns, rows = range_boundaries(ref.upper())
    except (ValueError, TypeError):
        return  # openpyxl ignores what it cannot read; the rows are counted anyway
    columns, rows = columns or 1, rows or 1
    if rows > max_rows or columns > MAX_COLUMNS:
        raise UploadError(
            N_(
                "表格的使用范围是 %(ref)s（%(rows)s 行、%(columns)s 列），"
                "超过了 %(max_rows)s 行、%(max_columns)s 列的上限；"
                "请删除表格下方和右侧多余的行和列（或只把有内容的部分复制到新工作簿）后再上传"
            ),
            ref=ref.upper(),
            rows=f"{rows:,}",
            columns=f"{columns:,}",
            max_rows=f"{max_rows:,}",
            max_columns=f"{MAX_COLUMNS:,}",
        )


def _looks_like_text(data: bytes) -> bool:
    head = data[:4096]
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = head.decode(encoding)
        except UnicodeDecodeError:
            continue
        return "\x00" not in text
    return False


def write_atomic(path: Path, data: bytes) -> None:
    """Write a whole file at once: a concurrent reader never sees half of it."""
    tmp = path.with_name(f"{path.name}.{os.getpid()}.part")
    tmp.write_bytes(data)
    tmp.replace(path)


def _forget_old(folder: Path) -> None:
    cutoff = time.time() - KEEP_SECONDS
    for path in folder.iterdir():
        with contextlib.suppress(FileNotFoundError):  # another worker may have removed it
            if path.stat().st_mtime < cutoff:
                path.unlink()


def store_upload(directory: str, data: bytes) -> str:
    """Keep an upload between preview and commit, named by its sha256 (old ones are dropped)."""
    digest = sha256(data)
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    _forget_old(folder)
    if not (folder / f"{digest}.xlsx").exists():
        write_atomic(folder / f"{digest}.xlsx", data)
    return digest


def load_upload(directory: str, digest: str) -> bytes:
    """The kept upload with this sha256, checked again; KeptUploadGone or KeptUploadChanged."""
    # The digest comes from a form: only a sha256 may name a file, so no path can be smuggled in.
    if not re.fullmatch(r"[0-9a-f]{64}", digest or ""):
        raise KeptUploadGone(digest)
    path = Path(directory) / f"{digest}.xlsx"
    if not path.exists():
        raise KeptUploadGone(digest)
    data = path.read_bytes()
    if sha256(data) != digest:
        raise KeptUploadChanged(digest)
    return data
