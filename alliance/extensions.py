"""Create the Flask extensions unbound; the app factory binds them."""

import threading

from flask_babel import Babel
from flask_bootstrap import Bootstrap5
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

from alliance.db import Base


class MigrationSettings:
    """What Flask-Migrate reads from app.extensions["migrate"]; its Migrate made on first use."""

    def __init__(self, db: SQLAlchemy, directory: str, options: dict):
        self.db = db
        self.directory = directory
        self.configure_args = options
        self._migrate = None
        self._lock = threading.Lock()

    @property
    def migrate(self):
        """Flask-Migrate's Migrate for this app (importing it imports Alembic: ~0.1 s)."""
        with self._lock:
            if self._migrate is None:
                from flask_migrate import Migrate

                self._migrate = Migrate(db=self.db, directory=self.directory, **self.configure_args)
            return self._migrate

    @property
    def metadata(self):
        return self.db.metadata


class LazyMigrate:
    """Flask-Migrate bound without importing it: only migrations (`db` commands, upgrade()) need
    Alembic. The `db` command group is added with the other commands (alliance.cli)."""

    def __init__(self, **options):
        self.options = options

    def init_app(self, app, db: SQLAlchemy, directory: str) -> None:
        app.extensions["migrate"] = MigrationSettings(db, directory, self.options)


db = SQLAlchemy(model_class=Base)
migrate = LazyMigrate(render_as_batch=True, compare_type=True)
babel = Babel()
csrf = CSRFProtect()
login_manager = LoginManager()
limiter = Limiter(get_remote_address)
bootstrap = Bootstrap5()
