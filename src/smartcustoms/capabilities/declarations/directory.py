"""The default `Directory`: code tables from the reference capability, enterprises (with the credit grade in
force today, customs-local) from the enterprise capability — each through its public queries."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from sqlalchemy import Connection

from smartcustoms.capabilities.declarations.domain import CodeSets, EnterpriseFacts
from smartcustoms.capabilities.enterprise.queries import customs_today, find_many, get_enterprise
from smartcustoms.capabilities.reference.queries import reference_sets
from smartcustoms.kernel.timeutil import Clock


class QueriesDirectory:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock

    def reference_sets(self, conn: Connection) -> CodeSets:
        return reference_sets(conn)

    def enterprises_by_code(self, conn: Connection, codes: Iterable[str]) -> Mapping[str, EnterpriseFacts]:
        return find_many(conn, list(codes), on=customs_today(self.clock))

    def enterprise(self, conn: Connection, enterprise_id: str) -> EnterpriseFacts | None:
        return get_enterprise(conn, enterprise_id, on=customs_today(self.clock))
