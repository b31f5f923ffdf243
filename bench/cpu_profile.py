"""Run a module under cProfile counting CPU time, not wall time: python -m bench.cpu_profile OUT MODULE ARGS...

On a machine whose CPUs the load generator and PostgreSQL share, a wall-clock profile charges to a
socket send the time the process spent preempted there; process_time counts only what it ran.
"""

from __future__ import annotations

import cProfile
import runpy
import sys
import time


def main() -> None:
    out, module, *args = sys.argv[1:]
    sys.argv = [module, *args]
    profile = cProfile.Profile(time.process_time)
    profile.enable()
    try:
        runpy.run_module(module, run_name="__main__", alter_sys=True)
    except SystemExit:
        pass
    finally:
        profile.disable()
        profile.dump_stats(out)


if __name__ == "__main__":
    main()
