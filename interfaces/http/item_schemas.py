"""Bodies of items, media and annotations (Supervisely's annotation JSON).

Supervisely objects keep their geometry at the top level (``points``, ``bitmap``,
``nodes``/``edges``, ``faces``, ``vertices``, ``angle``); which keys a shape needs is
checked by the domain when the command runs, and a refusal names the field.
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from pydantic import ConfigDict, Field

from interfaces.http.schemas import Id, Name, Page, RequestBody, Schema, TagValue, Text

Sha256 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$", description="Hex sha256 of the bytes")]
Pixels = Annotated[int, Field(ge=0, le=1_000_000)]


class MediaIn(Schema):
    uri: Annotated[str, Field(min_length=1, max_length=4096, description=(
        "A link from POST /api/v1/media (annoledger:media:<sha256>), or a URI of an allowed "
        "scheme (https, http, s3, gs, az by default). Never a file of the server."))]
    sha256: Sha256
    size: Annotated[int, Field(ge=0, lt=2**53)]
    width: Pixels
    height: Pixels


class MediaPublic(Schema):
    uri: str
    sha256: Annotated[str, Field(pattern=r"^([0-9a-f]{64})?$", description=(
        "Hex sha256 of the bytes; empty for an image imported with neither file nor link"))]
    size: Annotated[int, Field(ge=0)]
    width: int
    height: int


class SlyTag(Schema):
    model_config = ConfigDict(extra="allow")
    tagId: Id | None = None
    name: str | None = None
    value: TagValue = None
    labelerLogin: str | None = None
    createdAt: str | None = None
    updatedAt: str | None = None


class SlyObject(Schema):
    """A Supervisely object; on a PATCH, only the parts given change."""

    model_config = ConfigDict(extra="allow")
    id: Id | None = None
    classId: Id | None = None
    classTitle: str | None = None
    geometryType: str | None = None
    description: Text | None = None
    labelerLogin: str | None = None
    createdAt: str | None = None
    updatedAt: str | None = None
    tags: list[SlyTag] | None = None
    points: Any = Field(None, description="{exterior, interior} rings, or a cuboid's points")
    bitmap: Any = Field(None, description="{origin: [x, y], data: base64 zlib PNG}")
    nodes: Any = None
    edges: Any = None
    faces: Any = None
    vertices: Any = None
    angle: Any = None


class ObjectCreate(SlyObject, RequestBody):
    model_config = ConfigDict(extra="allow")


class ObjectUpdate(SlyObject, RequestBody):
    model_config = ConfigDict(extra="allow")


class ObjectPublic(SlyObject):
    id: int  # type: ignore[assignment]


class Size(Schema):
    height: Pixels
    width: Pixels


class AnnotationUpdate(RequestBody):
    """A whole annotation, as Supervisely writes ``ann/<image>.json``."""

    model_config = ConfigDict(extra="allow")
    description: Text = ""
    tags: list[SlyTag] = Field(default_factory=list)
    size: Size | None = None
    objects: list[SlyObject] = Field(default_factory=list, max_length=100_000)


class AnnotationPublic(Schema):
    description: str
    tags: list[SlyTag]
    size: Size
    objects: list[ObjectPublic]


class ObjectAdded(Schema):
    id: int
    version: int = Field(description="The item's new version (its ETag)")


class ItemCreate(RequestBody):
    dataset_id: Id
    name: Name
    media: MediaIn
    annotation: AnnotationUpdate | None = None


class ItemUpdate(RequestBody):
    dataset_id: Id | None = None
    name: Name | None = None


class ItemTagSet(RequestBody):
    value: TagValue = None


class ItemSummary(Schema):
    id: UUID
    dataset_id: int
    name: str
    version: int
    objects: int


class ItemsPublic(Page):
    data: list[ItemSummary]


class ItemPublic(ItemSummary):
    project_id: UUID
    dataset: str = Field(description="The dataset's path")
    media: MediaPublic
    tags: list[SlyTag]
