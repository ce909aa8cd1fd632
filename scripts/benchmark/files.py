"""The workload as Supervisely JSON files, laid out as the platform's download is.

``meta.json``, then per dataset ``ann/<item>.json`` and ``img_info/<item>.json`` (the
link and hash of the item's media: a download without pixels, as large projects are
downloaded). Every system reads these same files at ingest, and git and the full copies
take the edited items' ``ann/`` files as their edits. The encoding is the product's
Supervisely codec in the exporter's layout (one JSON document per line), so that the
files a restore exports and the files git checks out can be compared byte for byte.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from domain.supervisely_json import annotation_json, image_info_json, meta_json
from scripts.benchmark.workload import Key, Workload


def encode(data: Any) -> bytes:
    return (json.dumps(data, ensure_ascii=False) + "\n").encode()


def ann_path(workload: Workload, key: Key) -> str:
    """``<dataset>/ann/<item>.json``, relative to the project folder."""
    return f"{workload.meta.dataset_path(key[0])}/ann/{key[1]}.json"


def ann_bytes(workload: Workload, key: Key) -> bytes:
    """The item's annotation file as it stands after the edits made so far."""
    return encode(annotation_json(workload.meta, workload.item(key)))


def write_project(workload: Workload, root: Path, advance: Callable[[int], None]) -> None:
    """Write the whole project under ``root`` (which must not exist)."""
    root.mkdir(parents=True)
    (root / "meta.json").write_bytes(encode(meta_json(workload.meta)))
    for dataset_id in workload.meta.datasets:
        base = root / workload.meta.dataset_path(dataset_id)
        for sub in ("ann", "img_info"):
            (base / sub).mkdir(parents=True)
    for n, key in enumerate(workload.keys, 1):
        item = workload.item(key)
        base = root / workload.meta.dataset_path(key[0])
        (base / "ann" / f"{key[1]}.json").write_bytes(
            encode(annotation_json(workload.meta, item)))
        (base / "img_info" / f"{key[1]}.json").write_bytes(encode(image_info_json(item)))
        if n % 1_000 == 0 or n == len(workload.keys):
            advance(1_000 if n % 1_000 == 0 else n % 1_000)


def ann_files(root: Path) -> Iterable[Path]:
    """Every ``ann/*.json`` under a Supervisely project folder, in a stable order."""
    return sorted(root.glob("**/ann/*.json"))
