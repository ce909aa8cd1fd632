"""The formats training code reads (COCO instances, YOLO detect and segment, Pascal
VOC), by the names exports take: imported only when one of them is written.

These writers index the whole project (image ids, class indices, names that must not
collide) before they write, so a streamed state is gathered first.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from domain.state import ProjectState, StateStream
from infrastructure.formats.coco_export import write_coco
from infrastructure.formats.supervisely_writer import Readable
from infrastructure.formats.voc import write_voc
from infrastructure.formats.yolo import write_yolo


def write_training(fmt: str, state: ProjectState | StateStream, outdir: Path,
                   readable: Readable, progress: Callable[[int, int], None] | None = None,
                   ) -> None:
    whole = state if isinstance(state, ProjectState) else gathered(state)
    if fmt == "coco":
        write_coco(whole, outdir, readable)
    elif fmt == "voc":
        write_voc(whole, outdir, readable)
    else:
        write_yolo(whole, outdir, readable, task="segment" if fmt == "yolo-segment"
                   else "detect")
    if progress is not None:
        progress(len(whole.items), len(whole.items))


def gathered(stream: StateStream) -> ProjectState:
    state = ProjectState(stream.meta)
    for batch in stream.batches:
        for item in batch:
            state.items[(item.dataset_id, item.name)] = item
    return state
