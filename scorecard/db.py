"""The database: one engine per app, one session per request, closed at teardown."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app, g, request
from sqlalchemy import event
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Model(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


def make_engine(url: str, *, busy_timeout_ms: int = 15000, **kwargs: Any) -> sa.Engine:
    """An engine tuned for its backend: SQLite gets WAL, a busy timeout, foreign keys
    and write transactions that take the lock up front."""
    if url.startswith("sqlite"):
        engine = sa.create_engine(url, connect_args={"timeout": busy_timeout_ms / 1000}, **kwargs)
        _tune_sqlite(engine, busy_timeout_ms)
        return engine
    return sa.create_engine(url, pool_pre_ping=True, **kwargs)


def _tune_sqlite(engine: sa.Engine, busy_timeout_ms: int) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's begin event emit BEGIN itself (pysqlite's own is too late).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection: sa.Connection) -> None:
        # A writer takes the write lock at BEGIN, so it never fails with
        # "database is locked" half-way through, after reading.
        if connection.get_execution_options().get("sqlite_immediate"):
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            connection.exec_driver_sql("BEGIN")


def is_sqlite(session_or_engine: Session | sa.Engine) -> bool:
    bind = (
        session_or_engine.get_bind()
        if isinstance(session_or_engine, Session)
        else session_or_engine
    )
    return bind.dialect.name == "sqlite"


@dataclass
class _State:
    engine: sa.Engine
    sessions: sessionmaker[Session]


class Database:
    """The Flask extension: `db.session` is the current request's session. Each app keeps its
    own engine in `app.extensions`, so several apps (tests) never share one."""

    def init_app(self, app: Flask) -> None:
        engine = make_engine(
            app.config["DATABASE_URL"], busy_timeout_ms=app.config["SQLITE_BUSY_TIMEOUT_MS"]
        )
        app.extensions["database"] = _State(engine, sessionmaker(engine, expire_on_commit=False))
        app.teardown_appcontext(self._close_session)

    @staticmethod
    def _state() -> _State:
        return current_app.extensions["database"]

    @property
    def engine(self) -> sa.Engine:
        return self._state().engine

    @property
    def session(self) -> Session:
        if "db_session" not in g:
            g.db_session = self.new_session(write=self._request_writes())
        return g.db_session

    def new_session(self, *, write: bool = False) -> Session:
        session = self._state().sessions()
        if write and is_sqlite(session):
            session.connection(execution_options={"sqlite_immediate": True})
        return session

    @contextmanager
    def writing(self) -> Iterator[Session]:
        """A session for a command-line write: committed on success, rolled back on error."""
        session = self.new_session(write=True)
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    @staticmethod
    def _request_writes() -> bool:
        try:
            return request.method not in ("GET", "HEAD", "OPTIONS")
        except RuntimeError:  # outside a request: commands open their own write sessions
            return False

    @staticmethod
    def _close_session(_exc: BaseException | None) -> None:
        session = g.pop("db_session", None)
        if session is not None:
            session.close()


def dispose_after_fork(app: Flask) -> None:
    """Drop connections inherited from the parent, e.g. in a gunicorn worker right after fork."""
    app.extensions["database"].engine.dispose(close=False)


db = Database()
