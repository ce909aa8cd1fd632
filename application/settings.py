"""Typed settings, read from the environment once, at start-up (never at import)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_DB = "sqlite:///annoledger.db"


@dataclass(frozen=True)
class Settings:
    db_url: str = DEFAULT_DB
    actor: str = "anonymous"
    snapshot_every: int = 10_000
    """A project snapshot (item manifest) is written every this many project events."""
    item_snapshot_every: int = 16
    """Each item's state is snapshotted every this many of its own events."""
    background_snapshots: bool = False
    """Edits hand project snapshots to a background thread instead of waiting for them
    (the server does; a short-lived command would lose the snapshot when it exits)."""
    cipher_key: str = ""
    """Base64 AES key: when set, event and snapshot states are encrypted at rest."""
    media_root: Path = field(default_factory=lambda: Path("media"))
    app_name: str = "annoledger"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: object) -> Settings:
        env = os.environ if env is None else env
        values: dict[str, object] = {}
        if env.get("ANNOLEDGER_DB"):
            values["db_url"] = env["ANNOLEDGER_DB"]
        if env.get("ANNOLEDGER_ACTOR"):
            values["actor"] = env["ANNOLEDGER_ACTOR"]
        if env.get("ANNOLEDGER_SNAPSHOT_EVERY"):
            values["snapshot_every"] = int(env["ANNOLEDGER_SNAPSHOT_EVERY"])
        if env.get("ANNOLEDGER_BACKGROUND_SNAPSHOTS"):
            values["background_snapshots"] = env["ANNOLEDGER_BACKGROUND_SNAPSHOTS"] == "1"
        if env.get("ANNOLEDGER_CIPHER_KEY"):
            values["cipher_key"] = env["ANNOLEDGER_CIPHER_KEY"]
        if env.get("ANNOLEDGER_MEDIA_ROOT"):
            values["media_root"] = Path(env["ANNOLEDGER_MEDIA_ROOT"])
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)  # type: ignore[arg-type]
