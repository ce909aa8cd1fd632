"""Geometry of labelled objects: checking Supervisely shapes and measuring them."""

from domain.geometry.measure import area, bbox, centroid, iou
from domain.geometry.validate import (
    GEOMETRY_KEYS,
    GEOMETRY_SHAPES,
    detect_shape,
    normalize_geometry,
)

__all__ = [
    "GEOMETRY_KEYS",
    "GEOMETRY_SHAPES",
    "area",
    "bbox",
    "centroid",
    "detect_shape",
    "iou",
    "normalize_geometry",
]
