"""The data operations service: run an operation on a version, record it, re-run it.

A run reads one version of a project (the one asked for, or the latest; when the
project changed since its latest version, a version is created first, as a training
session's automatic version is), derives the result with the registered operation
(:mod:`application.operations.registry`) and writes it as a new project, whose first
event names the source version and the operation, or, ``in_place``, as new events in
the source. The run is an app session holding the operation, its canonical parameters
and its seed (drawn and recorded when none is given), with the source version as input
and the project written as output, recorded in the write's transaction
(:mod:`application.core.recorded`). So :meth:`Operations.rerun` rebuilds any result
from its session alone, to the same digest.
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any
from uuid import UUID

from application.core.loading import gc_paused
from application.core.progress import ProgressFn, no_progress
from application.core.recorded import RecordedOperations
from application.core.states import States
from application.operations import writes
from application.operations.merge import find_dataset
from application.operations.registry import registered
from application.operations.spec import MediaTools, OperationInput
from application.ports import Imaging
from application.transfer.exports import Exports
from application.versions.versions import CURRENT, Versions
from application.views.operations import OperationResult, TrainSetResult
from domain.errors import ConflictError, NoChangesError, ValidationError
from domain.names import MAX_NAME_BYTES
from domain.session import AppSession
from domain.state import ProjectState
from domain.values import Context, Provenance

MAX_SEED = 2**63 - 1
APP = "annoledger ops"


class Operations:
    """Data operations as recorded, reproducible runs."""

    def __init__(self, states: States, versions: Versions, recorded: RecordedOperations,
                 media: MediaTools, imaging: Imaging, exports: Exports) -> None:
        self.core = states.core
        self.states = states
        self.versions = versions
        self.recorded = recorded
        self.media = media
        self.imaging = imaging
        self.exports = exports

    def run(
        self, project_id: UUID, operation: str, params: Mapping[str, Any], ctx: Context, *,
        version: int | None = None, name: str | None = None, in_place: bool = False,
        seed: int | None = None, within: list[str] | None = None,
        progress: ProgressFn = no_progress,
    ) -> OperationResult:
        """Run ``operation`` on a version of the project. ``within``: only the items of
        these datasets go through the operation; the others are kept as they are."""
        entry = registered(operation)
        parse, derive = entry.load()
        parsed = parse(params)
        seed = _seed(seed)
        if in_place and name is not None:
            raise ValidationError("name", "a run in place writes into its source project")
        ref, digest = self._source(project_id, version)
        source = self.versions.state_of(project_id, ref, progress)
        rng = random.Random(seed)
        with gc_paused():
            result = _derived(source, within, lambda state: derive(
                OperationInput(state, rng, self.media, self.imaging, progress), parsed))
        result = _with_ids(result, rng)
        number = ref if isinstance(ref, int) else self.version_read(
            project_id, None, ctx, operation, digest)
        source_version = self.versions.get(project_id, number)
        recorded = self.recorded
        session, inner = recorded.open(entry.kind, f"{APP} {operation}", ctx, {
            "operation": operation, "params": parsed, "seed": seed,
            "project": str(project_id), "version": number, "in_place": in_place,
            "name": name, "within": within})
        inputs = [recorded.version_node(project_id, number, source_version.title)]
        if in_place:
            target = project_id
            batches = writes.in_place(self.core, project_id, result, inner, progress)
        else:
            source_name = self.core.get_project(project_id).name
            new_name = name or self.derived_name(source_name, operation)
            self.core.check_name_free(new_name)
            result.meta = replace(result.meta, name=new_name)
            provenance = Provenance(project_id, source_name, number, source_version.position,
                                    source_version.digest, operation)
            target, batches = writes.new_project(source, result, inner, provenance, progress)
        with gc_paused():
            self.core.write_batches(batches, then=lambda: recorded.closing(
                session, inputs, [recorded.project_node(target)]))
        self.core.maybe_snapshot(target)
        head = self.states.head(target)
        return OperationResult(session.id, target, number, head.items, head.objects)

    def rerun(self, session_id: UUID, ctx: Context, *, name: str | None = None,
              progress: ProgressFn = no_progress) -> OperationResult:
        """The run recorded by ``session_id`` again, from the same version, parameters
        and seed, into a new project (a run in place is rebuilt beside its source)."""
        session = self.core.get(session_id, AppSession, "session")
        p = session.parameters
        if not session.app.startswith(APP + " ") or "operation" not in p:
            raise ValidationError("session", f"session {session_id} ({session.app}) is not "
                                             f"a data operation run")
        return self.run(UUID(p["project"]), p["operation"], p["params"], ctx,
                        version=p["version"], name=name, seed=p["seed"],
                        within=p.get("within"), progress=progress)

    def train_set(
        self, project_id: UUID, outdir: Path, fmt: str, parts: str | Mapping[str, Any],
        ctx: Context, *, augment: Mapping[str, Any] | None = None, seed: int | None = None,
        name: str | None = None, progress: ProgressFn = no_progress,
    ) -> TrainSetResult:
        """Version, split into ``parts``, augment the first part (the training one) when
        ``augment`` gives its parameters, then export in ``fmt``: one recorded session
        per step, each reading the version the step before wrote."""
        seed = _seed(seed)
        train = next(iter(registered("split").load()[0]({"parts": parts})["parts"]))
        if augment is not None:
            registered("augment").load()[0](augment)  # refused before anything is written
        split = self.run(project_id, "split", {"parts": parts}, ctx, seed=seed, name=name,
                         progress=progress)
        steps = [split]
        if augment is not None:
            steps.append(self.run(split.project, "augment", augment, ctx, seed=seed,
                                  within=[train], progress=progress))
        last = steps[-1].project
        number = self.version_read(last, None, ctx, "export")
        recorded = self.recorded
        session, inner = recorded.open("export", f"annoledger export {fmt}", ctx, {
            "format": fmt, "project": str(last), "version": number, "outdir": str(outdir)})
        self.exports.to_files(fmt, last, outdir, version=number, progress=progress,
                               ctx=inner)
        recorded.close(session, [recorded.version_node(last, number)],
                       [recorded.path_node(outdir)])
        return TrainSetResult(tuple(steps), session.id, number, outdir)

    def _source(self, project_id: UUID, version: int | None) -> tuple[int | str, str]:
        """What a run reads: the version asked for, else the latest when the project
        equals it, else the current state (its version is created once the operation
        has succeeded, so a refused run writes nothing); and that state's digest."""
        if version is not None:
            return version, self.versions.get(project_id, version).digest
        head = self.states.head(project_id)
        latest = self.core.get_project(project_id).latest_version
        if latest is not None and latest.digest == head.digest:
            return latest.number, latest.digest
        return CURRENT, head.digest

    def version_read(self, project_id: UUID, version: int | None, ctx: Context,
                     reader: str, digest: str | None = None) -> int:
        """The version a step reads: the one asked for, else the latest, created first
        when the project changed since (recorded as its own session, like any version).
        ``digest``: the state the step read, which that version must hold."""
        if version is not None:
            return self.versions.get(project_id, version).number
        try:
            made = self.versions.create(project_id, ctx, f"read by {APP} {reader}")
        except NoChangesError as exc:
            made = self.versions.get(project_id, exc.latest)
        if digest is not None and made.digest != digest:
            raise ConflictError(f"project {project_id} changed while {reader} read it: "
                                f"run it again")
        return made.number

    def derived_name(self, source: str, operation: str) -> str:
        """``<source> · <operation>``, numbered `` (2)``, `` (3)``... when taken, the
        source shortened so the whole stays within the longest name a project may carry."""
        taken = {h.name for h in self.core.store.heads()}
        for n in range(1, len(taken) + 2):
            suffix = f" · {operation}" + (f" ({n})" if n > 1 else "")
            room = MAX_NAME_BYTES - len(suffix.encode("utf-8"))
            head = source.encode("utf-8")[:room].decode("utf-8", errors="ignore").rstrip()
            if (candidate := head + suffix) not in taken:
                return candidate
        raise AssertionError("unreachable: more candidates than names taken")


def _seed(seed: int | None) -> int:
    if seed is None:
        return secrets.randbelow(2**32)
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= MAX_SEED:
        raise ValidationError("seed", f"{seed!r} must be a whole number from 0 to {MAX_SEED}")
    return seed


def _derived(source: ProjectState, within: list[str] | None, derive: Any) -> ProjectState:
    """The operation's result; with ``within``, on those datasets' items only, the other
    items kept as they are."""
    if within is None:
        result: ProjectState = derive(source)
        return result
    chosen = {find_dataset(source.meta, ref, f"within.{ref}").id for ref in within}
    part = ProjectState(source.meta, {k: i for k, i in source.items.items()
                                      if i.dataset_id in chosen})
    result = derive(part)
    for key, item in source.items.items():
        if item.dataset_id not in chosen:
            result.items[key] = item
    return result


def _with_ids(result: ProjectState, rng: random.Random) -> ProjectState:
    """Objects an operation made without an id get one drawn from the run's seed, so a
    re-run gives them the same ids (and the result the same digest)."""
    for key, item in result.items.items():
        if not all(o.id for o in item.objects):
            result.items[key] = replace(item, objects=tuple(
                o if o.id else replace(o, id=rng.getrandbits(52) | (1 << 52))
                for o in item.objects))
    return result
