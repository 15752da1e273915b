"""A small per-process cache for what is costly to build and keyed by its data (the dashboard of a data version, the
rendered table of a published year): least recently used entries go first, and a missing entry is built once.

Single flight: the first request for a missing key builds it while the others asking for the same key wait for that
build (gthread workers serve several requests at once; a cold dashboard costs a good part of a second of CPU, and
twenty threads building the same one at once would starve every other page). Keys carry the data they stand for, so
nothing is ever invalidated: a stale entry is simply never asked for again and ages out.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

CACHE_SIZE = 128


class SingleFlightLRU:
    """Thread-safe LRU with `get_or_build(key, build)`; `hits`/`misses` for tests and the curious."""

    def __init__(self, size: int = CACHE_SIZE):
        self.size = size
        self._items: OrderedDict = OrderedDict()
        self._lock = threading.Lock()
        self._building: dict = {}  # key → the lock its builder holds
        self.hits = self.misses = 0

    def get(self, key: Hashable):
        """The cached value, or None."""
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
                self.hits += 1
            return value

    def get_or_build(self, key: Hashable, build: Callable):
        """The cached value, or `build()`'s — kept unless None (None: nothing to show, so nothing to keep)."""
        value = self.get(key)
        if value is not None:
            return value
        with self._lock:
            building = self._building.setdefault(key, threading.Lock())
        with building:
            value = self.get(key)  # built by the request we waited for
            if value is None:
                value = build()
                if value is not None:
                    with self._lock:
                        self.misses += 1
                        self._items[key] = value
                        self._items.move_to_end(key)
                        while len(self._items) > self.size:
                            self._items.popitem(last=False)
        with self._lock:
            if self._building.get(key) is building:
                del self._building[key]
        return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self.hits = self.misses = 0

    def __len__(self) -> int:
        return len(self._items)
