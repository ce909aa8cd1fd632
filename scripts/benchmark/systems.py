"""Every system of one scale, side by side, on the same generated files and edits."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from uuid import UUID

from scripts.benchmark.baseline import Baseline
from scripts.benchmark.cli import Cli, settings_env
from scripts.benchmark.fullcopy_peer import FullCopyPeer
from scripts.benchmark.git_peer import GitPeer
from scripts.benchmark.workload import Workload


@dataclass(frozen=True)
class Options:
    edits: int
    """Single edits timed (in process, on a freshly imported project)."""
    rounds: int
    """Rounds of 1% edits, each followed by a version (after the first, the import's)."""
    cli_runs: int
    """Runs of each CLI command timed for a median."""
    peers_up_to: int
    """git and full copies run at scales up to this many items."""
    workdir: Path
    media_roots: tuple[Path, ...]
    """Folders of the local images the workload links (``ANNOLEDGER_MEDIA_ROOTS``)."""
    keep: bool = False


@dataclass
class Systems:
    """One scale's systems. ``ours.db`` is driven as operators and clients drive it (CLI
    for imports, versions, restores, compares and exports; in-process edits as the HTTP
    API applies them); ``ours-lib.db`` receives the in-process import and the timed
    single edits."""

    workload: Workload
    work: Path
    source: Path
    """The Supervisely download every system ingests."""
    base: Baseline
    git: GitPeer | None
    full: FullCopyPeer | None
    opts: Options
    name: str = ""
    project: UUID | None = None
    lib_project: UUID | None = None
    sizes: dict[str, list[int]] = field(default_factory=lambda: {"ours": [], "baseline": []})
    """Bytes on disk after each version (for the growth per version); git's once it runs."""

    @property
    def db(self) -> Path:
        return self.work / "ours.db"

    def env(self, db: Path | None = None) -> dict[str, str]:
        return settings_env(db or self.db, self.work / "media", list(self.opts.media_roots))

    @property
    def lib_env(self) -> dict[str, str]:
        return self.env(self.work / "ours-lib.db")

    @property
    def cli(self) -> Cli:
        return Cli(self.env())

    @property
    def pid(self) -> UUID:
        assert self.project is not None, "ingest first"
        return self.project
