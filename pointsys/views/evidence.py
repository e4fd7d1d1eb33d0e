"""Evidence photos: add photos to an entry, and serve a photo to those who may see its household.

Thin: the checks, storage and permission rule live in pointsys.evidence.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.file import MultipleFileField

from .. import evidence, uploads
from ..extensions import db, login_manager
from ..models import Entry, EntryPhoto
from .common import evidence_limits, evidence_root, role_required
from .forms import Form

bp = Blueprint("evidence", __name__)


class PhotosForm(Form):
    photos = MultipleFileField(_l("照片（JPEG 或 PNG）"))


def _visible_entry(entry_id: int) -> Entry:
    """The entry, if the signed-in person may see its household; 404 otherwise (an id someone
    may not see is not confirmed to exist)."""
    entry = db.get_or_404(Entry, entry_id)
    if not evidence.may_view(current_user, entry.household):
        abort(404)
    return entry


@bp.get("/ledger/entries/<int:entry_id>/photos")
@role_required(evidence.VIEWER_ROLES)
def photos(entry_id: int):
    entry = _visible_entry(entry_id)
    return _render(entry, PhotosForm(formdata=None))


def _render(entry: Entry, form: PhotosForm, problems=(), status: int = 200):
    limits = evidence_limits()
    return (
        render_template(
            "evidence/photos.html",
            entry=entry,
            photos=evidence.photos_of(entry),
            form=form,
            problems=problems,
            may_upload=current_user.has_role(*evidence.UPLOADER_ROLES),
            max_per_entry=limits.max_per_entry,
            max_size=uploads.byte_size(limits.max_bytes),
        ),
        status,
    )


@bp.post("/ledger/entries/<int:entry_id>/photos")
@role_required(evidence.UPLOADER_ROLES)
def add_photos(entry_id: int):
    limits = evidence_limits()
    entry = _visible_entry(entry_id)
    form = PhotosForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        added = evidence.attach(
            entry,
            request.files.getlist("photos"),
            current_user,
            root=evidence_root(),
            limits=limits,
        )
        db.session.commit()
    except evidence.PhotosRefused as refused:
        db.session.rollback()
        return _render(entry, PhotosForm(formdata=None), refused.problems, 422)
    flash(_("已添加 %(count)s 张照片。", count=len(added)), "success")
    return redirect(url_for("evidence.photos", entry_id=entry.id))


@bp.get("/evidence/<int:photo_id>")
def photo(photo_id: int):
    """The photo's file, only to those who may see its household (residents: their own)."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    row = db.get_or_404(EntryPhoto, photo_id)
    entry = db.session.get(Entry, row.entry_id)
    if entry is None or not evidence.may_view(current_user, entry.household):
        abort(404)
    # The path comes from our own stored name, checked against its pattern: no traversal.
    path = evidence.path_of(evidence_root(), row.stored_name)
    if not path.is_file():
        current_app.logger.error("evidence file missing: photo %s (%s)", row.id, row.stored_name)
        abort(404)
    response = send_file(
        path,
        mimetype=row.content_type,
        download_name=f"photo-{row.id}.{path.suffix.lstrip('.')}",
        etag=row.sha256,
        conditional=True,
        max_age=3600,
    )
    # A household's photos may be personal: browsers may keep them, shared caches may not.
    response.cache_control.public = False
    response.cache_control.private = True
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
