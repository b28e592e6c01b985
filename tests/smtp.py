"""A real SMTP server on loopback (aiosmtpd), started by the tests, keeping what it received.

`refuse(code_and_text, times)` makes it answer the next DATA commands with an error, to see
retries and recorded failures."""

from __future__ import annotations

import email
import email.policy
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller


@dataclass
class Received:
    sender: str
    recipients: list[str]
    message: EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    def body(self, kind: str = "plain") -> str:
        part = self.message.get_body((kind,))
        assert part is not None, f"no text/{kind} part"
        return part.get_content()


@dataclass
class Handler:
    received: list[Received] = field(default_factory=list)
    refusals: list[str] = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope) -> str:
        if self.refusals:
            return self.refusals.pop(0)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 OK"


@dataclass
class SMTPServer:
    handler: Handler
    port: int

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    @property
    def received(self) -> list[Received]:
        return self.handler.received

    def to(self, address: str) -> list[Received]:
        return [m for m in self.received if address in m.recipients]

    def refuse(self, answer: str, times: int = 1) -> None:
        self.handler.refusals.extend([answer] * times)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp() -> Iterator[SMTPServer]:
    handler = Handler()
    port = _free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield SMTPServer(handler, port)
    finally:
        controller.stop()


@pytest.fixture
def mail_config(smtp: SMTPServer) -> dict[str, object]:
    """Settings that send the app's email to the loopback server."""
    return {
        "SMTP_URL": smtp.url,
        "SMTP_TLS": "none",
        "EMAIL_TO_LOG": False,
        "PUBLIC_URL": "http://dobetter.test",
        "MAIL_FROM": "Do Better <no-reply@dobetter.test>",
    }
