"""Where objects live: the Store interface and its embedded SQLite backend.

`SqliteStore` keeps objects in one SQLite file; `record_event` / `events_for` write
and read Kubernetes Events. (The controller lease is a Lease object in the store:
controller/leader.py.)
"""

from .base import EventType, Obj, Page, Store, WatchEvent
from .events import events_for, record_event
from .sqlite import SqliteStore

__all__ = [
    "EventType",
    "Obj",
    "Page",
    "SqliteStore",
    "Store",
    "WatchEvent",
    "events_for",
    "record_event",
]
