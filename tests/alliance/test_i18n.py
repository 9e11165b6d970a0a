"""Language choice, catalogs, and locale formatting of dates and money."""

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from flask_babel import force_locale

from alliance.i18n import parse_accept_language
from alliance.money import MoneyError, format_money, parse_money

ROOT = Path(__file__).resolve().parents[2]
CATALOG_DIR = ROOT / "alliance" / "translations" / "zh_Hans_CN" / "LC_MESSAGES"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("zh-CN,zh;q=0.9,en;q=0.8", "zh"),
        ("en-US,en;q=0.9,zh-CN;q=0.8", "en"),
        ("fr-FR,fr;q=0.9,zh-TW;q=0.5,en;q=0.4", "zh"),
        ("en;q=0.2, zh-Hant;q=0.9", "zh"),
        ("de-DE", None),
        ("zh;q=0, en;q=0.1", "en"),
        ("", None),
        ("garbage;;q=x,,", None),
    ],
)
def test_accept_language_in_quality_order(header, expected):
    assert parse_accept_language(header) == expected


def test_browser_language_is_used_when_nothing_was_chosen(client):
    page = client.get("/", headers={"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8"})
    assert 'lang="zh-CN"' in page.get_data(as_text=True)
    assert 'lang="en"' in client.get("/", headers={"Accept-Language": "de"}).get_data(as_text=True)


def test_lang_parameter_switches_and_is_remembered(client):
    first = client.get("/auth/login?lang=zh", headers={"Accept-Language": "en"})
    assert 'lang="zh-CN"' in first.get_data(as_text=True)
    assert "lang=zh" in first.headers["Set-Cookie"]
    later = client.get("/auth/register", headers={"Accept-Language": "en"})
    assert 'lang="zh-CN"' in later.get_data(as_text=True)
    back = client.get("/auth/register?lang=en")
    assert 'lang="en"' in back.get_data(as_text=True)


def test_profile_language_applies_on_a_new_device(client_as, db):
    client = client_as("writer")
    client.user.locale = "zh"
    db.session.commit()
    page = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'lang="zh-CN"' in page


def test_switch_link_keeps_the_query(client_as):
    client = client_as("admin")
    page = client.get("/admin/users?q=wang&role=writer").get_data(as_text=True)
    assert "/admin/users?q=wang&amp;role=writer&amp;lang=zh" in page


def test_money_and_dates_follow_the_locale(app):
    moment = datetime(2021, 4, 23, 16, 30, tzinfo=UTC)  # 00:30 on 24 April in Shanghai
    with app.test_request_context("/?lang=zh"):
        from flask_babel import format_datetime

        assert format_money(5_000_000_000) == "¥50,000,000.00"
        assert "2021年4月24日" in format_datetime(moment, "long")
    with app.test_request_context("/?lang=en"), force_locale("en"):
        assert format_money(123_456) == "CN¥1,234.56"
        assert "April 24, 2021" in format_datetime(moment, "long")


@pytest.mark.parametrize(
    ("text", "fen"),
    [
        ("12.50", 1250),
        ("¥1,234.5", 123450),
        ("１２元", 1200),
        ("0", 0),
        ("50,000,000", 5_000_000_000),
        (" 3 ", 300),
    ],
)
def test_parse_money(text, fen, app):
    assert parse_money(text) == fen


@pytest.mark.parametrize(
    "text", ["", "abc", "1.234", "-5", "NaN", "Infinity", "1e400", "=1+1", "1;DROP TABLE"]
)
def test_parse_money_rejects(text, app):
    with app.test_request_context(), pytest.raises(MoneyError):
        parse_money(text)


def _catalog():
    with (CATALOG_DIR / "messages.po").open("rb") as handle:
        return read_po(handle, locale="zh_Hans_CN")


def test_catalog_is_complete_and_compiled():
    catalog = _catalog()
    problems = []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy:
            problems.append(("fuzzy", message.id))
        elif not all(strings):
            problems.append(("untranslated", message.id))
    assert problems == []
    # A checkout does not keep file times, so "older" is judged by content: the compiled
    # catalog must hold exactly the translations of messages.po.
    compiled = CATALOG_DIR / "messages.mo"
    assert compiled.exists(), "run: pybabel compile -d alliance/translations"
    with compiled.open("rb") as handle:
        in_mo = {_key(m.id): _key(m.string) for m in read_mo(handle) if m.id}
    in_po = {_key(m.id): _key(m.string) for m in catalog if m.id}
    assert in_mo == in_po, "messages.mo is older than messages.po: run pybabel compile"


def _key(value):
    """A message's id or strings as one comparable value (a plural's are a list or tuple)."""
    return tuple(value) if isinstance(value, list | tuple) else value


def test_every_string_in_the_code_is_in_the_catalog(tmp_path):
    template = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            str(ROOT / "babel.cfg"),
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "-o",
            str(template),
            str(ROOT),
        ],
        check=True,
        cwd=ROOT,
        capture_output=True,
    )
    with template.open("rb") as handle:
        extracted = {
            message.id if isinstance(message.id, str) else message.id[0]
            for message in read_po(handle)
            if message.id
        }
    catalogued = {
        message.id if isinstance(message.id, str) else message.id[0]
        for message in _catalog()
        if message.id
    }
    missing = sorted(extracted - catalogued)
    assert missing == [], f"extract and update the catalog; missing: {missing[:10]}"


def test_translations_keep_their_placeholders():
    import re

    pattern = re.compile(r"%\((\w+)\)s")
    for message in _catalog():
        if message.id and isinstance(message.id, str) and message.string:
            assert set(pattern.findall(message.id)) == set(pattern.findall(message.string)), (
                message.id
            )


def test_a_lazy_message_escapes_the_values_it_carries(app):
    from flask import render_template_string

    from alliance.i18n import _l

    message = _l("Welcome, %(name)s.", name='<a href="https://evil.example">Log in again</a>')
    with app.test_request_context("/?lang=zh"):
        page = render_template_string("<p>{{ message }}</p>", message=message)
    assert "<a href" not in page
    assert "&lt;a href=&#34;https://evil.example&#34;&gt;" in page
    assert "欢迎" in page  # still translated when shown


def test_no_module_uses_the_unescaped_lazy_string():
    """flask-babel's own lazy_gettext renders its values as HTML; only alliance.i18n wraps it."""
    offenders = [
        str(path.relative_to(ROOT))
        for package in ("alliance", "campaigns", "authenticity", "donations")
        for path in (ROOT / package).rglob("*.py")
        if "lazy_gettext" in path.read_text(encoding="utf-8")
        and "flask_babel" in path.read_text(encoding="utf-8")
        and path != ROOT / "alliance" / "i18n.py"
    ]
    assert offenders == []
