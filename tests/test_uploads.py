"""What every upload shares: sizes and pixel counts as people read them, kept uploads by hash."""

import os
import time

import pytest
from flask_babel import force_locale

from pointsys import uploads


@pytest.mark.parametrize(
    ("size", "shown"),
    [
        (2 * 1024 * 1024, "2 MB"),
        (512 * 1024, "0.5 MB"),
        (5 * 1024 * 1024, "5 MB"),
        (int(2.25 * 1024 * 1024), "2.3 MB"),  # half up, not to even
        (1500 * 1024 * 1024, "1,500 MB"),
        (100 * 1024, "100 KB"),
        (110 * 1024, "0.1 MB"),
        (5300, "5.2 KB"),
        (1024, "1 KB"),
        (1000, "1,000 B"),
        (0, "0 B"),
    ],
)
def test_byte_sizes(size, shown):
    assert uploads.byte_size(size) == shown


def test_a_refused_size_is_rounded_up_so_it_never_reads_as_the_limit():
    assert uploads.byte_size(5 * 1024 * 1024 + 1) == "5 MB"
    assert uploads.byte_size(5 * 1024 * 1024 + 1, round_up=True) == "5.1 MB"
    assert uploads.byte_size(5 * 1024 * 1024, round_up=True) == "5 MB"


@pytest.mark.parametrize(
    ("pixels", "shown"),
    [
        (20_000_000, "2,000"),
        (89_478_485, "8,947"),  # Pillow's default limit, rounded down: it is a limit
        (100_000, "10"),
        (99_999, "9.9999"),
        (100, "0.01"),
    ],
)
def test_pixel_counts_in_wan(pixels, shown):
    assert uploads.pixel_count(pixels) == shown


def test_kept_uploads_are_found_by_their_hash_only(tmp_path):
    digest = uploads.store_upload(str(tmp_path), b"PK\x03\x04data")
    assert digest == uploads.sha256(b"PK\x03\x04data")
    assert uploads.load_upload(str(tmp_path), digest) == b"PK\x03\x04data"
    for bad in ("../../etc/passwd", "0" * 64, "", None):
        with pytest.raises(uploads.KeptUploadGone):
            uploads.load_upload(str(tmp_path), bad)
    (tmp_path / f"{digest}.xlsx").write_bytes(b"PK\x03\x04changed")
    with pytest.raises(uploads.KeptUploadChanged):
        uploads.load_upload(str(tmp_path), digest)


def test_uploads_older_than_two_days_are_dropped_when_another_is_kept(tmp_path):
    old = uploads.store_upload(str(tmp_path), b"old")
    two_days_ago = time.time() - uploads.KEEP_SECONDS - 60
    os.utime(tmp_path / f"{old}.xlsx", (two_days_ago, two_days_ago))
    uploads.store_upload(str(tmp_path), b"new")
    with pytest.raises(uploads.KeptUploadGone):
        uploads.load_upload(str(tmp_path), old)


def test_an_empty_file_is_refused_even_without_a_caller_check(app):
    with app.app_context(), pytest.raises(uploads.UploadError) as refused:
        uploads.open_workbook(b"", 1024, max_rows=10)
    assert str(refused.value) == "文件是空的；请选择填好的 .xlsx 文件"


def test_the_size_refusal_reads_in_english_too(app):
    with pytest.raises(uploads.UploadError) as refused:
        uploads.open_workbook(bytes(3 * 1024 * 1024), 2 * 1024 * 1024, max_rows=10)
    with app.app_context(), force_locale("en"):  # translated when shown, not when raised
        assert str(refused.value) == (
            "The file is too large (3 MB); the limit is 2 MB. Remove unrelated sheets and "
            "pictures and upload again, or import in batches."
        )
