"""Where the PostgreSQL server warehouse is: connection settings from environment variables.

The same variables feed dbt (dbt_project/profiles.yml, target `postgres`), the raw copy and the
publish step, so every part of a refresh talks to one database. Each SALESOPS_PG_* variable
falls back to libpq's standard one (PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE).
The password is never part of a repr or a log line.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import psycopg

# field -> (project variable, libpq variable, default)
ENV_VARS: dict[str, tuple[str, str, str]] = {
    "host": ("SALESOPS_PG_HOST", "PGHOST", "127.0.0.1"),
    "port": ("SALESOPS_PG_PORT", "PGPORT", "5432"),
    "user": ("SALESOPS_PG_USER", "PGUSER", "salesops"),
    "password": ("SALESOPS_PG_PASSWORD", "PGPASSWORD", ""),
    "dbname": ("SALESOPS_PG_DBNAME", "PGDATABASE", "salesops"),
}


@dataclass(frozen=True)
class PgSettings:
    host: str
    port: int
    user: str
    dbname: str
    password: str = field(default="", repr=False)

    @classmethod
    def from_env(cls) -> PgSettings:
        values = {
            name: os.environ.get(project) or os.environ.get(libpq) or default
            for name, (project, libpq, default) in ENV_VARS.items()
        }
        try:
            port = int(values.pop("port"))
        except ValueError as exc:
            raise ValueError(f"SALESOPS_PG_PORT (or PGPORT) must be a port number: {exc}") from None
        return cls(port=port, **values)

    def describe(self) -> str:
        """Where, without the password: postgresql://user@host:port/dbname."""
        return f"postgresql://{self.user}@{self.host}:{self.port}/{self.dbname}"

    def connect(self, **kwargs: object) -> psycopg.Connection:
        return psycopg.connect(
            host=self.host,
            port=self.port,
            user=self.user,
            password=self.password or None,
            dbname=self.dbname,
            application_name="salesops",
            **kwargs,
        )
