"""Blocking iterators (a store watch, a log follow) served as async streams.

The store's calls block, so each open stream gets a thread of its own that runs the
iterator and hands items to the event loop through a bounded queue: a slow reader
slows its producer down instead of growing memory, and no stream holds one of the
threadpool's workers that ordinary requests need.

A stream ends when its iterator ends, when the client goes away (Starlette cancels
the response, which stops the producer) or when the server starts shutting down.
Producers get a `stopped()` callable and must look at it at least every second or so.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from typing import TypeVar, cast

T = TypeVar("T")

Stopped = Callable[[], bool]

_END = object()
_PUT_WAIT = 0.5


class _Failure:
    def __init__(self, exc: BaseException) -> None:
        self.exc = exc


async def threaded(
    produce: Callable[[Stopped], Iterator[T]],
    closing: threading.Event,
    *,
    buffer: int = 256,
    name: str = "treadle-stream",
) -> AsyncIterator[T]:
    """Iterate `produce(stopped)` in a new thread; yield its items here. An exception
    in the producer is raised here."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[object] = asyncio.Queue(buffer)
    stop = threading.Event()

    def stopped() -> bool:
        return stop.is_set() or closing.is_set()

    def put(item: object) -> bool:
        put_item = queue.put(item)
        try:
            future = asyncio.run_coroutine_threadsafe(put_item, loop)
        except RuntimeError:  # the loop is closed: the server is gone
            put_item.close()
            return False
        while True:
            try:
                future.result(timeout=_PUT_WAIT)
                return True
            except concurrent.futures.TimeoutError:
                if stop.is_set():
                    future.cancel()
                    return False
            except (concurrent.futures.CancelledError, RuntimeError):
                return False

    def run() -> None:
        try:
            for item in produce(stopped):
                if not put(item):
                    return
                if stop.is_set():
                    return
        except BaseException as exc:
            put(_Failure(exc))
            return
        put(_END)

    thread = threading.Thread(target=run, name=name, daemon=True)
    thread.start()
    try:
        while True:
            item = await queue.get()
            if item is _END:
                return
            if isinstance(item, _Failure):
                raise item.exc
            yield cast(T, item)
    finally:
        stop.set()


__all__ = ["Stopped", "threaded"]
