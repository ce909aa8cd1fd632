"""Value objects: small immutable records that events carry and aggregates hold.

Ids of classes, tag metas, datasets and objects are integers local to a project, so a
restored project keeps them and a state's digest does not depend on where it lives.
Timestamps are ISO 8601 strings, kept exactly as received, so exports round-trip.

Fields a source format carries that are not modelled are kept as opaque JSON data in the
``extra`` mappings (trailing fields, so events stored before them still load): never
dropped, written back as given. Like every value, they are never changed in place.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Self
from uuid import UUID


class Immutable:
    """Values are never changed in place (changes build new ones), so copies share them.

    Aggregates are deep-copied out of the repository cache before each command; without
    this, copying an item would copy every coordinate of every geometry.
    """

    __slots__ = ()

    def __copy__(self) -> Self:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> Self:
        return self

SHAPES: tuple[str, ...] = (
    "point",
    "rectangle",
    "polygon",
    "line",
    "bitmap",
    "graph",
    "cuboid",
    "cuboid_2d",
    "oriented_bbox",
    "alpha_mask",
    "any",
)
"""Supervisely's shape names; ``any`` is a class that accepts every geometry."""

TAG_VALUE_TYPES: tuple[str, ...] = ("none", "any_string", "any_number", "oneof_string")


@dataclass(frozen=True, slots=True)
class MediaLink(Immutable):
    """Where an item's pixels live. Media are linked by URI and sha256, never copied."""

    uri: str
    sha256: str
    size: int
    width: int
    height: int


@dataclass(frozen=True, slots=True)
class ObjectClass(Immutable):
    id: int
    title: str
    shape: str
    color: str = "#000000"
    geometry_config: dict[str, Any] | None = None
    extra: dict[str, Any] = field(default_factory=dict, hash=False)
    """Fields of the class's ``meta.json`` entry that are not modelled (``hotkey``...)."""


@dataclass(frozen=True, slots=True)
class TagMeta(Immutable):
    id: int
    name: str
    value_type: str = "none"
    values: tuple[str, ...] = ()
    color: str = "#000000"
    applicable_type: str = "all"
    classes: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict, hash=False)
    """Fields of the tag meta's ``meta.json`` entry that are not modelled (``hotkey``...)."""


@dataclass(frozen=True, slots=True)
class Tag(Immutable):
    """A tag on an item or an object; ``meta_id`` names its :class:`TagMeta`."""

    meta_id: int
    value: str | float | None = None
    labeler: str = ""
    created_at: str = ""
    updated_at: str = ""
    id: int | None = None
    """The tag's own id where the source gave one (Supervisely's tag id); None: none."""
    extra: dict[str, Any] = field(default_factory=dict, hash=False)
    """Fields of the tag's JSON that are not modelled, kept as given (see module doc)."""


@dataclass(frozen=True, slots=True)
class AnnotationObject(Immutable):
    """One labelled object: its class, geometry (Supervisely's JSON form) and tags."""

    id: int
    class_id: int
    geometry: dict[str, Any]
    tags: tuple[Tag, ...] = ()
    labeler: str = ""
    created_at: str = ""
    updated_at: str = ""
    description: str = ""
    extra: dict[str, Any] = field(default_factory=dict, hash=False)
    """Fields of the object's JSON that are not modelled, kept as given."""


@dataclass(frozen=True, slots=True)
class Dataset(Immutable):
    id: int
    name: str
    parent_id: int | None = None
    description: str = ""


@dataclass(frozen=True, slots=True)
class ItemInfo(Immutable):
    """What a Supervisely project says of an item beyond its media link, tags, objects
    and description: ``img_info/<item>.json`` (the platform's ImageInfo), the item's own
    meta dict (``meta/<item>.json``, user data) and the fields of ``ann/<item>.json`` we
    do not model. Kept so that an export gives back what was imported.

    None in ``id``, ``created_at``, ``updated_at``: the source gave none. ``info_extra``
    holds the ImageInfo fields not modelled here nor in the media link (``mime``,
    ``labels_count``, ``path_original``...), and any modelled one whose value the model
    could not take (a null ``width``), so it is written back as given.
    """

    id: int | None = None
    created_at: str | None = None
    updated_at: str | None = None
    meta: dict[str, Any] = field(default_factory=dict, hash=False)
    info_extra: dict[str, Any] = field(default_factory=dict, hash=False)
    ann_extra: dict[str, Any] = field(default_factory=dict, hash=False)


@dataclass(frozen=True, slots=True)
class Version(Immutable):
    """A named checkpoint over a project's log."""

    number: int
    title: str
    description: str
    author: str
    created_at: str
    position: int
    digest: str


@dataclass(frozen=True, slots=True)
class Provenance(Immutable):
    """Where a restored or derived project came from: recorded in its first event."""

    project_id: UUID
    project_name: str
    version: int
    position: int
    digest: str
    operation: str = ""
    """The data operation that derived the project from the version ("" for a restore)."""
    by_reference: bool = False
    """The project's items refer to the version's item states instead of copies of them
    (a restore since restores by reference: :mod:`application.core.references`)."""


@dataclass(frozen=True, slots=True)
class Context(Immutable):
    """Who causes a change, and through which app session (if any)."""

    actor: str
    session_id: UUID | None = None
    extra: dict[str, Any] = field(default_factory=dict)
