"""Where objects live: the Store interface and its embedded SQLite backend.

`SqliteStore` keeps objects in one SQLite file; `Lease` elects the one controller
of that file; `record_event` / `events_for` write and read Kubernetes Events.
"""

from .base import EventType, Obj, Page, Store, WatchEvent
from .events import events_for, record_event
from .lease import Lease
from .sqlite import SqliteStore

__all__ = [
    "EventType",
    "Lease",
    "Obj",
    "Page",
    "SqliteStore",
    "Store",
    "WatchEvent",
    "events_for",
    "record_event",
]
