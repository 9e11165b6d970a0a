"""Livestream selling sessions: record them and list them with their totals and hourly rates."""

import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Select, func, select

from alliance import audit
from alliance.auth.models import User
from alliance.db import utcnow
from alliance.errors import FieldsInvalid
from alliance.extensions import db
from alliance.forms import FORBIDDEN_CHARACTERS
from alliance.i18n import DEFAULT_TIMEZONE, _l
from alliance.members.models import Organisation
from alliance.members.services import publisher_of
from alliance.money import MAX_FEN
from campaigns.models import Campaign
from campaigns.sales.models import LivestreamSession
from campaigns.sales.services import MAX_UNITS, UNITS_MESSAGE, check_accepting

MAX_MINUTES = 24 * 60
MAX_HOST = 200
MAX_NOTES = 2000
MINUTES_MESSAGE = _l("The duration is from 1 minute to 24 hours (1440).")
DATETIME_MESSAGE = _l("Enter a date and time such as 2021-04-23 19:30.")


@dataclass(frozen=True)
class LivestreamInput:
    """Checked values of a livestream session; `started_at` is timezone-aware."""

    host: str
    started_at: datetime
    duration_minutes: int
    units: int
    gmv_fen: int
    notes: str | None = None


def local_datetime(text: str, zone: str) -> datetime:
    """Read '2021-04-23T19:30' (or with a space) as a time in `zone`; return it in UTC."""
    cleaned = unicodedata.normalize("NFKC", str(text or "")).strip().replace(" ", "T", 1)
    if len(cleaned) > 19:
        raise ValueError(DATETIME_MESSAGE)
    try:
        naive = datetime.fromisoformat(cleaned)
    except ValueError:
        raise ValueError(DATETIME_MESSAGE) from None
    if naive.tzinfo is not None or "T" not in cleaned:
        raise ValueError(DATETIME_MESSAGE)
    return naive.replace(tzinfo=ZoneInfo(zone)).astimezone(ZoneInfo("UTC"))


def record_livestream(
    actor: User, campaign: Campaign, values: LivestreamInput, today: date | None = None
) -> LivestreamSession:
    """Record a livestream selling session of the actor's publisher in the campaign.

    `today` (China) is the day it is recorded: now, unless the demo replays a past one.
    """
    organisation = publisher_of(actor)
    check_accepting(campaign, today)
    if values.started_at.tzinfo is None:
        raise ValueError("started_at must be timezone-aware")
    problems = {}
    host = (values.host or "").strip()
    if not host or len(host) > MAX_HOST or FORBIDDEN_CHARACTERS.search(host):
        problems["host"] = _l("Enter the host or channel name (at most 200 characters).")
    local_day = values.started_at.astimezone(ZoneInfo(DEFAULT_TIMEZONE)).date()
    if values.started_at > utcnow():
        problems["started_at"] = _l("The session cannot start in the future.")
    elif not campaign.starts <= local_day <= campaign.ends:
        problems["started_at"] = _l(
            "The session must start in the sale period, %(starts)s to %(ends)s.",
            starts=campaign.starts.isoformat(),
            ends=campaign.ends.isoformat(),
        )
    minutes = values.duration_minutes
    if isinstance(minutes, bool) or not 0 < minutes <= MAX_MINUTES:
        problems["duration_minutes"] = MINUTES_MESSAGE
    if isinstance(values.units, bool) or not 0 <= values.units <= MAX_UNITS:
        problems["units"] = UNITS_MESSAGE
    if isinstance(values.gmv_fen, bool) or not 0 <= values.gmv_fen <= MAX_FEN:
        problems["gmv_fen"] = _l("The sales value must be 0 or more.")
    notes = (values.notes or "").strip() or None
    if notes and (len(notes) > MAX_NOTES or FORBIDDEN_CHARACTERS.search(notes)):
        problems["notes"] = _l("Notes are plain text of at most 2000 characters.")
    if problems:
        raise FieldsInvalid(problems)
    session = LivestreamSession(
        campaign_id=campaign.id,
        publisher_id=organisation.id,
        host=host,
        started_at=values.started_at,
        duration_minutes=minutes,
        units=values.units,
        gmv_fen=values.gmv_fen,
        notes=notes,
    )
    db.session.add(session)
    db.session.flush()
    audit.record(actor, "livestream.record", session, None, livestream_state(session))
    return session


def livestream_state(session: LivestreamSession) -> dict:
    """Return the fields of a session recorded in the audit log."""
    return {
        "campaign_id": session.campaign_id,
        "host": session.host,
        "started_at": session.started_at.isoformat(),
        "duration_minutes": session.duration_minutes,
        "units": session.units,
        "gmv_fen": session.gmv_fen,
        "notes": session.notes,
    }


def livestreams_query(campaign: Campaign, publisher_id: int | None = None) -> Select:
    """Return the campaign's livestream sessions (one publisher's when given), latest first."""
    query = select(LivestreamSession).where(LivestreamSession.campaign_id == campaign.id)
    if publisher_id:
        query = query.where(LivestreamSession.publisher_id == publisher_id)
    return query.order_by(LivestreamSession.started_at.desc(), LivestreamSession.id.desc())


def livestream_totals(campaign: Campaign, publisher_id: int | None = None) -> dict[str, int]:
    """Return the sessions' count, minutes, units and sales value, and both per hour, in SQL."""
    query = select(
        func.count(),
        func.coalesce(func.sum(LivestreamSession.duration_minutes), 0),
        func.coalesce(func.sum(LivestreamSession.units), 0),
        func.coalesce(func.sum(LivestreamSession.gmv_fen), 0),
    ).where(LivestreamSession.campaign_id == campaign.id)
    if publisher_id:
        query = query.where(LivestreamSession.publisher_id == publisher_id)
    count, minutes, units, gmv = db.session.execute(query).one()
    minutes, units, gmv = int(minutes), int(units), int(gmv)
    return {
        "sessions": int(count),
        "minutes": minutes,
        "units": units,
        "gmv_fen": gmv,
        "units_per_hour": per_hour(units, minutes),
        "gmv_per_hour_fen": per_hour(gmv, minutes),
    }


def per_hour(amount: int, minutes: int) -> int:
    """Return an amount per hour of a duration, rounded half up (0 for no time)."""
    return (amount * 120 + minutes) // (minutes * 2) if minutes > 0 else 0


def organisations_by_id(ids: set[int]) -> dict[int, Organisation]:
    """Return the organisations with these ids (one query), by id."""
    if not ids:
        return {}
    query = select(Organisation).where(Organisation.id.in_(ids))
    return {organisation.id: organisation for organisation in db.session.scalars(query)}
