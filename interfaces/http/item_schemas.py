"""Bodies of items, media and annotations (Supervisely's annotation JSON).

The annotation models describe the shape for OpenAPI and take JSON values as they are
(strict types: nothing is coerced); what they hold is read by
:mod:`domain.supervisely_json`, the codec the project folders are read with, so the API
accepts exactly what an import accepts (any integer id, bare tag names, null geometry
keys) and a refusal names the field. Supervisely objects keep their geometry at the top
level (``points``, ``bitmap``, ``nodes``/``edges``, ``faces``, ``vertices``, ``angle``);
which keys a shape needs is checked by the domain when the command runs.
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from pydantic import ConfigDict, Field, StrictInt, StrictStr

from interfaces.http.schemas import Id, Name, Page, RequestBody, Schema, TagValue, Text

Sha256 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$", description="Hex sha256 of the bytes")]
Pixels = Annotated[int, Field(ge=0, le=1_000_000)]
WireId = Annotated[StrictInt, Field(ge=-(2**63), lt=2**63, description=(
    "An id as Supervisely JSON carries it: any integer (imports keep negative and zero ones)"))]
Label = StrictStr | None


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
    tagId: WireId | None = None
    name: Label = None
    value: TagValue = None
    labelerLogin: Label = None
    createdAt: Label = None
    updatedAt: Label = None


SlyTags = list[SlyTag | StrictStr] | None
"""Tags as objects, or as bare tag names (older exports)."""


class SlyObject(Schema):
    """A Supervisely object; on a PATCH, only the parts given change."""

    model_config = ConfigDict(extra="allow")
    id: WireId | None = None
    classId: WireId | None = None
    classTitle: Label = None
    geometryType: Label = None
    description: Text | None = None
    labelerLogin: Label = None
    createdAt: Label = None
    updatedAt: Label = None
    tags: SlyTags = None
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
    """A PATCH: the fields given change, the rest stay. A field that is no object's (nor
    one the object carries from its source, unmodelled) is refused with 422 naming it:
    nothing is answered 200 and left undone. ``updatedAt``: as given, or else the time of
    the change when anything changed."""

    model_config = ConfigDict(extra="allow")


class ObjectPublic(SlyObject):
    id: int  # type: ignore[assignment]


class Size(Schema):
    height: Annotated[StrictInt, Field(ge=0, le=1_000_000)]
    width: Annotated[StrictInt, Field(ge=0, le=1_000_000)]


class AnnotationUpdate(RequestBody):
    """A whole annotation, as Supervisely writes ``ann/<image>.json``."""

    model_config = ConfigDict(extra="allow")
    description: Text | None = ""
    tags: SlyTags = Field(default_factory=list)
    size: Size | None = None
    objects: list[SlyObject] | None = Field(default_factory=list, max_length=100_000)


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
