"""Generate everything derived from ``protos/``: ``make gen`` runs ``python -m infra.codegen``.

Outputs (committed; byte-identical on every run from the same protos and tool versions):

* ``gen/python/``: grpcio-tools stubs (``_pb2.py``, ``.pyi``, ``_pb2_grpc.py``) for
  ``openframe/**``, plus ``buf/validate/validate_pb2`` that the protovalidate runtime imports.
* ``sdk/python/openframe_sdk/``: the betterproto2 SDK (sync clients on grpcio, async on grpclib).
* ``gen/openapi/``: ``openframe.swagger.json`` (protoc-gen-openapiv2, one merged document) and
  ``openframe.openapi.json`` (the same, converted to OpenAPI 3 by swagger2openapi).
* ``gen/descriptor/``: ``openframe.binpb`` (FileDescriptorSet with imports, for Envoy's
  gRPC-JSON transcoder) and ``services.txt`` (fully-qualified service names, one per line).

How: third-party protos are copied from installed packages into the git-ignored
``build/protos/``. ``buf generate`` compiles the workspace that ``buf.yaml`` declares and runs
the plugins that ``buf.gen.yaml`` names into a staging folder: grpcio's generators, betterproto2
and protoc-gen-openapiv2, each behind grpcio-tools' protoc (``infra.protoc_gen_grpcio``). This
module then adds what no plugin makes (the swagger ``info``, the OpenAPI 3 rendering, Envoy's
descriptor set, services.txt) and syncs the staging folder into place. ``--out DIR`` writes the
outputs under DIR instead of the repository (the contract test diffs the two); ``--lint`` and
``--breaking REF`` run buf's checks.
"""

from __future__ import annotations

import argparse
import importlib.util
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from google.protobuf import descriptor_pb2  # type: ignore[import-untyped, unused-ignore]

from infra.layout import REPO, Layout

BUILD = REPO / "build"
THIRD_PARTY = BUILD / "protos"
PROTOVALIDATE_MODULE = "github.com/bufbuild/protovalidate@v1.2.2"
OPENAPIV2_SPEC = REPO / "infra" / "go" / "protoc-gen-openapiv2" / "module.txt"
VALIDATE_PROTO = "buf/validate/validate.proto"
TEMPLATE = REPO / "buf.gen.yaml"
#: Added to Envoy's descriptor set so convert_grpc_status can print google.rpc details as JSON.
ENVOY_EXTRA_PROTOS = ("google/rpc/status.proto", "google/rpc/error_details.proto")

# Output folders, relative to the output root. Each is owned entirely by this generator:
# files it did not produce are deleted.
PYTHON = Path("gen/python")
OPENAPI = Path("gen/openapi")
DESCRIPTOR = Path("gen/descriptor")
SDK = Path("sdk/python/openframe_sdk")
OUTPUTS = (PYTHON, OPENAPI, DESCRIPTOR, SDK)

OPENAPI_INFO = {
    "title": "OpenFrame API",
    "description": "REST view of OpenFrame's gRPC services, served by Envoy's gRPC-JSON transcoder. "
    "Generated from protos/ by `make gen`; do not edit.",
    "version": "v1",
}


#: The public REST API's own document (issue #6): the paths under this prefix, served by the edge
#: as /external-api/openapi.json with its own Swagger UI page (docs/external-api.md).
PUBLIC_API_PREFIX = "/external-api/"
PUBLIC_API_INFO = {
    "title": "OpenFrame public API",
    "description": "The REST API for integrators: send an API key in the X-API-Key header (or a "
    "bearer token). Generated from protos/openframe/external by `make gen`; do not edit.",
    "version": "v1",
}
PUBLIC_API_SECURITY = {
    "ApiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
    "Bearer": {"type": "apiKey", "in": "header", "name": "Authorization"},
}


def public_api_swagger(doc: dict[str, Any]) -> dict[str, Any]:
    """The public API's slice of the merged swagger document: its paths, the tags and the
    definitions they reach (transitively), API-key and bearer security."""
    paths = {p: ops for p, ops in doc["paths"].items() if p.startswith(PUBLIC_API_PREFIX)}
    definitions: dict[str, Any] = doc.get("definitions", {})
    reached: set[str] = set()
    pending = [paths]
    while pending:
        node = pending.pop()
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/definitions/"):
                name = ref.removeprefix("#/definitions/")
                if name not in reached and name in definitions:
                    reached.add(name)
                    pending.append(definitions[name])
            pending.extend(node.values())
        elif isinstance(node, list):
            pending.extend(node)
    tags = {
        t for ops in paths.values() for op in ops.values() if isinstance(op, dict) for t in op.get("tags", [])
    }
    return {
        **doc,
        "info": PUBLIC_API_INFO,
        "tags": [t for t in doc.get("tags", []) if t["name"] in tags],
        "paths": paths,
        "definitions": {k: v for k, v in definitions.items() if k in reached},
        "securityDefinitions": PUBLIC_API_SECURITY,
        "security": [{"ApiKey": []}, {"Bearer": []}],
    }


class CodegenError(RuntimeError):
    """A step failed; the message says which and shows the tool's output."""


@dataclass(frozen=True)
class Tools:
    """Where the generators are: the tool cache that ``make install`` fills, and .venv."""

    buf: Path
    openapiv2: Path
    swagger2openapi: Path
    betterproto2: Path
    node: str

    @classmethod
    def locate(cls, layout: Layout | None = None) -> Tools:
        layout = layout or Layout.from_env()
        npm = layout.built("npm", "tools") / "node_modules"
        native = sorted(npm.glob("@bufbuild/buf-*/bin/buf"))  # the platform's package only
        tools = cls(
            buf=native[0] if native else npm / ".bin" / "buf",
            openapiv2=layout.built("go", "protoc-gen-openapiv2") / "protoc-gen-openapiv2",
            swagger2openapi=npm / "swagger2openapi" / "swagger2openapi.js",
            betterproto2=Path(sys.executable).parent / "protoc-gen-python_betterproto2",
            node=shutil.which("node") or "node",
        )
        paths = (tools.buf, tools.openapiv2, tools.swagger2openapi, tools.betterproto2)
        missing = [str(p) for p in paths if not p.exists()]
        if missing:
            raise CodegenError("missing tools (run `make install`): " + ", ".join(missing))
        return tools


def run(argv: list[str], *, cwd: Path = REPO, env: dict[str, str] | None = None) -> str:
    proc = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise CodegenError(f"{' '.join(argv)}\nfailed (exit {proc.returncode}):\n{proc.stdout}{proc.stderr}")
    return proc.stdout


# -- third-party protos ----------------------------------------------------------------------
def go_module_dir(module: str) -> Path:
    """The module's source in the Go module cache (fetched through the module proxy once)."""
    return Path(json.loads(run(["go", "mod", "download", "-json", module]))["Dir"])


def third_party_sources() -> dict[Path, Path]:
    """Each third-party proto, as imported (``google/api/http.proto``), -> the installed file."""
    spec = importlib.util.find_spec("google.api.annotations_pb2")  # googleapis-common-protos
    if spec is None or spec.origin is None:
        raise CodegenError("googleapis-common-protos is not installed in this Python")
    site = Path(spec.origin).parents[2]
    sources = {
        p.relative_to(site): p
        for sub in ("api", "rpc", "type")
        for p in (site / "google" / sub).rglob("*.proto")
    }
    validate = go_module_dir(PROTOVALIDATE_MODULE) / "proto" / "protovalidate" / VALIDATE_PROTO
    sources[Path(VALIDATE_PROTO)] = validate
    gw_lines = [ln for ln in OPENAPIV2_SPEC.read_text().splitlines() if ln and not ln.startswith("#")]
    gateway = gw_lines[0].split()[0]  # the module@version the go install step builds
    options = go_module_dir(gateway) / "protoc-gen-openapiv2" / "options"
    sources.update({Path("protoc-gen-openapiv2/options", p.name): p for p in options.glob("*.proto")})
    return sources


def collect_third_party() -> None:
    """Refresh build/protos/ (git-ignored) so buf can resolve our imports."""
    sync({rel: src.read_bytes() for rel, src in third_party_sources().items()}, THIRD_PARTY)


# -- file tree helpers ---------------------------------------------------------------------------
def read_tree(root: Path) -> dict[Path, bytes]:
    if not root.is_dir():
        return {}
    return {
        p.relative_to(root): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and "__pycache__" not in p.relative_to(root).parts
    }


def sync(want: dict[Path, bytes], root: Path) -> int:
    """Make ``root`` hold exactly ``want``, touching only files that differ; returns the count."""
    changed = 0
    for rel, data in want.items():
        target = root / rel
        if not target.is_file() or target.read_bytes() != data:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            changed += 1
    for rel in read_tree(root).keys() - want.keys():
        (root / rel).unlink()
        changed += 1
    for folder in sorted((p for p in root.rglob("*") if p.is_dir()), reverse=True):
        if folder.name != "__pycache__" and all(c.name == "__pycache__" for c in folder.iterdir()):
            shutil.rmtree(folder)
    return changed


# -- generation ------------------------------------------------------------------------------
def workspace(root: Path) -> Path:
    """A scratch folder laid out like the repository for buf: buf.yaml, protos/, build/protos/.

    protos/ links to the repository's unless ``root`` already holds one (an older commit's).
    ``buf generate`` runs its plugins in its working directory, and betterproto2 formats its
    output with the ``ruff`` on PATH, which reads its settings from there. An empty ruff.toml in
    this folder keeps the repository's lint settings out of the SDK.
    """
    root.mkdir(parents=True, exist_ok=True)
    (root / "buf.yaml").symlink_to(REPO / "buf.yaml")
    if not (root / "protos").exists():
        (root / "protos").symlink_to(REPO / "protos")
    (root / "build").mkdir()
    (root / "build" / "protos").symlink_to(THIRD_PARTY)
    (root / "ruff.toml").write_text("")
    return root


def buf_generate(tools: Tools, out: Path, scratch: Path) -> None:
    """Run buf.gen.yaml's plugins, writing under ``out``.

    The template names no machine-specific path: plugins are found by name on PATH, so .venv/bin
    and protoc-gen-openapiv2's folder go first.
    """
    path = [str(Path(sys.executable).parent), str(tools.openapiv2.parent), os.environ.get("PATH", "")]
    pythonpath = [str(REPO), os.environ.get("PYTHONPATH", "")]  # for python -m infra.protoc_gen_grpcio
    env = {
        **os.environ,
        "PATH": os.pathsep.join(p for p in path if p),
        "PYTHONPATH": os.pathsep.join(p for p in pythonpath if p),
    }
    run(
        [str(tools.buf), "generate", "--template", str(TEMPLATE), "-o", str(out)],
        cwd=workspace(scratch),
        env=env,
    )


def buf_build(tools: Tools, out: Path) -> descriptor_pb2.FileDescriptorSet:
    """Envoy's descriptor set: protos/openframe with every import, no comments.

    Plus the google.rpc details, so that Envoy renders them (BadRequest, ErrorInfo, ...) as JSON.
    """
    paths = [
        "protos/openframe",
        f"build/protos/{VALIDATE_PROTO}",
        *(f"build/protos/{p}" for p in ENVOY_EXTRA_PROTOS),
    ]
    args = [arg for p in paths for arg in ("--path", p)]
    run([str(tools.buf), "build", *args, "--as-file-descriptor-set", "--exclude-source-info", "-o", str(out)])
    return descriptor_pb2.FileDescriptorSet.FromString(out.read_bytes())


def finish_openapi(tools: Tools, out: Path) -> None:
    """Set the swagger document's ``info`` and render it as OpenAPI 3."""
    swagger, openapi = out / "openframe.swagger.json", out / "openframe.openapi.json"
    doc = json.loads(swagger.read_text())
    doc["info"] = OPENAPI_INFO  # otherwise the first file's name, "version not set"
    write_json(swagger, doc)
    run([tools.node, str(tools.swagger2openapi), str(swagger), "--outfile", str(openapi)])
    write_json(openapi, json.loads(openapi.read_text()))
    public_swagger, public = out / "external.swagger.json", out / "external.openapi.json"
    write_json(public_swagger, public_api_swagger(doc))
    run([tools.node, str(tools.swagger2openapi), str(public_swagger), "--outfile", str(public)])
    write_json(public, json.loads(public.read_text()))


def write_json(path: Path, doc: object) -> None:
    path.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")


def generate(out_root: Path = REPO, tools: Tools | None = None) -> int:
    """Regenerate every output under ``out_root``; returns how many files changed."""
    tools = tools or Tools.locate()
    collect_third_party()
    with tempfile.TemporaryDirectory(prefix="codegen-", dir=BUILD) as tmp:
        stage = Path(tmp) / "out"
        buf_generate(tools, stage, Path(tmp) / "workspace")
        (stage / DESCRIPTOR).mkdir(parents=True)
        fds = buf_build(tools, stage / DESCRIPTOR / "openframe.binpb")
        ours = [f for f in fds.file if f.name.startswith("openframe/")]
        finish_openapi(tools, stage / OPENAPI)
        services = sorted(f"{f.package}.{s.name}" for f in ours for s in f.service)
        (stage / DESCRIPTOR / "services.txt").write_text("".join(f"{s}\n" for s in services))
        return sum(sync(read_tree(stage / rel), out_root / rel) for rel in OUTPUTS)


# -- checks ----------------------------------------------------------------------------------
def lint(tools: Tools) -> None:
    run([str(tools.buf), "lint"])


def breaking(tools: Tools, ref: str) -> bool:
    """``buf breaking`` of protos/ against the protos/ of git ``ref``; False if ref has none.

    buf's own git input cannot resolve imports that live in the ignored build/protos/, so the
    old protos are built in a scratch workspace beside today's third-party protos.
    """
    tree = subprocess.run(["git", "ls-tree", "-d", ref, "protos"], cwd=REPO, capture_output=True, check=False)
    if tree.returncode != 0 or not tree.stdout.strip():
        return False
    archive = subprocess.run(["git", "archive", ref, "protos"], cwd=REPO, capture_output=True, check=True)
    with tempfile.TemporaryDirectory(prefix="breaking-", dir=BUILD) as tmp:
        with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
            tar.extractall(tmp, filter="data")
        against = Path(tmp) / "against.binpb"
        run([str(tools.buf), "build", "protos", "-o", str(against)], cwd=workspace(Path(tmp)))
        run([str(tools.buf), "breaking", "protos", "--against", str(against)])
    return True


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m infra.codegen", description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=REPO, help="output root (default: the repository)")
    parser.add_argument("--collect-only", action="store_true", help="only refresh build/protos/")
    parser.add_argument("--lint", action="store_true", help="run buf lint instead of generating")
    parser.add_argument("--breaking", metavar="REF", help="run buf breaking against git REF instead")
    args = parser.parse_args(argv)
    started = time.monotonic()
    try:
        if args.collect_only:
            collect_third_party()
        elif args.lint or args.breaking:
            tools = Tools.locate()
            collect_third_party()
            if args.lint:
                lint(tools)
            if args.breaking and not breaking(tools, args.breaking):
                print(f"codegen: {args.breaking} has no protos/; nothing to compare")
        else:
            changed = generate(args.out.resolve())
            print(f"codegen: {changed} file(s) changed under {args.out} ({time.monotonic() - started:.1f}s)")
    except CodegenError as exc:
        raise SystemExit(f"codegen: {exc}") from None


if __name__ == "__main__":
    main()
