"""Outgoing e-mail: SES in the cloud; on the local stack and in tests, one file per
message under ``LOTBOOK_MAIL_DIR`` (the ``make run`` banner prints where)."""

from __future__ import annotations

import time
from pathlib import Path

from chalicelib.adapters.aws import client
from chalicelib.config import get_settings


def mailbox_file(mail_dir: str | Path, to: str) -> Path:
    """Where the next message to ``to`` is written locally (names sort by time)."""
    return Path(mail_dir) / f"{time.time_ns()}-{to}.eml"


def send(to: str, subject: str, text: str) -> None:
    settings = get_settings()
    sender = settings.mail_from or "Lotbook <no-reply@lotbook.local>"
    if settings.mail_dir:
        from email.message import EmailMessage

        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = sender, to, subject
        message.set_content(text, cte="8bit")  # readable as it is in any editor
        path = mailbox_file(settings.mail_dir, to)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(bytes(message))
        return
    client("ses").send_email(
        Source=sender,
        Destination={"ToAddresses": [to]},
        Message={
            "Subject": {"Data": subject, "Charset": "UTF-8"},
            "Body": {"Text": {"Data": text, "Charset": "UTF-8"}},
        },
    )
