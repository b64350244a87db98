"""The destination policy on its own (services/kit/destinations.py): every spelling of a refused
address, names of the local machine and names resolving to refused addresses, the platform's
own listeners even under an allow-list, the allow-list itself and the setting's parsing. Names
are resolved by a table here; nothing connects anywhere."""

from __future__ import annotations

import ipaddress

import httpx
import pytest
from pydantic import ValidationError

from services.kit.config import local_port
from services.kit.destinations import (
    Address,
    DestinationPolicy,
    GuardedTransport,
    OutboundSettings,
    Refused,
    address_problem,
    parse_allow,
    parse_url,
    platform_endpoints,
    refused,
)


class Table:
    """A resolver answering from a dict (a name missing from it does not resolve)."""

    def __init__(self, names: dict[str, list[str]]) -> None:
        self.names = names
        self.asked: list[str] = []

    async def __call__(self, host: str, port: int) -> list[Address]:
        self.asked.append(host)
        if host not in self.names:
            raise OSError(f"{host}: no such name")
        return [ipaddress.ip_address(a) for a in self.names[host]]


NAMES = {
    "loopback.test": ["127.0.0.1"],
    "loopback6.test": ["::1"],
    "metadata.test": ["169.254.169.254"],
    "private.test": ["10.1.2.3"],
    "mixed.test": ["93.184.215.14", "127.0.0.1"],
    "public.test": ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"],
    "onprem.test": ["10.9.8.7"],
    "edge.test": ["198.51.100.80"],
}

#: Each spelling refused at registration, and the words the reason must contain.
REFUSED_URLS = [
    (f"http://127.0.0.1:{local_port('envoy')}/", "platform"),
    ("http://127.0.0.1:27901/", "loopback"),
    ("http://127.0.0.1/", "loopback"),
    ("http://127.1/", "canonical"),
    ("http://2130706433/", "canonical"),
    ("http://0x7f.1/", "canonical"),
    ("http://0x7f000001/", "canonical"),
    ("http://0177.0.0.1/", "canonical"),
    ("http://127.0.0.01/", "canonical"),
    ("http://017700000001/", "canonical"),
    ("http://127.255.255.254:8080/", "loopback"),
    ("http://0.0.0.0/", "unspecified"),
    ("http://0.1.2.3/", "unspecified"),
    ("http://[::1]/", "loopback"),
    ("http://[::]/", "unspecified"),
    ("http://[::ffff:127.0.0.1]/", "IPv4-mapped"),
    ("http://[::ffff:7f00:1]/", "IPv4-mapped"),
    ("http://[::127.0.0.1]/", "IPv4-compatible"),
    ("http://[64:ff9b::7f00:1]/", "loopback"),
    ("http://[64:ff9b::a9fe:a9fe]/", "link-local"),
    ("http://[2002:7f00:1::]/", "loopback"),
    ("http://[fe80::1]/", "link-local"),
    ("http://[fe80::1%25eth0]/", "zone"),
    ("http://[fc00::1]/", "private"),
    ("http://[fd12:3456::1]/", "private"),
    ("http://[fec0::1]/", "site-local"),
    ("http://[ff02::1]/", "multicast"),
    ("http://169.254.169.254/latest/meta-data/", "link-local"),
    ("http://10.0.0.1/", "private"),
    ("http://172.16.5.4/", "private"),
    ("http://192.168.1.1/", "private"),
    ("http://100.64.0.1/", "carrier-grade"),
    ("http://224.0.0.1/", "multicast"),
    ("http://240.0.0.1/", "reserved"),
    ("http://255.255.255.255/", "reserved"),
    ("http://192.0.0.8/", "reserved"),
    ("http://198.18.0.1/", "private"),
    ("http://localhost:8080/", "local machine"),
    ("http://LOCALHOST./", "local machine"),
    ("http://tools.localhost/", "local machine"),
    ("http://ip6-localhost/", "local machine"),
    ("http://loopback.test/", "resolves to a loopback"),
    ("http://loopback6.test/", "resolves to a loopback"),
    ("http://metadata.test/", "resolves to a link-local"),
    ("http://private.test/", "resolves to a private"),
    ("http://mixed.test/", "resolves to a loopback"),
    ("http://%31%32%37.0.0.1/", "canonical"),
    ("http://%6c%6fcalhost/", "host name"),
    ("http://\uff4cocalhost/", "ASCII"),  # a fullwidth l: IDNA would map it to localhost
    ("http://user:pw@public.test/", "credentials"),
    ("ftp://public.test/", "http"),
    ("http:///path-only", "host"),
    ("http://public.test:99999/", "valid URL"),
]


PLATFORM = ("envoy", "auth_http", "external_http", "nats_monitor", "kafka_controller")


@pytest.fixture
def policy() -> DestinationPolicy:
    return DestinationPolicy(
        platform=[("edge.test", 443), ("127.0.0.1", 27311)],
        ports=[local_port("envoy"), local_port("nats_monitor"), local_port("redis")],
        resolver=Table(NAMES),
    )


@pytest.mark.parametrize(("url", "words"), REFUSED_URLS)
async def test_refused_spellings(policy: DestinationPolicy, url: str, words: str) -> None:
    with pytest.raises(Refused) as err:
        await policy.check(url)
    assert words.lower() in str(err.value).lower(), (url, str(err.value))


def test_there_are_more_than_twenty_refused_spellings() -> None:
    ipv6 = [u for u, _ in REFUSED_URLS if "[" in u]
    names = [u for u, w in REFUSED_URLS if "resolves" in w or "local machine" in w]
    assert len(REFUSED_URLS) >= 20 and len(ipv6) >= 8 and len(names) >= 6


@pytest.mark.parametrize(
    "url",
    [
        "https://fleet.example.com/api",
        "https://public.test/",
        "http://93.184.215.14:8080/x",
        "https://[2606:2800:21f:cb07:6820:80da:af6b:8b2c]/",
        "http://[64:ff9b::5db8:d70e]/",  # NAT64 of a public address
        "https://unresolvable.test/",  # checked again when connecting
        "https://PUBLIC.test./",
    ],
)
async def test_public_destinations_pass(policy: DestinationPolicy, url: str) -> None:
    await policy.check(url)


async def test_the_platforms_own_endpoints_are_refused_by_name_port_and_address(
    policy: DestinationPolicy,
) -> None:
    for url in (
        "https://edge.test/",  # the edge by its name
        "https://198.51.100.80/",  # ... and by its address
        f"http://93.184.215.14:{local_port('nats_monitor')}/",  # a port of the block, any address
        f"http://public.test:{local_port('redis')}/",
        "http://127.0.0.1:27311/",
    ):
        with pytest.raises(Refused, match="platform itself"):
            await policy.check(url)


async def test_an_allow_list_of_all_loopback_still_refuses_the_platforms_ports() -> None:
    policy = DestinationPolicy(
        allow=["127.0.0.0/8"],
        platform=[("127.0.0.1", 27311)],
        ports=[local_port(n) for n in PLATFORM],
        resolver=Table(NAMES),
    )
    await policy.check("http://127.0.0.1:5555/")  # allowed now
    await policy.check("http://loopback.test:5555/")
    for name in PLATFORM:
        for host in ("127.0.0.1", "127.0.0.2", "loopback.test"):
            with pytest.raises(Refused, match="platform itself"):
                await policy.check(f"http://{host}:{local_port(name)}/")
    with pytest.raises(Refused, match="platform itself"):
        await policy.check("http://127.0.0.1:27311/")
    with pytest.raises(Refused, match="canonical"):  # spelling is never allowed
        await policy.check("http://127.1:5555/")
    with pytest.raises(Refused, match="private"):  # only what was allowed
        await policy.check("http://10.0.0.1:5555/")


async def test_host_port_entries_allow_exactly_that_destination() -> None:
    policy = DestinationPolicy(
        allow=["127.0.0.1:4001", "onprem.test:8443", "[fd00::5]:443", "10.20.0.0/16"],
        resolver=Table(NAMES),
    )
    await policy.check("http://127.0.0.1:4001/")
    await policy.check("https://onprem.test:8443/")
    await policy.check("https://[fd00::5]/")
    await policy.check("http://10.20.3.4:9000/")
    for url in (
        "http://127.0.0.1:4002/",
        "https://onprem.test:8444/",
        "https://[fd00::6]/",
        "http://10.21.0.1/",
        "http://127.0.0.2:4001/",
    ):
        with pytest.raises(Refused):
            await policy.check(url)


async def test_connect_time_resolves_once_and_refuses_what_resolves_inside() -> None:
    table = Table({"tool.test": ["93.184.215.14"]})
    policy = DestinationPolicy(resolver=table)
    await policy.check("https://tool.test/")
    assert await policy.addresses("tool.test", 443) == [ipaddress.ip_address("93.184.215.14")]
    table.names["tool.test"] = ["127.0.0.1"]  # the name is rebound after registration
    with pytest.raises(Refused, match="loopback"):
        await policy.addresses("tool.test", 443)
    table.names["tool.test"] = ["93.184.215.14", "10.0.0.1"]
    with pytest.raises(Refused, match="private"):
        await policy.addresses("tool.test", 443)
    with pytest.raises(Refused, match="canonical"):
        await policy.addresses("0x7f.1", 80)  # what httpx hands over for http://0x7f.1/
    with pytest.raises(OSError, match="no such name"):
        await policy.addresses("gone.test", 443)


async def test_the_transport_refuses_before_connecting() -> None:
    table = Table({"rebound.test": ["127.0.0.1"]})
    policy = DestinationPolicy(resolver=table)
    async with httpx.AsyncClient(transport=GuardedTransport(policy)) as client:
        for url in ("http://rebound.test:1/", "http://[::1]:1/", "http://0x7f.1:1/x"):
            with pytest.raises(httpx.ConnectError) as err:
                await client.get(url)
            assert refused(err.value), url
            assert "127.0.0.1" not in str(err.value)  # nothing about the inside
        with pytest.raises(httpx.ConnectError) as err:
            await client.get("http://gone.test:1/")
        assert not refused(err.value)  # an ordinary failure: the name does not resolve
    assert table.asked == ["rebound.test", "gone.test"]


def test_address_problems() -> None:
    assert address_problem(ipaddress.ip_address("8.8.8.8")) is None
    assert address_problem(ipaddress.ip_address("2001:4860:4860::8888")) is None
    assert address_problem(ipaddress.ip_address("2002:808:808::1")) is None  # 6to4 of a public one
    assert address_problem(ipaddress.ip_address("2001:db8::1")) == "a private network address"
    assert address_problem(ipaddress.ip_address("2001::1")) == "a private network address"  # Teredo


def test_parse_url_canonicalises() -> None:
    assert parse_url("HTTPS://Tools.Example.COM./x").host == "tools.example.com"
    assert parse_url("http://[2606:2800:0:0::1]:8080").host == "2606:2800::1"
    assert parse_url("http://tools.example").port == 80


def test_allow_entries_are_checked() -> None:
    networks, endpoints = parse_allow(["10.0.0.0/8", " tools.internal:8443 ", "[::1]:9", "192.0.2.7", ""])
    assert [str(n) for n in networks] == ["10.0.0.0/8", "192.0.2.7/32"]
    assert endpoints == {("tools.internal", 8443), ("::1", 9)}
    for bad in ("tools.internal", "tools.internal:0", "0177.0.0.1:80", "localhost:80", "x:y"):
        with pytest.raises(ValueError, match="outbound allow entry"):
            parse_allow([bad])


def test_the_setting_takes_a_comma_separated_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENFRAME_OUTBOUND_ALLOW", "10.0.0.0/8, tools.internal:8443")
    assert OutboundSettings().outbound_allow == ("10.0.0.0/8", "tools.internal:8443")
    monkeypatch.setenv("OPENFRAME_OUTBOUND_ALLOW", "")
    assert OutboundSettings().outbound_allow == ()
    monkeypatch.setenv("OPENFRAME_OUTBOUND_ALLOW", "127.1:80")
    with pytest.raises(ValidationError, match="outbound allow entry"):
        OutboundSettings()


def test_platform_endpoints_come_from_the_settings() -> None:
    settings = OutboundSettings(
        mongo_url="mongodb://app:pw@db1.internal:27017,db2.internal/openframe?replicaSet=rs0",
        redis_url="rediss://cache.internal:6380/0",
        kafka_bootstrap="k1.internal:9092,k2.internal:9092",
        nats_url="nats://nats.internal",
        cassandra_hosts=("c1.internal",),
        public_url="https://openframe.example.com",
        service_addresses={"api": "api.internal:27300"},
    )
    found = set(platform_endpoints(settings))
    assert {
        ("db1.internal", 27017),
        ("db2.internal", 27017),
        ("cache.internal", 6380),
        ("k2.internal", 9092),
        ("nats.internal", 4222),
        ("c1.internal", settings.cassandra_port),
        ("openframe.example.com", 443),
        ("api.internal", 27300),
    } <= found
