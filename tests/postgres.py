"""PostgreSQL fixtures: a real, throwaway server per test session (``tests.servers.PostgresServer``).

The ``postgres_server`` fixture starts one per test session; ``postgres_url`` gives each test a
fresh, empty database on it. Without PostgreSQL binaries (``apt-get install -y postgresql``) the
fixture skips the tests with a loud reason, except in CI (env ``CI`` set), where it fails.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.servers import PostgresServer, postgres_bin_dir

INSTALL_HINT = "install it with `apt-get install -y postgresql` (scripts/test.sh does this)"


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A PostgreSQL server for the whole test session (skips loudly without binaries; fails in CI)."""
    bin_dir = postgres_bin_dir()
    if bin_dir is None:
        reason = f"NO POSTGRESQL SERVER BINARIES FOUND (/usr/lib/postgresql/*/bin): PostgreSQL tests not run; {INSTALL_HINT}"
        if os.environ.get("CI"):
            pytest.fail(reason + ". CI must run them.", pytrace=False)
        pytest.skip(reason)
    # Tests need no crash safety: skipping fsync keeps database creation fast.
    with PostgresServer(bin_dir, settings={"fsync": "off", "full_page_writes": "off"}) as server:
        server.create_database("annotations")
        yield server


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> Iterator[str]:
    """URL of a fresh, empty database on the session's server, dropped after the test."""
    url = postgres_server.create_database()
    yield url
    postgres_server.drop_database(url.rsplit("/", 1)[1])
