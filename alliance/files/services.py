"""Keep uploads safely: type from the bytes, a size cap per use, images re-encoded, no EXIF."""

import hashlib
import io
import secrets
import zipfile
from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app

from alliance.auth.models import User
from alliance.errors import DomainError, NotFoundError
from alliance.extensions import db
from alliance.files.models import StoredFile
from alliance.i18n import _l

MEBIBYTE = 1024 * 1024
MAX_PIXELS = 40_000_000  # larger images are refused as possible decompression bombs

CONTENT_TYPES = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpeg": "image/jpeg",
    "webp": "image/webp",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv",
}
TYPE_NAMES = {"pdf": "PDF", "png": "PNG", "jpeg": "JPEG", "webp": "WebP", "xlsx": "Excel (.xlsx)",
              "csv": "CSV"}  # fmt: skip
IMAGES = {"png", "jpeg", "webp"}
SHOWN_INLINE = IMAGES | {"pdf"}  # everything else is downloaded, never opened by the browser
_MARKUP = (b"<html", b"<script", b"<svg", b"<!doctype", b"<body", b"<iframe")


@dataclass(frozen=True)
class Upload:
    """A file a user sent: the name they gave it and its bytes."""

    filename: str
    data: bytes


class FileRefused(DomainError):
    """The upload is not a file this use accepts; the message says why."""

    status = 422
    problem = "file-refused"


@dataclass(frozen=True)
class FileUse:
    """What a kind of upload accepts, and who may read a stored one."""

    name: str
    types: frozenset[str]
    max_bytes: int
    can_read: Callable[[User, StoredFile], bool]


_uses: dict[str, FileUse] = {}


def file_use(name: str, types, max_megabytes: int):
    """Register a use of uploads: its types, its cap, and its rule for readers (decorated)."""

    def decorator(can_read):
        _uses[name] = FileUse(name, frozenset(types), max_megabytes * MEBIBYTE, can_read)
        return can_read

    return decorator


def sniff(data: bytes) -> str | None:
    """Return the type the bytes are (pdf, png, jpeg, webp, xlsx, csv), whatever the name says."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data.startswith(b"PK\x03\x04"):
        return "xlsx" if _is_workbook(data) else None
    if data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        return None  # a page (HTML, SVG, XML), whatever the name says; cells may hold "<"
    return "csv" if _is_text(data) else None


def _is_workbook(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, ValueError):
        return False
    return "[Content_Types].xml" in names and any(name.startswith("xl/") for name in names)


def _is_text(data: bytes) -> bool:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True  # UTF-16 with its byte-order mark
    if b"\x00" in data[:65536]:
        return False
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            data[:65536].decode(encoding)
            return True
        except UnicodeDecodeError as error:
            if error.start >= 65536 - 4:  # cut in the middle of a character
                return True
    return False


def _check(use: FileUse, data: bytes) -> str:
    """Return the upload's type after the checks of `use`; refuse it with a clear message."""
    allowed = ", ".join(TYPE_NAMES[name] for name in sorted(use.types))
    if not data:
        raise FileRefused(_l("The file is empty."))
    if len(data) > use.max_bytes:
        raise FileRefused(_l("The file is larger than %(n)s MB.", n=use.max_bytes // MEBIBYTE))
    kind = sniff(data)
    if kind is None or kind not in use.types:
        raise FileRefused(
            _l(
                "This file's content is not one of the accepted types (%(types)s), "
                "whatever its name says.",
                types=allowed,
            )
        )
    if kind == "pdf" and (
        any(marker in data[:1024].lower() for marker in _MARKUP) or b"%%EOF" not in data[-2048:]
    ):
        raise FileRefused(_l("This PDF is damaged or carries other content. Save it again as PDF."))
    return kind


def _reencode(kind: str, data: bytes) -> bytes:
    """Draw an image again from its pixels: no EXIF (GPS), no trailing content, bombs refused."""
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.width * image.height > MAX_PIXELS:
                raise FileRefused(_l("The image has too many pixels. Send a smaller one."))
            image.load()
            pixels = image.convert("RGBA" if image.mode in ("RGBA", "LA", "P") else "RGB")
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise FileRefused(_l("The image has too many pixels. Send a smaller one.")) from None
    except (OSError, SyntaxError, ValueError):
        raise FileRefused(_l("The image is damaged and cannot be read.")) from None
    output = io.BytesIO()
    if kind == "jpeg":
        pixels.convert("RGB").save(output, "JPEG", quality=90)
    elif kind == "webp":
        pixels.save(output, "WEBP", quality=90)
    else:
        pixels.save(output, "PNG", optimize=True)
    return output.getvalue()


def _storage():
    return current_app.extensions["file_storage"]


def save_file(actor: User | None, use_name: str, filename: str, data: bytes) -> StoredFile:
    """Check and keep an upload for `use_name`; return its record (stored under a random key)."""
    use = _uses[use_name]
    kind = _check(use, data)
    if kind in IMAGES:
        data = _reencode(kind, data)
    stored = StoredFile(
        key=secrets.token_hex(16),
        use=use.name,
        owner_id=actor.id if actor else None,
        organisation_id=actor.organisation_id if actor else None,
        filename=_shown_name(filename),
        content_type=CONTENT_TYPES[kind],
        size=len(data),
        sha256=hashlib.sha256(data).digest(),
    )
    _storage().put(stored.key, data)
    db.session.add(stored)
    db.session.flush()
    return stored


def _shown_name(filename: str | None) -> str:
    """Keep the name a user gave a file, for showing only: no folders (the key is random)."""
    name = (filename or "").rsplit("\\", 1)[-1].replace("/", "_").strip()  # old browsers: C:\...
    return name[:255] or "upload"


def readable_file(user: User, file_id: int) -> StoredFile:
    """Return a stored file the user may read by its use's rule; any other is not found."""
    stored = db.session.get(StoredFile, file_id)
    if stored is None or not _uses[stored.use].can_read(user, stored):
        raise NotFoundError(_l("No such file."))
    return stored


def file_bytes(stored: StoredFile) -> bytes:
    """Return a stored file's content."""
    return _storage().get(stored.key)


def delete_file(stored: StoredFile) -> None:
    """Remove a stored file and its record."""
    _storage().delete(stored.key)
    db.session.delete(stored)


def shown_inline(stored: StoredFile) -> bool:
    """Tell whether the browser may show the file (images and PDFs) rather than save it."""
    return stored.content_type in {CONTENT_TYPES[name] for name in SHOWN_INLINE}
