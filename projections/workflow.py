"""The workflow graph as interfaces use it: caught up, resolved, queried, drawn.

One :class:`Workflow` per ledger (``ledger.workflow``), built by the composition root:
it holds the tracked view, catches it up through the ledger's projection runner before
each question (a pull: cheap when nothing is new, and correct on SQLite, which has no
push subscriptions), and turns what users type (a project name, ``cats@2``, a session
id, ``model_weight:s3://...``) into node ids.

Every question takes ``as_of`` (the graph as it stood then, names and item paths as they
were then) and ``only``: the project a caller limited to one may read (None: every
project). Its graph is then the readable sub-graph (:mod:`projections.workflow_scope`),
cut once per graph and kept while that graph is current, and every answer, including a
node not found, comes from it.
"""

from __future__ import annotations

import re
import weakref
from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

import networkx as nx

from application.access.authorization import resolve_project_in
from domain.errors import NotFoundError, ValidationError
from domain.session import NODE_TYPES
from domain.times import parse_time
from projections import workflow_queries as q
from projections.runner import ProjectionRunner
from projections.workflow_graph import WorkflowView
from projections.workflow_ids import KIND_OF_TYPE, node_id, ref_of
from projections.workflow_scope import readable_subgraph

if TYPE_CHECKING:
    from application.projects.projects import Projects

_VERSION = re.compile(r"^(?P<project>.+?)@v?(?P<number>\d+)$")


class Workflow:
    """The workflow read model: its view, the runner that catches it up, and the projects
    service that resolves the names users type."""

    def __init__(self, projects: Projects, view: WorkflowView,
                 runner: ProjectionRunner) -> None:
        self.projects = projects
        self.view = view
        self.runner = runner
        self._scoped: weakref.WeakKeyDictionary[nx.MultiDiGraph, dict[UUID, nx.MultiDiGraph]] \
            = weakref.WeakKeyDictionary()

    def refresh(self) -> int:
        """Apply what the log holds beyond the view's position; returns how many."""
        return self.runner.catch_up(self.view)

    def graph(self, as_of: str | float | datetime | None = None,
              only: UUID | None = None) -> nx.MultiDiGraph:
        """The graph now (or then); with ``only``, the part a reader of that project sees."""
        self.refresh()
        g = self.view.graph(parse_time(as_of, field="as_of"))
        if only is None:
            return g
        cuts = self._scoped.setdefault(g, {})
        if only not in cuts:
            wanted = str(only)
            cuts[only] = readable_subgraph(g, lambda project: project == wanted)
        return cuts[only]

    def rebuild(self) -> int:
        self.view.reset()
        return self.refresh()

    def resolve(self, ref: str, g: nx.MultiDiGraph | None = None) -> str:
        """A node id from what a user typed; NotFoundError if the graph lacks it. A project
        name is a name now, or failing that the name the graph gives (a graph as of a past
        time knows a project by the name it had then)."""
        g = self.graph() if g is None else g
        for candidate in self._candidates(ref.strip()):
            if candidate in g:
                return candidate
        named = _named_in(g, ref.strip())
        if named is not None and named in g:
            return named
        raise NotFoundError("workflow node", ref)

    def _candidates(self, ref: str) -> list[str]:
        found = [ref]
        kind, _, rest = ref.partition(":")
        if kind in NODE_TYPES and rest:
            found.append(node_id(kind, rest))
        if kind in KIND_OF_TYPE.values() and rest:
            return found
        try:
            found.append(f"session:{UUID(ref)}")
            found.append(f"project:{UUID(ref)}")
        except ValueError:
            pass
        match = _VERSION.match(ref)
        try:
            if match:
                pid = self.projects.resolve(match["project"])
                found.append(f"version:{pid}@{int(match['number'])}")
            else:
                found.append(f"project:{self.projects.resolve(ref)}")
        except (NotFoundError, ValidationError):
            pass
        return found

    # -- questions -------------------------------------------------------------------------

    def upstream(self, ref: str, depth: int | None = None,
                 as_of: str | float | None = None, only: UUID | None = None) -> nx.MultiDiGraph:
        g = self.graph(as_of, only)
        return q.upstream(g, self.resolve(ref, g), depth)

    def downstream(self, ref: str, depth: int | None = None, as_of: str | float | None = None,
                   only: UUID | None = None) -> nx.MultiDiGraph:
        g = self.graph(as_of, only)
        return q.downstream(g, self.resolve(ref, g), depth)

    def around(self, ref: str | None, direction: str = "both", depth: int | None = None,
               as_of: str | float | None = None, only: UUID | None = None) -> nx.MultiDiGraph:
        """The whole graph (no ref), or what is upstream, downstream or both of a node."""
        g = self.graph(as_of, only)
        if ref is None:
            return g
        node = self.resolve(ref, g)
        if direction == "upstream":
            return q.upstream(g, node, depth)
        if direction == "downstream":
            return q.downstream(g, node, depth)
        return q.around(g, node, depth)

    def trained_on(self, project: str, item: str, as_of: str | float | None = None,
                   only: UUID | None = None) -> list[dict[str, Any]]:
        """Model weights trained on a version of ``project`` that contained ``item`` (a
        ``dataset/name`` path as it was then, with ``as_of``)."""
        g = self.graph(as_of, only)
        project_id = resolve_project_in(self.projects, project, only)
        item_id = self._item(project_id, item, parse_time(as_of, field="as_of"))
        return q.trained_on_item(g, self.projects.states, project_id, item_id)

    def provenance(self, ref: str, depth: int | None = None, as_of: str | float | None = None,
                   only: UUID | None = None) -> dict[str, Any]:
        g = self.graph(as_of, only)
        return q.provenance(g, self.resolve(ref, g), depth)

    def _item(self, project_id: UUID, ref: str, as_of: float | None) -> UUID:
        """An item by id (even if removed since) or by its ``dataset/name`` path: as it was
        at ``as_of`` (an item removed or renamed since is found by its old path), else now."""
        try:
            item_id = UUID(ref)
        except ValueError:
            then = None if as_of is None else self._item_then(project_id, ref, as_of)
            return then or self.projects.resolve_item(project_id, ref)
        if self.projects.core.store.project_of(item_id) != project_id:
            raise NotFoundError("item", ref)
        return item_id

    def _item_then(self, project_id: UUID, path: str, as_of: float) -> UUID | None:
        """The item at ``dataset/name`` in the project's state at ``as_of``, if any (one
        pass over that state's items: only asked for with a past time)."""
        states = self.projects.states
        position = states.position_of(project_id, as_of=as_of)
        if position == 0:
            return None
        manifest = states.manifest_at(project_id, position)
        meta = states.meta_at(project_id, manifest.meta_version)
        for item in states.items_at(manifest):
            if item.id is not None and f"{meta.dataset_path(item.dataset_id)}/{item.name}" == path:
                return item.id
        return None



def _named_in(g: nx.MultiDiGraph, ref: str) -> str | None:
    """The project node (or its version, for ``<name>@<n>``) the graph names ``ref``, when
    exactly one project bore that name."""
    match = _VERSION.match(ref)
    name = match["project"] if match else ref
    named = [n for n, a in g.nodes(data=True)
             if a.get("kind") == "project" and a.get("name") == name]
    if len(named) != 1:
        return None
    return f"version:{ref_of(named[0])}@{int(match['number'])}" if match else named[0]
