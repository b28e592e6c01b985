"""`flask serve` (what `make run` runs): the web server and a worker, stopped together by Ctrl-C."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

from tests.workers import ROOT


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = open(f"/proc/{entry}/stat").read().rsplit(")", 1)[1].split()  # noqa: SIM115
            except OSError:
                continue
            if int(stat[1]) == pid:
                found.append(int(entry))
    return found


def test_serve_runs_the_web_server_and_a_worker_and_ctrl_c_stops_both(database_url, tmp_path):
    port = _free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("JOBS_", "REDIS_"))},
        "DATABASE_URL": database_url,
        "SECRET_KEY": "tests-only",
        "EXPORT_DIR": str(tmp_path / "exports"),
        "JOBS_SQLITE_PATH": str(tmp_path / "jobs.sqlite"),
    }
    log = (tmp_path / "serve.log").open("wb")
    serve = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "serve", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group, as a terminal gives it
    )
    try:
        deadline = time.monotonic() + 120
        answer = None
        while time.monotonic() < deadline and answer is None:
            try:
                answer = urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5)
            except OSError:
                time.sleep(0.5)
        assert answer is not None and answer.status == 200
        output = (tmp_path / "serve.log").read_text()
        while "Huey consumer started" not in output and time.monotonic() < deadline:
            time.sleep(0.5)
            output = (tmp_path / "serve.log").read_text()
        assert "Huey consumer started" in output
        children = _children(serve.pid)
        assert len(children) == 2
        os.killpg(serve.pid, signal.SIGINT)  # Ctrl-C reaches the whole process group
        assert serve.wait(timeout=60) == 0
        assert all(not os.path.exists(f"/proc/{child}") for child in children)
    finally:
        if serve.poll() is None:
            os.killpg(serve.pid, signal.SIGKILL)
            serve.wait()
        log.close()
