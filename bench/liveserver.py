"""Run the real app under gunicorn on loopback, on a database of its own, for load and crash runs."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
DEMO_PASSWORD = "do-better-demo"  # noqa: S105  (the demo organisation's published password)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def flask(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )


def app_env(database_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "WERKZEUG_"))}
    env.update(
        DATABASE_URL=database_url,
        DOBETTER_ENV="development",
        SECRET_KEY="load-test-secret-not-for-production",
        SIGN_IN_RATE_LIMIT="100000 per minute",
        ARGON2_TIME_COST="1",
        ARGON2_MEMORY_KIB="1024",
        LOG_LEVEL="WARNING",
        **extra,
    )
    return env


def prepare_database(database_url: str) -> dict[str, str]:
    """A migrated database holding the demo organisation."""
    env = app_env(database_url)
    flask(env, "db", "upgrade")
    flask(env, "seed-demo")
    return env


@dataclass
class Server:
    url: str
    process: subprocess.Popen[bytes]

    def worker_pids(self) -> list[int]:
        out = subprocess.run(
            ["ps", "-o", "pid=", "--ppid", str(self.process.pid)],
            capture_output=True,
            text=True,
            check=False,
        ).stdout
        return [int(p) for p in out.split()]


@contextmanager
def gunicorn(env: dict[str, str], workers: int = 4) -> Iterator[Server]:
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-c",
            "gunicorn.conf.py",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--access-logfile",
            "/dev/null",
            "wsgi:app",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(f"{url}/healthz", timeout=2).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    f"gunicorn did not start: {process.stderr.read().decode()[-2000:]}"
                )
            time.sleep(0.2)
        yield Server(url, process)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


class _FormParser(HTMLParser):
    """The named inputs, selects and textareas of the first form posting to `action`."""

    def __init__(self, action: str | None) -> None:
        super().__init__()
        self.action = action
        self.inside = False
        self.done = False
        self.fields: list[tuple[str, str]] = []
        self._select: str | None = None
        self._select_value: str | None = None
        self._textarea: str | None = None
        self._template_depth = 0  # a <template> row is for scripts, never submitted

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "template":
            self._template_depth += 1
        if self._template_depth:
            return
        if (
            tag == "form"
            and not self.done
            and (self.action is None or a.get("action", "").split("#")[0] in ("", self.action))
        ):
            if a.get("method", "get").lower() == "post":
                self.inside = True
        if not self.inside:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.fields.append((name, a.get("value", "y")))
            elif kind not in ("submit", "button", "file"):
                self.fields.append((name, a.get("value", "")))
        elif tag == "select" and name:
            self._select, self._select_value = name, None
        elif tag == "option" and self._select is not None:
            value = a.get("value", "")
            # The selected option, else the first real choice (a person picks one).
            if "selected" in a or (not self._select_value and value):
                self._select_value = value
        elif tag == "textarea" and name:
            self._textarea = name
            self.fields.append((name, ""))

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            name, value = self.fields[-1]
            self.fields[-1] = (name, value + data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "template":
            self._template_depth -= 1
        if self._template_depth:
            return
        if tag == "select" and self._select is not None:
            self.fields.append((self._select, self._select_value or ""))
            self._select = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "form" and self.inside:
            self.inside, self.done = False, True


def form_fields(html: str, action: str | None = None) -> list[tuple[str, str]]:
    parser = _FormParser(action)
    parser.feed(html)
    return parser.fields


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    if match is None:
        raise RuntimeError("no CSRF token on the page")
    return match.group(1)


def signed_in(url: str, email: str, password: str = DEMO_PASSWORD) -> requests.Session:
    session = requests.Session()
    page = session.get(f"{url}/login", timeout=30).text
    response = session.post(
        f"{url}/login",
        data={"csrf_token": csrf_token(page), "email": email, "password": password},
        allow_redirects=False,
        timeout=30,
    )
    if response.status_code != 302:
        raise RuntimeError(f"sign-in of {email} failed with {response.status_code}")
    return session


@contextmanager
def temporary_postgres(server_url: str) -> Iterator[str]:
    """A new, empty database on the PostgreSQL server of server_url, dropped afterwards."""
    import uuid

    import sqlalchemy as sa

    admin = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    name = f"dobetter_run_{uuid.uuid4().hex[:10]}"
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield sa.make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()
