"""Fewer malloc arenas for the tap's process.

glibc gives each thread that allocates its own arena (up to 8 per core), and memory freed in an arena is
kept for that arena. The read-ahead workers decode pages in their threads and the main thread frees them,
so each worker's arena grows to its largest moment and stays there: on a large workspace that was some
15 MB of the tap's peak RSS for no speed gained (measured: the same CPU time with 2 arenas). Setting
`M_ARENA_MAX` before the workers start caps it. Only on glibc; a `MALLOC_ARENA_MAX` in the environment
(glibc's own setting) wins.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys

#: glibc's `mallopt` parameter number for the arena cap (malloc.h: `#define M_ARENA_MAX -8`).
_M_ARENA_MAX = -8
#: The main thread's arena and one shared by the workers.
ARENAS = 2

_limited = False


def limit_malloc_arenas(arenas: int = ARENAS) -> bool:
    """Cap glibc's malloc arenas for this process, once; whether the cap is (now) set by this call."""
    global _limited  # process-wide by nature, like the setting itself
    if _limited or not sys.platform.startswith("linux") or "MALLOC_ARENA_MAX" in os.environ:
        return _limited
    libc_name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(libc_name)
        mallopt = libc.mallopt  # glibc and musl differ: musl has none
    except (OSError, AttributeError, TypeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    _limited = bool(mallopt(_M_ARENA_MAX, arenas) == 1)
    return _limited
