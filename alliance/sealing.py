"""Encrypt what must stay secret at rest (queued messages, codes) with keys from SECRET_KEY."""

import base64
import hashlib
import hmac
import pickle

from cryptography.fernet import Fernet
from huey.serializer import Serializer


def fernet(secret: str | bytes, purpose: str) -> Fernet:
    """Return a Fernet cipher whose key is derived from `secret` for one `purpose` only."""
    raw = secret.encode("utf-8") if isinstance(secret, str) else secret
    key = hmac.digest(raw, f"book-alliance {purpose}".encode(), hashlib.sha256)
    return Fernet(base64.urlsafe_b64encode(key))


class SealedSerializer(Serializer):
    """Huey's pickles, encrypted and authenticated: the queue's storage can neither read
    a task's arguments (reset links, codes) nor slip in a pickle of its own."""

    def __init__(self, cipher: Fernet):
        super().__init__()
        self.cipher = cipher

    def _serialize(self, data) -> bytes:
        return self.cipher.encrypt(pickle.dumps(data, pickle.HIGHEST_PROTOCOL))

    def _deserialize(self, data: bytes):
        return pickle.loads(self.cipher.decrypt(data))  # noqa: S301 (authenticated above)
