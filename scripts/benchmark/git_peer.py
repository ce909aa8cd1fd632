"""git over the exported Supervisely JSON files: commit per version, checkout to restore.

The project is exported once with the product's Supervisely writer (``ann/``, ``meta/``
JSON files; ``img/`` symlinks to the media, so git stores links, not pixels) and
committed. Each round rewrites the changed items' ``ann/*.json`` files exactly as the
writer formats them; a version is ``git add -A`` + ``git commit`` + ``git tag``. git runs
with its defaults except ``gc.auto=0`` (so no automatic gc lands inside a timed commit;
``git gc`` is run and timed explicitly at the end). Sizes are reported both loose and
after ``git gc``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

from infrastructure.formats.supervisely_writer import write_supervisely
from scripts.benchmark.measure import Timer, regular_file_bytes, tree_bytes
from scripts.benchmark.workload import Key, Workload

CHUNK = 5_000

GIT_ENV = {
    "GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@example.invalid",
    "GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "bench@example.invalid",
    "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1",
}


class GitPeer:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.repo = root / "repo"
        self.env = {**os.environ, **GIT_ENV}

    def git(self, *args: str) -> str:
        done = subprocess.run(["git", "-c", "gc.auto=0", "-c", "commit.gpgsign=false", *args],
                              cwd=self.repo, env=self.env, check=True, capture_output=True,
                              text=True)
        return done.stdout

    def start(self, workload: Workload, advance: Callable[[int], None]) -> float:
        """Export the project, ``git init`` and commit it; returns the seconds taken."""
        if self.root.exists():
            shutil.rmtree(self.root)
        self.repo.mkdir(parents=True)
        with Timer() as t:
            for start in range(0, len(workload.keys), CHUNK):
                self.write_items(workload, workload.keys[start:start + CHUNK])
                advance(len(workload.keys[start:start + CHUNK]))
            self.git("init", "-q", "-b", "main")
            self.git("add", "-A")
            self.git("commit", "-q", "-m", "import")
        return t.seconds

    def write_items(self, workload: Workload, keys: list[Key]) -> float:
        """(Re)write the files of ``keys`` exactly as the exporter writes them."""
        with Timer() as t, tempfile.TemporaryDirectory(dir=self.root) as tmp:
            out = Path(tmp) / "export"
            write_supervisely(workload.part(keys), out)
            for path in out.glob("**/*"):
                if path.is_dir() and not path.is_symlink():
                    continue
                target = self.repo / path.relative_to(out)
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(path, target)
        return t.seconds

    def commit_version(self, number: int) -> float:
        with Timer() as t:
            self.git("add", "-A")
            self.git("commit", "-q", "-m", f"version {number}")
            self.git("tag", f"v{number}")
        return t.seconds

    def restore(self, number: int) -> float:
        """Seconds for ``git checkout v<number>`` (then back to main, untimed)."""
        with Timer() as t:
            self.git("checkout", "-q", f"v{number}")
        self.git("checkout", "-q", "main")
        return t.seconds

    def diff(self, a: int, b: int) -> tuple[float, int]:
        """Seconds for ``git diff --stat`` and how many files it names."""
        with Timer() as t:
            out = self.git("diff", "--stat", f"v{a}", f"v{b}")
        return t.seconds, max(0, len(out.splitlines()) - 1)

    def git_bytes(self) -> int:
        return tree_bytes(self.repo / ".git")

    def gc(self) -> float:
        with Timer() as t:
            self.git("gc", "-q")
        return t.seconds

    def worktree_bytes(self) -> int:
        return tree_bytes(self.repo) - self.git_bytes()

    def media_bytes(self) -> int:
        """Bytes of regular files under the ``img/`` folders (symlinks are not copies)."""
        return sum(regular_file_bytes(p) for p in self.repo.glob("**/img"))

    def close(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)
