"""The layering holds: the domain is pure, and the public API is explicit and sorted."""

from __future__ import annotations

import ast
from pathlib import Path

import opportune

SRC = Path(opportune.__file__).parent
FORBIDDEN_IN_DOMAIN = ("sqlalchemy", "fastapi", "starlette", "typer", "alembic", "psycopg", "rich")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_the_domain_imports_no_database_web_or_cli_library() -> None:
    offenders = {
        f"{path.name}: {name}"
        for path in (SRC / "domain").rglob("*.py")
        for name in imported_modules(path)
        if name.split(".")[0] in FORBIDDEN_IN_DOMAIN
    }
    assert offenders == set()


def test_the_domain_does_not_reach_up_into_services_or_interfaces() -> None:
    upward = (
        "opportune.services",
        "opportune.db",
        "opportune.api",
        "opportune.web",
        "opportune.cli",
    )
    offenders = {
        f"{path.name}: {name}"
        for path in (SRC / "domain").rglob("*.py")
        for name in imported_modules(path)
        if name.startswith(upward)
    }
    assert offenders == set()


def test_only_the_db_package_imports_sqlalchemy_outside_services_wiring() -> None:
    allowed = {"db", "services"}  # services open connections through the unit of work
    offenders = {
        str(path.relative_to(SRC))
        for path in SRC.rglob("*.py")
        if path.relative_to(SRC).parts[0] not in allowed
        and any(n.split(".")[0] == "sqlalchemy" for n in imported_modules(path))
    }
    assert offenders == set()


def test_the_public_api_is_sorted_and_every_name_exists() -> None:
    assert opportune.__all__ == sorted(opportune.__all__)
    missing = [name for name in opportune.__all__ if not hasattr(opportune, name)]
    assert missing == []


def test_interfaces_reach_the_database_only_through_services() -> None:
    interfaces = ("api", "web", "cli")
    offenders = {
        f"{path.relative_to(SRC)}: {name}"
        for path in SRC.rglob("*.py")
        if path.relative_to(SRC).parts[0] in interfaces
        for name in imported_modules(path)
        if name.startswith("opportune.db") and name != "opportune.db.errors"
    }
    assert offenders == set()


# Async endpoints that stream an upload to disk and hand the rest to worker threads.
STREAMING_UPLOADS = {"/api/v1/imports", "/api/v1/imports/preview"}


def test_every_route_runs_its_work_in_the_thread_pool_because_services_block() -> None:
    import inspect

    from fastapi.routing import APIRoute

    from opportune import Settings
    from opportune.api import create_app

    app = create_app(Settings(env="test", database_url="sqlite://"))
    routes = [route for route in app.routes if isinstance(route, APIRoute)]
    assert len(routes) > 150  # the REST API's routes are the application's own, flat
    on_the_loop = [
        route.path
        for route in routes
        if inspect.iscoroutinefunction(route.endpoint)
        and not hasattr(route.endpoint, "thread_call")  # a one-call route: runs in a thread
        and route.path not in STREAMING_UPLOADS
    ]
    assert on_the_loop == []
    assert not any(
        inspect.iscoroutinefunction(route.endpoint.thread_call)
        for route in routes
        if hasattr(route.endpoint, "thread_call")
    )
