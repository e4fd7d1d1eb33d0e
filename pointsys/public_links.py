"""The link printed on paper (the notice board's QR code): the deployment's public address.

A printout is read on a villager's phone, so it carries PUBLIC_BASE_URL (the address phones
reach, e.g. http://192.168.1.10:8000 or https://jifen.example.cn), never the address the
printing request happened to come in on (127.0.0.1 when the clerk works on the server itself).
Unset, nothing is printed: no link is better than one no phone can open.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from urllib.parse import urlsplit

SETTING = "PUBLIC_BASE_URL"


class PublicLinkError(ValueError):
    """PUBLIC_BASE_URL cannot be printed for phones; the message names the setting."""


def checked_base(value: str | None) -> str | None:
    """The setting as printed (no trailing slash), None when unset; PublicLinkError if a phone
    could not open it (not http(s), no host, a path or query, or this machine's own address)."""
    text = (value or "").strip()
    if not text:
        return None
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise PublicLinkError(
            f"POINTSYS_{SETTING} “{text}” 不是网址；应形如 http://192.168.1.10:8000 "
            "或 https://jifen.example.cn"
        )
    if parts.path.strip("/") or parts.query or parts.fragment:
        raise PublicLinkError(
            f"POINTSYS_{SETTING} “{text}” 只写协议、主机和端口，不带路径（路径由系统补上）"
        )
    if _loopback(parts.hostname):
        raise PublicLinkError(
            f"POINTSYS_{SETTING} “{text}” 是本机地址，村民的手机打不开；"
            "请写手机能访问的地址，如村委会局域网地址 http://192.168.1.10:8000"
        )
    return f"{parts.scheme}://{parts.netloc}"


def public_url(config: Mapping, path: str) -> str | None:
    """The public address of `path` (from url_for, without _external), or None when the
    deployment has not said where phones reach it."""
    base = checked_base(config.get(SETTING))
    return None if base is None else base + "/" + path.lstrip("/")


def _loopback(host: str) -> bool:
    if host.lower() == "localhost" or host.lower().endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback or ipaddress.ip_address(host).is_unspecified
    except ValueError:
        return False
