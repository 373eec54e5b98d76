"""E-mail through an SMTP server (smtplib), STARTTLS optional."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage

from pydantic import BaseModel

from brightkitchen.platform.notify.base import Message, NotifyError


class EmailConfig(BaseModel):
    host: str
    port: int = 25
    starttls: bool = False
    username: str | None = None
    password: str | None = None
    sender: str
    to: list[str]
    timeout_s: float = 10.0


def build(config: EmailConfig, message: Message) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = config.sender
    mail["To"] = ", ".join(config.to)
    mail["Subject"] = message.subject
    mail["X-BrightKitchen-Event"] = message.event
    mail.set_content(message.markdown)
    return mail


class EmailNotifier:
    def __init__(self, config: EmailConfig) -> None:
        self.config = config

    def send(self, message: Message) -> None:
        cfg = self.config
        if not cfg.host:
            raise NotifyError("no SMTP server is configured (smtp_host)")
        try:
            with smtplib.SMTP(cfg.host, cfg.port, timeout=cfg.timeout_s) as smtp:
                if cfg.starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if cfg.username:
                    smtp.login(cfg.username, cfg.password or "")
                smtp.send_message(build(cfg, message))
        except (OSError, smtplib.SMTPException) as exc:
            raise NotifyError(f"{type(exc).__name__}: {exc}") from exc
