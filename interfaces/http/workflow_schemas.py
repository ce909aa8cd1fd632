"""Bodies of the sessions and workflow routes (one schema per direction)."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import Field, StrictBool, StrictInt

from application import SessionView
from domain.session import NodeRef
from interfaces.http.schemas import Page, RequestBody, Schema

Kind = Literal["import", "labeling_job", "augmentation", "transformation", "split", "merge",
               "filter", "training", "evaluation", "export", "other"]
NodeType = Literal["project", "project_version", "dataset", "file", "model_weight", "folder",
                   "task", "job", "app_session", "report"]
Status = Literal["succeeded", "failed", "cancelled"]
Short = Annotated[str, Field(max_length=2000)]


class NodeIn(RequestBody):
    type: NodeType
    ref: Annotated[str, Field(min_length=1, max_length=2000,
                              description="A project id or name; <project>@<n> for a "
                                          "version; any reference for other types")]
    title: Short = ""
    description: Annotated[str, Field(max_length=10_000)] = ""
    link: Short = ""

    def node(self) -> NodeRef:
        return NodeRef(self.type, self.ref, self.title, self.description, self.link)


class NodePublic(Schema):
    type: str
    ref: str
    title: str
    description: str
    link: str


class SessionCreate(RequestBody):
    app: Annotated[str, Field(min_length=1, max_length=255)]
    kind: Kind
    parameters: dict[str, Any] = Field(default_factory=dict)
    auto_version: StrictBool = Field(False, description="Inputs naming a project read a "
                                                        "version (always so for training)")
    inputs: list[NodeIn] = Field(default_factory=list, max_length=1000)


class ProgressIn(RequestBody):
    done: Annotated[StrictInt, Field(ge=0, lt=2**53)]
    total: Annotated[StrictInt, Field(ge=0, lt=2**53)]
    message: Short = ""


class FinishIn(RequestBody):
    status: Status = "succeeded"


class ProgressPublic(Schema):
    done: int
    total: int
    message: str


class SessionPublic(Schema):
    id: UUID
    app: str
    kind: str
    actor: str
    status: str
    parameters: dict[str, Any]
    auto_version: bool
    inputs: list[NodePublic]
    outputs: list[NodePublic]
    progress: ProgressPublic
    started_at: str = Field(description="When it started: its OpenLineage eventTime if it "
                                        "came with one, else when it was recorded")
    updated_at: str
    finished_at: str | None = Field(description="When it finished (same rule); null while "
                                                "running")

    @classmethod
    def of(cls, view: SessionView) -> SessionPublic:
        return cls.model_validate(view.as_json())


class SessionsPublic(Page):
    data: list[SessionPublic]


class LineageAccepted(Schema):
    kind: str = Field(description="run, or the type of the declared node")
    id: str
    applied: bool = Field(description="False when the event had been received before")
