"""Send text messages from a background task: to the log by default, or to an HTTP gateway."""

import json
import logging
import urllib.error
import urllib.request

from flask import current_app

from alliance.jobs.queue import after_commit, task

log = logging.getLogger(__name__)

BACKENDS = ("log", "http")


class SmsNotSent(RuntimeError):
    """The gateway did not accept the message."""


def send_sms_after_commit(to: str, text: str) -> None:
    """Queue a text message once the current transaction commits."""
    after_commit(sms_task, to, text)


@task(retries=5, retry_delay=30)
def sms_task(to: str, text: str) -> None:
    """Deliver a queued text message; a failure is retried five times."""
    send_sms(to, text)


def send_sms(to: str, text: str) -> None:
    """Deliver `text` to the mobile number `to` (E.164) through SMS_BACKEND, now."""
    config = current_app.config
    if config["SMS_BACKEND"] == "http":
        _post(config["SMS_GATEWAY_URL"], config["SMS_GATEWAY_TOKEN"], to, text)
        log.info("sms sent to=%s", _masked(to))
    elif config["ENV_NAME"] == "production":
        # Codes are secrets: production never writes a message's text to its logs.
        log.warning("sms to=%s not sent: SMS_BACKEND is log", _masked(to))
    else:
        log.info("sms (SMS_BACKEND=log) to=%s\n%s", to, text)


def _post(url: str, token: str, to: str, text: str) -> None:
    """Post {"to", "text"} as JSON to the gateway; anything but a 2xx answer is a failure."""
    body = json.dumps({"to": to, "text": text}, ensure_ascii=False).encode("utf-8")
    headers = {"Content-Type": "application/json; charset=utf-8"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310 (URL is config)
            status = answer.status
    except urllib.error.HTTPError as error:
        status = error.code
    except OSError as error:
        raise SmsNotSent(f"the SMS gateway failed: {error}") from error
    if not 200 <= status < 300:
        raise SmsNotSent(f"the SMS gateway answered {status}")


def _masked(number: str) -> str:
    """Return a number with its middle hidden, for logs."""
    return number[:5] + "****" + number[-2:] if len(number) > 8 else "****"
