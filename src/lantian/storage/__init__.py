"""Storage (存储): SQLAlchemy 2 tables, Alembic migrations and repositories (SQLite or PostgreSQL).

The only package that imports SQLAlchemy or Alembic; ORM/row objects never leave it — repositories
take and return the domain's dataclasses.
"""
