"""Pure conversation logic: no FastAPI, Dapr, SQLAlchemy or HTTP."""
