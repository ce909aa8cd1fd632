"""COCO ``file_name`` values with folders (``train/a.jpg``) as nested datasets.

Real COCO files often name images relative to a root that holds one folder per split.
A folder becomes a top-level dataset (``train``), each deeper folder a child of the one
above it (``a/b/c.jpg``: ``a`` -> ``b``, item ``c.jpg``); a name without a folder goes to
the dataset named after the COCO file. Exported, the datasets become the Supervisely
project's dataset folders, so the split structure survives a round trip.
"""

from __future__ import annotations

from domain.errors import ValidationError
from domain.names import check_dataset_name, check_item_name
from domain.values import Dataset

ROOT_ID = 1
"""The dataset named after the COCO file, for images named without a folder."""


class Folders:
    """The datasets a COCO file's image names make, built as names are placed."""

    def __init__(self, root_name: str) -> None:
        self.datasets: dict[int, Dataset] = {ROOT_ID: Dataset(ROOT_ID, root_name)}
        # A top-level folder named like the file is that file's dataset, not a sibling
        # with the same name.
        self._by_path: dict[tuple[str, ...], int] = {(root_name,): ROOT_ID}
        self._root_used = False

    def place(self, file_name: str, field: str) -> tuple[int, str]:
        """The dataset id and item name for ``file_name``; ``field`` names it in errors
        (absolute paths, ``.``, ``..``, empty parts and names the rule refuses)."""
        if file_name.startswith("/") or "\\" in file_name:
            raise ValidationError(field, f"{file_name!r} must be a relative path with '/'")
        *folders, leaf = file_name.split("/")
        for part in (*folders, leaf):
            if part in ("", ".", ".."):
                raise ValidationError(
                    field, f"{file_name!r}: a path part may not be empty, '.' or '..'")
        try:
            check_item_name(leaf, field)
            for part in folders:
                check_dataset_name(part, field)
        except ValidationError as exc:
            raise ValidationError(field, f"{file_name!r}: {exc.message}") from None
        dataset_id = self._dataset(tuple(folders)) if folders else ROOT_ID
        self._root_used = self._root_used or dataset_id == ROOT_ID
        return dataset_id, leaf

    def _dataset(self, path: tuple[str, ...]) -> int:
        found = self._by_path.get(path)
        if found is not None:
            return found
        parent = self._dataset(path[:-1]) if len(path) > 1 else None
        dataset_id = max(self.datasets) + 1
        self.datasets[dataset_id] = Dataset(dataset_id, path[-1], parent)
        self._by_path[path] = dataset_id
        return dataset_id

    def used(self) -> dict[int, Dataset]:
        """The datasets, without the file's own one when every image is in a folder."""
        parent = any(d.parent_id == ROOT_ID for d in self.datasets.values())
        if self._root_used or parent or len(self.datasets) == 1:
            return self.datasets
        return {i: d for i, d in self.datasets.items() if i != ROOT_ID}
