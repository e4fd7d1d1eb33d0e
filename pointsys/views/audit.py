"""The audit trail (操作日志) for administrators: filter, page, export as xlsx or CSV."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, render_template, request, stream_with_context
from flask_login import current_user

from .. import audit, audit_trail, database
from ..extensions import db
from ..localtime import app_today, app_zone
from ..models import AuditEvent
from .common import ADMINS, attachment, role_required, xlsx_response
from .hygiene import page_number

bp = Blueprint("audit", __name__, url_prefix="/admin/audit")


def _day(name: str) -> date | None:
    try:
        return date.fromisoformat(request.args.get(name, "").strip())
    except ValueError:
        return None  # a blank or malformed date filters nothing; the form shows it empty


def _filters() -> audit_trail.Filters:
    def text(name: str) -> str | None:
        return request.args.get(name, "").strip()[:100] or None

    return audit_trail.Filters(
        action=text("action"),
        actor=text("actor"),
        object_type=text("object_type"),
        object_id=text("object_id"),
        since=_day("since"),
        until=_day("until"),
    )


@bp.get("/")
@role_required(ADMINS)
def index():
    filters = _filters()
    zone = app_zone()
    page = audit_trail.page(filters, zone, page_number())
    return render_template(
        "audit/index.html",
        filters=filters,
        page=page,
        rows=[
            (event, audit_trail.local_time(event.at, zone), audit_trail.changes(event))
            for event in page.events
        ],
        actions=[
            (a, audit_trail.action_label(a)) for a in audit_trail.distinct_values(AuditEvent.action)
        ],
        object_types=[
            (t, audit_trail.object_label(t))
            for t in audit_trail.distinct_values(AuditEvent.object_type)
        ],
        action_label=audit_trail.action_label,
        object_label=audit_trail.object_label,
    )


def _record_export(kind: str, filters: audit_trail.Filters) -> None:
    """Who took a copy of the trail (it holds addresses) is itself part of the trail."""
    # A GET that writes: wait for SQLite's write lock rather than fail on it.
    with database.writing():
        audit.record(
            "audit_exported",
            "audit_event",
            None,
            actor=current_user,
            after={"format": kind, **filters.as_args()},
        )
        db.session.commit()


@bp.get("/export.xlsx")
@role_required(ADMINS)
def export_xlsx():
    filters = _filters()
    _record_export("xlsx", filters)
    output = audit_trail.xlsx_file(audit_trail.rows(filters, app_zone()))
    return xlsx_response(output, f"操作日志{app_today():%Y%m%d}.xlsx", "audit.xlsx")


@bp.get("/export.csv")
@role_required(ADMINS)
def export_csv():
    filters = _filters()
    _record_export("csv", filters)
    chunks = audit_trail.csv_chunks(audit_trail.rows(filters, app_zone()))
    response = Response(stream_with_context(chunks), content_type="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = attachment(
        f"操作日志{app_today():%Y%m%d}.csv", "audit.csv"
    )
    return response
