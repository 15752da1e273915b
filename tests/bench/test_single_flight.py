"""The per-process caches of the dashboard and of the published results table build a missing entry once, however
many requests ask for it at the same moment (gthread workers): the others wait for that build and share it."""

from __future__ import annotations

import threading
import time

from dvcq.platform.cache import SingleFlightLRU


def test_concurrent_requests_for_a_missing_entry_build_it_once():
    cache = SingleFlightLRU(size=4)
    builds = []

    def build():
        builds.append(threading.get_ident())
        time.sleep(0.05)
        return {"built": len(builds)}

    results = []
    threads = [threading.Thread(target=lambda: results.append(cache.get_or_build("k", build))) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(builds) == 1
    assert results == [{"built": 1}] * 8
    assert (cache.misses, cache.hits) == (1, 7)
    cache.get_or_build("other", lambda: "x")
    assert len(builds) == 1 and cache.misses == 2
