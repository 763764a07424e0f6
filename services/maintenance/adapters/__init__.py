"""Maintenance's database: job runs, reports and dead letters."""
