"""Keys for encrypting what must stay secret at rest (queued messages, codes), from SECRET_KEY."""

import base64
import hashlib
import hmac
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # cryptography loads when something is sealed, not at start (~50 ms)
    from cryptography.fernet import Fernet


def fernet(secret: str | bytes, purpose: str) -> "Fernet":
    """Return a Fernet cipher whose key is derived from `secret` for one `purpose` only."""
    from cryptography.fernet import Fernet

    raw = secret.encode("utf-8") if isinstance(secret, str) else secret
    key = hmac.digest(raw, f"book-alliance {purpose}".encode(), hashlib.sha256)
    return Fernet(base64.urlsafe_b64encode(key))
