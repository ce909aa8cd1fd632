"""``annoledger import ...`` and ``annoledger export ...``"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from interfaces.cli.runtime import Runtime, fail, out_console, print_json, progress_bar, runtime

if TYPE_CHECKING:
    from application import ImportResult

import_app = typer.Typer(no_args_is_help=True, help="Import a project from files.")
export_app = typer.Typer(no_args_is_help=True, help="Export a project to files.")

ProjectName = Annotated[str | None, typer.Option("--project", help="Create a project of this name")]
Into = Annotated[str | None, typer.Option("--into", help="Sync into this existing project")]
Json = Annotated[bool, typer.Option("--json", help="Machine-readable output")]


def _run(rt: Runtime, fmt: str, path: Path, project: str | None, into: str | None,
         images: Path | None) -> ImportResult:
    if (project is None) == (into is None):
        fail("give exactly one of --project NAME or --into PROJECT", 2)
    target = rt.project(into) if into else None
    with progress_bar(f"import {fmt}") as report:
        return rt.ledger.imports.from_files(fmt, path, rt.ctx, name=project, into=target,
                                            images=images, progress=report)


def _show(result: ImportResult, json: bool) -> None:
    if json:
        print_json(result.as_json())
    else:
        out_console.print(f"project {result.project}: {result.items} items, "
                          f"{result.objects} objects; {result.events} events recorded")


@import_app.command("supervisely")
def import_supervisely(ctx: typer.Context, directory: Path, project: ProjectName = None,
                       into: Into = None, json: Json = False) -> None:
    """A Supervisely project folder (meta.json, datasets with ann/ and img/)."""
    _show(_run(runtime(ctx), "supervisely", directory, project, into, None), json)


@import_app.command("coco")
def import_coco(
    ctx: typer.Context, file: Path, project: ProjectName = None, into: Into = None,
    images: Annotated[Path | None, typer.Option("--images", help="Folder of the images")] = None,
    json: Json = False,
) -> None:
    """A COCO instances JSON file."""
    _show(_run(runtime(ctx), "coco", file, project, into, images), json)


@export_app.command("supervisely")
def export_supervisely(
    ctx: typer.Context, project: str, outdir: Path,
    version: Annotated[int | None, typer.Option("--version", help="Export this version")] = None,
) -> None:
    """Write the current state (or a version's) as a Supervisely project; media are linked."""
    rt = runtime(ctx)
    pid = rt.project(project)
    with progress_bar("export") as report:
        rt.ledger.exports.to_files("supervisely", pid, outdir,
                            version if version is not None else "current", progress=report,
                            ctx=rt.ctx)
    out_console.print(f"exported to {outdir}")


def _export_for_training(ctx: typer.Context, fmt: str, project: str, outdir: Path,
                         version: int | None) -> None:
    rt = runtime(ctx)
    pid = rt.project(project)
    with progress_bar(f"export {fmt}") as report:
        rt.ledger.exports.to_files(fmt, pid, outdir,
                                   version if version is not None else "current",
                                   progress=report, ctx=rt.ctx)
    out_console.print(f"exported to {outdir}")


@export_app.command("coco")
def export_coco(
    ctx: typer.Context, project: str, outdir: Path,
    version: Annotated[int | None, typer.Option("--version", help="Export this version")] = None,
) -> None:
    """COCO instances: annotations/instances_<dataset>.json (polygons, RLE masks, boxes)."""
    _export_for_training(ctx, "coco", project, outdir, version)


@export_app.command("yolo")
def export_yolo(
    ctx: typer.Context, project: str, outdir: Path,
    version: Annotated[int | None, typer.Option("--version", help="Export this version")] = None,
    task: Annotated[str, typer.Option("--task", help="detect (boxes) or segment "
                                      "(polygons)")] = "detect",
) -> None:
    """Ultralytics YOLO: data.yaml, images/<dataset>/, labels/<dataset>/*.txt."""
    if task not in ("detect", "segment"):
        fail(f"--task: {task!r} is not detect or segment", 2)
    _export_for_training(ctx, "yolo" if task == "detect" else "yolo-segment", project,
                         outdir, version)


@export_app.command("voc")
def export_voc(
    ctx: typer.Context, project: str, outdir: Path,
    version: Annotated[int | None, typer.Option("--version", help="Export this version")] = None,
) -> None:
    """Pascal VOC: Annotations/*.xml, ImageSets/Main/<dataset>.txt, SegmentationClass/."""
    _export_for_training(ctx, "voc", project, outdir, version)
