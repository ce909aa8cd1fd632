"""The benchmark runs end to end at a tiny scale and reports every measure and target.

``scripts/bench`` drives the CLI, the ledger's services and every peer; this run keeps
it from rotting as they change. Nothing here is timed: it checks that each system did the
same work (same items restored, same items found changed) and that the report holds
each row and each target, and that every data operation, export format and augmentation
contender made what it should from the same input.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from scripts.benchmark.workload import Workload, load_real

ROOT = Path(__file__).resolve().parents[2]
ITEMS = 30
DATASETS = 10
"""The workload spreads its items over ten datasets."""
REAL_IMAGES = 6
"""The JPEGs of the real Supervisely export."""
SYSTEMS = ("ours_cli", "ours_lib", "git", "fullcopy", "baseline")
ROWS = ("ingest to version 1", "version after a 1% round, mean", "restore v1, then its files",
        "compare v1 with v3", "storage after 3 versions", "growth per 1%-edit version",
        "export, items/s", "`annoledger --help`, median of 1",
        "`annoledger versions create`, median of 1", "single edit p50", "single edit p99",
        "Restore vs history length", "30 items: data operations and exports",
        "split --stratify (`split`", "subsample (`subsample`", "filter (`filter`",
        "export Supervisely JSON", "export COCO", "export YOLO", "export Pascal VOC",
        "## Augmentation: 6 images from 6 real ones", "hand-written Pillow")
TARGETS = ("ingest to a first version (CLI) ahead of the best peer",
           "restore v1 to files (CLI) ahead of the best peer",
           "storage after 3 versions, WAL included, <= git after gc",
           "growth per 1%-edit version <= 2x plain eventsourcing",
           "within 50 ms of git diff --name-only",
           "export >= 5,000 items/s (Supervisely JSON", "export >= 5,000 items/s (COCO",
           "export >= 5,000 items/s (YOLO", "export >= 5,000 items/s (Pascal VOC",
           "split end to end < 10 s", "split --stratify end to end < 10 s",
           "subsample end to end < 10 s", "filter end to end < 10 s",
           "the augment operation alone >= 0.9x the images/s of hand-written Pillow",
           "augment through ledger.operations.run >= 0.8x the images/s",
           "import >= 3x the objects/s before", "restore >= 20x faster than full replay",
           "single edit p99 <= 5 ms", "annoledger --help < 0.15 s",
           "annoledger versions create on the 30-item project < 0.3 s",
           "restore after 3 edits/item within 1.5x")

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real data the repository holds (COCO val2014 and the real Supervisely export,
    with its images), laid out as the shared data folder is."""
    data = tmp_path_factory.mktemp("data")
    (data / "coco").mkdir()
    (data / "supervisely").mkdir()
    (data / "coco" / "instances_val2014_100.json").symlink_to(
        ROOT / "tests" / "fixtures" / "instances_val2014_100.json")
    (data / "supervisely" / "real_export_vector").symlink_to(
        ROOT / "infrastructure" / "demo_data" / "real_export_vector")
    return data


@pytest.fixture(scope="module")
def run(data: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], str]:
    """One tiny run on that data."""
    tmp = tmp_path_factory.mktemp("bench")
    out = tmp / "out"
    done = subprocess.run(
        ["scripts/bench", "--scale", str(ITEMS), "--edits", "3", "--rounds", "2",
         "--cli-runs", "1", "--history-items", "3", "--history-edits", "3",
         "--augment-copies", "1", "--augment-rounds", "1",
         "--data", str(data), "--out", str(out), "--before", str(tmp / "none.json")],
        cwd=ROOT, env={**os.environ, "BENCH_PYTHON": sys.executable}, capture_output=True,
        text=True, check=False, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads((out / "latest.json").read_text()), (out / "latest.md").read_text()


@pytest.fixture(scope="module")
def workload(data: Path) -> Workload:
    """The items the run generated, built again from the same data."""
    return Workload(load_real(data), ITEMS)


def test_every_system_restores_and_compares_the_same_items(
        run: tuple[dict[str, Any], str]) -> None:
    scale = run[0]["scales"][str(ITEMS)]
    restore, compare = scale["restore"], scale["compare"]
    assert {s for s in SYSTEMS if s in restore} == set(SYSTEMS)
    for system in ("ours_cli", "ours_lib", "git", "fullcopy"):
        assert restore[system]["files"] == ITEMS, system
    assert restore["baseline"]["images"] == ITEMS
    changed = {s: compare[s]["items_modified"] for s in SYSTEMS}
    assert len(set(changed.values())) == 1, changed
    assert changed["git"] >= 1
    assert scale["export"]["ours_lib"]["files"] == scale["export"]["ours_cli"]["files"] == ITEMS


def test_every_system_ingests_and_stores_four_kinds_of_figures(
        run: tuple[dict[str, Any], str]) -> None:
    scale = run[0]["scales"][str(ITEMS)]
    for system in SYSTEMS:
        assert scale["ingest"][system]["s"] > 0, system
    storage = scale["storage"]
    assert storage["versions"] == 3
    assert len(storage["ours"]["after_each_version"]) == 3
    assert storage["git"]["bytes_gc"] > 0 and storage["fullcopy"]["bytes"] > 0
    assert storage["ours"]["media_bytes"] == 0, "versions and restores copy no media"
    assert scale["edits"]["ours"]["n"] == scale["edits"]["baseline"]["n"] == 3


def test_the_report_has_each_row_and_judges_each_target(
        run: tuple[dict[str, Any], str]) -> None:
    results, markdown = run
    for row in ROWS:
        assert row in markdown, row
    assert "not run" not in markdown.split("## Targets")[0]
    judged = results["targets"]
    for target in TARGETS:
        found = [t for t in judged if target in t["target"]]
        assert len(found) == 1, target
        assert found[0]["met"] in (True, False, None)
        assert found[0]["target"] in markdown
    no_earlier = [t for t in judged if "import >=" in t["target"]]
    assert no_earlier[0]["met"] is None, "without an earlier run the import is not judged"


def test_each_operation_derives_the_same_items_in_memory_and_end_to_end(
        run: tuple[dict[str, Any], str], workload: Workload) -> None:
    scale = run[0]["scales"][str(ITEMS)]
    ops = scale["operations"]
    latest = ops["split"]["source_version"]
    crowded = sum(1 for _, item in workload.iter_items()
                  if sum(o.class_id == 1 for o in item.objects) > 4)  # COCO's 1: person
    expected = {"split": ITEMS, "split --stratify": ITEMS, "subsample": ITEMS // 10,
                "filter": crowded}
    assert 0 < crowded < ITEMS, "the filter keeps some items and drops others"
    for label, items in expected.items():
        op = ops[label]
        assert op["items"] == op["memory_items"] == items, label
        assert op["source_version"] == latest, "every run reads the same version"
        assert op["s"] > 0 and op["memory_s"] >= 0, label
    assert ops["split"]["objects"] == ITEMS * workload.objects


def test_each_export_format_writes_every_item(run: tuple[dict[str, Any], str]) -> None:
    formats = run[0]["scales"][str(ITEMS)]["export"]["formats"]
    assert set(formats) == {"supervisely", "coco", "yolo", "voc"}
    per_item = {"supervisely": ITEMS, "yolo": ITEMS, "voc": ITEMS, "coco": DATASETS}
    for fmt, files in per_item.items():
        assert formats[fmt]["files"] == files, fmt
        assert formats[fmt]["items_per_s"] > 0, fmt


def test_every_augmentation_contender_makes_the_same_images(
        run: tuple[dict[str, Any], str]) -> None:
    aug = run[0]["augment"]
    assert len(aug["source_images"]) == REAL_IMAGES
    assert aug["images"] == REAL_IMAGES * aug["copies"] == REAL_IMAGES
    assert aug["objects_moved"] > 0, "the real annotations move with the pixels"
    for who in ("service", "pixels", "pillow"):
        assert aug[who]["images_per_s"] == pytest.approx(aug["images"] / aug[who]["s"])
    assert aug["pillow"]["vs_pillow"] == pytest.approx(1.0)
