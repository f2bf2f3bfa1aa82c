"""Pure business rules of Opportune. Nothing here imports SQLAlchemy, FastAPI, Typer or does I/O."""
