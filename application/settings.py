"""Typed settings, read from the environment once, at start-up (never at import)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from domain.geometry.png import DEFAULT_MAX_PIXELS
from domain.media_policy import DEFAULT_SCHEMES

DEFAULT_DB = "sqlite:///annoledger.db"
DEFAULT_MAX_JSON_DEPTH = 64
"""Far deeper than any annotation, geometry or OpenLineage event needs; shallow enough that
no parser or validator comes near Python's recursion limit."""
DEFAULT_MAX_JSON_FILE = 1 << 30
"""1 GiB: above the largest public COCO files (instances_train2017.json is 448 MB)."""


def _positive(key: str, text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise ValueError(f"{key} must be a whole number, got {text!r}") from None
    if value < 1:
        raise ValueError(f"{key} must be positive, got {value}")
    return value


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
    """Where the media store keeps uploaded images (always readable as media)."""
    media_roots: tuple[Path, ...] = ()
    """Folders of local images that exports may read (besides the media store) and that
    CLI imports may link wherever the imported folder is."""
    media_schemes: tuple[str, ...] = DEFAULT_SCHEMES
    """URI schemes a client's media link may use (links are data, never fetched)."""
    max_bitmap_pixels: int = DEFAULT_MAX_PIXELS
    """Largest ``width * height`` of a bitmap mask (its PNG header is checked before any
    pixel is inflated)."""
    max_json_depth: int = DEFAULT_MAX_JSON_DEPTH
    """Deepest nesting of arrays and objects a JSON request body may have (400 beyond)."""
    max_json_file_bytes: int = DEFAULT_MAX_JSON_FILE
    """Largest JSON annotation file an import loads into memory (COCO, Supervisely)."""

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
        if env.get("ANNOLEDGER_MEDIA_ROOTS"):
            values["media_roots"] = tuple(
                Path(p) for p in env["ANNOLEDGER_MEDIA_ROOTS"].split(os.pathsep) if p)
        if "ANNOLEDGER_MEDIA_SCHEMES" in env:
            values["media_schemes"] = tuple(
                s.strip() for s in env["ANNOLEDGER_MEDIA_SCHEMES"].split(",") if s.strip())
        for name, key in (("max_bitmap_pixels", "ANNOLEDGER_MAX_BITMAP_PIXELS"),
                          ("max_json_depth", "ANNOLEDGER_MAX_JSON_DEPTH"),
                          ("max_json_file_bytes", "ANNOLEDGER_MAX_JSON_FILE_BYTES")):
            if env.get(key):
                values[name] = _positive(key, env[key])
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)  # type: ignore[arg-type]
