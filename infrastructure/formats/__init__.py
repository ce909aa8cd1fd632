"""Import and export formats: Supervisely (read and write) and COCO instances (read)."""

from infrastructure.formats.coco import read_coco
from infrastructure.formats.supervisely import read_supervisely
from infrastructure.formats.supervisely_writer import write_supervisely

__all__ = ["read_coco", "read_supervisely", "write_supervisely"]
