"""The book-alliance command: users, demo data, and the demo server start-up."""

import os
import subprocess
import sys

from sqlalchemy import select

from alliance.auth.models import User
from alliance.demo import ACCOUNTS, DEMO_PASSWORD


def test_console_script_lists_the_commands(tmp_path):
    env = {**os.environ, "ALLIANCE_INSTANCE_PATH": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-c", "from alliance.cli import main; main()", "--help"],
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    for command in ("demo", "db", "seed-demo", "users", "api-keys"):
        assert command in result.stdout


def test_migration_commands_load_when_used(app):
    """`db` is listed at start; its commands (and Alembic) come when it runs."""
    result = app.test_cli_runner().invoke(args=["db", "--help"])
    assert result.exit_code == 0, result.output
    assert "Perform database migrations." in result.output
    for command in ("upgrade", "downgrade", "current", "grant-app-role"):
        assert f"  {command} " in result.output


def test_start_leaves_what_only_some_commands_need_unimported(tmp_path):
    """Alembic, the PostgreSQL dialect, cryptography and the login checkers load where used."""
    code = (
        "import sys; from alliance import create_app; create_app(); "
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'alembic', 'flask_migrate', "
        "'cryptography', 'phonenumbers', 'email_validator', 'charset_normalizer', 'segno'}), "
        "'sqlalchemy.dialects.postgresql' in sys.modules)"
    )
    env = {**os.environ, "ALLIANCE_INSTANCE_PATH": str(tmp_path)}
    env.pop("DATABASE_URL", None)
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, env=env
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["[]", "False"]


def test_users_create_with_roles_and_organisation(app, make_org, db):
    make_org(name="知识出版社", name_en="Knowledge Publishing House")
    result = app.test_cli_runner().invoke(
        args=[
            "users",
            "create",
            "--email",
            "Editor@Example.org",
            "--role",
            "publisher",
            "--role",
            "writer",
            "--password",
            "a long pass phrase",
            "--org",
            "Knowledge Publishing House",
        ]
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "editor@example.org"))
    assert user.roles == {"publisher", "writer"} and user.organisation.name == "知识出版社"


def test_users_create_reports_bad_input(app):
    runner = app.test_cli_runner()
    weak = runner.invoke(
        args=["users", "create", "--email", "x@example.org", "--password", "12345678"]
    )
    assert weak.exit_code == 1 and "too common" in weak.output
    role = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "x@example.org",
            "--role",
            "king",
            "--password",
            "a long pass phrase",
        ]
    )
    assert role.exit_code == 2 and "king" in role.output
    org = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "x@example.org",
            "--password",
            "a long pass phrase",
            "--org",
            "Nowhere",
        ]
    )
    assert org.exit_code == 1 and "No organisation" in org.output


def test_seed_demo_creates_every_role_once(app, db, client):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    roles = {role for user in db.session.scalars(select(User)) for role in user.roles}
    assert roles == {role.value for _email, _name, role, _org in ACCOUNTS}
    again = runner.invoke(args=["seed-demo"])
    assert again.exit_code == 1 and "already has users" in again.output
    response = client.post(
        "/auth/login", data={"login": "publisher@example.org", "password": DEMO_PASSWORD}
    )
    assert response.status_code == 302


def test_demo_upgrades_loads_prints_logins_and_serves(monkeypatch, tmp_path):
    from click.testing import CliRunner

    from alliance import cli

    served = {}

    def fake_run_simple(host, port, app, **options):
        served.update(host=host, port=port, env=app.config["ENV_NAME"], **options)

    monkeypatch.setenv("ALLIANCE_INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setattr(cli, "run_simple", fake_run_simple)
    main = cli.main
    result = CliRunner().invoke(main, ["demo", "--port", "5055"])
    assert result.exit_code == 0, result.output
    assert "admin@example.org" in result.output and DEMO_PASSWORD in result.output
    assert (tmp_path / "book-alliance.db").exists()
    assert served == {"host": "127.0.0.1", "port": 5055, "threaded": True, "env": "demo"}
    rerun = CliRunner().invoke(main, ["demo"])
    assert rerun.exit_code == 0 and "Demo data loaded" not in rerun.output


def test_production_without_secret_key_is_a_clear_error(tmp_path):
    env = {**os.environ, "ALLIANCE_INSTANCE_PATH": str(tmp_path), "ALLIANCE_ENV": "production"}
    env.pop("SECRET_KEY", None)
    result = subprocess.run(
        [sys.executable, "-c", "from alliance.cli import main; main()", "db", "upgrade"],
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
    assert result.returncode == 1
    assert result.stderr.startswith("Error: SECRET_KEY is not set.")
    assert "Traceback" not in result.stderr


def test_the_demo_links_point_at_the_address_it_serves():
    from alliance.cli import demo_public_address

    assert demo_public_address("127.0.0.1", 5123, {}) == {
        "PUBLIC_BASE_URL": "http://127.0.0.1:5123"
    }
    assert demo_public_address("0.0.0.0", 8000, {}) == {  # noqa: S104  (served on every address)
        "PUBLIC_BASE_URL": "http://127.0.0.1:8000"
    }
    assert demo_public_address("::1", 5000, {}) == {"PUBLIC_BASE_URL": "http://[::1]:5000"}
    assert demo_public_address("books.local", 80, {}) == {
        "PUBLIC_BASE_URL": "http://books.local:80"
    }
    configured = {"PUBLIC_BASE_URL": "https://books.example.org"}
    assert demo_public_address("127.0.0.1", 5123, configured) == {}


def test_orgs_create_adds_an_active_member(app, db):
    from alliance.members.models import Organisation

    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["orgs", "create", "--name", "希望出版社", "--kind", "publisher",
              "--name-en", "Hope Press", "--uscc", "91110000600037341L"]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    press = db.session.scalar(select(Organisation).where(Organisation.name == "希望出版社"))
    assert (press.kind, press.status, press.name_en) == ("publisher", "active", "Hope Press")
    again = runner.invoke(args=["orgs", "create", "--name", "希望出版社", "--kind", "charity"])
    assert again.exit_code == 1 and "already exists" in again.output
    wrong = runner.invoke(args=["orgs", "create", "--name", "X", "--kind", "bank"])
    assert wrong.exit_code == 2 and "'bank' is not one of" in wrong.output
    bad_code = runner.invoke(
        args=["orgs", "create", "--name", "Y", "--kind", "charity", "--uscc", "123"]
    )
    assert bad_code.exit_code == 1 and "Traceback" not in bad_code.output
