"""Demo data of genuine-book labels: an authorised seller and a printed batch to check."""

from datetime import date

import click
from sqlalchemy import select

from alliance.auth.models import User
from alliance.catalogue.models import Title
from alliance.extensions import db
from authenticity.labels import services
from authenticity.labels.codes import mistyped
from authenticity.sellers import services as sellers

DEMO_PUBLISHER_LOGIN = "publisher@example.org"
DEMO_MERCHANT = ("duoduo-books-001", "多多好书专营店")


def load_demo_labels(_users: dict | None = None) -> list[str]:
    """Authorise the demo merchant, print and seal 20 labels; echo two addresses to check."""
    user = db.session.scalar(select(User).where(User.email == DEMO_PUBLISHER_LOGIN))
    if user is None or user.organisation is None:
        return []
    title = db.session.scalar(
        select(Title).where(Title.publisher_id == user.organisation_id).order_by(Title.isbn)
    )
    if title is None:
        return []
    values = sellers.read_authorisation(
        {
            "merchant_id": DEMO_MERCHANT[0],
            "merchant_name": DEMO_MERCHANT[1],
            "isbns": None,
            "valid_from": date(2021, 4, 1),
            "valid_until": None,
        }
    )
    sellers.create_authorisation(user, values)
    batch = services.create_batch(user, title.isbn, DEMO_MERCHANT[0], 20)
    codes = [code for _serial, code in services.download_codes(user, batch)]
    services.seal_batch(user, batch)
    db.session.flush()
    # Codes are secret and sealed batches keep none: these two exist only in this output.
    urls = [services.verify_url(code) for code in codes[:2]]
    click.echo(f"Demo genuine-book labels for {title.title} ({title.isbn}), check them at:")
    for url in urls:
        click.echo(f"  {url}")
    click.echo(f"  (a mistyped one: {services.verify_url(mistyped(codes[2]))})")
    return urls
