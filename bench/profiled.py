"""`python -m bench.profiled`: the bot (`python -m bot`) under cProfile, switched on and off by
the bench around each throughput burst (SIGUSR1 on, SIGUSR2 off and dump), so the profile
holds what the updates cost and nothing of the start-up. Used when BENCH_PROFILE names a
folder; the n-th dump is `<folder>/<n>.prof` (the bench renames it after its burst)."""

from __future__ import annotations

import cProfile
import os
import signal
import sys
import time
from pathlib import Path
from types import FrameType

from bot.__main__ import main

# The main thread's own CPU time, not the wall clock: on a loaded machine a wall-clock profile
# charges the time the process waited for a core to whatever happened to be running.
_profile = cProfile.Profile(time.thread_time)
_dumps = 0


def _enable(_signum: int, _frame: FrameType | None) -> None:
    _profile.enable()


def _dump(_signum: int, _frame: FrameType | None) -> None:
    global _dumps, _profile
    _profile.disable()
    _dumps += 1
    _profile.dump_stats(str(Path(os.environ["BENCH_PROFILE"]) / f"{_dumps}.prof"))
    _profile = cProfile.Profile(time.thread_time)


if __name__ == "__main__":
    signal.signal(signal.SIGUSR1, _enable)
    signal.signal(signal.SIGUSR2, _dump)
    sys.exit(main([]))
