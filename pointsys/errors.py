"""Error pages in the user's language, and clear pages when the database is busy or cannot be
reached."""

from __future__ import annotations

from flask import Flask, current_app, g, render_template
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError

from .database import is_busy
from .extensions import db, login_manager


def _messages() -> dict[int, tuple[str, str]]:
    return {
        400: (_("请求有误"), _("提交的内容无法处理，请返回上一页重试。")),
        403: (_("没有权限"), _("您的账号没有打开此页面的权限。如需开通，请联系村两委。")),
        404: (_("页面不存在"), _("您要找的页面不存在，可能已被移动或删除。")),
        405: (_("请求有误"), _("提交的内容无法处理，请返回上一页重试。")),
        413: (_("文件太大"), _("上传的文件超过了大小限制，请压缩或拆分后再上传。")),
        500: (_("系统出错"), _("系统出现了问题，您的操作没有保存。请稍后重试或联系管理员。")),
    }


def _page(code: int, title: str | None = None, detail: str | None = None):
    default_title, default_detail = _messages().get(code, _messages()[500])
    return (
        render_template(
            "errors/error.html",
            code=code,
            title=title or default_title,
            detail=detail or default_detail,
        ),
        code,
    )


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(_error):
        return _page(400, _("表单已过期"), _("页面停留太久或已在别处退出，请刷新页面后重新提交。"))

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException):
        if error.code is None or error.code < 400:
            return error
        # abort(400, _("…")) says what was wrong; werkzeug's own English default says nothing.
        detail = error.description if error.description != type(error).description else None
        return _page(error.code, detail=detail)

    @app.errorhandler(InternalServerError)
    def _failed(error: InternalServerError):
        # The failure may have left the session mid-transaction (PendingRollbackError on the
        # next query): roll back, and render without the database, as nobody signed in.
        db.session.rollback()
        g._login_user = login_manager.anonymous_user()
        return _page(500)

    @app.errorhandler(OperationalError)
    def _database_down(error: OperationalError):
        db.session.rollback()
        # The page header asks who is signed in, which needs the database: answer "nobody".
        g._login_user = login_manager.anonymous_user()
        if is_busy(error):
            # Reachable, but another transaction held its lock longer than we wait: say so (the
            # database did not go away, and asking an administrator to check it would mislead).
            current_app.logger.warning("database busy: %s", error.orig)
            page, code = _page(
                503,
                _("数据库正忙"),
                _(
                    "其他人的操作正在保存，请过几秒钟再试；如果您刚才提交了内容，它没有保存，请重新提交。"
                ),
            )
            return page, code, {"Retry-After": "5"}
        current_app.logger.error("database unavailable: %s", error.orig)
        return _page(
            503, _("数据库暂时无法连接"), _("请稍后重试；如果一直如此，请联系管理员检查数据库。")
        )
