"""The real sync service in a subprocess on a loopback port (``bahi-sync serve``)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.sync.pg import free_port

ROOT = Path(__file__).resolve().parents[2]


class Service:
    def __init__(self, store_url: str, *, port: int | None = None, rate: float = 10_000) -> None:
        self.store_url = store_url
        self.port = port or free_port()
        self.rate = rate
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = Path(os.environ.get("TMPDIR", "/tmp")) / f"bahi-sync-{self.port}.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Service:
        cmd = [
            sys.executable,
            "-m",
            "sync.cli",
            "serve",
            "--store",
            self.store_url,
            "--port",
            str(self.port),
            "--migrate",
            "--open-enrolment",
            "--rate",
            str(self.rate),
            "--rate-burst",
            str(int(self.rate * 2)),
            "--log-level",
            "warning",
        ]
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"bahi-sync exited: {self.log.read_text()[-2000:]}")
            try:
                if httpx.get(self.url + "/health", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError("bahi-sync did not start in 30 s")

    def kill(self) -> None:
        """SIGKILL: no graceful shutdown, as a crash."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()
        self.log.unlink(missing_ok=True)
