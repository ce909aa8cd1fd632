"""annoledger as its operators drive it: the ``annoledger`` command, one process per call.

Every call is timed from the parent (wall time: interpreter start, imports, the command,
exit), with the settings in the environment as documented (``ANNOLEDGER_DB``,
``ANNOLEDGER_MEDIA_ROOT``, ``ANNOLEDGER_MEDIA_ROOTS``, ``ANNOLEDGER_ACTOR``). The command
is the ``annoledger`` script installed beside the interpreter running the benchmark.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ACTOR = "bench"


def settings_env(db: Path, media_root: Path, media_roots: list[Path]) -> dict[str, str]:
    """The environment both the CLI and the in-process ledger read their settings from."""
    return {"ANNOLEDGER_DB": f"sqlite:///{db}", "ANNOLEDGER_ACTOR": ACTOR,
            "ANNOLEDGER_MEDIA_ROOT": str(media_root),
            "ANNOLEDGER_MEDIA_ROOTS": os.pathsep.join(str(p) for p in media_roots)}


class Cli:
    def __init__(self, settings: dict[str, str]) -> None:
        self.command = [str(Path(sys.executable).with_name("annoledger"))]
        self.env = {**os.environ, **settings}

    def run(self, *args: str) -> tuple[float, str]:
        """Wall seconds of ``annoledger ARGS`` and its stdout; a failure raises with its
        stderr."""
        start = time.perf_counter()
        done = subprocess.run([*self.command, *args], env=self.env, capture_output=True,
                              text=True, check=False)
        seconds = time.perf_counter() - start
        if done.returncode != 0:
            raise RuntimeError(f"annoledger {' '.join(args)} exited {done.returncode}: "
                               f"{done.stderr.strip()}")
        return seconds, done.stdout

    def json(self, *args: str) -> tuple[float, Any]:
        seconds, out = self.run(*args, "--json")
        return seconds, json.loads(out)


def summary(seconds: list[float]) -> dict[str, Any]:
    """Median and spread of repeated wall times."""
    return {"runs": len(seconds), "median_s": statistics.median(seconds),
            "min_s": min(seconds), "max_s": max(seconds), "all_s": seconds}
