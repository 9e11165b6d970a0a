"""Title imports too large to wait for: kept as a file, then checked and written by a job."""

from flask import current_app

from alliance.auth.models import User
from alliance.auth.roles import Role
from alliance.catalogue import importing
from alliance.extensions import db
from alliance.files.models import StoredFile
from alliance.files.services import file_bytes, file_use, save_file
from alliance.i18n import _l
from alliance.importing import save_report
from alliance.jobs.models import Job
from alliance.jobs.services import JobRejected, job_kind, start_job
from alliance.spreadsheets import estimate_rows
from alliance.tabular import ImportRejected

IMPORT_TITLES = "catalogue.import_titles"
IMPORT_FILE = "import"


@file_use(IMPORT_FILE, {"csv", "xlsx"}, max_megabytes=32)
def _import_file_readers(user: User, stored: StoredFile) -> bool:
    """An uploaded spreadsheet is its uploader's (and the administrators')."""
    return stored.owner_id == user.id or user.has_role(Role.ADMIN)


def too_large_to_wait(data: bytes) -> bool:
    """Tell whether a file has more rows than are imported while the page waits (a job)."""
    return estimate_rows(data) > current_app.config["IMPORT_JOB_ROWS"]


def start_title_import(actor: User, data: bytes, filename: str) -> Job:
    """Keep the file and queue its import; the job page shows how it goes."""
    importing.importing_publisher(actor, actor.organisation)  # refuse now, not in the job
    stored = save_file(actor, IMPORT_FILE, filename, data)
    return start_job(actor, IMPORT_TITLES, {"file_id": stored.id, "filename": stored.filename})


@job_kind(IMPORT_TITLES, _l("Title import"))
def run_title_import(job: Job, progress) -> dict:
    """Import the job's file for its owner's publisher: all rows or none, as on the page."""
    stored = db.session.get(StoredFile, job.params["file_id"])
    owner = job.owner
    try:
        result = importing.import_titles(
            owner, owner.organisation, file_bytes(stored), stored.filename, progress
        )
    except ImportRejected as rejected:
        db.session.rollback()
        report = save_report(owner, stored.filename, rejected.problems)
        db.session.commit()
        raise JobRejected(
            _l("Nothing was imported: the file has %(n)s problems.", n=len(rejected.problems)),
            [problem.as_dict() for problem in rejected.problems],
            {"report_id": report.id},
        ) from None
    return {
        "created": result.created,
        "updated": result.updated,
        "unchanged": result.unchanged,
        "rows": result.rows,
        "ignored_columns": result.ignored_columns,
        "summary": str(
            _l(
                "%(created)s titles added, %(updated)s updated, %(unchanged)s unchanged.",
                created=result.created,
                updated=result.updated,
                unchanged=result.unchanged,
            )
        ),
        "link_endpoint": "catalogue.index",
        "link_args": {"publisher": owner.organisation_id},
        "link_label": str(_l("See your titles")),
    }
