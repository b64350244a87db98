"""The contract pipeline: protos lint clean, stay compatible, and gen/ + sdk/ are their fresh output.

Everything runs the real tools (buf, grpcio-tools, betterproto2, protoc-gen-openapiv2,
swagger2openapi) that `make install` put in the tool cache; nothing is mocked.
"""

from __future__ import annotations

import importlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from google.api import annotations_pb2
from google.protobuf import descriptor_pb2

from infra import codegen
from infra.layout import REPO

HTTP_VERBS = ("get", "put", "post", "delete", "patch")


@pytest.fixture(scope="module")
def tools() -> codegen.Tools:
    return codegen.Tools.locate()


@pytest.fixture(scope="module")
def descriptor_set() -> descriptor_pb2.FileDescriptorSet:
    data = (REPO / codegen.DESCRIPTOR / "openframe.binpb").read_bytes()
    return descriptor_pb2.FileDescriptorSet.FromString(data)


def test_buf_lint_is_clean(tools: codegen.Tools) -> None:
    codegen.collect_third_party()
    try:
        codegen.lint(tools)
    except codegen.CodegenError as exc:
        pytest.fail(str(exc))


def test_no_breaking_change_against_previous_commit(tools: codegen.Tools) -> None:
    ref = os.environ.get("OPENFRAME_BREAKING_AGAINST", "HEAD~1")
    codegen.collect_third_party()
    try:
        compared = codegen.breaking(tools, ref)
    except codegen.CodegenError as exc:
        pytest.fail(str(exc))
    if not compared:
        pytest.skip(f"{ref} does not exist or has no protos/: nothing to compare against")


def test_generated_code_is_fresh(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "infra.codegen", "--out", str(tmp_path)],
        cwd=REPO, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert out.returncode == 0, out.stdout + out.stderr
    stale: list[str] = []
    for rel in codegen.OUTPUTS:
        committed, fresh = codegen.read_tree(REPO / rel), codegen.read_tree(tmp_path / rel)
        assert fresh, f"the generator produced nothing in {rel}"
        stale += [
            f"{rel / p}" for p in sorted(committed.keys() | fresh.keys()) if committed.get(p) != fresh.get(p)
        ]
    assert not stale, "generated code is stale; run `make gen` and commit:\n  " + "\n  ".join(stale)


def shape(path: str) -> str:
    """The path with each variable as ``*``: equal for a rule's template and its OpenAPI path.

    ``/api/v1/{name=organizations/*}:archive`` (rule) and
    ``/api/v1/organizations/{organization}:archive`` (OpenAPI) are both
    ``/api/v1/organizations/*:archive``.
    """
    return re.sub(r"\{[^}]*\}", "*", re.sub(r"\{[^}=]+=([^}]*)\}", r"\1", path))


def http_bindings(fds: descriptor_pb2.FileDescriptorSet) -> list[tuple[str, str, str]]:
    """(Service_Method, verb, path shape) for every google.api.http binding of our RPCs."""
    found = []
    for file in fds.file:
        if not file.name.startswith("openframe/"):
            continue
        for service in file.service:
            for method in service.method:
                if not method.options.HasExtension(annotations_pb2.http):
                    continue
                rule = method.options.Extensions[annotations_pb2.http]
                for binding in [rule, *rule.additional_bindings]:
                    verb = binding.WhichOneof("pattern")
                    path = binding.custom.path if verb == "custom" else getattr(binding, verb)
                    verb = binding.custom.kind.lower() if verb == "custom" else verb
                    found.append((f"{service.name}_{method.name}", verb, shape(path)))
    return found


def operations(doc: dict[str, dict[str, dict[str, dict[str, str]]]]) -> dict[tuple[str, str], str]:
    """(verb, path shape) -> operationId."""
    ops = [
        ((verb, shape(path)), op["operationId"])
        for path, item in doc["paths"].items()
        for verb, op in item.items()
        if verb in HTTP_VERBS
    ]
    assert len(dict(ops)) == len(ops), "two operations share one route"
    return dict(ops)


def test_openapi_has_an_operation_for_every_http_rule(
    descriptor_set: descriptor_pb2.FileDescriptorSet,
) -> None:
    bindings = http_bindings(descriptor_set)
    assert bindings, "no RPC carries a google.api.http rule"
    clashes = {(v, p) for _, v, p in bindings if sum(1 for _, v2, p2 in bindings if (v2, p2) == (v, p)) > 1}
    assert not clashes, f"several RPCs bound to the same route (Envoy cannot tell them apart): {clashes}"
    swagger = json.loads((REPO / codegen.OPENAPI / "openframe.swagger.json").read_text())
    ops = operations(swagger)
    for rpc, verb, path in bindings:
        assert (verb, path) in ops, f"{rpc}: no {verb.upper()} {path} in the OpenAPI document"
        assert ops[(verb, path)].startswith(rpc), f"{verb.upper()} {path} is {ops[(verb, path)]}, not {rpc}"
    assert len(ops) == len(bindings), "the OpenAPI document has operations without an http rule"
    assert len(set(ops.values())) == len(ops), "operationIds must be unique"
    openapi3 = json.loads((REPO / codegen.OPENAPI / "openframe.openapi.json").read_text())
    assert openapi3["openapi"].startswith("3.")
    assert operations(openapi3) == ops


def test_openapi_field_names_match_envoy_json() -> None:
    """Envoy's transcoder prints lowerCamelCase (json_name) by default: the schemas must too."""
    swagger = json.loads((REPO / codegen.OPENAPI / "openframe.swagger.json").read_text())
    names = {name for schema in swagger["definitions"].values() for name in schema.get("properties", {})}
    assert names, "no schema properties at all"
    assert not [n for n in names if "_" in n and not n.startswith("@")], "snake_case property names"


def test_descriptor_set_is_self_contained(descriptor_set: descriptor_pb2.FileDescriptorSet) -> None:
    names = [f.name for f in descriptor_set.file]
    for index, file in enumerate(descriptor_set.file):  # Envoy needs every import, in order
        assert set(file.dependency) <= set(names[:index]), f"{file.name} imports a file not before it"
    services = sorted(
        f"{f.package}.{s.name}"
        for f in descriptor_set.file
        if f.name.startswith("openframe/")
        for s in f.service
    )
    listed = (REPO / codegen.DESCRIPTOR / "services.txt").read_text().split()
    assert listed == services


def test_python_stubs_import_and_validate(descriptor_set: descriptor_pb2.FileDescriptorSet) -> None:
    import protovalidate

    for file in descriptor_set.file:
        if file.name.startswith("openframe/"):
            module = importlib.import_module(file.name.removesuffix(".proto").replace("/", ".") + "_pb2")
            for service in file.service:
                grpc_module = importlib.import_module(module.__name__ + "_grpc")
                assert hasattr(grpc_module, f"{service.name}Servicer")
    from openframe.api.v1 import organizations_pb2

    org = organizations_pb2.Organization(display_name="Acme", contact_email="not an email")
    violations = protovalidate.collect_violations(org)
    assert [v.proto.field.elements[-1].field_name for v in violations] == ["contact_email"]
    assert protovalidate.collect_violations(organizations_pb2.Organization(display_name="Acme")) == []


def test_sdk_package_installs_with_sync_and_async_clients(
    tmp_path: Path, descriptor_set: descriptor_pb2.FileDescriptorSet
) -> None:
    # from a copy: setuptools builds in the source tree, and a stale build/ there would be packaged
    source, target = tmp_path / "src", tmp_path / "site"
    shutil.copytree(
        REPO / "sdk" / "python", source, ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__")
    )
    install = subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation",
         "--target", str(target), str(source)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert install.returncode == 0, install.stdout + install.stderr
    assert (target / "openframe_sdk" / "py.typed").exists()
    packages = sorted(
        {f.package for f in descriptor_set.file if f.name.startswith("openframe/") and f.service}
    )
    probe = "\n".join(
        [
            "import importlib, sys",
            "for package in sys.argv[1:]:",
            "    module = importlib.import_module('openframe_sdk.' + package)",
            "    print(package, sorted(n for n in dir(module) if n.endswith('Stub')))",
        ]
    )
    env = {**os.environ, "PYTHONPATH": str(target)}
    out = subprocess.run(
        [sys.executable, "-c", probe, *packages],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    stubs = dict(line.split(" ", 1) for line in out.stdout.splitlines())
    for file in descriptor_set.file:
        for service in file.service if file.name.startswith("openframe/") else []:
            assert f"'{service.name}Stub'" in stubs[file.package]  # sync, grpcio channel
            assert f"'{service.name}AsyncStub'" in stubs[file.package]  # async, grpclib
