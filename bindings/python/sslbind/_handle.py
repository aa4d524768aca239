"""The base of every wrapper of a C handle: close(), context manager and a
weakref.finalize that calls the C destructor exactly once.

``keep`` holds the Python objects C may call back through this handle (see
_callbacks.Token); it is given to the finalizer too, so it stays alive until
the C object's reference has been dropped, whatever order the garbage
collector finalizes wrappers in.
"""
from __future__ import annotations

import weakref
from typing import Any, Callable, Iterable, Tuple, TypeVar

T = TypeVar("T", bound="Handle")


def _release(free: Callable[[Any], None], ptr: Any, keep: Tuple[Any, ...]) -> None:
    free(ptr)
    del keep  # only now may C's callbacks go


class Handle:
    """A wrapper owning one reference to a C object."""

    __slots__ = ("_ptr", "_keep", "_finalizer", "__weakref__")
    _kind = "handle"

    def __init__(self, ptr: Any, free: Callable[[Any], None], keep: Iterable[Any] = ()) -> None:
        if not ptr:
            raise ValueError(f"NULL {self._kind} handle")
        self._ptr = ptr
        self._keep = tuple(keep)
        self._finalizer = weakref.finalize(self, _release, free, ptr, self._keep)

    @property
    def _p(self) -> Any:
        """The C handle; ValueError once closed."""
        if not self._finalizer.alive:
            raise ValueError(f"this {self._kind} is closed")
        return self._ptr

    @property
    def closed(self) -> bool:
        return not self._finalizer.alive

    def close(self) -> None:
        """Drops this wrapper's reference to the C object (idempotent)."""
        self._finalizer()

    def __enter__(self: T) -> T:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
