"""Who is acting and in which request: set by middleware, the API auth and services."""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar

_actor: ContextVar = ContextVar("jiedu_actor", default=None)
_request_id: ContextVar[str] = ContextVar("jiedu_request_id", default="")


def current_actor():
    return _actor.get()


def current_request_id() -> str:
    return _request_id.get()


@contextmanager
def acting_as(actor):
    """Attribute every write inside the block to `actor` (a user, or None for the system)."""
    token = _actor.set(actor)
    try:
        yield
    finally:
        _actor.reset(token)


@contextmanager
def in_request(request_id: str):
    token = _request_id.set(request_id)
    try:
        yield
    finally:
        _request_id.reset(token)


def set_actor(actor):
    """For middleware that cannot wrap the view in a block; reset by `in_request`'s scope end."""
    return _actor.set(actor)


def reset_actor(token) -> None:
    _actor.reset(token)
