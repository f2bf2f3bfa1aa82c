"""REST endpoints that reach the worker threads once per request.

FastAPI runs every plain ``def`` endpoint in a worker thread, and so also every plain ``def``
dependency, each in a thread call of its own, and it validates a plain endpoint's return
value in yet another one. A thread call costs a few hundred microseconds of waking threads on
a small machine, several times what a lead view's own queries cost. :class:`OneHopRoute`
makes a plain endpoint one thread call that also authenticates the caller:

* the endpoint becomes a coroutine that runs the original in a worker thread, so FastAPI
  checks the returned model on the event loop, where checking a model it already is costs
  microseconds;
* a ``CurrentUser`` or ``AdminUser`` parameter is resolved in that same thread call, just
  before the endpoint runs, through the very dependency it names (``deps.current_user``,
  ``deps.admin_user``). A request with no credentials at all is refused before anything
  else. When FastAPI refuses a request's parameters or body, the error handler first
  checks its caller (:func:`check_caller_first`), so a wrong token still gets 401 and a
  non-administrator 403, as when the caller was a dependency of its own;
* a read (``GET``) runs in at most ``web_read_threads`` worker threads at once: reads are
  Python work under the interpreter's lock, and dozens of threads taking turns at it answer
  fewer requests, later, than two. Writes, which may wait on locks, use the thread pool's
  own limit.

The endpoints themselves stay ordinary functions that take a ``User``.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Annotated, Any, get_args, get_origin, get_type_hints

import anyio.to_thread
from anyio import CapacityLimiter
from anyio.lowlevel import RunVar
from fastapi import Depends, Request
from fastapi.params import Depends as DependsParam
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool

from opportune.api.deps import (
    SESSION_USER,
    OpportuneDep,
    admin_user,
    current_user,
    installation,
)
from opportune.domain.users import User
from opportune.errors import AuthenticationError
from opportune.services import Opportune


class PendingCaller:
    """The caller's credentials, read but not yet checked against the database."""

    def __init__(self, request: Request, core: Opportune) -> None:
        self.request, self.core = request, core
        self._user: User | None = None

    def user(self) -> User:
        """The authenticated caller (``deps.current_user``, checked once however often it
        is asked for); call it in a worker thread."""
        if self._user is None:
            self._user = current_user(self.request, self.core)
        return self._user

    def admin(self) -> User:
        """The caller, who must be an administrator (``deps.admin_user``)."""
        return admin_user(self.user())


async def pending_caller(request: Request, core: OpportuneDep) -> PendingCaller:
    """Refuse at once a request with neither a bearer token nor a session; the rest is
    checked in the endpoint's thread call."""
    if not request.headers.get("Authorization") and SESSION_USER not in request.session:
        raise AuthenticationError("Sign in or send an API token")
    return PendingCaller(request, core)


PendingCallerDep = Annotated[PendingCaller, Depends(pending_caller)]
# The dependency a parameter names -> how its pending caller resolves it in the thread.
RESOLVERS: dict[Callable[..., Any], Callable[[PendingCaller], User]] = {
    current_user: PendingCaller.user,
    admin_user: PendingCaller.admin,
}


# The hidden parameter through which a wrapped endpoint receives the request.
REQUEST_PARAMETER = "one_hop_request"
READ_METHODS = frozenset({"GET", "HEAD"})
# One limiter of read threads per event loop, as anyio keeps its own default limiter.
_read_threads: RunVar[CapacityLimiter] = RunVar("opportune_read_threads")


class OneHopRoute(APIRoute):
    """An API route whose plain (``def``) endpoint runs in a single worker-thread call,
    the caller's authentication included."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        wrapped = _plain_function(endpoint)
        if wrapped:
            reads = set(kwargs.get("methods") or ()) <= READ_METHODS
            endpoint = in_one_thread(endpoint, reads=reads)
        super().__init__(path, endpoint, **kwargs)
        if wrapped and _depends_on(self.dependant, set(RESOLVERS)):
            # A dependency of its own needs the caller: it would be authenticated twice.
            raise TypeError(f"{path}: take CurrentUser or AdminUser as an endpoint parameter")


def in_one_thread(endpoint: Callable[..., Any], *, reads: bool = False) -> Callable[..., Any]:
    """A coroutine with ``endpoint``'s parameters (callers replaced by pending callers)
    that resolves the callers and runs ``endpoint`` in one worker-thread call (``reads``:
    within the limit of read threads)."""
    hints = get_type_hints(endpoint, include_extras=True)
    signature = inspect.signature(endpoint)
    parameters, deferred, own = _thread_parameters(signature, hints)

    def call(values: dict[str, Any]) -> Any:
        for name, resolve in deferred.items():
            values[name] = resolve(values[name])
        return endpoint(**values)

    async def run(**values: Any) -> Any:
        request: Request = values[own] if own else values.pop(REQUEST_PARAMETER)
        limiter = read_limiter(installation(request).settings.web_read_threads) if reads else None
        return await anyio.to_thread.run_sync(call, values, limiter=limiter)

    for attribute in ("__module__", "__name__", "__qualname__", "__doc__"):
        setattr(run, attribute, getattr(endpoint, attribute))
    strongest = PendingCaller.admin if PendingCaller.admin in deferred.values() else None
    resolves_caller = strongest or (PendingCaller.user if deferred else None)
    run.resolves_caller = resolves_caller  # type: ignore[attr-defined]
    run.thread_call = endpoint  # type: ignore[attr-defined]  # what runs in the thread
    returns = hints.get("return", signature.return_annotation)
    run.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=parameters, return_annotation=None if returns is type(None) else returns
    )
    return run


def _thread_parameters(
    signature: inspect.Signature, hints: dict[str, Any]
) -> tuple[list[inspect.Parameter], dict[str, Callable[[PendingCaller], User]], str | None]:
    """The wrapper's parameters (resolved annotations, callers pending, and the request),
    how each pending caller is resolved, and the endpoint's own request parameter."""
    parameters, deferred = [], {}
    for param in signature.parameters.values():
        annotation = hints.get(param.name, param.annotation)
        resolver = _resolver(annotation)
        if resolver is not None:
            deferred[param.name] = resolver
            annotation = PendingCallerDep
        parameters.append(param.replace(annotation=annotation))
    # FastAPI hands the request to one parameter only: the endpoint's own, if it has one.
    own = next((p.name for p in parameters if p.annotation is Request), None)
    if own is None:
        parameters.append(inspect.Parameter(REQUEST_PARAMETER, inspect.Parameter.KEYWORD_ONLY,
                                            annotation=Request))  # fmt: skip
    return parameters, deferred, own


def read_limiter(threads: int) -> CapacityLimiter:
    """This event loop's limit of read threads (made with ``threads`` on first use)."""
    try:
        return _read_threads.get()
    except LookupError:
        limiter = CapacityLimiter(threads)
        _read_threads.set(limiter)
        return limiter


async def check_caller_first(request: Request) -> None:
    """Check the caller of a request FastAPI found malformed, when its endpoint checks the
    caller itself: an unknown token raises ``AuthenticationError`` and a non-administrator
    on an administrators' endpoint ``PermissionDeniedError``, before the 422 is given."""
    endpoint = getattr(request.scope.get("route"), "endpoint", None)
    resolve = getattr(endpoint, "resolves_caller", None)
    if resolve is not None:
        await run_in_threadpool(resolve, PendingCaller(request, installation(request)))


def _plain_function(endpoint: Callable[..., Any]) -> bool:
    call = endpoint.func if isinstance(endpoint, functools.partial) else endpoint
    return not (
        inspect.iscoroutinefunction(call)
        or inspect.isgeneratorfunction(call)
        or inspect.isasyncgenfunction(call)
    )


def _resolver(annotation: Any) -> Callable[[PendingCaller], User] | None:
    """How a pending caller stands in for a parameter annotated ``CurrentUser`` or
    ``AdminUser``; None for any other parameter."""
    if get_origin(annotation) is not Annotated:
        return None
    for meta in get_args(annotation)[1:]:
        if isinstance(meta, DependsParam) and meta.dependency in RESOLVERS:
            return RESOLVERS[meta.dependency]
    return None


def _depends_on(dependant: Any, calls: set[Callable[..., Any]]) -> bool:
    return any(sub.call in calls or _depends_on(sub, calls) for sub in dependant.dependencies)
