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
``build/protos/``; buf compiles the workspace (``buf.yaml``) into one descriptor set; every
generator then runs as a protoc plugin over those same bytes (``grpc_tools.protoc
--descriptor_set_in``). ``--out DIR`` writes the outputs under DIR instead of the repository
(the contract test diffs the two); ``--lint`` and ``--breaking REF`` run buf's checks.
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

from google.protobuf import descriptor_pb2  # type: ignore[import-untyped, unused-ignore]

from infra.layout import REPO, Layout

BUILD = REPO / "build"
THIRD_PARTY = BUILD / "protos"
PROTOVALIDATE_MODULE = "github.com/bufbuild/protovalidate@v1.2.2"
OPENAPIV2_SPEC = REPO / "infra" / "go" / "protoc-gen-openapiv2" / "module.txt"
VALIDATE_PROTO = "buf/validate/validate.proto"
#: Added to Envoy's descriptor set so convert_grpc_status can print google.rpc details as JSON.
ENVOY_EXTRA_PROTOS = ("google/rpc/status.proto", "google/rpc/error_details.proto")

# Output folders, relative to the output root. Each is owned entirely by this generator:
# files it did not produce are deleted.
PYTHON = Path("gen/python")
OPENAPI = Path("gen/openapi")
DESCRIPTOR = Path("gen/descriptor")
SDK = Path("sdk/python/openframe_sdk")
OUTPUTS = (PYTHON, OPENAPI, DESCRIPTOR, SDK)

# Imported protos whose Python modules come with the runtime (protobuf's well-known types,
# googleapis-common-protos); any other import is generated into gen/python.
RUNTIME_PROVIDED = ("google/protobuf/", "google/api/", "google/rpc/", "google/type/")

OPENAPIV2_OPTS = (
    "allow_merge=true",
    "merge_file_name=openframe",
    # lowerCamelCase (json_name), as Envoy's transcoder prints by default
    # (print_options.preserve_proto_field_names=false); it parses both spellings.
    "json_names_for_fields=true",
    # Envoy does not infer update_mask from the body (grpc-gateway does): document it as a
    # query parameter the client must send.
    "allow_patch_feature=false",
    # Definition names stay put when another package adds a message of the same short name.
    "openapi_naming_strategy=fqn",
    "ignore_go_package_option=true",
    "expand_slashed_path_patterns=true",
)
OPENAPI_INFO = {
    "title": "OpenFrame API",
    "description": "REST view of OpenFrame's gRPC services, served by Envoy's gRPC-JSON transcoder. "
    "Generated from protos/ by `make gen`; do not edit.",
    "version": "v1",
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
def buf_build(tools: Tools, out: Path, *extra: str) -> descriptor_pb2.FileDescriptorSet:
    """Compile protos/openframe (and validate.proto, which the protovalidate runtime needs)."""
    paths = ["--path", "protos/openframe", "--path", f"build/protos/{VALIDATE_PROTO}"]
    run([str(tools.buf), "build", *paths, "--as-file-descriptor-set", "-o", str(out), *extra])
    return descriptor_pb2.FileDescriptorSet.FromString(out.read_bytes())


def protoc(
    image: Path, files: list[str], *args: str, cwd: Path = REPO, env: dict[str, str] | None = None
) -> None:
    run(
        [sys.executable, "-m", "grpc_tools.protoc", f"--descriptor_set_in={image}", *args, *files],
        cwd=cwd,
        env=env,
    )


def gen_python(image: Path, fds: descriptor_pb2.FileDescriptorSet, out: Path) -> None:
    ours = [f for f in fds.file if f.name.startswith("openframe/")]
    protoc(
        image, [f.name for f in ours], f"--python_out={out}", f"--pyi_out={out}", f"--grpc_python_out={out}"
    )
    for f in ours:  # grpc_python writes an empty module for files without services
        if not f.service:
            (out / f"{f.name.removesuffix('.proto')}_pb2_grpc.py").unlink()
    imported = [f.name for f in fds.file if not f.name.startswith(("openframe/", *RUNTIME_PROVIDED))]
    protoc(image, imported, f"--python_out={out}", f"--pyi_out={out}")


def gen_sdk(tools: Tools, image: Path, files: list[str], out: Path, scratch: Path) -> None:
    # betterproto2 formats its output with the `ruff` on PATH, reading ruff's config from the
    # working directory: an empty ruff.toml there keeps the repo's lint settings out of the SDK.
    scratch.mkdir(parents=True)
    (scratch / "ruff.toml").write_text("")
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    plugin = f"--plugin=protoc-gen-python_betterproto2={tools.betterproto2}"
    opt = "--python_betterproto2_opt=client_generation=sync_async"
    protoc(image, files, plugin, f"--python_betterproto2_out={out}", opt, cwd=scratch, env=env)


def gen_openapi(tools: Tools, image: Path, files: list[str], out: Path) -> None:
    plugin = f"--plugin=protoc-gen-openapiv2={tools.openapiv2}"
    protoc(image, files, plugin, f"--openapiv2_out={out}", "--openapiv2_opt=" + ",".join(OPENAPIV2_OPTS))
    swagger, openapi = out / "openframe.swagger.json", out / "openframe.openapi.json"
    doc = json.loads(swagger.read_text())
    doc["info"] = OPENAPI_INFO  # otherwise the first file's name, "version not set"
    write_json(swagger, doc)
    run([tools.node, str(tools.swagger2openapi), str(swagger), "--outfile", str(openapi)])
    write_json(openapi, json.loads(openapi.read_text()))


def write_json(path: Path, doc: object) -> None:
    path.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")


def generate(out_root: Path = REPO, tools: Tools | None = None) -> int:
    """Regenerate every output under ``out_root``; returns how many files changed."""
    tools = tools or Tools.locate()
    collect_third_party()
    with tempfile.TemporaryDirectory(prefix="codegen-", dir=BUILD) as tmp:
        stage = Path(tmp)
        image = stage / "image.binpb"  # with comments, for the plugins
        fds = buf_build(tools, image)
        files = sorted(f.name for f in fds.file if f.name.startswith("openframe/"))
        if not files:
            raise CodegenError("no .proto files under protos/openframe/")
        for rel in OUTPUTS:
            (stage / rel).mkdir(parents=True)
        gen_python(image, fds, stage / PYTHON)
        gen_sdk(tools, image, files, stage / SDK, stage / "sdk-scratch")
        gen_openapi(tools, image, files, stage / OPENAPI)
        # Envoy renders error details (BadRequest, ErrorInfo, ...) as JSON only for types it knows.
        rpc_types = [arg for name in ENVOY_EXTRA_PROTOS for arg in ("--path", f"build/protos/{name}")]
        buf_build(tools, stage / DESCRIPTOR / "openframe.binpb", "--exclude-source-info", *rpc_types)
        services = sorted(f"{f.package}.{s.name}" for f in fds.file if f.name in files for s in f.service)
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
        workspace = Path(tmp)
        with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
            tar.extractall(workspace, filter="data")
        shutil.copy(REPO / "buf.yaml", workspace / "buf.yaml")
        (workspace / "build").mkdir()
        (workspace / "build" / "protos").symlink_to(THIRD_PARTY)
        against = workspace / "against.binpb"
        run([str(tools.buf), "build", "protos", "-o", str(against)], cwd=workspace)
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
