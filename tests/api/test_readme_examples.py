"""The README's curl examples, run as written against the app served on loopback, and its
webhook verification snippet, run against real signed deliveries."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import threading
from datetime import date
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.api.conftest import make_token
from tests.conftest import unavailable

README = Path(__file__).resolve().parents[2] / "README.md"


def readme_block(language: str, containing: str) -> str:
    blocks = re.findall(rf"```{language}\n(.*?)```", README.read_text(), flags=re.S)
    return next(b for b in blocks if containing in b)


def curl_commands() -> list[str]:
    """Each command of the block: the lines between one comment and the next."""
    commands: list[list[str]] = []
    for line in readme_block("sh", "curl ").splitlines():
        if line.startswith("#") or not line.strip():
            commands.append([])
        else:
            commands[-1].append(line)
    return ["\n".join(lines) for lines in commands if lines]


@pytest.fixture
def served(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()


def run(command: str, base: str, token: str) -> dict:
    env = {**os.environ, "DOBETTER": base, "TOKEN": token}
    done = subprocess.run(
        ["bash", "-c", command], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, (command, done.stdout, done.stderr)
    return json.loads(done.stdout)


def test_the_readme_curl_examples_run_as_written(app, runner, served, make, org):
    if shutil.which("curl") is None:
        unavailable("the README's API examples need curl (apt-get install curl)")
    listed, created, table = curl_commands()
    make.decision(org.ops, org.staff, title="Already logged", decided_on=date(2026, 11, 2))
    token = make_token(app, org.manager.email)

    page = run(listed, served, token)
    assert [d["title"] for d in page["items"]] == ["Already logged"]

    decision = run(created, served, token)
    assert decision["title"] == "Refill stations instead of bottled water"
    assert decision["team"]["id"] == org.ops.id == 1
    assert {d["title"] for d in run(listed, served, token)["items"]} == {
        "Already logged",
        "Refill stations instead of bottled water",
    }

    figures = run(table, served, token)
    command = runner.invoke(
        args=["scores", "--quarter", "2026Q3", "--team", org.ops.slug, "--json"]
    )
    assert figures == json.loads(command.output)  # the manager's dashboard: the team they manage


def test_the_readme_verification_snippet_checks_a_signature():
    from scorecard.services import webhooks

    scope: dict = {}
    exec(readme_block("python", "def verify"), scope)  # noqa: S102 (the README's own code)
    verify = scope["verify"]
    body = b'{"event":"ping"}'
    import time

    header = webhooks.signature("whsec_test", int(time.time()), body)
    assert verify("whsec_test", header, body)
    assert not verify("whsec_other", header, body)
    assert not verify("whsec_test", header, body + b" ")
    old = webhooks.signature("whsec_test", int(time.time()) - 3600, body)
    assert not verify("whsec_test", old, body)
