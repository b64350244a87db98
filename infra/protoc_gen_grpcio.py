"""grpcio-tools' protoc as a protoc plugin, so that ``buf generate`` (``buf.gen.yaml``) can run it.

grpcio's ``python``, ``pyi`` and ``grpc_python`` generators exist only inside the grpcio-tools
extension (``grpc_tools.protoc``). No standalone ``protoc-gen-*`` binary exists, so this module
plays that role: ``python -m infra.protoc_gen_grpcio [GENERATOR ...]``. It reads the
CodeGeneratorRequest from stdin and writes the request's descriptors to a temporary descriptor
set. It then runs ``grpc_tools.protoc --descriptor_set_in`` in-process, with ``--<generator>_out``
for each generator, over the files to generate (sorted by name). It answers with every file
written.

* The default generators are ``python pyi grpc_python``. Any other name runs the plugin
  ``protoc-gen-<name>`` found on PATH. The request's options, less ``skip=``, are passed to it as
  ``--<name>_opt``.
* Option ``skip=PREFIX`` (repeatable) generates nothing for files whose name starts with PREFIX.
  With ``include_imports: true``, it covers imports whose Python modules come with an installed
  package (``google/api/``: googleapis-common-protos).
* A file without services gets no ``_pb2_grpc`` module (grpc_python writes an empty one).

Why other plugins run through here as well: like ``python -m grpc_tools.protoc``, the run puts
grpcio-tools' bundled well-known types (``google/protobuf/*.proto``) on the include path, and
protoc reads them from there rather than from the descriptor set. Their comments and fields show
up in betterproto2's ``google.protobuf`` package and in the OpenAPI document's definitions. Run
straight from buf, the plugins would see buf's own (newer) copies instead.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

from google.protobuf import descriptor_pb2  # type: ignore[import-untyped, unused-ignore]
from google.protobuf.compiler import plugin_pb2  # type: ignore[import-untyped, unused-ignore]

GRPCIO = ("python", "pyi", "grpc_python")  # built into grpc_tools.protoc
Response = plugin_pb2.CodeGeneratorResponse


def run_protoc(args: list[str]) -> int:
    """``python -m grpc_tools.protoc ARGS``, in this process, with its stdout sent to stderr.

    That command adds grpcio-tools' bundled well-known types to the include path; so does this.
    Stdout carries the plugin's response, so nothing else may be written to it.
    """
    from grpc_tools import protoc  # type: ignore[import-untyped, unused-ignore]

    include = Path(protoc.__file__).parent / "_proto"
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        os.dup2(2, 1)
        return int(protoc.main(["grpc_tools.protoc", *args, f"-I{include}"]))
    finally:
        os.dup2(saved, 1)
        os.close(saved)


def generate(request: plugin_pb2.CodeGeneratorRequest, generators: list[str]) -> Response:
    response = Response(
        supported_features=Response.FEATURE_PROTO3_OPTIONAL | Response.FEATURE_SUPPORTS_EDITIONS,
        minimum_edition=descriptor_pb2.EDITION_PROTO2,
        # What grpc_tools.protoc accepts; it checks a wrapped plugin's own limits itself.
        maximum_edition=descriptor_pb2.EDITION_2024,
    )
    options = [o for o in request.parameter.split(",") if o]
    skip = tuple(o.removeprefix("skip=") for o in options if o.startswith("skip="))
    passed = ",".join(o for o in options if not o.startswith("skip="))
    # Sorted: buf lists files in import-graph order, and protoc-gen-openapiv2 orders its tags by it.
    files = sorted(name for name in request.file_to_generate if not name.startswith(skip))
    if not files:
        return response
    with tempfile.TemporaryDirectory(prefix="protoc-gen-grpcio-") as tmp:
        image, out = Path(tmp, "image.binpb"), Path(tmp, "out")
        image.write_bytes(descriptor_pb2.FileDescriptorSet(file=request.proto_file).SerializeToString())
        out.mkdir()
        args = [f"--descriptor_set_in={image}"]
        for name in generators:
            if name not in GRPCIO:
                plugin = shutil.which(f"protoc-gen-{name}")
                if plugin is None:
                    response.error = f"protoc-gen-{name} is not on PATH"
                    return response
                args.append(f"--plugin=protoc-gen-{name}={plugin}")
            args += [f"--{name}_out={out}", *([f"--{name}_opt={passed}"] if passed else [])]
        code = run_protoc([*args, *files])
        if code != 0:
            response.error = f"grpc_tools.protoc failed (exit {code}); its messages are above"
            return response
        if "grpc_python" in generators:
            with_services = {f.name for f in request.proto_file if f.service}
            for name in set(files) - with_services:  # grpc_python wrote an empty module
                (out / f"{name.removesuffix('.proto')}_pb2_grpc.py").unlink()
        for path in sorted(p for p in out.rglob("*") if p.is_file()):
            response.file.add(name=path.relative_to(out).as_posix(), content=path.read_bytes().decode())
    return response


def main(argv: list[str] | None = None) -> None:
    generators = (sys.argv[1:] if argv is None else argv) or list(GRPCIO)
    request = plugin_pb2.CodeGeneratorRequest.FromString(sys.stdin.buffer.read())
    sys.stdout.buffer.write(generate(request, generators).SerializeToString())


if __name__ == "__main__":
    main()
