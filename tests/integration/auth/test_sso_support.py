"""Fixtures of the SSO tests (no tests here): the auth service in-process like conftest.py's, but
in a database of its own, so that other auth test sessions running at the same time (they drop
``test_auth`` when they start and end) cannot delete what an SSO test is in the middle of using.
Imported by the test_sso_* modules, where the names override conftest.py's fixtures."""

from __future__ import annotations

from collections.abc import AsyncIterator

import grpc
import pytest
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from openframe.auth.v1 import sso_providers_pb2_grpc
from services.auth.app import Running, build
from services.kit.config import Settings
from services.kit.lifecycle import Lifecycle
from tests.integration.auth.conftest import auth_settings

DATABASE = "test_auth_sso"
AUDIT_DATABASE = f"{DATABASE}_audit"
Sso = sso_providers_pb2_grpc.SsoProviderServiceStub


@pytest.fixture(scope="module")
async def auth(settings: Settings) -> AsyncIterator[Running]:
    client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(settings.mongo_url)
    lifecycle = Lifecycle(grace_seconds=3)
    running = await build(
        auth_settings(settings, mongo_database=DATABASE, audit_mongo_database=AUDIT_DATABASE), lifecycle
    )
    yield running
    await lifecycle.shutdown()
    await client.close()


@pytest.fixture(scope="module")
async def channel(auth: Running) -> AsyncIterator[grpc.aio.Channel]:
    async with grpc.aio.insecure_channel(f"127.0.0.1:{auth.grpc_port}") as chan:
        yield chan


@pytest.fixture(scope="module")
async def db(auth: Running, settings: Settings) -> AsyncIterator[AsyncDatabase[dict[str, object]]]:
    client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(settings.mongo_url, tz_aware=True)
    yield client[DATABASE]
    await client.close()


@pytest.fixture(scope="module")
async def audit_db(auth: Running, settings: Settings) -> AsyncIterator[AsyncDatabase[dict[str, object]]]:
    client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(settings.mongo_url, tz_aware=True)
    yield client[AUDIT_DATABASE]
    await client.close()


@pytest.fixture
def sso(channel: grpc.aio.Channel) -> Sso:
    return Sso(channel)
