"""Evidence photos (照片佐证) for entries: check an upload is a real JPEG or PNG, keep it under the
instance folder by its content hash, attach it to an entry. Rows are only added.

Why files are named by their sha256: the name is never taken from the uploader (no traversal, no
clashes), and a file written whose database row then fails to commit is harmless — nothing refers
to it, nothing serves it (photos are served by row id only), and the next upload of the same bytes
reuses it. So the file is written first and the row is added in the caller's transaction.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import secrets
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from PIL import Image, UnidentifiedImageError
from sqlalchemy import func

from . import access, audit
from .extensions import db
from .ledger import Actor
from .localtime import app_today
from .models import Entry, EntryPhoto, Household, Role, User
from .rulebook.messages import N_
from .translated import TranslatedError
from .uploads import byte_size, pixel_count

DEFAULT_MAX_BYTES = 5 * 1024 * 1024
DEFAULT_MAX_PER_ENTRY = 5
# Pixels a photo may have, read from its header before anything is decoded: a 48-megapixel phone
# photo passes; a PNG is decoded whole (about 4 bytes a pixel), so this bounds a check's memory
# to some 200 MB. Pillow's own guard (Image.MAX_IMAGE_PIXELS, 89 million) stays as a second line.
DEFAULT_MAX_PIXELS = 50_000_000
# Roles that may open photos pages at all; may_view narrows group leaders to their own groups.
VIEWER_ROLES = (Role.ADMIN, Role.CLERK, Role.SUPERVISOR, Role.GROUP_LEADER)
UPLOADER_ROLES = (Role.ADMIN, Role.CLERK, Role.SUPERVISOR)
STORED_NAME = re.compile(r"\A\d{4}/\d{2}/[0-9a-f]{64}\.(jpg|png)\Z")


@dataclass(frozen=True)
class Kind:
    content_type: str
    extension: str
    pillow_formats: tuple[str, ...]
    magic: bytes


# Pillow's JPEG opener also reads the multi-picture JPEGs (MPO) some phones take.
JPEG = Kind("image/jpeg", "jpg", ("JPEG",), b"\xff\xd8\xff")
PNG = Kind("image/png", "png", ("PNG",), b"\x89PNG\r\n\x1a\n")
KINDS = (JPEG, PNG)
PNG_END = b"\x00\x00\x00\x00IEND\xaeB`\x82"  # the empty IEND chunk every PNG ends with


@dataclass(frozen=True)
class Limits:
    max_bytes: int = DEFAULT_MAX_BYTES
    max_per_entry: int = DEFAULT_MAX_PER_ENTRY
    max_pixels: int = DEFAULT_MAX_PIXELS

    @classmethod
    def from_config(cls, config: Any) -> Limits:
        """EVIDENCE_MAX_BYTES, EVIDENCE_MAX_PER_ENTRY and EVIDENCE_MAX_PIXELS from the app's
        settings."""
        return cls(
            int(config.get("EVIDENCE_MAX_BYTES", DEFAULT_MAX_BYTES)),
            int(config.get("EVIDENCE_MAX_PER_ENTRY", DEFAULT_MAX_PER_ENTRY)),
            int(config.get("EVIDENCE_MAX_PIXELS", DEFAULT_MAX_PIXELS)),
        )


@dataclass(frozen=True)
class Photo:
    """An upload that passed check(): its bytes, what it really is, and its hash."""

    data: bytes
    kind: Kind
    sha256: str
    width: int
    height: int

    @property
    def size(self) -> int:
        return len(self.data)


class EvidenceError(TranslatedError):
    """One photo refused; the message says which one and what to do."""


class PhotosRefused(Exception):
    """Some photos were refused: none of the batch was stored."""

    def __init__(self, problems: list[EvidenceError]) -> None:
        super().__init__("；".join(str(p) for p in problems))
        self.problems = problems


def _read(upload: Any, max_bytes: int) -> bytes:
    """At most max_bytes + 1 bytes: enough to tell a file is too big without reading it all."""
    if isinstance(upload, bytes | bytearray):
        return bytes(upload)
    stream = getattr(upload, "stream", upload)  # a werkzeug FileStorage, or any binary file
    return stream.read(max_bytes + 1)


def _kind_by_magic(data: bytes) -> Kind | None:
    return next((k for k in KINDS if data.startswith(k.magic)), None)


def check(
    upload: Any,
    *,
    position: int = 1,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> Photo:
    """The upload as a Photo if it is, by its content, a JPEG or PNG that decodes and is not too
    big; otherwise an EvidenceError naming the photo by its position (1-based)."""
    data = _read(upload, max_bytes)
    if not data:
        raise EvidenceError(N_("第 %(n)s 张照片是空文件，请重新选择。"), n=position)
    if len(data) > max_bytes:
        raise EvidenceError(
            N_(
                "第 %(n)s 张照片超过了每张 %(limit)s 的上限，请压缩或调低手机拍照分辨率后重新上传。"
            ),
            n=position,
            limit=byte_size(max_bytes),
        )
    kind = _kind_by_magic(data)
    if kind is None:
        raise EvidenceError(
            N_(
                "第 %(n)s 张照片不是 JPEG 或 PNG 图片（按文件内容判断，与文件名无关），"
                "请用手机拍照或另存为 JPG/PNG 后重新上传。"
            ),
            n=position,
        )
    width, height = _decode(data, kind, position, max_pixels)
    return Photo(data, kind, hashlib.sha256(data).hexdigest(), width, height)


class _OverPixelLimit(Exception):
    """The header declares more pixels than allowed."""


def _too_many_pixels(position: int, limit: int) -> EvidenceError:
    return EvidenceError(
        N_("第 %(n)s 张照片像素太多，请缩小到 %(limit)s 万像素以内后重新上传。"),
        n=position,
        limit=pixel_count(limit),
    )


def _decode(data: bytes, kind: Kind, position: int, max_pixels: int) -> tuple[int, int]:
    """Decode the whole picture with Pillow: a file whose first bytes look right but that is cut
    short, corrupt or something else behind a JPEG header is refused. Its size is checked first:
    Image.open reads only the header, and nothing is decoded before load()."""
    broken = EvidenceError(
        N_("第 %(n)s 张照片无法打开，文件可能已损坏或没有传完整，请重新拍照或重新上传。"),
        n=position,
    )
    try:
        with warnings.catch_warnings():
            # Pillow warns about, then refuses, pictures large enough to exhaust memory.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=kind.pillow_formats) as image:
                size = image.size
                if size[0] * size[1] > max_pixels:
                    raise _OverPixelLimit  # leaves before load(): nothing is decoded
                if kind is JPEG:
                    # Decode at 1/8 scale: every block is still read, in a fraction of the time.
                    image.draft("RGB", (max(1, size[0] // 8), max(1, size[1] // 8)))
                image.load()
            if kind is PNG:
                # load() stops at the last pixel; verify() also checks every chunk's CRC to IEND.
                with Image.open(io.BytesIO(data), formats=kind.pillow_formats) as again:
                    again.verify()
                if PNG_END not in data[-4096:]:
                    raise ValueError("no IEND chunk")
    except _OverPixelLimit:
        raise _too_many_pixels(position, max_pixels) from None
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise _too_many_pixels(position, Image.MAX_IMAGE_PIXELS or 0) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise broken from None
    return size


def folder(instance_path: str | os.PathLike[str]) -> Path:
    """Where evidence lives: inside the instance folder, never under static/."""
    return Path(instance_path) / "evidence"


def path_of(root: Path, stored_name: str) -> Path:
    """The file of a stored name; only names this module makes are accepted."""
    if not STORED_NAME.match(stored_name):
        raise ValueError(f"not an evidence file name: {stored_name!r}")
    return root / stored_name


def store(root: Path, photo: Photo, today: date) -> str:
    """Write the photo as <yyyy>/<mm>/<sha256>.<ext> (atomically) and return that name."""
    name = f"{today:%Y/%m}/{photo.sha256}.{photo.kind.extension}"
    target = path_of(root, name)
    if target.exists():
        return name  # same bytes, same name: already stored
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.parent / f".{photo.sha256}.{secrets.token_hex(4)}.part"
    with open(temporary, "xb") as f:
        f.write(photo.data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(temporary, target)  # readers never see half a file
    return name


def photos_of(entry: Entry) -> list[EntryPhoto]:
    return list(
        db.session.execute(
            db.select(EntryPhoto).where(EntryPhoto.entry_id == entry.id).order_by(EntryPhoto.id)
        ).scalars()
    )


def _chosen(files: Iterable[Any]) -> list[Any]:
    """The files actually chosen: a form's empty file input arrives as a nameless empty part."""
    chosen = []
    for upload in files:
        if isinstance(upload, bytes | bytearray) or getattr(upload, "filename", None):
            chosen.append(upload)
    return chosen


def check_all(entry: Entry, files: Iterable[Any], limits: Limits) -> list[Photo]:
    """Every chosen file checked, all problems at once; PhotosRefused if there is any."""
    chosen = _chosen(files)
    if not chosen:
        raise PhotosRefused([EvidenceError(N_("没有选择照片：请至少选择一张 JPEG 或 PNG 照片。"))])
    existing = photos_of(entry)
    problems: list[EvidenceError] = []
    room = limits.max_per_entry - len(existing)
    if len(chosen) > room:
        problems.append(
            EvidenceError(
                N_(
                    "每条积分记录最多附 %(limit)s 张照片：这条记录已有 %(existing)s 张，"
                    "这次最多还能添加 %(left)s 张。"
                ),
                limit=limits.max_per_entry,
                existing=len(existing),
                left=max(room, 0),
            )
        )
    seen = {p.sha256 for p in existing}
    photos = []
    for position, upload in enumerate(chosen, start=1):
        try:
            photo = check(
                upload,
                position=position,
                max_bytes=limits.max_bytes,
                max_pixels=limits.max_pixels,
            )
        except EvidenceError as problem:
            problems.append(problem)
            continue
        if photo.sha256 in seen:
            problems.append(
                EvidenceError(
                    N_("第 %(n)s 张照片这条记录已经有了（内容完全相同），不必重复上传。"),
                    n=position,
                )
            )
        seen.add(photo.sha256)
        photos.append(photo)
    if problems:
        raise PhotosRefused(problems)
    return photos


def attach(
    entry: Entry,
    files: Iterable[Any],
    actor: Actor,
    *,
    root: Path,
    limits: Limits | None = None,
    today: date | None = None,
) -> list[EntryPhoto]:
    """Check every file, then store them and add their rows and audit events; all or none are
    attached (PhotosRefused). The caller commits, or rolls back (see the module docstring)."""
    limits = limits or Limits()
    today = today or app_today()
    photos = check_all(entry, files, limits)
    rows = []
    for photo in photos:
        row = EntryPhoto(
            entry_id=entry.id,
            stored_name=store(root, photo, today),
            content_type=photo.kind.content_type,
            size=photo.size,
            sha256=photo.sha256,
            uploaded_by_id=actor.id if isinstance(actor, User) else None,
            uploaded_label=actor if isinstance(actor, str) else actor.username,
        )
        db.session.add(row)
        db.session.flush()
        audit.record(
            "photo_attached",
            "entry",
            entry.id,
            actor=actor,
            after={
                "photo_id": row.id,
                "sha256": photo.sha256,
                "size": photo.size,
                "content_type": photo.kind.content_type,
                "width": photo.width,
                "height": photo.height,
            },
        )
        rows.append(row)
    return rows


def may_view(user: Any, household: Household) -> bool:
    """Whether this signed-in person may see the household's evidence photos."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    # Residents (their sessions come from another branch) see only their own household's photos.
    if getattr(user, "is_resident", False):
        return getattr(user, "household_id", None) == household.id
    if not user.has_role(*VIEWER_ROLES):
        return False
    if user.village_id is not None and user.village_id != household.village_id:
        return False
    # A group leader with no village-wide role: only their own groups' households (access.py).
    return user.has_role(*access.WHOLE_VILLAGE) or access.can_see_household(user, household)


def photo_counts(entry_ids: list[int]) -> dict[int, int]:
    """entry id → how many photos it has, for a page of entries (one query)."""
    if not entry_ids:
        return {}
    rows = db.session.execute(
        db.select(EntryPhoto.entry_id, func.count())
        .where(EntryPhoto.entry_id.in_(sorted(set(entry_ids))))
        .group_by(EntryPhoto.entry_id)
    )
    return dict(rows.all())


def photos_by_entry(entry_ids: list[int]) -> dict[int, list[EntryPhoto]]:
    """entry id → its photos in upload order, for a page of entries (one query)."""
    found: dict[int, list[EntryPhoto]] = {}
    if not entry_ids:
        return found
    rows = db.session.execute(
        db.select(EntryPhoto)
        .where(EntryPhoto.entry_id.in_(sorted(set(entry_ids))))
        .order_by(EntryPhoto.entry_id, EntryPhoto.id)
    ).scalars()
    for photo in rows:
        found.setdefault(photo.entry_id, []).append(photo)
    return found
