"""Uploaded files: type from the content, caps, images re-encoded without EXIF, served by rule."""

import io
import zlib

import pytest
from PIL import Image

from alliance.auth.models import User
from alliance.auth.roles import Role
from alliance.files import services
from alliance.files.models import StoredFile
from alliance.files.services import FileRefused, file_use
from alliance.files.storage import LocalStorage, storage_for

TEST_USE = "test.evidence"


@file_use(TEST_USE, {"pdf", "png", "jpeg", "csv"}, max_megabytes=1)
def _evidence_readers(user, stored) -> bool:
    return stored.owner_id == user.id or user.has_role(Role.ADMIN)


PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (40, 30), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (39.0, 54.0, 0.0)  # latitude: Beijing
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif)
    return buffer.getvalue()


def png_bomb() -> bytes:
    """A PNG that says it is 30,000 x 30,000 pixels (900 megapixels) in a few kilobytes."""
    import struct

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 30_000, 30_000, 8, 0, 0, 0, 0)
    rows = zlib.compress(b"\x00" * (30_001 * 20))
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")
    )


@pytest.fixture
def saved(app, db):
    """Save bytes as a file of the test use for a user, in an app context of its own."""

    def save(user, data, filename="evidence.bin"):
        with app.app_context():
            stored = services.save_file(db.session.get(User, user.id), TEST_USE, filename, data)
            db.session.commit()
            return stored.id

    return save


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (PDF, "pdf"),
        (b"\x89PNG\r\n\x1a\n....", "png"),
        (b"\xff\xd8\xff\xe0....", "jpeg"),
        ("书号,书名\n9787020002207,红楼梦\n".encode("gb18030"), "csv"),
        (b"<html><script>alert(1)</script></html>", None),
        (b"\x00\x01\x02binary", None),
        (b"PK\x03\x04not a workbook", None),
    ],
)
def test_the_type_comes_from_the_bytes(data, kind):
    assert services.sniff(data) == kind


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (b"<html><body>Log in again</body></html>", "proof.pdf", "not one of the accepted types"),
        (b"%PDF-1.4\n<html><script>x()</script>\n%%EOF", "proof.pdf", "carries other content"),
        (PDF.replace(b"%%EOF", b""), "cut.pdf", "damaged"),
        (b"", "empty.pdf", "The file is empty."),
        (b"%PDF-1.4 " + b"x" * (1024 * 1024) + b"\n%%EOF", "big.pdf", "larger than 1 MB"),
        (png_bomb(), "bomb.png", "too many pixels"),
        (b"\x89PNG\r\n\x1a\nnot really", "broken.png", "damaged"),
    ],
)
def test_hostile_files_are_refused_with_a_clear_message(
    app, db, make_user, saved, data, filename, message
):
    user = make_user("writer")
    with pytest.raises(FileRefused, match=message):
        saved(user, data, filename)
    assert db.session.query(StoredFile).count() == 0


def test_images_lose_their_exif_and_gps(app, db, make_user, saved):
    user = make_user("writer")
    original = jpeg_with_gps()
    assert Image.open(io.BytesIO(original)).getexif()  # the phone's photo has it
    file_id = saved(user, original, "photo.jpg")
    with app.app_context():
        kept = services.file_bytes(db.session.get(StoredFile, file_id))
    assert dict(Image.open(io.BytesIO(kept)).getexif()) == {}
    assert b"PhoneMaker" not in kept


def test_files_are_served_by_their_rule_with_safe_headers(app, db, client_of, make_user, saved):
    owner, stranger, admin = make_user("writer"), make_user("writer"), make_user("admin")
    pdf = saved(owner, PDF, "证明.pdf")
    table = saved(owner, b"a,b\n1,2\n", "list.csv")
    shown = client_of(owner).get(f"/files/{pdf}")
    assert shown.status_code == 200 and shown.data == PDF
    assert shown.headers["Content-Type"] == "application/pdf"
    assert shown.headers["Content-Disposition"].startswith("inline; filename*=UTF-8''")
    assert shown.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in shown.headers["Content-Security-Policy"]
    downloaded = client_of(owner).get(f"/files/{table}")
    assert downloaded.headers["Content-Disposition"] == "attachment; filename*=UTF-8''list.csv"
    assert client_of(stranger).get(f"/files/{pdf}").status_code == 404
    assert client_of(admin).get(f"/files/{pdf}").status_code == 200
    assert app.test_client().get(f"/files/{pdf}").status_code == 302  # to the log-in page


def test_files_are_kept_under_random_keys_outside_the_web_root(app, db, make_user, saved):
    file_id = saved(make_user("writer"), PDF, "../../etc/passwd.pdf")
    with app.app_context():
        stored = db.session.get(StoredFile, file_id)
        assert stored.filename == ".._.._etc_passwd.pdf" and len(stored.key) == 32
        storage = app.extensions["file_storage"]
        assert isinstance(storage, LocalStorage)
        assert str(storage.root).startswith(app.instance_path)


def test_the_s3_backend_keeps_files_in_a_bucket(tmp_path, monkeypatch):
    """Against moto's S3 server on this machine, as against any S3-compatible service."""
    import boto3
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        credentials = {"aws_access_key_id": "test", "aws_secret_access_key": "test",
                       "region_name": "us-east-1"}  # fmt: skip
        boto3.client("s3", endpoint_url=endpoint, **credentials).create_bucket(Bucket="books")
        for name, value in (("AWS_ACCESS_KEY_ID", "test"), ("AWS_SECRET_ACCESS_KEY", "test"),
                            ("AWS_DEFAULT_REGION", "us-east-1")):  # fmt: skip
            monkeypatch.setenv(name, value)
        storage = storage_for("s3://books/uploads", str(tmp_path), endpoint)
        storage.put("abc123", b"%PDF-1.4 proof")
        assert storage.get("abc123") == b"%PDF-1.4 proof"
        listed = boto3.client("s3", endpoint_url=endpoint, **credentials).list_objects_v2(
            Bucket="books"
        )
        assert [item["Key"] for item in listed["Contents"]] == ["uploads/abc123"]
        storage.delete("abc123")
        assert "Contents" not in boto3.client(
            "s3", endpoint_url=endpoint, **credentials
        ).list_objects_v2(Bucket="books")
    finally:
        server.stop()
