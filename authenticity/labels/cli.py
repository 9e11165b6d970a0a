"""The `book-alliance labels` commands: order a batch of labels from the command line."""

import csv
import time
from pathlib import Path

import click
from flask.cli import with_appcontext

from alliance.errors import DomainError
from alliance.extensions import db


@click.group("labels")
def labels_cli():
    """Manage genuine-book labels."""


@labels_cli.command("create")
@click.option("--isbn", required=True, help="The title's ISBN; its publisher orders the batch.")
@click.option("--merchant", default=None, help="An authorised merchant id; none: own store.")
@click.option("--quantity", required=True, type=click.IntRange(1, 1_000_000))
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="CSV file to write the codes to (serial, code, url).",
)
@click.option("--seal", is_flag=True, help="Seal the batch once the file is written.")
@with_appcontext
def create_labels_command(isbn, merchant, quantity, out: Path, seal: bool):
    """Create a batch of labels for a title and write its codes to a CSV file."""
    from alliance.catalogue.services import find_title
    from alliance.errors import NotFoundError
    from authenticity.labels import codes, services

    try:
        title = find_title(isbn)
    except NotFoundError:
        raise click.ClickException(f"No title has the ISBN {isbn!r}.") from None
    started = time.perf_counter()
    try:
        batch = services.create_batch(None, isbn, merchant, quantity, publisher=title.publisher)
        db.session.commit()
        services.finish_writing(None, batch)
        created = time.perf_counter() - started
        with out.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["serial", "code", "url"])
            for serial, code in services.download_codes(None, batch):
                writer.writerow([serial, codes.group(code), services.verify_url(code)])
        if seal:
            services.seal_batch(None, batch)
    except DomainError as error:
        # The file is written only once the batch is: a refusal leaves FILE as it was (never
        # deleted: it may be something else entirely, such as /dev/null).
        db.session.rollback()
        raise click.ClickException(str(error.message)) from None
    db.session.commit()
    click.echo(
        f"Batch {batch.id}: {quantity} labels for {title.isbn} created in {created:.1f} s, "
        f"codes written to {out}" + (" (batch sealed)." if seal else ".")
    )


@labels_cli.command("resume")
@with_appcontext
def resume_labels_command():
    """Finish writing every batch whose writing stopped half way (a crash, a lost connection)."""
    from authenticity.labels import services, writing

    batches = writing.stalled_batches()
    for batch in batches:
        try:
            services.resume_writing(None, batch)
        except DomainError as error:
            db.session.rollback()
            click.echo(f"Batch {batch.id}: {error.message}", err=True)
            continue
        click.echo(f"Batch {batch.id}: all {batch.quantity} labels written.")
    if not batches:
        click.echo("No batch waits for its labels to be written.")
