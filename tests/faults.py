"""Helpers for fault tests: a throwaway redis-server and a real broker for Celery.

Never stop the shared Redis (other people use it): `ThrowawayRedis` starts its
own redis-server on a free loopback port (no persistence), which a test may
stop (SIGKILL) and start again on the same port.
"""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time

import pytest


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ThrowawayRedis:
    def __init__(self, binary: str, workdir: str) -> None:
        self.binary, self.workdir = binary, workdir
        self.port = _free_port()
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
                self.workdir,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2),
            ):
                return
            time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        """Kill it (SIGKILL, like a crash): nothing it held survives."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=5)
        self.process = None


@pytest.fixture
def throwaway_redis(tmp_path):
    binary = shutil.which("redis-server")
    if binary is None:
        if os.environ.get("REQUIRE_SERVICES"):
            pytest.fail("redis-server is not installed: fault tests need it")
        pytest.skip("redis-server is not installed")
    server = ThrowawayRedis(binary, str(tmp_path))
    server.start()
    yield server
    server.stop()


@contextlib.contextmanager
def celery_broker(url: str):
    """Send tasks for real (not eagerly) to the broker at `url` inside the block."""
    from config.celery import app

    saved = app.conf.broker_url, app.conf.task_always_eager
    app.conf.broker_url, app.conf.task_always_eager = url, False
    _reset_pools(app)
    try:
        yield app
    finally:
        app.conf.broker_url, app.conf.task_always_eager = saved
        _reset_pools(app)


def _reset_pools(app) -> None:
    # New connections to the new URL; the old pools are dropped, not closed
    # (closing them makes the cached producer pool fail with "closed pool").
    app._pool = None
    app.amqp._producer_pool = None
