"""The e2e tier starts the local stack exactly as ``make run`` does, on free ports."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from infrastructure.definitions import ROOT
from infrastructure.local.stack import wait_healthy
from tests.support import Api, free_port, http_transport


class RunningStack:
    """``python -m infrastructure.local`` in a child process."""

    def __init__(self, data_dir: Path, port: int | None = None, aws_port: int | None = None,
                 snapshot_interval: float = 2, extra_env: dict[str, str] | None = None) -> None:
        self.data_dir = data_dir
        self.port = port or free_port()
        self.aws_port = aws_port or free_port()
        self.output: list[str] = []
        env = {k: v for k, v in os.environ.items() if not k.startswith(("LOTBOOK_", "AWS_", "MOTO_"))}
        env.update({"LOTBOOK_PORT": str(self.port), "LOTBOOK_AWS_PORT": str(self.aws_port),
                    "LOTBOOK_DATA_DIR": str(data_dir), "PYTHONUNBUFFERED": "1",
                    # the tests sign up many companies from 127.0.0.1
                    "LOTBOOK_SIGNUP_LIMIT": "100000"})
        env.update(extra_env or {})
        self.process = subprocess.Popen(
            [sys.executable, "-m", "infrastructure.local", "--snapshot-interval", str(snapshot_interval)],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        try:
            self.startup_seconds = wait_healthy(self.url, timeout=60)
        except TimeoutError:
            self.stop()
            raise AssertionError("stack did not start:\n" + "".join(self.output)) from None

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.output.append(line)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def api(self, token: str | None = None) -> Api:
        return Api(http_transport(self.url.rstrip("/")), token, self.mailbox)

    @property
    def mailbox(self) -> Path:
        """Where the stack writes the e-mails it sends (the banner prints it)."""
        return self.data_dir / "mail"

    def text(self) -> str:
        return "".join(self.output)

    def banner(self, timeout: float = 10) -> str:
        """The output once the start-up banner is complete."""
        import time

        deadline = time.monotonic() + timeout
        while "Ctrl-C" not in self.text() and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.text()

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._reader.join(timeout=5)
        return self.process.returncode


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    running = RunningStack(tmp_path_factory.mktemp("stack-data"))
    yield running
    running.stop()
