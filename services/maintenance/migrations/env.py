"""Alembic environment: run against the connection `shared.db.migrate` hands over."""

from alembic import context

from services.maintenance.adapters.models import MaintenanceBase

connection = context.config.attributes["connection"]
context.configure(
    connection=connection, target_metadata=MaintenanceBase.metadata, render_as_batch=True
)
with context.begin_transaction():
    context.run_migrations()
