"""Where the platform may connect on a tenant's behalf: the tool proxy, tool health probes, tools'
OAuth token endpoints and SSO upstreams (discovery, JWKS, token exchange). One policy, checked
when a URL is registered (create and every update) and again on every new connection, on the
address actually connected to, so DNS rebinding cannot get around it (docs/security.md).

Refused by default: loopback, unspecified, private, link-local (cloud metadata), carrier-grade
NAT, multicast, reserved and documentation ranges, IPv6 unique-local and site-local, IPv6 forms
that embed a refused IPv4 address (mapped, compatible, NAT64, 6to4), the local machine's names,
any host that is not a canonical dotted quad, a bracketed IPv6 address or a DNS name (``127.1``,
``2130706433``, ``0x7f.1`` and ``0177.0.0.1`` are all 127.0.0.1 to ``getaddrinfo``), and names
that resolve to any refused address.

An operator allows on-premises tools with ``OPENFRAME_OUTBOUND_ALLOW`` (CIDRs and ``host:port``
entries). The platform's own listeners stay refused whatever that says: every port of the local
port block (``infra/layout.py``) on any address, and every endpoint the settings name (stores,
brokers, the edge, the key set, other services).

No library: the SSRF packages for httpx are young one-person projects; this is the standard
``ipaddress`` module, one resolver call, and httpcore's documented network-backend seam.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import re
import socket
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlsplit

import httpcore
import httpx
from pydantic import field_validator
from pydantic_settings import NoDecode

from infra.layout import PORT_OFFSETS
from services.kit.config import Settings, local_port

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
#: ``(host, port) -> addresses``; the system's is :func:`system_resolver`, tests pass their own.
Resolver = Callable[[str, int], Awaitable[list[Address]]]

DEFAULT_PORTS = {"http": 80, "https": 443}
#: Names that are the local machine whatever DNS says (RFC 6761 §6.3 for ``*.localhost``).
LOCAL_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"})
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
#: A last label that makes ``inet_aton``/``getaddrinfo`` read the host as an IPv4 number.
_NUMERIC = re.compile(r"^(0x[0-9a-f]*|[0-9]+)$")
_CGNAT = ipaddress.IPv4Network("100.64.0.0/10")
_THIS_NETWORK = ipaddress.IPv4Network("0.0.0.0/8")
_IETF = ipaddress.IPv4Network("192.0.0.0/24")  # protocol assignments, not globally reachable
_COMPATIBLE = ipaddress.IPv6Network("::/96")  # deprecated IPv4-compatible IPv6
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
CANONICAL_IPV4 = "write IPv4 addresses as four decimal numbers, like 192.0.2.10"


class Refused(ValueError):
    """A destination the policy refuses; the message says why, in words safe to show to the
    tenant who registered the URL (it names no address the platform resolved)."""


class RefusedConnect(httpcore.ConnectError):
    """A connection the policy refused at connect time. httpx turns it into ``httpx.ConnectError``
    (so every ``except httpx.HTTPError`` treats it as unreachable); :func:`refused` tells it apart."""


def refused(exc: BaseException) -> bool:
    """Whether an httpx error was the policy refusing the connection."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, RefusedConnect):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


async def system_resolver(host: str, port: int) -> list[Address]:
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    found: list[Address] = []
    for *_, sockaddr in infos:
        address = ipaddress.ip_address(str(sockaddr[0]))
        if address not in found:
            found.append(address)
    return found


def address_problem(address: Address) -> str | None:
    """Why connecting to ``address`` is refused by default; None for a public address."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return "an IPv4-mapped IPv6 address"
        if not (address.is_loopback or address.is_unspecified) and address in _COMPATIBLE:
            return "an IPv4-compatible IPv6 address"
        embedded = address.sixtofour or (
            ipaddress.IPv4Address(int(address) & 0xFFFFFFFF) if address in _NAT64 else None
        )
        if embedded is not None:
            problem = address_problem(embedded)
            return f"{problem} inside an IPv6 address" if problem else None
        if address.is_site_local:
            return "a site-local address"
    if address.is_loopback:
        return "a loopback address"
    if address.is_unspecified or address in _THIS_NETWORK:
        return "an unspecified address"
    if address.is_link_local:
        return "a link-local address"
    if address.is_multicast:
        return "a multicast address"
    if address in _CGNAT:
        return "a carrier-grade NAT address"
    if address.is_reserved or address in _IETF:
        return "a reserved address"
    if address.is_private:
        return "a private network address"
    if not address.is_global:
        return "not a public address"
    return None


@dataclass(frozen=True)
class Endpoint:
    """Where a URL points: its host (lowercase, canonical for addresses), port and, for an
    address literal, the address."""

    host: str
    port: int
    address: Address | None


def parse_host(host: str, *, bracketed: bool = False) -> Address | None:
    """The address a host literal spells, None for a DNS name; Refused for anything else."""
    if bracketed or ":" in host:
        if "%" in host:
            raise Refused("must not carry an IPv6 zone identifier")
        try:
            return ipaddress.IPv6Address(host)
        except ValueError:
            raise Refused("is not a valid IPv6 address") from None
    if not host.isascii():
        raise Refused("must be ASCII: write an internationalised name in its xn-- form")
    name = host.lower()
    labels = name.removesuffix(".").split(".")
    if _NUMERIC.fullmatch(labels[-1]):
        try:
            return ipaddress.IPv4Address(name)  # strict: no octal, hex, short or integer forms
        except ValueError:
            raise Refused(f"is not a canonical IPv4 address ({CANONICAL_IPV4})") from None
    if len(name) > 253 or not all(_LABEL.fullmatch(label) for label in labels):
        raise Refused("is not a valid host name")
    with contextlib.suppress(OSError):  # belt and braces: whatever inet_aton reads as a number
        socket.inet_aton(name)
        raise Refused(f"is not a canonical IPv4 address ({CANONICAL_IPV4})")
    if name.removesuffix(".") in LOCAL_NAMES or name.removesuffix(".").endswith(".localhost"):
        raise Refused("names the local machine")
    return None


def parse_url(url: str) -> Endpoint:
    """The endpoint of an http(s) URL; Refused when it is malformed or oddly spelled."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise Refused("is not a valid URL") from None
    if parts.scheme not in DEFAULT_PORTS:
        raise Refused("must be an http:// or https:// URL")
    if "@" in parts.netloc:
        raise Refused("must not carry credentials")
    host = parts.hostname or ""
    if not host:
        raise Refused("must name a host")
    address = parse_host(host, bracketed=parts.netloc.startswith("["))
    canonical = address.compressed if address else host.removesuffix(".")
    return Endpoint(canonical, port or DEFAULT_PORTS[parts.scheme], address)


def parse_allow(entries: Iterable[str]) -> tuple[list[Network], set[tuple[str, int]]]:
    """Allow-list entries: CIDRs (``10.0.0.0/8``, a bare address is a /32 or /128) and
    ``host:port`` (``tools.internal:8443``, ``[fd00::5]:443``). ValueError names a bad entry."""
    networks: list[Network] = []
    endpoints: set[tuple[str, int]] = set()
    for raw in entries:
        entry = raw.strip().lower()
        if not entry:
            continue
        with contextlib.suppress(ValueError):
            networks.append(ipaddress.ip_network(entry, strict=False))
            continue
        host, sep, port = entry.rpartition(":")
        if not sep or not port.isdigit() or not 0 < int(port) < 65536 or not host:
            raise ValueError(f"outbound allow entry {raw!r}: expected a CIDR or host:port")
        bracketed = host.startswith("[") and host.endswith("]")
        try:
            address = parse_host(host.strip("[]") if bracketed else host, bracketed=bracketed)
        except Refused as exc:
            raise ValueError(f"outbound allow entry {raw!r}: the host {exc}") from None
        endpoints.add((address.compressed if address else host.removesuffix("."), int(port)))
    return networks, endpoints


def _endpoints_of(url: str, default_port: int) -> list[tuple[str, int]]:
    """host:port pairs of a store URL (several hosts, credentials and options allowed)."""
    netloc = url.split("://", 1)[-1].split("/", 1)[0].rpartition("@")[2]
    pairs = []
    for item in netloc.split(","):
        host, port = item, default_port
        if item.startswith("["):
            host, _, rest = item[1:].partition("]")
            port = int(rest[1:]) if rest.startswith(":") and rest[1:].isdigit() else default_port
        elif item.count(":") == 1:
            host, _, text = item.partition(":")
            port = int(text) if text.isdigit() else default_port
        if host:
            pairs.append((host.lower().removesuffix("."), port))
    return pairs


def platform_endpoints(settings: Settings) -> list[tuple[str, int]]:
    """Every host:port the settings name as the platform's own: stores, brokers, the edge, the
    key set, other services, the mail server."""
    found = [
        *_endpoints_of(settings.mongo_url, 27017),
        *_endpoints_of(settings.redis_url, 6379),
        *_endpoints_of(settings.kafka_bootstrap, 9092),
        *_endpoints_of(settings.nats_url, 4222),
        *((host.lower(), settings.cassandra_port) for host in settings.cassandra_hosts),
        *_endpoints_of(settings.public_url, 443 if settings.public_url.startswith("https") else 80),
        *_endpoints_of(settings.jwks_url, 443 if settings.jwks_url.startswith("https") else 80),
    ]
    for address in settings.service_addresses.values():  # gRPC targets: ``ipv4:h:p,h:p`` lists replicas
        found += _endpoints_of(address.removeprefix("ipv4:"), 443)
    smtp_host, smtp_port = getattr(settings, "smtp_host", None), getattr(settings, "smtp_port", None)
    if isinstance(smtp_host, str) and isinstance(smtp_port, int):
        found.append((smtp_host.lower(), smtp_port))
    return found


def platform_ports() -> frozenset[int]:
    """The local port block: every listener ``make run`` starts, refused on any address."""
    return frozenset(local_port(name) for name in PORT_OFFSETS)


class OutboundSettings(Settings):
    """The setting of services that fetch on a tenant's behalf (external, auth)."""

    #: Destinations the policy refuses by default but this deployment allows: CIDRs and
    #: host:port entries, comma-separated (``10.0.0.0/8,tools.internal:8443``). The platform's
    #: own listeners stay refused whatever this says (docs/security.md).
    outbound_allow: Annotated[tuple[str, ...], NoDecode] = ()

    @field_validator("outbound_allow", mode="before")
    @classmethod
    def _split(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = tuple(item.strip() for item in value.split(",") if item.strip())
        parse_allow(value)  # a bad entry fails the service at start, naming the entry
        return value


class DestinationPolicy:
    """The policy, with the resolver it uses. Immutable once built."""

    #: How long resolved addresses of the platform's own endpoint names are kept.
    PLATFORM_REFRESH_S = 300.0

    def __init__(
        self,
        *,
        allow: Iterable[str] = (),
        platform: Iterable[tuple[str, int]] = (),
        ports: Iterable[int] = (),
        resolver: Resolver = system_resolver,
        resolve_timeout_s: float = 5.0,
    ) -> None:
        self._networks, self._allowed = parse_allow(allow)
        self._platform = frozenset(platform)
        self._ports = frozenset(ports)
        self._resolver = resolver
        self._timeout = resolve_timeout_s
        self._platform_addresses: frozenset[tuple[Address, int]] = frozenset()
        self._platform_at = -self.PLATFORM_REFRESH_S

    @classmethod
    def from_settings(
        cls, settings: OutboundSettings, *, resolver: Resolver | None = None
    ) -> DestinationPolicy:
        return cls(
            allow=settings.outbound_allow,
            platform=platform_endpoints(settings),
            ports=platform_ports(),
            resolver=resolver or system_resolver,
        )

    def endpoint(self, url: str) -> Endpoint:
        """What can be checked without DNS (spelling, literal addresses, the platform's own
        endpoints by name, the allow-list); Refused says why."""
        found = parse_url(url)
        self._judge(found.host, found.port, found.address)
        return found

    async def check(self, url: str) -> None:
        """Registration: :meth:`endpoint`, and a name is resolved now and refused when any of
        its addresses is. A name that does not resolve (yet) passes: connecting checks again."""
        found = parse_url(url)
        if found.address is not None:
            await self._judge_all(found.host, found.port, [found.address], resolved=False)
            return
        self._judge(found.host, found.port, None)
        try:
            addresses = await self._resolve(found.host, found.port)
        except (OSError, TimeoutError, UnicodeError):
            return
        await self._judge_all(found.host, found.port, addresses, resolved=True)

    async def addresses(self, host: str, port: int) -> list[Address]:
        """Connect time: the addresses to connect to, each one checked. The name is resolved
        once here and the connection goes to these very addresses; a name with any refused
        address is refused whole (a mixed answer is how rebinding is tried). Refused, or
        OSError / TimeoutError when the name does not resolve."""
        address = parse_host(host)
        if address is not None:
            await self._judge_all(host, port, [address], resolved=False)
            return [address]
        name = host.lower().removesuffix(".")
        self._judge(name, port, None)
        addresses = await self._resolve(name, port)  # OSError / TimeoutError: not reachable
        if not addresses:
            raise OSError(f"{name} has no address")
        await self._judge_all(name, port, addresses, resolved=True)
        return addresses

    async def _resolve(self, host: str, port: int) -> list[Address]:
        async with asyncio.timeout(self._timeout):
            return await self._resolver(host, port)

    async def _judge_all(self, host: str, port: int, addresses: Sequence[Address], *, resolved: bool) -> None:
        platform = await self._platform_resolved()
        for address in addresses:
            if (address, port) in platform:
                raise Refused("is an endpoint of the platform itself")
            problem = self._problem(host, port, address)
            if problem:
                raise Refused(f"resolves to {problem}" if resolved else f"is {problem}")

    def _judge(self, host: str, port: int, address: Address | None) -> None:
        problem = self._problem(host, port, address)
        if problem:
            raise Refused(f"is {problem}")

    def _problem(self, host: str, port: int, address: Address | None) -> str | None:
        if port in self._ports or (host, port) in self._platform:
            return "an endpoint of the platform itself"
        if address is not None and (address.compressed, port) in self._platform:
            return "an endpoint of the platform itself"
        if (host, port) in self._allowed or address is None:
            return None  # allowed by name (its addresses still may not be the platform's)
        if (address.compressed, port) in self._allowed or any(address in n for n in self._networks):
            return None
        return address_problem(address)

    async def _platform_resolved(self) -> frozenset[tuple[Address, int]]:
        """The addresses of the platform endpoints named by DNS name, refreshed now and then
        (the edge's public name reached by its address is still the edge)."""
        if time.monotonic() - self._platform_at < self.PLATFORM_REFRESH_S:
            return self._platform_addresses
        found: set[tuple[Address, int]] = set()
        for host, port in self._platform:
            with contextlib.suppress(ValueError, Refused):
                literal = parse_host(host)
                if literal is not None:
                    found.add((literal, port))
                    continue
            with contextlib.suppress(OSError, TimeoutError, UnicodeError):
                found.update((a, port) for a in await self._resolve(host, port))
        self._platform_addresses, self._platform_at = frozenset(found), time.monotonic()
        return self._platform_addresses


class _GuardedBackend(httpcore.AsyncNetworkBackend):
    """Every TCP connection goes to an address the policy checked just now; TLS still names
    the host (SNI and certificate checks use the URL's name, httpcore passes it separately)."""

    def __init__(self, policy: DestinationPolicy, inner: httpcore.AsyncNetworkBackend) -> None:
        self.policy = policy
        self.inner = inner

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            addresses = await self.policy.addresses(host, port)
        except Refused:
            raise RefusedConnect("destination not allowed") from None
        except TimeoutError:
            raise httpcore.ConnectTimeout("name resolution timed out") from None
        except (OSError, UnicodeError):
            raise httpcore.ConnectError("name resolution failed") from None
        failure: Exception | None = None
        for address in addresses:
            try:
                return await self.inner.connect_tcp(
                    address.compressed, port, timeout, local_address, socket_options
                )
            except httpcore.ConnectError as exc:
                failure = exc
        assert failure is not None  # addresses is never empty
        raise failure

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise RefusedConnect("destination not allowed")

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


class GuardedTransport(httpx.AsyncHTTPTransport):
    """httpx's transport with the policy on every new connection. No proxies from the
    environment: a proxy would connect for us, where the policy cannot see."""

    def __init__(self, policy: DestinationPolicy, *, limits: httpx.Limits | None = None) -> None:
        limits = limits or httpx.Limits()
        super().__init__(limits=limits, trust_env=False)
        # httpx offers no network-backend argument; its pool is rebuilt with ours.
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=_GuardedBackend(policy, httpcore.AnyIOBackend()),
        )
