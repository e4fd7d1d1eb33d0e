"""The addresses a served app is reached at: on this computer, and from phones on the village
network when it listens on every interface (--host 0.0.0.0)."""

from __future__ import annotations

import ipaddress
import socket

LOCAL = "127.0.0.1"
EVERY_INTERFACE = {"0.0.0.0", "", "::", "*"}


def lan_addresses() -> list[str]:
    """This computer's IPv4 addresses on the local network, the outgoing one first; [] offline.

    Connecting a UDP socket sends nothing: it only asks the system which interface it would use.
    """
    found: list[str] = []
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(("10.254.254.254", 1))
            found.append(probe.getsockname()[0])
    except OSError:
        pass
    try:
        for *_, sockaddr in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET):
            found.append(sockaddr[0])
    except OSError:
        pass
    usable = []
    for address in found:
        ip = ipaddress.ip_address(address)
        if not (ip.is_loopback or ip.is_unspecified or ip.is_link_local) and address not in usable:
            usable.append(address)
    return usable


def serving_urls(host: str, port: int, lan: list[str] | None = None) -> list[tuple[str, bool]]:
    """(URL, reachable from other devices) for an app served on host:port; `lan` defaults to
    lan_addresses(). On every interface: this computer's URL, then one per LAN address."""
    if host in EVERY_INTERFACE:
        addresses = lan_addresses() if lan is None else lan
        return [(_url(LOCAL, port), False)] + [(_url(a, port), True) for a in addresses]
    loopback = host == "localhost" or _is_loopback(host)
    return [(_url(host, port), not loopback)]


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _url(host: str, port: int) -> str:
    if ":" in host:  # an IPv6 literal
        host = f"[{host}]"
    return f"http://{host}:{port}"
