"""Request and response bodies: one schema per direction (``XCreate``, ``XUpdate``,
``XPublic``, ``XsPublic(data, count)``). Annotations travel as Supervisely JSON.

Request bodies are checked for what no store accepts (NUL characters, broken Unicode,
integers beyond 64 bits, NaN) before any command runs, naming the offending field.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictFloat,
    StrictInt,
    StrictStr,
    model_validator,
)

Name = Annotated[str, Field(min_length=1, max_length=255)]
Text = Annotated[str, Field(max_length=10_000)]
Color = Annotated[str, Field(pattern=r"^#[0-9A-Fa-f]{6}$")]
Shape = Literal["point", "rectangle", "polygon", "line", "bitmap", "graph", "cuboid",
                "cuboid_2d", "oriented_bbox", "alpha_mask", "any"]
ValueType = Literal["none", "any_string", "any_number", "oneof_string"]
Applicable = Literal["all", "imagesOnly", "objectsOnly"]
Role = Literal["auditor", "annotator", "manager", "admin"]
TagValue = StrictStr | StrictInt | StrictFloat | None
Id = Annotated[int, Field(ge=0, lt=2**63)]

_INT_RANGE = 2**63


def _query_bool(value: Any) -> Any:
    """Only the spellings OpenAPI clients send: pydantic alone would read 0, yes, on..."""
    if isinstance(value, str) and value not in ("true", "false"):
        raise ValueError(f"'{value}' is not a boolean (true or false)")
    return value


QueryBool = Annotated[bool, BeforeValidator(_query_bool)]


def check_json(value: Any, path: str) -> None:
    """Refuse values no database or JSON encoder takes; ``path`` names where."""
    if isinstance(value, str):
        if "\x00" in value:
            raise ValueError(f"{path}: NUL characters are not allowed")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError(f"{path}: not valid Unicode text") from None
    elif isinstance(value, bool):
        return
    elif isinstance(value, int):
        if not -_INT_RANGE <= value < _INT_RANGE:
            raise ValueError(f"{path}: integer out of the 64-bit range")
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{path}: numbers must be finite")
    elif isinstance(value, dict):
        for k, v in value.items():
            check_json(k, path)
            check_json(v, f"{path}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            check_json(v, f"{path}[{i}]")


class Schema(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RequestBody(Schema):
    @model_validator(mode="before")
    @classmethod
    def _storable(cls, data: Any) -> Any:
        check_json(data, "body")
        return data


class Page(Schema):
    count: int = Field(description="How many match the filter (all pages)")


# -- projects ----------------------------------------------------------------------------

class ProjectCreate(RequestBody):
    name: Name


class ProjectUpdate(RequestBody):
    name: Name


class ProjectPublic(Schema):
    id: UUID
    name: str
    items: int
    objects: int
    position: int = Field(description="The project log's last position")
    digest: str = Field(description="Content digest of the current state")


class ProjectsPublic(Page):
    data: list[ProjectPublic]


class ImportPublic(Schema):
    project: UUID
    items: int
    objects: int
    events: int


# -- meta --------------------------------------------------------------------------------

class DatasetCreate(RequestBody):
    name: Name
    parent_id: Id | None = None
    description: Text = ""


class DatasetUpdate(RequestBody):
    name: Name | None = None
    parent_id: Id | None = Field(None, description="Give null to move to the top level")
    description: Text | None = None


class DatasetPublic(Schema):
    id: int
    name: str
    parent_id: int | None
    path: str
    description: str = ""


class DatasetsPublic(Page):
    data: list[DatasetPublic]


class ClassCreate(RequestBody):
    title: Name
    shape: Shape
    color: Color = "#000000"
    geometry_config: dict[str, Any] | None = None


class ClassUpdate(RequestBody):
    title: Name | None = None
    shape: Shape | None = None
    color: Color | None = None
    geometry_config: dict[str, Any] | None = None


class ClassPublic(Schema):
    id: int
    title: str
    shape: str
    color: str
    geometry_config: dict[str, Any] | None


class ClassesPublic(Page):
    data: list[ClassPublic]


class TagMetaCreate(RequestBody):
    name: Name
    value_type: ValueType = "none"
    values: list[Name] = Field(default_factory=list, max_length=1000)
    color: Color = "#000000"
    applicable_type: Applicable = "all"
    classes: list[Name] = Field(default_factory=list, max_length=1000)


class TagMetaUpdate(RequestBody):
    name: Name | None = None
    value_type: ValueType | None = None
    values: list[Name] | None = Field(None, max_length=1000)
    color: Color | None = None
    applicable_type: Applicable | None = None
    classes: list[Name] | None = Field(None, max_length=1000)


class TagMetaPublic(Schema):
    id: int
    name: str
    value_type: str
    values: list[str]
    color: str
    applicable_type: str
    classes: list[str]


class TagMetasPublic(Page):
    data: list[TagMetaPublic]


# -- versions, log, tokens ---------------------------------------------------------------

class VersionCreate(RequestBody):
    title: Annotated[str, Field(max_length=255)] = ""
    description: Text = ""


class VersionPublic(Schema):
    number: int
    title: str
    description: str
    author: str
    created_at: str
    position: int
    digest: str
    items: int = Field(description="Items in the version")
    objects: int = Field(description="Annotation objects in the version")


class VersionsPublic(Page):
    data: list[VersionPublic]


class RestoreRequest(RequestBody):
    name: Name | None = Field(None, description="Default: '<name>, from ver. <n>'")
    datasets: list[Name] | None = Field(None, description="Only these datasets (names or paths)")


class RevertPublic(Schema):
    project: UUID
    events: int
    digest: str


class DiffPublic(Schema):
    model_config = ConfigDict(extra="allow")
    items: dict[str, list[str]]
    objects: dict[str, Any]
    classes: dict[str, list[int]]
    tags: dict[str, Any]
    meta: dict[str, list[str]]


class EventPublic(Schema):
    position: int
    time: str
    actor: str
    type: str
    stream: UUID
    version: int
    session: UUID | None
    data: dict[str, Any]


class EventsPublic(Page):
    data: list[EventPublic]


class TokenCreate(RequestBody):
    role: Role
    project: Annotated[str, Field(min_length=1, max_length=255)] | None = Field(
        None, description="Limit the token to this project (id or name)")
    name: Annotated[str, Field(max_length=255)] = ""


class TokenPublic(Schema):
    id: UUID
    role: str
    project_id: UUID | None
    name: str
    issued_by: str
    issued_at: str
    revoked: bool


class TokenIssued(TokenPublic):
    token: str = Field(description="The bearer token: shown this once, stored only hashed")


class TokensPublic(Page):
    data: list[TokenPublic]


class PrincipalPublic(Schema):
    token_id: UUID
    role: str
    project_id: UUID | None
    name: str


class ProblemPublic(Schema):
    """RFC 9457 problem details; extension members name the field, id or current ETag."""

    model_config = ConfigDict(extra="allow")
    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None
