"""What every upload shares: telling a real .xlsx from what only looks like one, keeping an upload
between preview and commit, and showing sizes and pixel counts the way people read them.

Used by the roster (花名册), the score sheet (评分表) and evidence photos, so one file is refused
with the same words, and one limit is shown the same way, wherever it is uploaded.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import re
import time
from decimal import ROUND_FLOOR, Decimal
from pathlib import Path

from openpyxl import load_workbook

from .rulebook.messages import N_
from .translated import TranslatedError

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
# An encrypted .xlsx is an OLE2 container holding a stream of this name (UTF-16LE).
ENCRYPTION_STREAM = "EncryptionInfo".encode("utf-16-le")
KEEP_SECONDS = 2 * 24 * 3600  # a preview older than two days must be uploaded again
KIB = 1024
MIB = 1024 * 1024


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


def open_workbook(data: bytes, max_bytes: int):
    """The workbook in an upload (read-only, values only), or an UploadError saying how to fix it.

    Sniffed by content, never by file name: an old .xls, a password-protected workbook or a CSV
    renamed to .xlsx each get their own advice.
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
    try:
        return load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds of error on a damaged archive
        raise UploadError(
            N_("文件已损坏，无法读取；请在 Excel 中打开检查后重新另存为 .xlsx 格式再上传")
        ) from None


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
