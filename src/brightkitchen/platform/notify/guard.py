"""Where the platform may send an outbound request: public addresses over https, unless the operator
allow-lists an intranet receiver. Checked when a channel is saved and again, on the resolved addresses,
right before each send (a name can resolve elsewhere by then: DNS rebinding)."""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import SplitResult, urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# Cloud metadata and loopback names, refused even when they do not resolve here.
BLOCKED_NAMES = {"localhost", "metadata", "metadata.google.internal", "metadata.goog", "instance-data"}
BLOCKED_SUFFIXES = (".localhost", ".internal")
NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_NUMERIC_HOST = re.compile(r"^[0-9a-fx.]+$", re.IGNORECASE)
_HOST_CHARS = re.compile(r"^[\w.:-]+$")  # letters (IDN too), digits, dot, hyphen, underscore; colons for IPv6


class BlockedTarget(ValueError):
    """The target is not a place the platform sends to; the message is short and fixed (no reply text)."""


@dataclass(frozen=True)
class TargetPolicy:
    allow_http: bool = False
    allow_hosts: frozenset[str] = frozenset()
    allow_networks: tuple[IPNetwork, ...] = field(default_factory=tuple)

    @classmethod
    def of(cls, allow_http: bool, hosts: list[str], networks: Sequence[str | IPNetwork]) -> TargetPolicy:
        nets = tuple(ipaddress.ip_network(n, strict=False) for n in networks)
        return cls(allow_http, frozenset(h.lower().rstrip(".") for h in hosts), nets)

    def host_allowed(self, host: str) -> bool:
        return host.lower().rstrip(".") in self.allow_hosts

    def address_allowed(self, ip: IPAddress) -> bool:
        return any(ip.version == net.version and ip in net for net in self.allow_networks)


def _embedded_v4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip in NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    return None


def is_public(ip: IPAddress) -> bool:
    """Not loopback, private, link-local, multicast, reserved, unspecified or shared (is_global covers them)."""
    if isinstance(ip, ipaddress.IPv6Address):
        inner = _embedded_v4(ip)
        if inner is not None and not is_public(inner):
            return False
    return ip.is_global and not ip.is_multicast


def literal_address(host: str) -> IPAddress | None:
    """The address a host written as a number means, odd forms included (0x7f000001, 2130706433, 127.1)."""
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        pass
    if _NUMERIC_HOST.match(host):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    return None


def split_target(url: str, policy: TargetPolicy) -> tuple[SplitResult, str, int]:
    """The URL's parts, host and port, after the scheme check."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise BlockedTarget("not a valid URL") from exc
    scheme = parts.scheme.lower()
    if scheme not in ("https", "http") or (scheme == "http" and not policy.allow_http):
        raise BlockedTarget("the URL must start with https://" + (" or http://" if policy.allow_http else ""))
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise BlockedTarget("the URL has no host")
    if not _HOST_CHARS.match(host) or len(host) > 253:
        raise BlockedTarget("not a valid host name")
    return parts, host, port or (443 if scheme == "https" else 80)


def check_address(ip: IPAddress, host: str, policy: TargetPolicy) -> None:
    if not is_public(ip) and not policy.address_allowed(ip) and not policy.host_allowed(host):
        raise BlockedTarget("blocked address")


def check_name(host: str, policy: TargetPolicy) -> None:
    name = host.lower()
    if policy.host_allowed(name):
        return
    if name in BLOCKED_NAMES or name.endswith(BLOCKED_SUFFIXES):
        raise BlockedTarget("blocked address")


def resolve(host: str, port: int, policy: TargetPolicy) -> list[tuple[socket.AddressFamily, IPAddress]]:
    """Every address the host resolves to, each checked; one bad address refuses them all."""
    check_name(host, policy)
    literal = literal_address(host)
    if literal is not None:
        check_address(literal, host, policy)
        family = socket.AF_INET6 if literal.version == 6 else socket.AF_INET
        return [(family, literal)]
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, ValueError) as exc:  # ValueError: UnicodeError (bad IDN), NUL
        raise BlockedTarget("name not resolved") from exc
    found: list[tuple[socket.AddressFamily, IPAddress]] = []
    for family, _type, _proto, _name, sockaddr in infos:
        ip = ipaddress.ip_address(str(sockaddr[0]).split("%")[0])
        check_address(ip, host, policy)
        if (family, ip) not in found:
            found.append((family, ip))
    if not found:
        raise BlockedTarget("name not resolved")
    return found


def check_target(url: str, policy: TargetPolicy) -> None:
    """At save time: the scheme, the name, and every address it resolves to now. A name that does not
    resolve here is accepted (the send re-checks it); a blocked one is refused."""
    _parts, host, port = split_target(url, policy)
    try:
        resolve(host, port, policy)
    except BlockedTarget as exc:
        if str(exc) != "name not resolved":
            raise
