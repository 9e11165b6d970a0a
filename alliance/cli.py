"""The book-alliance command: flask commands, demo, seed-demo, users, api-keys, import-titles."""

import ipaddress
import os
import signal
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import click
from flask import Flask
from flask.cli import FlaskGroup, with_appcontext
from werkzeug.serving import run_simple

from alliance.auth.roles import Role
from alliance.errors import DomainError
from alliance.extensions import db
from alliance.members.models import OrganisationKind

ORGANISATION_KINDS = [kind.value for kind in OrganisationKind]


def _create_app():
    from alliance.app import create_app
    from alliance.config import ConfigError

    try:
        return create_app()
    except ConfigError as error:
        raise click.ClickException(str(error)) from None


@click.group(cls=FlaskGroup, create_app=_create_app, load_dotenv=False, set_debug_flag=False)
def main():
    """Manage and run the Book Alliance platform."""


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=5000, show_default=True, type=int, help="Port to listen on.")
def demo(host: str, port: int):
    """Create or upgrade the database, load demo data when empty, print the logins, serve."""
    from flask_migrate import upgrade

    from alliance.app import create_app
    from alliance.demo import DEMO_PASSWORD, database_is_empty, load_demo_data

    app = create_app("demo", **demo_public_address(host, port, os.environ))
    with app.app_context():
        upgrade()
        if database_is_empty():
            load_demo_data()
            db.session.commit()
            click.echo("Demo data loaded.")
        from alliance.demo import ACCOUNTS, APPLICANT

        click.echo(f"\nDemo logins (password: {DEMO_PASSWORD}):")
        for email, _name, role, _org in ACCOUNTS:
            click.echo(f"  {email:<24} {role.value}")
        click.echo(f"  {APPLICANT[0]:<24} (no role yet: a pending membership application)")
    click.echo(f"\nBook Alliance is running on http://{host}:{port}/  (Ctrl+C to stop)\n")
    worker_process = _start_demo_worker(app)
    # Stopped with SIGTERM, the demo still stops its worker (the finally below runs).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        # Flask's app.run() refuses to serve inside a CLI command: serve with Werkzeug directly.
        run_simple(host, port, app, threaded=True)
    finally:
        worker_process.terminate()
        worker_process.wait(timeout=30)


def _start_demo_worker(app: Flask) -> subprocess.Popen:
    """Run the job worker beside the demo, in its own process, on the demo's settings."""
    environ = {
        **os.environ,
        "ALLIANCE_ENV": "demo",
        "PUBLIC_BASE_URL": app.config["PUBLIC_BASE_URL"],
    }
    command = [sys.executable, "-c", "from alliance.cli import main; main()", "worker"]
    return subprocess.Popen(command, env=environ, preexec_fn=_die_with_parent)  # noqa: S603


def _die_with_parent() -> None:
    """Have Linux stop the worker if the demo itself is killed outright (no orphan left)."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass  # not Linux: the demo's own stop still ends the worker


def demo_public_address(host: str, port: int, environ) -> dict:
    """Build links (mail, QR codes) to the address the demo serves, unless one is configured."""
    if environ.get("PUBLIC_BASE_URL"):
        return {}
    try:
        every_address = ipaddress.ip_address(host).is_unspecified  # 0.0.0.0 or ::
    except ValueError:  # a host name
        every_address = not host
    shown = "127.0.0.1" if every_address else host
    if ":" in shown:
        shown = f"[{shown}]"
    return {"PUBLIC_BASE_URL": f"http://{shown}:{port}"}


def _fail(error: DomainError):
    raise click.ClickException(str(error.message))


@click.command("seed-demo")
@with_appcontext
def seed_demo():
    """Load the demo members and accounts into an empty database."""
    from alliance.demo import database_is_empty, load_demo_data

    if not database_is_empty():
        raise click.ClickException("The database already has users; demo data is not loaded.")
    for login, role in load_demo_data():
        click.echo(f"{login} {role}")
    db.session.commit()


@click.group()
def users():
    """Manage user accounts."""


@users.command("create")
@click.option("--email", "login", required=True, help="Email address or mainland mobile number.")
@click.option("--role", "roles", multiple=True, type=click.Choice([r.value for r in Role]))
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--name", "display_name", default=None, help="Name shown to others.")
@click.option("--org", "organisation_name", default=None, help="Organisation (its name).")
@with_appcontext
def create_user_command(login, roles, password, display_name, organisation_name):
    """Create a user with roles (repeat --role for several)."""
    from sqlalchemy import or_, select

    from alliance.auth.services import create_user
    from alliance.members.models import Organisation

    organisation = None
    if organisation_name:
        organisation = db.session.scalar(
            select(Organisation).where(
                or_(
                    Organisation.name == organisation_name,
                    Organisation.name_en == organisation_name,
                )
            )
        )
        if organisation is None:
            raise click.ClickException(f"No organisation is named {organisation_name!r}.")
    try:
        user = create_user(
            login,
            display_name or login.split("@")[0],
            password,
            roles=roles,
            organisation=organisation,
        )
    except DomainError as error:
        db.session.rollback()
        _fail(error)
    db.session.commit()
    click.echo(f"Created {user.login} with roles: {', '.join(sorted(user.roles)) or 'none'}")


@click.group("api-keys")
def api_keys():
    """Manage API keys."""


@api_keys.command("create")
@click.option("--email", "login", required=True, help="The user's email address or mobile.")
@click.option("--name", default="command line", show_default=True, help="What the key is for.")
@with_appcontext
def create_api_key_command(login, name):
    """Create an API key for a user and print it once."""
    from alliance.api.services import create_api_key
    from alliance.auth.identifiers import parse_login
    from alliance.auth.services import find_user

    try:
        user = find_user(parse_login(login))
        if user is None:
            raise click.ClickException(f"No user has the login {login!r}.")
        _record, key = create_api_key(user, name)
    except DomainError as error:
        db.session.rollback()
        _fail(error)
    db.session.commit()
    click.echo(key)


@click.command("import-titles")
@click.argument(
    "path", metavar="FILE", type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option(
    "--org", "organisation_name", required=True, help="The publisher (its name or English name)."
)
@with_appcontext
def import_titles_command(path: Path, organisation_name: str):
    """Import titles from a CSV or XLSX file for a publisher: all rows or none."""
    from sqlalchemy import or_, select

    from alliance.catalogue.importing import import_titles
    from alliance.members.models import Organisation
    from alliance.tabular import ImportRejected

    organisation = db.session.scalar(
        select(Organisation).where(
            or_(Organisation.name == organisation_name, Organisation.name_en == organisation_name)
        )
    )
    if organisation is None:
        raise click.ClickException(f"No organisation is named {organisation_name!r}.")
    try:
        result = import_titles(None, organisation, path.read_bytes(), path.name)
    except ImportRejected as rejected:
        db.session.rollback()
        for problem in rejected.problems:
            where = ", ".join(
                part
                for part in (
                    f"row {problem.row}" if problem.row is not None else "",
                    f"column {problem.column}" if problem.column else "",
                )
                if part
            )
            click.echo(f"{where or 'file'}: {problem.message}", err=True)
        click.echo(str(rejected.message), err=True)
        raise SystemExit(1) from None
    except DomainError as error:
        db.session.rollback()
        _fail(error)
    db.session.commit()
    click.echo(
        f"{result.created} titles added, {result.updated} updated, "
        f"{result.unchanged} unchanged ({result.rows} rows)."
    )
    if result.ignored_columns:
        click.echo(f"Columns not imported: {', '.join(result.ignored_columns)}")


@click.group()
def orgs():
    """Manage member organisations."""


@orgs.command("create")
@click.option("--name", required=True, help="The organisation's name (Chinese or English).")
@click.option("--kind", required=True, type=click.Choice(ORGANISATION_KINDS))
@click.option("--name-en", default="", help="Its English name.")
@click.option("--uscc", default="", help="Its unified social credit code (统一社会信用代码).")
@with_appcontext
def create_organisation_command(name, kind, name_en, uscc):
    """Add an active member organisation."""
    from alliance.members.services import create_organisation

    try:
        organisation = create_organisation(
            None, kind, {"name": name, "name_en": name_en, "uscc": uscc}
        )
    except DomainError as error:
        db.session.rollback()
        _fail(error)
    db.session.commit()
    click.echo(f"Created {organisation.name} ({kind}), id {organisation.id}")


@click.command()
@click.option("--workers", default=2, show_default=True, help="Tasks run at the same time.")
@with_appcontext
def worker(workers: int):
    """Run background jobs and the scheduled tasks until stopped (SIGTERM finishes the tasks)."""
    from flask import current_app

    from alliance.jobs.queue import queue_of

    queue = queue_of(current_app._get_current_object())  # tasks keep the app itself
    if queue.immediate:
        raise click.ClickException("JOBS_IMMEDIATE is on: tasks run where they are queued.")
    where = urlsplit(current_app.config["JOBS_URL"])  # never its password, if it has one
    click.echo(f"Worker: {workers} threads on {where.scheme}://{where.hostname or ''}{where.path}")
    consumer = queue.create_consumer(workers=workers, worker_type="thread", periodic=True)
    consumer.run()


# The privileges of the app's own PostgreSQL role: rows, never the schema (see README).
APP_ROLE_GRANTS = (
    "GRANT CONNECT ON DATABASE {database} TO {role}",
    "GRANT USAGE ON SCHEMA public TO {role}",
    "REVOKE CREATE ON SCHEMA public FROM {role}",
    "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}",
    "GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}",
    # Tables and sequences the owner creates later (migrations) get the same.
    "ALTER DEFAULT PRIVILEGES IN SCHEMA public "
    "GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {role}",
    "ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {role}",
    "REVOKE INSERT, UPDATE, DELETE ON alembic_version FROM {role}",
)
# Tables whose rows are never changed: their triggers are named <table>_append_only.
APPEND_ONLY_TABLES = """SELECT DISTINCT c.relname FROM pg_trigger t
    JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' AND NOT t.tgisinternal AND t.tgname = c.relname || '_append_only'
    ORDER BY 1"""


@click.command("grant-app-role")
@click.argument("role")
@with_appcontext
def grant_app_role_command(role: str):
    """Grant an existing PostgreSQL role what the app needs (rows, not the schema), as owner."""
    from sqlalchemy import text

    engine = db.engine
    if engine.dialect.name != "postgresql":
        raise click.ClickException("This command is for PostgreSQL: DATABASE_URL names another.")
    quote = engine.dialect.identifier_preparer.quote
    with engine.begin() as connection:
        found = connection.execute(
            text(
                "SELECT rolsuper, rolcanlogin, pg_has_role(:role, current_user, 'MEMBER') "
                "FROM pg_roles WHERE rolname = :role"
            ),
            {"role": role},
        ).first()
        if found is None:
            raise click.ClickException(
                f"There is no role {role!r}. Create it first, e.g. "
                f"CREATE ROLE {quote(role)} LOGIN PASSWORD '…'."
            )
        superuser, can_login, owners_member = found
        if superuser or owners_member:
            raise click.ClickException(
                f"{role!r} is a superuser or acts as the owner of the tables: it could disable "
                "their triggers. Choose a role of its own for the app."
            )
        owned = connection.scalar(
            text(
                "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = 'public' AND c.relowner = "
                "(SELECT oid FROM pg_roles WHERE rolname = :role)"
            ),
            {"role": role},
        )
        if owned:
            raise click.ClickException(
                f"{role!r} owns {owned} tables or sequences here: the app's role must own none."
            )
        names = {"database": quote(connection.scalar(text("SELECT current_database()"))),
                 "role": quote(role)}  # fmt: skip
        for statement in APP_ROLE_GRANTS:
            connection.exec_driver_sql(statement.format(**names))
        append_only = connection.execute(text(APPEND_ONLY_TABLES)).scalars().all()
        for table in append_only:
            revoke = f"REVOKE UPDATE, DELETE ON {quote(table)} FROM {names['role']}"
            connection.exec_driver_sql(revoke)
        public_creates = connection.scalar(
            text("SELECT has_schema_privilege('public', 'public', 'CREATE')")
        )
    click.echo(
        f"{role} may now read and write the rows of every table (only add to "
        f"{', '.join(append_only) or 'none'}), and owns nothing: run the app with it, and the "
        "migrations with the owner's DATABASE_URL."
    )
    if not can_login:
        click.echo(f"Note: {role} cannot log in yet (ALTER ROLE {quote(role)} LOGIN).")
    if public_creates:
        click.echo(
            "Note: every role may create tables in the schema public here "
            "(REVOKE CREATE ON SCHEMA public FROM PUBLIC closes that)."
        )


class LazyGroup(click.Group):
    """A command group imported when it is run (or its own help shown), not at every start."""

    def __init__(self, name: str, load, help: str):
        super().__init__(name, help=help)
        self._load = load

    def _group(self) -> click.Group:
        return self._load()

    def make_context(self, info_name, args, parent=None, **extra):
        # The real group parses its options and runs: the context names it, not this stand-in.
        return self._group().make_context(info_name, args, parent=parent, **extra)

    def list_commands(self, ctx):
        return self._group().list_commands(ctx)

    def get_command(self, ctx, name):
        return self._group().get_command(ctx, name)


def migration_commands() -> click.Group:
    """Return Flask-Migrate's `db` commands, with grant-app-role beside upgrade."""
    from flask_migrate.cli import db as migrate_commands

    migrate_commands.add_command(grant_app_role_command)
    return migrate_commands


def register_commands(app: Flask) -> None:
    """Attach the project's commands to the app's CLI."""
    for command in (seed_demo, users, api_keys, orgs, import_titles_command, worker):
        app.cli.add_command(command)
    # Flask-Migrate's own help line; its commands (and Alembic) load when `db ...` runs.
    app.cli.add_command(LazyGroup("db", migration_commands, help="Perform database migrations."))
