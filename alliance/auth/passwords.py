"""Password rules and Argon2id hashing."""

from functools import cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from alliance.i18n import _l

MIN_LENGTH = 8
MAX_LENGTH = 256

hasher = PasswordHasher()  # argon2id with the library's current recommended parameters


@cache
def common_passwords() -> frozenset[str]:
    """Return the shipped list of common passwords, lower-cased."""
    path = Path(__file__).with_name("common_passwords.txt")
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(line for line in lines if line and not line.startswith("#"))


def password_problem(password: str, *context: str):
    """Return why `password` is unacceptable, or None: length, common, or the user's login."""
    if len(password.strip()) < MIN_LENGTH:
        return _l("Use at least %(n)s characters.", n=MIN_LENGTH)
    if len(password) > MAX_LENGTH:
        return _l("Use at most %(n)s characters.", n=MAX_LENGTH)
    lowered = password.lower()
    if lowered in common_passwords():
        return _l("This password is too common. Choose one that is harder to guess.")
    if any(part and lowered == part.lower() for part in context):
        return _l("Do not use your login or name as your password.")
    return None


def hash_password(password: str) -> str:
    """Hash a password with Argon2id."""
    return hasher.hash(password)


def check_password(password_hash: str, password: str) -> bool:
    """Tell whether `password` matches `password_hash`."""
    try:
        return hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """Tell whether the hash was made with other parameters than the current ones."""
    return hasher.check_needs_rehash(password_hash)


@cache
def dummy_hash() -> str:
    """Return a hash to check against when no user matches, so both answers take as long.

    Made on first use, not at import: an Argon2id hash takes a good part of a second.
    """
    return hasher.hash("timing-equaliser-not-a-password")
