"""Send mail from a background task: SMTP when MAIL_SERVER is set, else the log."""

import logging
import smtplib
from email.message import EmailMessage

from flask import current_app

from alliance.jobs.queue import after_commit, enqueue, task

log = logging.getLogger(__name__)


def send_mail(to: str, subject: str, body: str) -> None:
    """Queue a plain-text message to one recipient now (no SMTP inside a request)."""
    enqueue(mail_task, to, subject, body)


def send_mail_after_commit(to: str, subject: str, body: str) -> None:
    """Queue a message once the current transaction commits (never for a rolled-back one)."""
    after_commit(mail_task, to, subject, body)


@task(retries=5, retry_delay=60)
def mail_task(to: str, subject: str, body: str) -> None:
    """Deliver a queued message; a failure is retried five times, a minute apart."""
    deliver_mail(to, subject, body)


def deliver_mail(to: str, subject: str, body: str) -> None:
    """Deliver a plain-text message to one recipient, now."""
    config = current_app.config
    if not config["MAIL_SERVER"]:
        if config["ENV_NAME"] == "production":
            # Mail carries links and codes: production never writes a message's text to its logs.
            log.warning("mail to=%s subject=%s not sent: no MAIL_SERVER set", to, subject)
        else:
            log.info("mail (no MAIL_SERVER set) to=%s subject=%s\n%s", to, subject, body)
        return
    message = EmailMessage()
    message["From"] = config["MAIL_SENDER"]
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=10) as smtp:
        if config["MAIL_USE_TLS"]:
            smtp.starttls()
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        smtp.send_message(message)
    log.info("mail sent to=%s subject=%s", to, subject)
