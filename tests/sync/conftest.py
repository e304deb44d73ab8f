from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.sync.pg import PgServer, pg_bin
from tests.sync.service import Service


@pytest.fixture(scope="session")
def pg() -> Iterator[PgServer]:
    if pg_bin() is None:
        pytest.fail("PostgreSQL is needed for the sync tests: apt-get install postgresql")
    server = PgServer()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture(scope="session")
def service(pg: PgServer) -> Iterator[Service]:
    svc = Service(pg.url).start()
    try:
        yield svc
    finally:
        svc.stop()
