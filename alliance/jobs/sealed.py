"""The queue's messages sealed: Huey's pickles, encrypted and authenticated."""

import pickle
from typing import TYPE_CHECKING

from huey.serializer import Serializer

if TYPE_CHECKING:
    from cryptography.fernet import Fernet


class SealedSerializer(Serializer):
    """Huey's pickles, encrypted and authenticated: the queue's storage can neither read
    a task's arguments (reset links, codes) nor slip in a pickle of its own."""

    def __init__(self, cipher: "Fernet"):
        super().__init__()
        self.cipher = cipher

    def _serialize(self, data) -> bytes:
        return self.cipher.encrypt(pickle.dumps(data, pickle.HIGHEST_PROTOCOL))

    def _deserialize(self, data: bytes):
        return pickle.loads(self.cipher.decrypt(data))  # noqa: S301 (authenticated above)
