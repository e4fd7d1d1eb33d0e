"""The web import's two requests: preview (read, check, keep the file), then commit (write).

The upload is kept by its sha256 between the two (pointsys.uploads), with its parse beside it.
"""

from __future__ import annotations

from pathlib import Path

from ... import uploads
from ...models import Village
from ...rulebook.messages import N_
from .apply import apply_import
from .plan import Plan, plan_parsed
from .read import DEFAULT_MAX_BYTES, PARSED_VERSION, Parsed, RosterError, parse_roster


def store_upload(directory: str, data: bytes, parsed: Parsed | None = None) -> str:
    """Keep an upload (and its parse) between preview and commit, named by its sha256."""
    digest = uploads.store_upload(directory, data)
    if parsed is not None:
        path = Path(directory) / f"{digest}.v{PARSED_VERSION}.json"
        uploads.write_atomic(path, parsed.to_json().encode())
    return digest


def load_upload(directory: str, digest: str) -> bytes:
    """The stored upload with this hash, checked again, or a RosterError."""
    try:
        return uploads.load_upload(directory, digest)
    except uploads.KeptUploadGone:
        raise RosterError(N_("预览已失效，请重新上传名册")) from None
    except uploads.KeptUploadChanged:
        raise RosterError(N_("保存的名册文件已被改动，请重新上传")) from None


def load_parsed(directory: str, digest: str, max_bytes: int = DEFAULT_MAX_BYTES) -> Parsed:
    """The stored upload's parse: the one the preview kept, or (if missing) parsed again.

    The parse depends only on the file's bytes (checked by hash) and PARSED_VERSION, so reusing it
    is the same as re-reading the workbook, at a fraction of the cost.
    """
    data = load_upload(directory, digest)
    cached = Path(directory) / f"{digest}.v{PARSED_VERSION}.json"
    if cached.exists():
        parsed = Parsed.from_json(cached.read_text(encoding="utf-8"))
        if parsed is not None and parsed.sha256 == digest:
            return parsed
    return parse_roster(data, max_bytes)


def preview_upload(
    village: Village, data: bytes, directory: str, max_bytes: int = DEFAULT_MAX_BYTES
) -> tuple[str, Plan]:
    """Request 1: read and check the upload, keep it, and say what an import would do."""
    parsed = parse_roster(data, max_bytes)
    plan = plan_parsed(village, parsed)
    return store_upload(directory, data, parsed), plan


def commit_upload(
    village: Village,
    directory: str,
    file_sha256: str,
    digest: str,
    *,
    actor,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> dict[str, int]:
    """Request 2: plan the kept file against the registry as it is now; write only if the plan
    is exactly the one previewed (same file, same changes, same values replaced)."""
    plan = plan_parsed(village, load_parsed(directory, file_sha256, max_bytes))
    if plan.digest != digest:
        raise RosterError(N_("预览之后户籍数据有了变化；请重新上传名册，核对预览后再导入"))
    return apply_import(village, plan, actor=actor)
