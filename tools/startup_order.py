#!/usr/bin/env python3
"""Writes src/startup.order: the functions the release server runs from exec to serving its first
pages, one symbol a line, for the linker to lay out side by side (`make startup-order`).

Why: the server runs ~2 MB of its ~21 MB of machine code when it starts and serves /login, but
scattered over the whole text, and the kernel maps the file in 64 KB windows or more around each
page touched: 16 MB of the text was resident at idle. Laid out together (lld's
`--symbol-ordering-file`, passed by build.rs for release builds), it is 3 MB, and idle RSS falls
from ~30 to ~17 MiB.

How: the binary runs under valgrind's callgrind (which counts every function executed) twice on a
fresh data directory — first start (database created, migrations run, key generated) and a
restart — each time until GET /login and the bundle's script answer 200. Symbol names carry a
hash of the crate and type parameters, so the list stays valid across most changes; a function
renamed or added since is simply laid out where it always was. Run it again after large changes
(`make bench` shows idle RSS creeping up when the list is stale).
"""

import http.client
import os
import re
import socket
import subprocess
import sys
import tempfile
import time

BINARY = sys.argv[1] if len(sys.argv) > 1 else "./target/release/gatehouse"
OUTPUT = sys.argv[2] if len(sys.argv) > 2 else "src/startup.order"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get_ok(port: int, path: str, deadline: float) -> None:
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            conn.request("GET", path)
            response = conn.getresponse()
            response.read()
            if response.status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"startup_order: GET {path} did not answer 200 under valgrind")


def run_once(data_dir: str, profile: str) -> None:
    port = free_port()
    env = dict(
        os.environ,
        GATEHOUSE_ADDR=f"127.0.0.1:{port}",
        GATEHOUSE_DATA_DIR=data_dir,
        RUST_LOG="warn",
    )
    server = subprocess.Popen(
        [
            "valgrind",
            "--tool=callgrind",
            "--demangle=no",
            f"--callgrind-out-file={profile}",
            BINARY,
        ],
        env=env,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        get_ok(port, "/login", deadline)
        bundle = open("target/site/bundle-id").read().strip()
        get_ok(port, f"/pkg/{bundle}/gatehouse.js", deadline)
    finally:
        server.terminate()
        server.wait()


def executed(profile: str) -> set[str]:
    """Every function name callgrind recorded (as caller or callee)."""
    names = set()
    with open(profile) as f:
        for line in f:
            match = re.match(r"^c?fn=\(\d+\) (.+)$", line.rstrip("\n"))
            if match:
                names.add(match.group(1))
    return names


def text_symbols(binary: str) -> set[str]:
    out = subprocess.run(
        ["nm", "--defined-only", binary], capture_output=True, text=True, check=True
    ).stdout
    return {p[2] for p in (line.split() for line in out.splitlines()) if len(p) == 3 and p[1] in "tTwW"}


def main() -> None:
    names: set[str] = set()
    with tempfile.TemporaryDirectory() as work:
        data_dir = os.path.join(work, "data")
        for run in ("first", "again"):
            profile = os.path.join(work, f"callgrind.{run}")
            run_once(data_dir, profile)
            names |= executed(profile)
    ordered = sorted(names & text_symbols(BINARY))
    with open(OUTPUT, "w") as f:
        f.write("\n".join(ordered) + "\n")
    print(f"{OUTPUT}: {len(ordered)} functions")


if __name__ == "__main__":
    main()
