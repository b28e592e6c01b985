"""Sending one email: through SMTP (settings from the environment), or to the log in
development when no SMTP server is configured."""

from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Mapping
from email.message import EmailMessage
from typing import Any, Protocol
from urllib.parse import unquote, urlsplit

log = logging.getLogger("scorecard.mail")


class SendError(Exception):
    """The message was not accepted. `permanent`: trying again will not help (a 5xx answer)."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


class Transport(Protocol):
    def send(self, message: EmailMessage) -> None: ...


class LogTransport:
    """Development without SMTP: the message goes to the log, whole, so its links can be used."""

    def send(self, message: EmailMessage) -> None:
        text = message.get_body(("plain",))
        log.info(
            "email to %s: %s\n%s",
            message["To"],
            message["Subject"],
            text.get_content() if text is not None else "",
        )


class SMTPTransport:
    def __init__(self, url: str, tls: str = "starttls", timeout: float = 20) -> None:
        parts = urlsplit(url)
        self.host = parts.hostname or "localhost"
        self.implicit_tls = parts.scheme == "smtps" or tls == "tls"
        self.port = parts.port or (465 if self.implicit_tls else 587)
        self.starttls = tls == "starttls" and not self.implicit_tls
        self.username = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None
        self.timeout = timeout

    def _connect(self) -> smtplib.SMTP:
        context = ssl.create_default_context()
        if self.implicit_tls:
            return smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
        client = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        if self.starttls:
            client.starttls(context=context)
        return client

    def send(self, message: EmailMessage) -> None:
        try:
            with self._connect() as client:
                if self.username:
                    client.login(self.username, self.password or "")
                refused = client.send_message(message)
        except smtplib.SMTPRecipientsRefused as error:
            raise SendError(
                _answers(error.recipients), permanent=_all_permanent(error.recipients)
            ) from error
        except smtplib.SMTPResponseException as error:
            text = f"{error.smtp_code} {_decode(error.smtp_error)}"
            raise SendError(text, permanent=500 <= error.smtp_code < 600) from error
        except (smtplib.SMTPException, OSError) as error:
            raise SendError(f"{type(error).__name__}: {error}") from error
        if refused:  # some recipients refused; each message here has one recipient
            raise SendError(_answers(refused), permanent=_all_permanent(refused))


def _decode(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _answers(recipients: Mapping[str, tuple[int, Any]]) -> str:
    return "; ".join(f"{to}: {code} {_decode(text)}" for to, (code, text) in recipients.items())


def _all_permanent(recipients: Mapping[str, tuple[int, Any]]) -> bool:
    return all(500 <= code < 600 for code, _text in recipients.values())


def from_config(config: Mapping[str, Any]) -> Transport | None:
    """The transport the settings describe; None when email is off (production without SMTP)."""
    if config.get("SMTP_URL"):
        return SMTPTransport(
            config["SMTP_URL"], config.get("SMTP_TLS", "starttls"), config["SMTP_TIMEOUT_SECONDS"]
        )
    if config.get("EMAIL_TO_LOG"):
        return LogTransport()
    return None
