"""Locate Java 17 for Kafka and Cassandra (Cassandra 5.0 does not run on Java 24+)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from functools import cache
from pathlib import Path


@cache
def java17() -> str:
    """Path of a Java 17 ``java`` binary: $JAVA_HOME if it is 17, else a system JDK 17."""
    candidates = []
    if home := os.environ.get("JAVA_HOME"):
        candidates.append(Path(home) / "bin" / "java")
    candidates += sorted(Path("/usr/lib/jvm").glob("*17*/bin/java"))
    if found := shutil.which("java"):
        candidates.append(Path(found))
    for java in candidates:
        if java.exists() and _major(java) == 17:
            return str(java)
    raise RuntimeError("Java 17 not found (Debian: openjdk-17-jre-headless); set JAVA_HOME to a JDK 17")


def _major(java: Path) -> int | None:
    out = subprocess.run([str(java), "-version"], capture_output=True, text=True, check=False).stderr
    m = re.search(r'version "(\d+)', out)
    return int(m.group(1)) if m else None


def classpath(lib: Path) -> str:
    return ":".join(str(p) for p in sorted(lib.glob("*.jar")))
