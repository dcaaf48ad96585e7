"""Flask extensions, created unbound here and bound to the app in ``create_app``.

The rate limiter is not here: Flask-Limiter keeps its settings on the
extension object, so ``limits.init_app`` makes one per app.
"""

from __future__ import annotations

from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    # Named constraints, so Alembic can alter them on SQLite (batch mode) and PostgreSQL.
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


# Sessions live for one request; keeping loaded values after commit saves a
# reload of every object a view serializes after writing.
db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})
migrate = Migrate()
# CSRF tokens on every form of the admin panel (the API takes no cookies, so
# it is exempt: create_app says so).
csrf = CSRFProtect()
