"""The pipeline's text, the values drawn per image, and pixels that agree with geometry."""

from __future__ import annotations

import random
from typing import Any

import numpy as np
import pytest
from PIL import Image

from application.operations.augment import parse_augment
from domain.errors import ValidationError
from domain.operations.pipeline import canonical, draw_all, parse_pipeline, record
from infrastructure.imaging import pixels


def test_an_unknown_step_is_named_with_its_position_and_the_known_steps() -> None:
    with pytest.raises(ValidationError) as caught:
        parse_pipeline("fliplr; blur:1 ;rotat:10")
    assert caught.value.field == "pipeline"
    assert caught.value.message == (
        "step 3 'rotat:10': unknown step; known: fliplr, flipud, rotate, resize, crop, blur, "
        "noise, brightness, contrast")


@pytest.mark.parametrize(("spec", "says"), [
    ("rotate:10..5", "step 1 'rotate:10..5': the range A..B needs A <= B"),
    ("rotate", "step 1 'rotate': expected rotate:DEG or rotate:A..B"),
    ("fliplr:3", "step 1 'fliplr:3': expected fliplr"),
    ("flipud;resize:0x10", "step 2 'resize:0x10': W and H must be 1..32768"),
    ("resize:10*10", "step 1 'resize:10*10': expected resize:WxH (pixels)"),
    ("crop:1.5", "step 1 'crop:1.5': the fraction F must be in (0, 1]"),
    ("crop:1,2,3", "step 1 'crop:1,2,3': expected crop:X,Y,W,H (pixels) or crop:F"),
    ("blur:-1", "step 1 'blur:-1': must not be negative"),
    ("noise:nan", "step 1 'noise:nan': expected noise:STD"),
    ("brightness:1e400", "step 1 'brightness:1e400': numbers must be finite"),
    ("fliplr;;flipud", "step 2 '': unknown step"),
    ("", "is empty"),
])
def test_bad_steps_are_refused_naming_the_step(spec: str, says: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_pipeline(spec)
    assert caught.value.field == "pipeline"
    assert caught.value.message.startswith(says)


def test_parameters_are_checked_and_recorded_in_canonical_form() -> None:
    assert parse_augment({"pipeline": " fliplr ; rotate:-5..5;", "copies": 3}) == {
        "pipeline": "fliplr;rotate:-5..5", "copies": 3, "replace": False}
    cases: list[tuple[dict[str, Any], str]] = [
        ({"pipeline": "fliplr", "copies": 0}, "copies"),
        ({"pipeline": "fliplr", "copies": 1.5}, "copies"),
        ({"pipeline": "fliplr", "replace": "yes"}, "replace"),
        ({"pipeline": "fliplr", "seeds": 1}, "seeds"),
        ({"copies": 2}, "pipeline")]
    for params, field in cases:
        with pytest.raises(ValidationError) as caught:
            parse_augment(params)
        assert caught.value.field == field


def test_drawn_values_come_from_the_seed_and_stay_in_their_ranges() -> None:
    steps = parse_pipeline("rotate:-10..10;crop:0.5;noise:3")
    first = record(draw_all(steps, random.Random(42), 640, 480))
    assert first == record(draw_all(steps, random.Random(42), 640, 480))
    assert first != record(draw_all(steps, random.Random(43), 640, 480))
    for seed in range(50):
        rotate, crop, noise = record(draw_all(steps, random.Random(seed), 640, 480))
        assert -10 <= rotate["degrees"] <= 10
        assert (crop["width"], crop["height"]) == (320, 240)
        assert 0 <= crop["x"] <= 320 and 0 <= crop["y"] <= 240
        assert noise["std"] == 3 and isinstance(noise["seed"], int)
    assert canonical(steps) == "rotate:-10..10;crop:0.5;noise:3"


@pytest.mark.parametrize("spec", ["rotate:30", "rotate:-135", "fliplr;rotate:20",
                                  "flipud;resize:120x90", "crop:20,10,150,100",
                                  "resize:333x211;rotate:7"])
def test_a_bright_pixel_lands_where_its_annotation_goes(spec: str) -> None:
    dot = np.zeros((150, 200), dtype=np.uint8)
    dot[40:42, 60:62] = 255  # the 2x2 block centred on (61, 41)
    steps = draw_all(parse_pipeline(spec), random.Random(0), 200, 150)
    out = np.asarray(pixels.apply(pixels.Picture(Image.fromarray(dot, "L"), False),
                                  steps).image, dtype=float)
    ys, xs = np.nonzero(out)
    weights = out[ys, xs]
    seen = ((xs * weights).sum() / weights.sum() + 0.5, (ys * weights).sum() / weights.sum() + 0.5)
    where = (61.0, 41.0)
    for step in steps:
        if step.move is not None:
            where = step.move.apply(*where)
    assert abs(seen[0] - where[0]) < 0.35 and abs(seen[1] - where[1]) < 0.35


def test_photometric_steps_keep_alpha_and_noise_repeats_with_its_seed() -> None:
    rgba = Image.new("RGBA", (40, 30), (120, 80, 40, 200))
    rgba.putpixel((3, 3), (0, 0, 0, 7))
    steps = draw_all(parse_pipeline("noise:20;brightness:1.3;contrast:0.7"),
                     random.Random(5), 40, 30)
    once = pixels.apply(pixels.Picture(rgba, False), steps)
    again = pixels.apply(pixels.Picture(rgba, False), steps)
    assert once.encode() == again.encode()
    assert once.image.getchannel("A").tobytes() == rgba.getchannel("A").tobytes()
    assert once.image.convert("RGB").tobytes() != rgba.convert("RGB").tobytes()
    other = draw_all(parse_pipeline("noise:20"), random.Random(6), 40, 30)
    assert pixels.apply(pixels.Picture(rgba, False), other).encode() != pixels.apply(
        pixels.Picture(rgba, False), steps[:1]).encode()


def test_bytes_that_are_no_image_are_refused() -> None:
    with pytest.raises(ValueError, match="not a readable image"):
        pixels.decode(b"GIF89a not really")
    with pytest.raises(ValueError, match="not a readable image"):
        pixels.size_of(b"")
