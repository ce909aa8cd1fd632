"""Augment, convert and rasterize on the real export's photos: directly with an in-memory
media store, and through the ledger on SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
import io
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from application.operations.augment import augment
from application.operations.convert import convert
from application.operations.rasterize import rasterize
from application.settings import Settings
from domain.errors import ValidationError
from domain.item import check_annotation
from domain.values import Context
from infrastructure.formats.supervisely import read_supervisely
from interfaces.composition import build_ledger
from tests.fake_media import DEMO, FakeMedia, demo_state, run_input

ALL_STEPS = ("fliplr;flipud;rotate:-25..25;crop:0.8;resize:320x240;crop:10,5,300,220;"
             "blur:1.2;noise:6;brightness:1.1;contrast:0.9")
WITHOUT_PIXELS = Path(__file__).resolve().parent.parent / "fixtures" / \
    "supervisely_download_without_pixels"


def test_every_step_on_real_photos_gives_valid_items_that_name_their_source() -> None:
    state, media = demo_state(), FakeMedia()
    out = augment(run_input(state, media), {"pipeline": ALL_STEPS, "copies": 2})
    made = [item for item in out.items.values() if "__aug" in item.name]
    assert len(made) == 2 * len(state.items) and len(out.items) == 3 * len(state.items)
    assert set(state.items) <= set(out.items)
    for item in made:
        check_annotation(out.meta, item)
        with Image.open(io.BytesIO(media.blobs[item.media.sha256])) as image:
            assert image.size == (item.media.width, item.media.height) == (300, 220)
            assert image.format == "JPEG"
        assert item.info is not None
        record = item.info.meta["augmentation"]
        source = state.items[(item.dataset_id, record["source"].split("/")[-1])]
        assert item.name == source.name.replace(".jpg", f"__aug{record['copy']}.jpg")
        assert [s["step"] for s in record["steps"]] == [
            "fliplr", "flipud", "rotate", "crop", "resize", "crop", "blur", "noise",
            "brightness", "contrast"]
        # pieces of a clipped line keep their object's id or get one after the item's
        ids = [obj.id for obj in item.objects]
        known, top = {obj.id for obj in source.objects}, max(o.id for o in source.objects)
        assert len(set(ids)) == len(ids) and all(i in known or i > top for i in ids)
        for obj in item.objects:  # clipped shapes lie on the new image (cuboids are kept whole)
            points = obj.geometry["points"]
            for x, y in points["exterior"] if isinstance(points, dict) else []:
                assert 0 <= x <= 300 and 0 <= y <= 220


def test_the_same_seed_gives_the_same_items_and_bytes_and_another_seed_does_not() -> None:
    runs = []
    for seed in (11, 11, 12):
        media = FakeMedia()
        out = augment(run_input(demo_state(), media, seed), {"pipeline": ALL_STEPS})
        runs.append((out.items, media.blobs))
    assert runs[0] == runs[1]
    assert runs[0][0] != runs[2][0] and runs[0][1] != runs[2][1]


def test_flipping_twice_gives_back_every_real_object_and_replace_drops_originals() -> None:
    state = demo_state()
    out = augment(run_input(state, FakeMedia()), {"pipeline": "fliplr;flipud;fliplr;flipud",
                                                  "replace": True})
    assert len(out.items) == len(state.items)
    for item in out.items.values():
        source = state.items[(item.dataset_id, item.name.replace("__aug1", ""))]
        assert [_rounded(o.geometry) for o in item.objects] == [
            _rounded(o.geometry) for o in source.objects]
        assert [dataclasses.replace(o, geometry={}) for o in item.objects] == [
            dataclasses.replace(o, geometry={}) for o in source.objects]


def _rounded(value: Any) -> Any:
    """Coordinates to 9 decimals: ``w - (w - x)`` may differ from a float ``x`` in its
    last bit."""
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    return round(value, 9) if isinstance(value, float) else value


def test_an_item_whose_pixels_cannot_be_read_refuses_the_run_before_anything_is_stored() -> None:
    state, media = read_supervisely(WITHOUT_PIXELS), FakeMedia()
    with pytest.raises(ValidationError) as caught:
        augment(run_input(state, media), {"pipeline": "fliplr"})
    first = next(state.iter_items())
    assert caught.value.field == "items"
    assert caught.value.message.startswith(f"item {state.item_path(first)}: its pixels "
                                           "cannot be read here")
    assert media.blobs == {}
    # one readable item among them is not enough either
    mixed = demo_state()
    stray = dataclasses.replace(first, dataset_id=next(iter(mixed.meta.datasets)),
                                name="zz_missing.jpg")
    mixed.items[(stray.dataset_id, stray.name)] = stray
    with pytest.raises(ValidationError, match=r"zz_missing\.jpg"):
        augment(run_input(mixed, media), {"pipeline": "fliplr"})
    assert media.blobs == {}


def test_real_polygons_convert_to_bitmaps_and_rasterize_without_overlaps() -> None:
    state = demo_state()
    as_bitmaps = convert(run_input(state, FakeMedia()), {"class": "dog2", "shape": "bitmap"})
    rasterized = rasterize(run_input(as_bitmaps, FakeMedia()), {})
    for out in (as_bitmaps, rasterized):
        for item in out.items.values():
            check_annotation(out.meta, item)
    assert rasterized.meta.class_by_title("cat") is not None
    assert {c.shape for c in rasterized.meta.classes.values()} == {
        "bitmap", "cuboid", "line", "point"}


@pytest.fixture
def ledger_settings(db_url: str, tmp_path: Path) -> Settings:
    return Settings(db_url=db_url, actor="tester", media_root=tmp_path / "media",
                    media_roots=(DEMO,))


def test_augment_through_the_ledger_is_recorded_and_reruns_to_the_same_digest(
    ledger_settings: Settings,
) -> None:
    ledger, ctx = build_ledger(ledger_settings), Context("alice")
    source = ledger.imports.from_files("supervisely", DEMO, ctx, name="cats").project
    result = ledger.operations.run(source, "augment", {"pipeline": "rotate:-10..10;crop:0.9",
                                                       "copies": 2}, ctx, seed=5)
    assert (result.items, result.source_version) == (18, 1)
    again = ledger.operations.rerun(result.session, ctx, name="cats again")
    assert ledger.states.head(again.project).digest == ledger.states.head(result.project).digest
    stored = list((ledger_settings.media_root).rglob("*"))
    assert sum(p.is_file() for p in stored) == 12
