"""Alembic environment of the annotations database.

The app calls this through ``lib.stores.annotations.AnnotationStore``, which hands over an open
connection already inside a locked transaction (``config.attributes["connection"]``), so two
processes starting at once migrate one after the other. Run from the command line (see
``alembic.ini``), it connects to ``-x url=…``, else the configured annotations database.
"""

from __future__ import annotations

import logging.config

import sqlalchemy as sa
from alembic import context

config = context.config


def _url() -> str:
    url = context.get_x_argument(as_dictionary=True).get("url")
    if url:
        return url
    from lib.config import load_settings

    return load_settings().annotations_db_url


def run_migrations(connection: sa.Connection) -> None:
    context.configure(connection=connection, target_metadata=None, render_as_batch=connection.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    run_migrations(connection)
else:
    if config.config_file_name is not None:
        logging.config.fileConfig(config.config_file_name, disable_existing_loggers=False)
    if context.is_offline_mode():
        context.configure(url=_url(), literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
    else:
        engine = sa.create_engine(_url())
        with engine.connect() as conn:
            run_migrations(conn)
            conn.commit()
        engine.dispose()
