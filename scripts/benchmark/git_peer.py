"""git over the project's Supervisely JSON files, as a team versioning its downloads uses it.

Ingest: the downloaded files copied into a fresh repository, ``git add -A``, ``git
commit``, tagged ``v1``. An edit rewrites the item's ``ann/<item>.json``; a version is
``git add -A`` + ``git commit`` + ``git tag``. Restore: ``git worktree add`` of the tag (the
version's files on disk). Compare: ``git diff --name-only``. git runs with its defaults
except ``gc.auto=0`` (no automatic gc inside a timed commit); ``git gc`` runs and is timed
once at the end, and sizes are given before and after it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from scripts.benchmark.measure import Timer, tree_bytes

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

    def ingest(self, source: Path) -> float:
        """Seconds to copy the files in, ``git init``, add, commit and tag ``v1``."""
        shutil.rmtree(self.root, ignore_errors=True)
        self.root.mkdir(parents=True)
        with Timer() as t:
            shutil.copytree(source, self.repo)
            self.git("init", "-q", "-b", "main")
            self.git("add", "-A")
            self.git("commit", "-q", "-m", "import")
            self.git("tag", "v1")
        return t.seconds

    def write(self, files: dict[str, bytes]) -> float:
        """Seconds to rewrite the edited files (paths relative to the project folder)."""
        with Timer() as t:
            for rel, data in files.items():
                (self.repo / rel).write_bytes(data)
        return t.seconds

    def commit_version(self, number: int) -> float:
        with Timer() as t:
            self.git("add", "-A")
            self.git("commit", "-q", "-m", f"version {number}")
            self.git("tag", f"v{number}")
        return t.seconds

    def restore(self, number: int, outdir: Path) -> float:
        """Seconds for ``git worktree add`` of version ``number`` at ``outdir``."""
        with Timer() as t:
            self.git("worktree", "add", "-q", "--detach", str(outdir), f"v{number}")
        return t.seconds

    def diff(self, a: int, b: int) -> tuple[float, int]:
        """Seconds for ``git diff --name-only`` and how many files it names."""
        with Timer() as t:
            out = self.git("diff", "--name-only", f"v{a}", f"v{b}")
        return t.seconds, len(out.splitlines())

    def git_bytes(self) -> int:
        return tree_bytes(self.repo / ".git")

    def gc(self) -> float:
        with Timer() as t:
            self.git("gc", "-q")
        return t.seconds
