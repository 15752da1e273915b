"""Fault fixtures: a real redis-server started (and killed, and restarted) by the test on a free loopback port."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

REQUIRE = os.environ.get("DVCQ_REQUIRE_SERVICES") == "1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def need_binary(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        if REQUIRE:
            pytest.fail(f"{name} is required (DVCQ_REQUIRE_SERVICES=1) but not installed")
        pytest.skip(f"{name} is not installed")
    return path


class RedisServer:
    """A throwaway redis-server that a test can stop and start again on the same port."""

    def __init__(self, binary: str, directory: Path):
        self.binary, self.directory, self.port = binary, directory, free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.directory),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        from redis import Redis

        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                if Redis(port=self.port, socket_connect_timeout=0.5).ping():
                    return
            except Exception:  # noqa: BLE001 — not up yet
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(10)
            self.process = None

    def connection(self):
        from redis import Redis

        return Redis.from_url(self.url)


@pytest.fixture
def redis_server(tmp_path):
    server = RedisServer(need_binary("redis-server"), tmp_path)
    server.start()
    yield server
    server.stop()
