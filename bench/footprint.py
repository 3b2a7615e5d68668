#!/usr/bin/env python3
"""Start-up time and memory of the release binary on the SQLite default (part of `make bench`).

- cold start: from exec to the first 200 of GET /login, on a fresh data directory (database
  created, migrations run, server key generated) and again on the existing one;
- RSS: idle after start, the peak (VmHWM) during a burst of BURST sign-ins from CLIENTS
  concurrent clients, and RSS one minute (SETTLE seconds) after the burst.
Traffic goes to 127.0.0.1 only and is bounded by BURST.
"""

import concurrent.futures
import http.client
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse

BINARY = sys.argv[1] if len(sys.argv) > 1 else "./target/release/gatehouse"
BURST = int(os.environ.get("BURST", "100"))
CLIENTS = int(os.environ.get("CLIENTS", "8"))
SETTLE = int(os.environ.get("SETTLE", "60"))
EMAIL = "footprint@example.com"
PASSWORD = "Footprint-Bench-2026!"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(data_dir: str, port: int) -> subprocess.Popen:
    env = dict(
        os.environ,
        GATEHOUSE_ADDR=f"127.0.0.1:{port}",
        GATEHOUSE_DATA_DIR=data_dir,
        GATEHOUSE_SIGNUP_LIMIT_PER_HOUR="0",
        RUST_LOG="warn",
    )
    return subprocess.Popen([BINARY], env=env)


def first_ok(port: int, started: float, timeout: float = 10.0) -> float:
    """Milliseconds from `started` to the first 200 of GET /login."""
    while time.perf_counter() - started < timeout:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", "/login")
            if conn.getresponse().status == 200:
                return (time.perf_counter() - started) * 1000
        except OSError:
            time.sleep(0.001)
    raise SystemExit("the server did not answer within 10 s")


def post(port: int, path: str, form: dict) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    body = urllib.parse.urlencode(form)
    conn.request(
        "POST", path, body, {"Content-Type": "application/x-www-form-urlencoded"}
    )
    status = conn.getresponse().status
    conn.close()
    return status


def status_kib(pid: int, field: str) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise SystemExit(f"no {field} for {pid}")


def mib(kib: int) -> str:
    return f"{kib / 1024:.1f} MiB"


def main() -> None:
    with tempfile.TemporaryDirectory() as data_dir:
        port = free_port()
        began = time.perf_counter()
        server = start(data_dir, port)
        fresh = first_ok(port, began)
        server.terminate()
        server.wait()

        began = time.perf_counter()
        server = start(data_dir, port)
        try:
            again = first_ok(port, began)
            print(f"cold start to the first 200: {fresh:.0f} ms on a fresh data directory, "
                  f"{again:.0f} ms on an existing one")
            time.sleep(2)
            idle = status_kib(server.pid, "VmRSS")

            status = post(port, "/api/sign_up", {
                "name": "Foot Print", "email": EMAIL, "password": PASSWORD,
                "organization": "Footprint",
            })
            if status != 200:
                raise SystemExit(f"sign-up answered {status}")
            form = {"email": EMAIL, "password": PASSWORD}
            with concurrent.futures.ThreadPoolExecutor(CLIENTS) as pool:
                statuses = list(pool.map(lambda _: post(port, "/api/sign_in", form), range(BURST)))
            counts = {s: statuses.count(s) for s in sorted(set(statuses))}
            peak = status_kib(server.pid, "VmHWM")
            time.sleep(SETTLE)
            settled = status_kib(server.pid, "VmRSS")
            print(f"sign-in burst: {BURST} from {CLIENTS} clients, answers {counts}")
            print(f"RSS: idle {mib(idle)}, peak {mib(peak)}, {SETTLE} s after the burst {mib(settled)}")
        finally:
            server.terminate()
            server.wait()


if __name__ == "__main__":
    main()
