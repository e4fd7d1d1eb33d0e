"""Evidence photos: checked by content, stored by hash in the instance folder, served to those who
may see the household."""

import io
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import pytest
from PIL import Image
from werkzeug.datastructures import FileStorage

from pointsys import evidence, ledger
from pointsys.evidence import EvidenceError, Limits, PhotosRefused
from pointsys.extensions import db
from pointsys.ledger import Draft
from pointsys.localtime import app_today
from pointsys.models import AuditEvent, EntryPhoto, Role

from .access_world import lead
from .conftest import csrf_token, login

TODAY = date(2026, 11, 21)


def image_bytes(fmt="JPEG", size=(32, 24), colour=(200, 30, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, fmt)
    return buffer.getvalue()


def upload(data: bytes, name="photo.jpg") -> FileStorage:
    return FileStorage(io.BytesIO(data), filename=name, content_type="image/jpeg")


def an_entry(v, household=None):
    household = household or v.households[0]
    (entry,) = ledger.record(
        v.village,
        [Draft(household.id, "FIL-02", date(2026, 8, 3))],
        key=f"k-{household.id}",
        actor=v.clerk,
        today=TODAY,
    ).entries
    db.session.commit()
    return entry


# --- check(): by content, not by name ---


def test_real_jpeg_and_png_pass():
    jpeg = evidence.check(image_bytes("JPEG"))
    png = evidence.check(upload(image_bytes("PNG"), name="whatever.txt"))
    assert (jpeg.kind.content_type, jpeg.width, jpeg.height) == ("image/jpeg", 32, 24)
    assert png.kind.content_type == "image/png"


@pytest.mark.parametrize(
    "data",
    [
        b"just some text, renamed to .jpg",
        b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF",
        b"MZ\x90\x00\x03" + bytes(200),  # a Windows .exe
        b"GIF89a" + bytes(50),
    ],
    ids=["text", "pdf", "exe", "gif"],
)
def test_other_types_are_refused_whatever_their_name(data):
    with pytest.raises(EvidenceError) as refused:
        evidence.check(upload(data, name="现场.jpg"), position=2)
    assert str(refused.value) == (
        "第 2 张照片不是 JPEG 或 PNG 图片（按文件内容判断，与文件名无关），"
        "请用手机拍照或另存为 JPG/PNG 后重新上传。"
    )


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
def test_a_cut_short_or_fake_image_is_refused(fmt):
    whole = image_bytes(fmt, size=(64, 48))
    for broken in (whole[:-1], whole[: len(whole) // 2], whole[:16] + bytes(400)):
        with pytest.raises(EvidenceError) as refused:
            evidence.check(broken, position=3)
        assert str(refused.value) == (
            "第 3 张照片无法打开，文件可能已损坏或没有传完整，请重新拍照或重新上传。"
        )


def test_too_big_and_empty_are_refused():
    data = image_bytes("PNG", size=(64, 64))
    with pytest.raises(EvidenceError) as refused:
        evidence.check(upload(data), max_bytes=len(data) - 1)
    assert str(refused.value) == (
        f"第 1 张照片超过了每张 {len(data) - 1:,} B 的上限，请压缩或调低手机拍照分辨率后重新上传。"
    )
    assert evidence.check(data, max_bytes=len(data)).size == len(data)
    with pytest.raises(EvidenceError) as refused:
        evidence.check(upload(b""), position=4)
    assert str(refused.value) == "第 4 张照片是空文件，请重新选择。"


def test_the_size_limit_is_shown_in_megabytes(app):
    with pytest.raises(EvidenceError) as refused:
        evidence.check(bytes(5 * 1024 * 1024 + 1))
    assert "每张 5 MB 的上限" in str(refused.value)
    with pytest.raises(EvidenceError) as refused:
        evidence.check(bytes(512 * 1024 + 1), max_bytes=512 * 1024)
    assert "每张 0.5 MB 的上限" in str(refused.value)
    with app.app_context():
        assert Limits.from_config(app.config) == Limits(5 * 1024 * 1024, 5)


def test_a_decompression_bomb_is_refused(monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 20_000_000)
    # One bit a pixel: 20,005,000 pixels in a small file, refused before any pixel is decoded.
    buffer = io.BytesIO()
    Image.new("1", (5000, 4001)).save(buffer, "PNG")
    with pytest.raises(EvidenceError) as refused:
        evidence.check(buffer.getvalue())
    assert str(refused.value) == "第 1 张照片像素太多，请缩小到 2,000 万像素以内后重新上传。"
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100)
    with pytest.raises(EvidenceError) as refused:
        evidence.check(image_bytes("PNG", size=(20, 20)))
    assert str(refused.value) == "第 1 张照片像素太多，请缩小到 0.01 万像素以内后重新上传。"


# --- attach(): all or none, stored by hash, audited ---


def test_attach_stores_by_hash_and_audits(app, village, tmp_path):
    entry = an_entry(village)
    jpeg, png = image_bytes("JPEG"), image_bytes("PNG")
    rows = evidence.attach(
        entry, [upload(jpeg, "../../etc/passwd"), upload(png)], village.clerk, root=tmp_path / "ev"
    )
    db.session.commit()
    first = rows[0]
    assert first.stored_name.endswith(f"/{first.sha256}.jpg")
    assert first.stored_name.startswith(f"{app_today():%Y/%m}/")
    assert (tmp_path / "ev" / first.stored_name).read_bytes() == jpeg
    assert rows[1].content_type == "image/png" and rows[1].size == len(png)
    assert [p.id for p in evidence.photos_of(entry)] == [r.id for r in rows]
    events = db.session.execute(
        db.select(AuditEvent).where(AuditEvent.action == "photo_attached")
    ).scalars()
    assert [(e.object_id, e.actor_label, e.after["photo_id"]) for e in events] == [
        (str(entry.id), "clerk", rows[0].id),
        (str(entry.id), "clerk", rows[1].id),
    ]
    assert not list((tmp_path / "ev").rglob("*.part"))


def test_one_bad_photo_refuses_the_whole_batch(app, village, tmp_path):
    entry = an_entry(village)
    with pytest.raises(PhotosRefused) as refused:
        evidence.attach(
            entry,
            [upload(image_bytes()), upload(b"not an image", "b.jpg"), upload(b"", "c.png")],
            village.clerk,
            root=tmp_path / "ev",
        )
    assert [str(p) for p in refused.value.problems] == [
        "第 2 张照片不是 JPEG 或 PNG 图片（按文件内容判断，与文件名无关），"
        "请用手机拍照或另存为 JPG/PNG 后重新上传。",
        "第 3 张照片是空文件，请重新选择。",
    ]
    db.session.rollback()
    assert evidence.photos_of(entry) == []
    assert not list((tmp_path / "ev").rglob("*.*"))


def test_at_most_n_photos_per_entry_and_no_duplicates(app, village, tmp_path):
    entry = an_entry(village)
    limits = Limits(max_per_entry=2)
    evidence.attach(entry, [image_bytes(colour=(1, 2, 3))], village.clerk, root=tmp_path / "ev")
    db.session.commit()
    with pytest.raises(PhotosRefused) as refused:
        batch = [image_bytes(colour=(9, 9, 9)), image_bytes(colour=(200, 200, 0))]
        evidence.attach(entry, batch, village.clerk, root=tmp_path / "ev", limits=limits)
    assert [str(p) for p in refused.value.problems] == [
        "每条积分记录最多附 2 张照片：这条记录已有 1 张，这次最多还能添加 1 张。"
    ]
    with pytest.raises(PhotosRefused) as refused:
        evidence.attach(entry, [image_bytes(colour=(1, 2, 3))], village.clerk, root=tmp_path / "ev")
    assert [str(p) for p in refused.value.problems] == [
        "第 1 张照片这条记录已经有了（内容完全相同），不必重复上传。"
    ]
    with pytest.raises(PhotosRefused) as refused:
        evidence.attach(
            entry, [FileStorage(io.BytesIO(b""), filename="")], village.clerk, root=tmp_path / "ev"
        )
    assert [str(p) for p in refused.value.problems] == [
        "没有选择照片：请至少选择一张 JPEG 或 PNG 照片。"
    ]


def test_photo_rows_are_append_only(app, village, tmp_path):
    entry = an_entry(village)
    evidence.attach(entry, [image_bytes()], village.clerk, root=tmp_path / "ev")
    db.session.commit()
    for statement in (
        db.update(EntryPhoto).values(size=1),
        db.delete(EntryPhoto),
    ):
        with pytest.raises(Exception, match="append-only"):
            db.session.execute(statement)
            db.session.flush()
        db.session.rollback()


def test_stored_names_must_be_ours(tmp_path):
    for name in ("../secret.jpg", "2026/11/abc.jpg", "2026/11/" + "a" * 64 + ".exe", "/etc/x"):
        with pytest.raises(ValueError):
            evidence.path_of(tmp_path, name)


# --- who may see ---


def test_may_view(app, village):
    household, other = village.households[0], village.households[1]
    anonymous = SimpleNamespace(is_authenticated=False)
    resident = SimpleNamespace(is_authenticated=True, is_resident=True, household_id=household.id)
    assert not evidence.may_view(anonymous, household)
    assert evidence.may_view(resident, household)
    assert not evidence.may_view(resident, other)
    for staff in (village.clerk, village.supervisor, village.admin):
        assert evidence.may_view(staff, household)
    stranger = SimpleNamespace(
        is_authenticated=True, village_id=village.village.id + 1, has_role=lambda *r: True
    )
    assert not evidence.may_view(stranger, household)


def test_a_group_leader_sees_only_their_own_groups_photos(app, village):
    household = village.households[0]  # in 一组; 003 has no group

    def leader(group_ids):
        return SimpleNamespace(
            is_authenticated=True,
            village_id=village.village.id,
            roles=frozenset({Role.GROUP_LEADER}),
            group_ids=frozenset(group_ids),
            has_role=lambda *r: Role.GROUP_LEADER in r,
        )

    assert evidence.may_view(leader({household.group_id}), household)
    assert not evidence.may_view(leader({household.group_id + 1}), household)
    assert not evidence.may_view(leader(()), household)
    assert not evidence.may_view(leader({household.group_id}), village.households[2])


# --- the pages ---


def _post_photos(client, entry_id, files):
    token = csrf_token(client, f"/ledger/entries/{entry_id}/photos")
    return client.post(
        f"/ledger/entries/{entry_id}/photos",
        data={"csrf_token": token, "photos": [(io.BytesIO(d), n) for d, n in files]},
        content_type="multipart/form-data",
    )


def _instance_evidence(app) -> Path:
    return evidence.folder(app.instance_path)


def test_upload_through_the_page_then_serve(app, client, village):
    entry = an_entry(village)
    login(client, "clerk", "correct horse 1")
    jpeg = image_bytes("JPEG")
    response = _post_photos(client, entry.id, [(jpeg, "IMG_0001.JPG")])
    assert response.status_code == 302
    (row,) = evidence.photos_of(entry)
    assert (_instance_evidence(app) / row.stored_name).read_bytes() == jpeg
    page = client.get(f"/ledger/entries/{entry.id}/photos").get_data(as_text=True)
    assert f"/evidence/{row.id}" in page
    served = client.get(f"/evidence/{row.id}")
    assert served.status_code == 200
    assert served.data == jpeg
    assert served.mimetype == "image/jpeg"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert "private" in served.headers["Cache-Control"]
    assert "public" not in served.headers["Cache-Control"]


def test_upload_refusals_are_shown_and_nothing_is_kept(app, client, village):
    entry = an_entry(village)
    login(client, "supervisor", "correct horse 1")
    response = _post_photos(
        client, entry.id, [(image_bytes(), "a.jpg"), (b"MZ\x90\x00" + bytes(99), "b.jpg")]
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "第 2 张照片不是 JPEG 或 PNG 图片" in html
    assert evidence.photos_of(entry) == []


def test_upload_needs_csrf_and_an_uploader_role(app, client, village, make_user):
    entry = an_entry(village)
    login(client, "clerk", "correct horse 1")
    response = client.post(
        f"/ledger/entries/{entry.id}/photos",
        data={"photos": [(io.BytesIO(image_bytes()), "a.jpg")]},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    client.post("/auth/logout", data={"csrf_token": csrf_token(client)})
    login(client, *make_user("leader", roles=("group_leader",)))
    lead("leader", entry.household.group_id)  # a leader sees their own groups' photos only
    assert client.get(f"/ledger/entries/{entry.id}/photos").status_code == 200
    response = _post_photos(client, entry.id, [(image_bytes(), "a.jpg")])
    assert response.status_code == 403
    assert evidence.photos_of(entry) == []


def test_serving_permissions(app, client, village, monkeypatch):
    entry = an_entry(village)
    (row,) = evidence.attach(
        entry, [image_bytes("PNG")], village.clerk, root=_instance_evidence(app)
    )
    db.session.commit()
    url = f"/evidence/{row.id}"

    anonymous = client.get(url)
    assert anonymous.status_code == 302 and "/auth/login" in anonymous.headers["Location"]

    login(client, "admin", "correct horse 1")
    assert client.get(url).status_code == 200
    assert client.get(f"/evidence/{row.id + 1}").status_code == 404
    assert client.get("/evidence/..%2f..%2fsecret_key").status_code == 404

    from pointsys.views import evidence as views

    own = SimpleNamespace(is_authenticated=True, is_resident=True, household_id=entry.household_id)
    monkeypatch.setattr(views, "current_user", own)
    assert client.get(url).status_code == 200
    other = SimpleNamespace(
        is_authenticated=True, is_resident=True, household_id=village.households[1].id
    )
    monkeypatch.setattr(views, "current_user", other)
    assert client.get(url).status_code == 404


def test_a_missing_file_is_a_404_not_a_crash(app, client, village):
    entry = an_entry(village)
    (row,) = evidence.attach(entry, [image_bytes()], village.clerk, root=_instance_evidence(app))
    db.session.commit()
    (_instance_evidence(app) / row.stored_name).unlink()
    login(client, "admin", "correct horse 1")
    assert client.get(f"/evidence/{row.id}").status_code == 404
