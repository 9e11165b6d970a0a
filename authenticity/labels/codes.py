"""Label codes: random, Crockford base32 with a check symbol, grouped, stored as keyed hashes.

The check symbol is Luhn's mod-32 check in the same 32 symbols, so a reader types every code
from a phone's letter-and-digit keyboard. Labels printed before it ended in Crockford's
mod-37 check, which may be one of * ~ $ = U: they keep reading as well (LEGACY).
"""

import base64
import hashlib
import hmac
import re
import secrets
import socket
import struct
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from zoneinfo import ZoneInfo

# Crockford's alphabet (no I, L, O, U), and the five extra symbols of its mod-37 check.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LEGACY_CHECK_ALPHABET = ALPHABET + "*~$=U"
DATA_SYMBOLS = 20  # 20 symbols x 5 bits = 100 random bits
RANDOM_BITS = DATA_SYMBOLS * 5
CODE_LENGTH = DATA_SYMBOLS + 1
GROUP = 3  # read aloud in groups of three: ABC-DEF-...
HASH_BYTES = 16
MAX_INPUT = 80  # longer input is not a code, whatever it holds
NETWORK_BITS = 31  # a network is one of these bits (they fit a signed 32-bit INTEGER)
READING_ZONE = ZoneInfo("Asia/Shanghai")  # the day of a reading
# What readers type for a symbol: Crockford's decoding rules (I, L -> 1; O -> 0).
_READ_AS = {"I": "1", "L": "1", "O": "0"}
_SEPARATORS = set(" -_.·—–\u00a0\u3000")
_FROM_RFC4648 = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", ALPHABET)
_AS_DIGITS = str.maketrans(ALPHABET, "0123456789abcdefghijklmnopqrstuv")  # int(..., 32)
_CLEAN = str.maketrans({**dict.fromkeys(_SEPARATORS), **_READ_AS})
_SHAPE = re.compile(f"[{ALPHABET}]{{{DATA_SYMBOLS}}}[{re.escape(LEGACY_CHECK_ALPHABET)}]")
# Luhn mod 32: symbols in even places (from the left, of 20) count as they are, those in odd
# places doubled, the two base-32 digits of the double added. As translate tables: fast.
_PLAIN = str.maketrans(ALPHABET, "".join(map(chr, range(32))))
_DOUBLED = str.maketrans(
    ALPHABET, "".join(chr(2 * v - 31 if v >= 16 else 2 * v) for v in range(32))
)


@dataclass(frozen=True)
class ParsedCode:
    """A typed code reduced to its symbols, and what is wrong with it (if anything)."""

    normalised: str | None  # the 21 symbols when the shape is right, else None
    check_ok: bool

    @property
    def valid(self) -> bool:
        return self.normalised is not None and self.check_ok


def check_symbol(data: str) -> str:
    """Return the Luhn mod-32 check symbol of 20 data symbols (one of the 32 themselves)."""
    plain = data[0::2].translate(_PLAIN).encode("latin-1")
    doubled = data[1::2].translate(_DOUBLED).encode("latin-1")
    return ALPHABET[-(sum(plain) + sum(doubled)) % 32]


def legacy_check_symbol(data: str) -> str:
    """Return the check symbol of labels printed before: Crockford's, the value modulo 37."""
    return LEGACY_CHECK_ALPHABET[int(data.translate(_AS_DIGITS), 32) % 37]


def encode(number: int) -> str:
    """Write a number below 2**100 as 20 symbols, then its check symbol."""
    return _data(number) + check_symbol(_data(number))


def encode_legacy(number: int) -> str:
    """Write a number as labels printed before the Luhn check were written."""
    return _data(number) + LEGACY_CHECK_ALPHABET[number % 37]


def _data(number: int) -> str:
    if not 0 <= number < 1 << RANDOM_BITS:
        raise ValueError("a code holds 100 bits")
    # base64's base32 writes 5 bits a symbol in its own alphabet: pad to 120 bits, translate.
    data = base64.b32encode((number << 20).to_bytes(15, "big")).decode("ascii")
    return data[:DATA_SYMBOLS].translate(_FROM_RFC4648)


def new_code() -> str:
    """Return a new code: 100 random bits from `secrets`, with its check symbol."""
    return encode(secrets.randbits(RANDOM_BITS))


@cache
def _symbol_values():
    """Return a table from a symbol's ASCII byte to its value (numpy, for many codes at once)."""
    import numpy as np

    table = np.zeros(256, dtype=np.uint8)
    table[np.frombuffer(ALPHABET.encode("ascii"), dtype=np.uint8)] = np.arange(32)
    return table


def new_codes(count: int) -> list[str]:
    """Return `count` new codes, reading the random bytes from `secrets` in one call."""
    return _codes_of(secrets.token_bytes(15 * count), count)


def new_batch_secret() -> bytes:
    """Return the random secret a batch's codes are derived from (256 bits)."""
    return secrets.token_bytes(32)


def derived_codes(secret: bytes, first: int, last: int) -> list[str]:
    """Return the codes numbered first..last of the batch whose secret this is.

    Code n is the first 100 bits of HMAC-SHA256(secret, n): as random as `secrets` to anyone
    without the secret, and the same every time, so a batch keeps its secret (encrypted)
    instead of its codes, until printing is confirmed and the secret is deleted.
    """
    pack, digest = struct.Struct(">Q").pack, hmac.digest
    pool = b"".join(digest(secret, pack(n), "sha256")[:15] for n in range(first, last + 1))
    return _codes_of(pool, last - first + 1)


def _codes_of(pool: bytes, count: int) -> list[str]:
    """Write each 15 bytes of `pool` as a code: its first 100 bits, then the check symbol.

    base32 writes 5 bits a symbol, so encoding the whole pool at once, and working the check
    symbols out for all codes together (numpy), is what makes a million fast.
    """
    import numpy as np

    text = base64.b32encode(pool).decode("ascii").translate(_FROM_RFC4648)
    symbols = np.frombuffer(text.encode("ascii"), dtype=np.uint8).reshape(count, 24)
    values = _symbol_values()[symbols[:, :DATA_SYMBOLS]].astype(np.int32)
    doubled = values[:, 1::2] * 2
    doubled -= (doubled >= 32) * 31
    totals = values[:, 0::2].sum(axis=1) + doubled.sum(axis=1)
    checks = np.frombuffer(ALPHABET.encode("ascii"), dtype=np.uint8)[(-totals) % 32]
    check_text = checks.tobytes().decode("ascii")
    return [text[24 * n : 24 * n + DATA_SYMBOLS] + check_text[n] for n in range(count)]


def hasher(key: bytes):
    """Return a function hashing normalised codes with `key`, fast for a million codes."""
    base = hmac.new(key, digestmod=hashlib.sha256)

    def hash_one(normalised: str) -> bytes:
        h = base.copy()
        h.update(normalised.encode("ascii"))
        return h.digest()[:HASH_BYTES]

    return hash_one


def group(code: str) -> str:
    """Write a normalised code in groups of three for reading aloud: ABC-DEF-..."""
    return "-".join(code[i : i + GROUP] for i in range(0, len(code), GROUP))


def parse(text: object) -> ParsedCode:
    """Reduce typed text to a code: any case, full-width, spaces and dashes, I/L/O misread."""
    if not isinstance(text, str) or len(text) > MAX_INPUT:
        return ParsedCode(None, False)
    code = unicodedata.normalize("NFKC", text).upper().translate(_CLEAN)
    if not _SHAPE.fullmatch(code):
        return ParsedCode(None, False)
    data, check = code[:DATA_SYMBOLS], code[DATA_SYMBOLS]
    return ParsedCode(code, check in (check_symbol(data), legacy_check_symbol(data)))


def mistyped(code: str, at: int = 4) -> str:
    """Return the code with the symbol `at` changed so that no check fits: a reader's typo."""
    for wrong in ALPHABET:
        typo = code[:at] + wrong + code[at + 1 :]
        if not parse(typo).check_ok:
            return typo
    raise AssertionError("a changed symbol always breaks the Luhn check")


def code_hash(key: bytes, normalised: str) -> bytes:
    """Return the keyed hash stored for a code (HMAC-SHA256, first 16 bytes)."""
    return hmac.digest(key, normalised.encode("ascii"), "sha256")[:HASH_BYTES]


def network_bit(key: bytes, address: str | None) -> int:
    """Return one of NETWORK_BITS bits standing for the reader's network (IPv4 /24, IPv6 /48).

    Only the bit is kept, never the address: enough to tell "checked from many networks".
    """
    text = (address or "").strip()
    try:
        packed = socket.inet_pton(socket.AF_INET6 if ":" in text else socket.AF_INET, text)
    except (OSError, ValueError):  # not an address (a unix socket, a test client)
        return 0
    kept = 3 if len(packed) == 4 else 6  # the bytes of the /24 or /48 prefix
    network = packed[:kept] + bytes(len(packed) - kept)
    digest = hmac.digest(key, network, "sha256")  # one-shot, in C
    return 1 << (digest[0] % NETWORK_BITS)


def reading_day(moment: datetime) -> int:
    """Return the day of a check in Asia/Shanghai, as a day number (date.toordinal)."""
    return moment.astimezone(READING_ZONE).toordinal()


def distinct_networks(bits: int) -> int:
    """Return how many network bits are set (a lower bound of the distinct networks seen)."""
    return bin(bits or 0).count("1")
