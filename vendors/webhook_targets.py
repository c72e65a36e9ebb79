"""Where the server may call out to: webhook targets are public addresses, checked when registered and when sent.

A URL is refused when its host is, or resolves to, an address that is not globally routable: loopback, private
(RFC 1918, fc00::/7), link-local (169.254/16, fe80::/10), shared (100.64/10), unspecified, multicast, broadcast,
reserved, documentation ranges, and IPv4-mapped IPv6 forms of those. The delivery connects to the very address
that was checked (`resolve_target` returns it), so a DNS answer that changes between check and connect cannot
move the request inward. Exceptions, by name only: loopback with DEBUG on (development and tests), and the hosts
an operator lists in VRM_WEBHOOK_ALLOWED_HOSTS (an on-premise receiver).
"""

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

LOOPBACK_NAMES = ("localhost",)


class TargetRefused(Exception):
    """The URL may not be called; `category` is what the vendor is shown."""

    def __init__(self, category):
        super().__init__(category)
        self.category = category


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str  # as written in the URL: the Host header and the name the TLS certificate must carry
    port: int
    path: str  # path and query
    address: str  # the checked IP address to connect to


def _unmapped(address):
    if address.version == 6 and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def is_public(address):
    """True when `address` (an ipaddress object) is globally routable unicast."""
    address = _unmapped(address)
    return address.is_global and not (address.is_multicast or address.is_reserved or address.is_unspecified)


def _operator_allows(host, address):
    allowed = settings.VRM_WEBHOOK_ALLOWED_HOSTS
    if host in allowed or str(address) in allowed:
        return True
    return settings.DEBUG and _unmapped(address).is_loopback


def check_url(url):
    """Refuse a URL the server may not call (raises TargetRefused); returns its parts (scheme, host, port, path)."""
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        raise TargetRefused("not a valid URL") from None
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("https", "http") or not host:
        raise TargetRefused("not an https URL")
    if parts.username or parts.password:
        raise TargetRefused("credentials in the URL are not allowed")
    port = port or (443 if parts.scheme == "https" else 80)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return parts.scheme, host, port, path


def resolve_target(url):
    """Check `url` and the addresses its host resolves to; returns the Target to connect to, or raises
    TargetRefused. Every address must be allowed (a name with one private answer is refused as a whole);
    plain http only to a host allowed by name (loopback with DEBUG on, or VRM_WEBHOOK_ALLOWED_HOSTS)."""
    scheme, host, port, path = check_url(url)
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    loopback_name = host in LOOPBACK_NAMES or (literal is not None and _unmapped(literal).is_loopback)
    if scheme != "https" and not (host in settings.VRM_WEBHOOK_ALLOWED_HOSTS or (settings.DEBUG and loopback_name)):
        raise TargetRefused("not an https URL")
    if literal is not None:
        addresses = [literal]
    else:
        try:
            answers = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError):
            raise TargetRefused("could not resolve the host") from None
        addresses = list(dict.fromkeys(ipaddress.ip_address(answer[4][0].split("%")[0]) for answer in answers))
    by_name = [address for address in addresses if _operator_allows(host, address)]
    if len(by_name) == len(addresses):
        return Target(scheme, host, port, path, str(addresses[0]))
    if not all(is_public(address) for address in addresses):
        raise TargetRefused("not a public address")
    if scheme != "https":
        raise TargetRefused("not an https URL")
    return Target(scheme, host, port, path, str(addresses[0]))


def check_registration(url):
    """What registration checks: the URL's form, and, when the host resolves now, its addresses.

    A name that does not resolve yet is accepted (the receiver may not be live); delivery checks again.
    """
    try:
        return resolve_target(url)
    except TargetRefused as refused:
        if refused.category == "could not resolve the host" and check_url(url)[0] == "https":
            return None
        raise
