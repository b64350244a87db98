"""Every install step a fresh machine needs, in one place, each skipped when satisfied.

Order: Debian packages -> Python virtualenv -> Maven jars -> Go binaries -> npm packages.
Stdlib only, because it runs before the virtualenv exists. Long steps report progress
every few seconds (elapsed time and the latest line of their log) instead of going silent.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

from infra.layout import REPO, Layout

APT_PACKAGES = [
    "redis-server",
    "nats-server",
    "postgresql-15",  # FerretDB's backend, our own cluster in the state folder
    "patch",  # applies infra/go/*/patches/ to the modules they change
    "nghttp2-client",  # h2load: the load tool of bench/
    "chromium",  # headless browser for the Swagger UI test
]
# Toolchains the machine image provides; we check them and say clearly what is missing.
TOOLCHAINS = {"mvn": "maven", "go": "golang-go (Go 1.24+)", "npm": "npm"}


def say(msg: str) -> None:
    print(f"==> {msg}", flush=True)


def run(step: str, argv: list[str], layout: Layout, **kw: object) -> None:
    """Run a command with its output in a log file, printing a heartbeat while it works."""
    log_path = layout.state / "logs" / f"install-{step}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    with log_path.open("w") as log:
        proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, **kw)  # type: ignore[call-overload]
        done = threading.Event()

        def heartbeat() -> None:
            while not done.wait(10):
                last = _last_line(log_path)
                print(f"    ... {step}: {time.monotonic() - started:.0f}s {last[:100]}", flush=True)

        threading.Thread(target=heartbeat, daemon=True).start()
        rc = proc.wait()
        done.set()
    if rc != 0:
        tail = "\n".join(log_path.read_text(errors="replace").splitlines()[-25:])
        raise SystemExit(f"install step '{step}' failed (exit {rc}); log {log_path}:\n{tail}")
    print(f"    {step}: done in {time.monotonic() - started:.0f}s", flush=True)


def _last_line(path: Path) -> str:
    lines = [ln for ln in path.read_text(errors="replace").splitlines() if ln.strip()]
    return lines[-1].strip() if lines else ""


def _stamp_ok(stamp: Path, value: str) -> bool:
    return stamp.exists() and stamp.read_text() == value


# -- steps -------------------------------------------------------------------------------
def apt(layout: Layout) -> None:
    missing = [p for p in APT_PACKAGES if not _dpkg_installed(p)]
    if not missing:
        say(f"apt: {', '.join(APT_PACKAGES)} already installed")
        return
    if os.geteuid() != 0:
        raise SystemExit(
            f"apt: need root to install {missing}; run: sudo apt-get install {' '.join(missing)}"
        )
    say(f"apt: installing {', '.join(missing)}")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    run("apt-update", ["apt-get", "update", "-q"], layout, env=env)
    # Debian would start system-wide redis/nats services; we run our own on our own ports,
    # so forbid that for this install where the machine has no policy-rc.d of its own.
    policy = Path("/usr/sbin/policy-rc.d")
    ours = not policy.exists()
    if ours:
        policy.write_text("#!/bin/sh\nexit 101\n")
        policy.chmod(0o755)
    try:
        run(
            "apt-install",
            ["apt-get", "install", "-y", "-q", "--no-install-recommends", *missing],
            layout,
            env=env,
        )
    finally:
        if ours:
            policy.unlink(missing_ok=True)


def _dpkg_installed(pkg: str) -> bool:
    out = subprocess.run(
        ["dpkg-query", "-W", "-f=${Status}", pkg], capture_output=True, text=True, check=False
    )
    return out.stdout.strip() == "install ok installed"


def toolchains(layout: Layout) -> None:
    missing = [f"{cmd} (Debian: {pkg})" for cmd, pkg in TOOLCHAINS.items() if not shutil.which(cmd)]
    from infra.servers.jvm import java17

    try:
        java17()
    except RuntimeError as exc:
        missing.append(str(exc))
    if missing:
        raise SystemExit("missing toolchains: " + "; ".join(missing))
    say("toolchains: java 17, mvn, go, npm present")


def venv(layout: Layout) -> None:
    """Create .venv and install the project (editable) with its dev extras."""
    py = layout.venv_bin("python")
    if not py.exists():
        say(f"python: creating {layout.venv}")
        run("venv", [sys.executable, "-m", "venv", str(layout.venv)], layout)
    inputs = [REPO / "pyproject.toml", *sorted((REPO / "sdk").glob("*/pyproject.toml"))]
    digest = hashlib.sha256(b"".join(p.read_bytes() for p in inputs if p.exists())).hexdigest()
    stamp = layout.venv / ".openframe-installed"
    if _stamp_ok(stamp, digest):
        say("python: virtualenv up to date")
        return
    say("python: installing dependencies into .venv (first time takes a few minutes)")
    run("pip", [str(py), "-m", "pip", "install", "-q", "--upgrade", "pip"], layout)
    run("pip-install", [str(py), "-m", "pip", "install", "-e", f"{REPO}[dev]"], layout)
    # The integrators' SDK (generated into sdk/python), so contract tests use it as they would.
    run("pip-install-sdk", [str(py), "-m", "pip", "install", "-e", str(REPO / "sdk" / "python")], layout)
    stamp.write_text(digest)


def maven(layout: Layout) -> None:
    """Fetch the jars each ``infra/maven/<name>/pom.xml`` declares into the tool cache."""
    for pom in sorted((REPO / "infra" / "maven").glob("*/pom.xml")):
        name = pom.parent.name
        lib = layout.built("maven", name) / "lib"
        if (lib / ".complete").exists():
            say(f"maven: {name} jars cached in {lib.parent}")
            continue
        say(f"maven: fetching {name} jars (first time only)")
        run(
            f"maven-{name}",
            [
                "mvn", "-B", "-f", str(pom), "dependency:copy-dependencies",
                f"-DoutputDirectory={lib}", "-DincludeScope=runtime",
            ],
            layout,
        )  # fmt: skip
        (lib / ".complete").write_text("ok")


def go(layout: Layout) -> None:
    """Build each ``infra/go/<name>/`` into the tool cache.

    A folder holds either a small main package of ours (``go.mod``) or a ``module.txt``
    naming a published module to build from its own source. A main package may come with
    ``patches/``: unified diffs applied to a copy of the module named in ``patches/module.txt``
    (the version its go.mod requires), which the build then uses instead of the published one.
    """
    for src in sorted(p for p in (REPO / "infra" / "go").iterdir() if p.is_dir()):
        name = src.name
        binary = layout.built("go", name) / name
        if binary.exists():
            say(f"go: {name} binary cached at {binary}")
            continue
        say(f"go: building {name} (first time only, a few minutes)")
        binary.parent.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "CGO_ENABLED": "0"}
        if (src / "go.mod").exists():
            work = binary.parent / "src"
            main = _patched(src, work, layout) if (src / "patches").is_dir() else src
            run(f"go-{name}", ["go", "build", "-trimpath", "-o", str(binary), "."], layout, cwd=main, env=env)
            shutil.rmtree(work, ignore_errors=True)
            continue
        spec = [ln for ln in (src / "module.txt").read_text().splitlines() if ln and not ln.startswith("#")]
        module, package, *ldflags = spec[0].split()
        workdir = binary.parent / "src"
        out = subprocess.run(
            ["go", "mod", "download", "-json", module], capture_output=True, text=True, check=True
        )
        shutil.rmtree(workdir, ignore_errors=True)
        shutil.copytree(json.loads(out.stdout)["Dir"], workdir)
        for path in workdir.rglob("*"):  # the module cache is read-only
            path.chmod(path.stat().st_mode | 0o200)
        argv = ["go", "build", "-trimpath", "-ldflags", " ".join(ldflags), "-o", str(binary), package]
        run(f"go-{name}", argv, layout, cwd=workdir, env=env)
        shutil.rmtree(workdir)


def _patched(src: Path, work: Path, layout: Layout) -> Path:
    """A copy of the main package in ``src`` building against a patched copy of a module.

    The module comes from the module proxy (the version ``src/go.mod`` requires); each
    ``src/patches/*.patch`` is applied to it in name order, and the copy's go.mod replaces the
    module with the result. The patches are part of the cache key (``Layout.built``)."""
    module = (src / "patches" / "module.txt").read_text().split()[0]
    out = subprocess.run(
        ["go", "mod", "download", "-json", module], cwd=src, capture_output=True, text=True, check=True
    )
    shutil.rmtree(work, ignore_errors=True)
    shutil.copytree(json.loads(out.stdout)["Dir"], work / "module")
    for path in (work / "module").rglob("*"):  # the module cache is read-only
        path.chmod(path.stat().st_mode | 0o200)
    for patch in sorted((src / "patches").glob("*.patch")):
        argv = ["patch", "-p1", "--batch", "--forward", "--input", str(patch)]
        run(f"patch-{patch.stem}", argv, layout, cwd=work / "module")
    shutil.copytree(src, work / "main", ignore=shutil.ignore_patterns("patches"))
    with (work / "main" / "go.mod").open("a") as f:
        f.write(f"\nreplace {module} => ../module\n")
    return work / "main"


def docker_compose_plugin(layout: Layout) -> None:
    """Make `docker compose` work where the docker client lacks the plugin (config checks only)."""
    if not shutil.which("docker"):
        return
    probe = subprocess.run(["docker", "compose", "version"], capture_output=True, check=False)
    if probe.returncode == 0:
        return
    plugin = Path.home() / ".docker" / "cli-plugins" / "docker-compose"
    plugin.parent.mkdir(parents=True, exist_ok=True)
    plugin.unlink(missing_ok=True)
    plugin.symlink_to(layout.built("go", "docker-compose") / "docker-compose")
    say(f"docker: compose plugin linked at {plugin}")


def npm(layout: Layout) -> None:
    """Install each ``infra/npm/<name>/package.json`` (and its lock) into the tool cache."""
    for manifest in sorted((REPO / "infra" / "npm").glob("*/package.json")):
        name = manifest.parent.name
        target = layout.built("npm", name)
        if (target / "node_modules" / ".complete").exists():
            say(f"npm: {name} packages cached in {target}")
            continue
        say(f"npm: installing {name} packages (first time only)")
        target.mkdir(parents=True, exist_ok=True)
        for f in manifest.parent.iterdir():
            shutil.copy2(f, target / f.name)
        run(f"npm-{name}", ["npm", "ci", "--no-audit", "--no-fund"], layout, cwd=target)
        (target / "node_modules" / ".complete").write_text("ok")


STEPS = [apt, toolchains, venv, maven, go, docker_compose_plugin, npm]


def install(layout: Layout) -> None:
    started = time.monotonic()
    for step in STEPS:
        step(layout)
    say(f"install: everything in place ({time.monotonic() - started:.0f}s)")
