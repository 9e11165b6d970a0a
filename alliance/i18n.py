"""Choose the language and time zone of a request, and format dates and money for it."""

from datetime import date, datetime
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from flask import g, has_request_context, request
from flask_babel import format_date, format_datetime, get_locale, gettext
from flask_babel.speaklater import LazyString
from flask_login import current_user
from markupsafe import escape

LANGUAGES = {"en": "en", "zh": "zh_Hans_CN"}
LANGUAGE_NAMES = {"en": "English", "zh": "中文"}
LANG_COOKIE = "lang"
LANG_COOKIE_OPTIONS = {"max_age": 365 * 24 * 3600, "samesite": "Lax", "httponly": True}
DEFAULT_TIMEZONE = "Asia/Shanghai"


class LazyText(LazyString):
    """A translation made when shown, always escaped in HTML: its values may be users' text.

    flask-babel's LazyString marks itself as markup (``__html__`` returns it unescaped), so a
    message holding an organisation's name would put that name into the page as HTML.
    """

    def __html__(self) -> str:
        return str(escape(str(self)))


def lazy_gettext(string: str, **variables) -> LazyText:
    """Return `string` translated into the reader's language when shown (the one lazy `_l`)."""
    return LazyText(gettext, string, **variables)


_l = lazy_gettext


def normalise_language(value: str | None) -> str | None:
    """Map a language tag to 'zh' or 'en'; any zh* tag is Chinese, unknown tags give None."""
    if not value:
        return None
    tag = value.strip().lower().replace("_", "-")
    if tag == "zh" or tag.startswith("zh-"):
        return "zh"
    if tag == "en" or tag.startswith("en-"):
        return "en"
    return None


def parse_accept_language(header: str | None) -> str | None:
    """Return the first supported language of an Accept-Language header in quality order."""
    if not header:
        return None
    choices = []
    for position, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality > 0:
            choices.append((-quality, position, tag))
    for _quality, _position, tag in sorted(choices):
        language = normalise_language(tag)
        if language:
            return language
    return None


def requested_language() -> str | None:
    """Return the language asked for with ?lang= on this request, if any."""
    return normalise_language(request.args.get("lang"))


def current_language() -> str:
    """Pick the language: ?lang=, then cookie, then profile, then Accept-Language, else en."""
    if not has_request_context():
        return "en"  # the CLI and background jobs speak English
    if "language" in g:
        return g.language
    g.language = choose_language(
        request.args.get("lang"),
        request.cookies.get(LANG_COOKIE),
        lambda: current_user.locale if _user_known() else None,
        request.headers.get("Accept-Language"),
    )
    return g.language


def choose_language(asked, cookie, profile, accept_language) -> str:
    """Return 'zh' or 'en': what was asked, the cookie, the profile, Accept-Language, else en.

    `profile` is a function (the user is loaded only when nothing before it decided), or None.
    """
    return (
        normalise_language(asked)
        or normalise_language(cookie)
        or (normalise_language(profile()) if profile else None)
        or parse_accept_language(accept_language)
        or "en"
    )


def select_locale() -> str:
    """Flask-Babel locale selector."""
    return LANGUAGES[current_language()]


def select_timezone() -> str:
    """Flask-Babel time zone selector: the user's zone, else Asia/Shanghai."""
    if _user_known() and current_user.timezone:
        return current_user.timezone
    return DEFAULT_TIMEZONE


def _user_known() -> bool:
    try:
        return bool(current_user) and current_user.is_authenticated
    except Exception:
        return False


def set_language_cookie(response, language: str | None):
    """Remember `language` on this device for a year; None forgets the choice."""
    if language:
        response.set_cookie(LANG_COOKIE, language, **LANG_COOKIE_OPTIONS)
    else:
        response.delete_cookie(LANG_COOKIE)
    return response


def remember_language(response):
    """Keep a ?lang= choice in a cookie."""
    language = requested_language()
    return set_language_cookie(response, language) if language else response


def switch_language_url(language: str) -> str:
    """Return the current page's address with ?lang= set to `language`."""
    args = {key: value for key, value in request.args.items() if key != "lang"}
    return request.path + "?" + urlencode({**args, "lang": language})


def html_lang() -> str:
    """Return the value of <html lang> for the current locale."""
    return "zh-CN" if str(get_locale()).startswith("zh") else "en"


def datetime_filter(value, style: str = "medium") -> str:
    """Format an aware datetime in the user's zone and language; empty for None."""
    if value is None:
        return ""
    return format_datetime(value, style)


def date_filter(value, style: str = "medium") -> str:
    """Format a date in the user's language; empty for None."""
    if value is None:
        return ""
    return format_date(value, style)


def local_today(zone: str = DEFAULT_TIMEZONE) -> date:
    """Return today's date in `zone` (deadlines run to the end of the day there)."""
    return datetime.now(ZoneInfo(zone)).date()
