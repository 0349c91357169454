"""Storage: SQLAlchemy 2 models, sessions, repository functions and Alembic migrations."""
