"""``annoledger ops ...``: data operations, each recorded as a reproducible app session.

Every command reads a version of PROJECT (``--version N``, default the latest, created
first when the project changed since), writes a new project (``--name``, default
``"<source> · <operation>"``) or, with ``--in-place``, new events in PROJECT, and prints
the session, the project written, the version read and the counts (``--json``:
``{"session", "project", "source_version", "items", "objects"}``). A bad parameter is
refused naming it, and nothing is written.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any
from uuid import UUID

import typer

from interfaces.cli.runtime import fail, out_console, print_json, progress_bar, runtime

if TYPE_CHECKING:
    from application import OperationResult

app = typer.Typer(no_args_is_help=True,
                  help="Data operations (split, merge, augment...) recorded with their "
                       "parameters and seed; re-run to the same digest.")
Version = Annotated[int | None, typer.Option("--version", help="Read this version "
                                             "(default: the latest, created if needed)")]
Name = Annotated[str | None, typer.Option("--name", help="Name of the new project")]
InPlace = Annotated[bool, typer.Option("--in-place", help="Record the result as new events "
                                       "in PROJECT instead of a new project")]
Seed = Annotated[int | None, typer.Option("--seed", help="Seed of every random choice "
                                          "(default: drawn, and recorded)")]
Json = Annotated[bool, typer.Option("--json", help="Machine-readable output")]


def _run(ctx: typer.Context, project: str, operation: str, params: dict[str, Any],
         version: int | None, name: str | None, in_place: bool, seed: int | None,
         json: bool) -> None:
    rt = runtime(ctx)
    pid = rt.project(project)
    with progress_bar(f"ops {operation}") as report:
        result = rt.ledger.operations.run(pid, operation, params, rt.ctx, version=version,
                                          name=name, in_place=in_place, seed=seed,
                                          progress=report)
    _show(ctx, result, json)


def _show(ctx: typer.Context, result: OperationResult, json: bool) -> None:
    if json:
        print_json(result.as_json())
        return
    name = runtime(ctx).ledger.projects.view(result.project).name
    out_console.print(f"session {result.session}: project {result.project} ({name}) from "
                      f"version {result.source_version}: {result.items} items, "
                      f"{result.objects} objects", markup=False, highlight=False)


@app.command("augment")
def augment(
    ctx: typer.Context, project: str,
    pipeline: Annotated[str, typer.Option("--pipeline", help="Steps separated by ';': "
                                          "fliplr, rotate:DEG, crop:F, blur:SIGMA...")],
    copies: Annotated[int | None, typer.Option("--copies", help="Augmented items per "
                                               "source item")] = None,
    replace: Annotated[bool, typer.Option("--replace", help="Drop the originals")] = False,
    version: Version = None, name: Name = None, in_place: InPlace = False, seed: Seed = None,
    json: Json = False,
) -> None:
    """New pixels (flips, rotations, crops, blur, noise...) with every geometry moved."""
    params: dict[str, Any] = {"pipeline": pipeline}
    if copies is not None:
        params["copies"] = copies
    if replace:
        params["replace"] = True
    _run(ctx, project, "augment", params, version, name, in_place, seed, json)


@app.command("convert")
def convert(
    ctx: typer.Context, project: str,
    object_class: Annotated[str, typer.Option("--class", help="Title of the class")],
    shape: Annotated[str, typer.Option("--shape", help="rectangle, polygon or bitmap")],
    version: Version = None, name: Name = None, in_place: InPlace = False, seed: Seed = None,
    json: Json = False,
) -> None:
    """A class's objects to another shape (rectangle, polygon, bitmap)."""
    _run(ctx, project, "convert", {"class": object_class, "shape": shape}, version, name,
         in_place, seed, json)


@app.command("rasterize")
def rasterize(
    ctx: typer.Context, project: str,
    classes: Annotated[str | None, typer.Option("--classes", help="A,B: only these "
                                                "classes (default: all)")] = None,
    version: Version = None, name: Name = None, in_place: InPlace = False, seed: Seed = None,
    json: Json = False,
) -> None:
    """Objects to non-overlapping bitmaps, later objects drawn over earlier ones."""
    params: dict[str, Any] = {} if classes is None else {"classes": classes}
    _run(ctx, project, "rasterize", params, version, name, in_place, seed, json)


@app.command("rename-classes")
def rename_classes(
    ctx: typer.Context, project: str,
    mapping: Annotated[str, typer.Option("--map", help="OLD=NEW[,OLD=NEW...]; several old "
                                         "names to one merge those classes")],
    version: Version = None, name: Name = None, in_place: InPlace = False, seed: Seed = None,
    json: Json = False,
) -> None:
    """Rename classes; several to one merges them (same shape required)."""
    _run(ctx, project, "rename-classes", {"map": mapping}, version, name, in_place, seed,
         json)


@app.command("split")
def split(
    ctx: typer.Context, project: str,
    parts: Annotated[str, typer.Option("--parts", help="NAME=RATIO,... adding up to 1, "
                                       "e.g. train=0.8,val=0.2")],
    stratify: Annotated[bool, typer.Option("--stratify", help="Keep each class's share of "
                                           "objects alike in every part")] = False,
    version: Version = None, name: Name = None, in_place: InPlace = False, seed: Seed = None,
    json: Json = False,
) -> None:
    """Every item into exactly one part; a dataset per part."""
    _run(ctx, project, "split", {"parts": parts, "stratify": stratify}, version, name,
         in_place, seed, json)


@app.command("merge")
def merge(
    ctx: typer.Context, project: str,
    datasets: Annotated[str, typer.Option("--datasets", help="A,B: datasets to merge")],
    into: Annotated[str, typer.Option("--into", help="The dataset they become")],
    version: Version = None, name: Name = None, in_place: InPlace = False, seed: Seed = None,
    json: Json = False,
) -> None:
    """The items of several datasets into one."""
    _run(ctx, project, "merge", {"datasets": datasets, "into": into}, version, name,
         in_place, seed, json)


@app.command("subsample")
def subsample(
    ctx: typer.Context, project: str,
    fraction: Annotated[float | None, typer.Option("--fraction", help="Keep this share "
                                                   "of the items")] = None,
    count: Annotated[int | None, typer.Option("--count", help="Keep this many items")] = None,
    version: Version = None, name: Name = None, in_place: InPlace = False, seed: Seed = None,
    json: Json = False,
) -> None:
    """A random share (--fraction F) or number (--count N) of the items."""
    _run(ctx, project, "subsample", {"fraction": fraction, "count": count}, version, name,
         in_place, seed, json)


@app.command("filter")
def filter_items(
    ctx: typer.Context, project: str,
    where: Annotated[str, typer.Option("--where", help="A predicate per item, as in replay "
                                       "bisect: 'count(class=\"cat\") > 0'")],
    version: Version = None, name: Name = None, in_place: InPlace = False, seed: Seed = None,
    json: Json = False,
) -> None:
    """Keep the items for which the predicate holds."""
    _run(ctx, project, "filter", {"where": where}, version, name, in_place, seed, json)


@app.command("rerun")
def rerun(ctx: typer.Context, session: str, name: Name = None, json: Json = False) -> None:
    """Rebuild a run's result from its session: same version, parameters and seed."""
    rt = runtime(ctx)
    try:
        session_id = UUID(session)
    except ValueError:
        fail(f"session: {session!r} is not a session id", 2)
    with progress_bar("ops rerun") as report:
        result = rt.ledger.operations.rerun(session_id, rt.ctx, name=name, progress=report)
    _show(ctx, result, json)


@app.command("train-set")
def train_set(
    ctx: typer.Context, project: str, outdir: Path,
    fmt: Annotated[str, typer.Option("--format", help="yolo, yolo-segment or coco")],
    parts: Annotated[str, typer.Option("--parts", help="NAME=RATIO,...; the first part is "
                                       "the training one")] = "train=0.8,val=0.2",
    augment_spec: Annotated[str | None, typer.Option("--augment", help="Augmentation "
                                                     "pipeline for the training part")] = None,
    seed: Seed = None, name: Name = None, json: Json = False,
) -> None:
    """Version, split, augment the training part, export: one recorded session per step."""
    rt = runtime(ctx)
    pid = rt.project(project)
    augment_params = None if augment_spec is None else {"pipeline": augment_spec}
    with progress_bar("ops train-set") as report:
        result = rt.ledger.operations.train_set(pid, outdir, fmt, parts, rt.ctx,
                                                augment=augment_params, seed=seed, name=name,
                                                progress=report)
    if json:
        print_json(result.as_json())
        return
    for step in result.steps:
        _show(ctx, step, False)
    out_console.print(f"session {result.export_session}: exported version "
                      f"{result.exported_version} to {result.outdir}", markup=False,
                      highlight=False)
