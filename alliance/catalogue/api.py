"""Catalogue API: search, read, add, change and import titles under /api/v1/titles."""

from flask import jsonify, url_for
from flask_smorest.fields import Upload
from marshmallow import Schema, fields

from alliance.api.arguments import Blueprint
from alliance.api.auth import api_role_required, api_user
from alliance.api.schemas import ProblemSchema, page_of
from alliance.auth.roles import Role
from alliance.catalogue import importing, jobs, services
from alliance.catalogue.rules import read_title
from alliance.catalogue.schemas import (
    TitleInSchema,
    TitlePageSchema,
    TitlePatchSchema,
    TitleQuerySchema,
    TitleSchema,
)
from alliance.errors import problem_response
from alliance.extensions import db
from alliance.i18n import _l
from alliance.spreadsheets import TOO_BIG_XLSX, WRONG_TYPE, SpreadsheetError
from alliance.tabular import ImportRejected

blp = Blueprint("catalogue_api", __name__, url_prefix="/api/v1/titles", description="Titles")
UNSUPPORTED_TYPE = _l("The file type is not supported")


@blp.route("")
@api_role_required()
@blp.arguments(TitleQuerySchema, location="query")
@blp.response(200, TitlePageSchema)
@blp.problems(401)
def list_titles(query):
    """Search titles by ISBN, or by the start of a title or contributor name; one page."""
    select = services.search(query.get("q"), query.get("publisher_id"), query.get("status"))
    return page_of(select, query["page"], query["page_size"])


@blp.route("/<isbn>")
@api_role_required()
@blp.response(200, TitleSchema)
@blp.problems(401, 404)
def get_title(isbn):
    """Return one title by its ISBN (any spelling)."""
    return services.find_title(isbn)


@blp.route("", methods=["POST"])
@api_role_required(Role.PUBLISHER)
@blp.arguments(TitleInSchema)
@blp.response(201, TitleSchema)
@blp.problems(401, 409, 422)
def create_title(values):
    """Add a title to the key user's publisher."""
    title = services.create_title(api_user(), read_title(values))
    db.session.commit()
    return title


@blp.route("/<isbn>", methods=["PATCH"])
@api_role_required(Role.PUBLISHER)
@blp.arguments(TitlePatchSchema)
@blp.response(200, TitleSchema)
@blp.problems(401, 404, 422)
def update_title(changes, isbn):
    """Change some values of one of the key user's publisher's titles."""
    title = services.own_title(api_user(), isbn)
    values = {**services.api_values(title), **changes, "isbn": title.isbn}
    services.update_title(api_user(), title, read_title(values))
    db.session.commit()
    return title


class ImportFileSchema(Schema):
    """A spreadsheet of titles sent as multipart/form-data."""

    file = Upload(
        required=True,
        metadata={"description": "A CSV (UTF-8 or GB18030) or Excel .xlsx file of titles"},
    )


class ProblemItemSchema(Schema):
    """One problem of a rejected import; row and column are null for the whole file."""

    row = fields.Integer(allow_none=True, metadata={"description": "As the spreadsheet shows it"})
    column = fields.String(allow_none=True, metadata={"description": "The header as written"})
    problem = fields.String()


class ImportRejectedSchema(ProblemSchema):
    """A rejected import: nothing was written; every problem is listed."""

    problems = fields.List(fields.Nested(ProblemItemSchema))


class JobStartedSchema(Schema):
    """A large import, queued: follow it at GET /api/v1/jobs/{job_id} (the Location header)."""

    job_id = fields.Integer()


class ImportResultSchema(Schema):
    """What an import did."""

    created = fields.Integer(metadata={"description": "Titles added"})
    updated = fields.Integer(metadata={"description": "Titles changed"})
    unchanged = fields.Integer(metadata={"description": "Rows identical to their title"})
    rows = fields.Integer(metadata={"description": "Data rows in the file"})
    ignored_columns = fields.List(
        fields.String(), metadata={"description": "Headers that name no known column"}
    )


@blp.route("/import", methods=["POST"])
@api_role_required(Role.PUBLISHER)
@blp.arguments(ImportFileSchema, location="files")
@blp.response(200, ImportResultSchema)
@blp.alt_response(202, schema=JobStartedSchema, description="More rows than IMPORT_JOB_ROWS: a job")
@blp.alt_response(422, schema=ImportRejectedSchema, content_type="application/problem+json")
@blp.problems(400, 401, 413, 415)
def import_titles(files):
    """Add or update titles from a spreadsheet: every row is checked, then all or none.

    A file of more than IMPORT_JOB_ROWS rows is imported by a background job: the answer is
    202 with its `job_id`, and GET /api/v1/jobs/{job_id} tells how it goes.
    """
    upload = files["file"]
    user = api_user()
    data = upload.read()
    if jobs.too_large_to_wait(data):
        job = jobs.start_title_import(user, data, upload.filename or "upload")
        db.session.commit()
        response = jsonify(job_id=job.id)
        response.status_code = 202
        response.headers["Location"] = url_for("jobs_api.get_job", job_id=job.id)
        return response
    upload.seek(0)
    try:
        result = importing.import_titles(
            user, user.organisation, upload.read(), upload.filename or "upload"
        )
    except ImportRejected:
        db.session.rollback()
        raise
    except SpreadsheetError as error:
        db.session.rollback()
        status = _status_of(error)
        extra = {"title": str(UNSUPPORTED_TYPE)} if status == 415 else {}
        return problem_response(status, str(error.message), error.problem, **extra)
    db.session.commit()
    return result


def _status_of(error: SpreadsheetError) -> int:
    """Tell why a file cannot be read: its type (415), its size (413) or its content (400)."""
    if error.message is WRONG_TYPE:
        return 415
    if error.message is TOO_BIG_XLSX:
        return 413
    return 400
