"""Pure payment rules: no FastAPI, Dapr, SQLAlchemy or HTTP."""
