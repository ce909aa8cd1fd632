"""The composed ledger builds each part once, when first asked for, whoever asks."""

from __future__ import annotations

import threading

from application.settings import Settings
from interfaces.composition import ComposedLedger, build_ledger


def test_a_part_is_built_when_first_asked_for_and_then_kept(settings: Settings) -> None:
    ledger = build_ledger(settings)
    assert isinstance(ledger, ComposedLedger)
    assert "versions" not in vars(ledger) and "core" not in vars(ledger)

    versions = ledger.versions

    assert ledger.versions is versions
    assert {"versions", "core", "states", "recorded"} <= vars(ledger).keys()
    assert "workflow" not in vars(ledger) and "audit" not in vars(ledger)
    assert versions.core is ledger.core is ledger.projects.core


def test_threads_asking_at_once_get_one_core(settings: Settings) -> None:
    ledger = build_ledger(settings)
    start = threading.Barrier(8)
    seen: list[object] = []

    def ask() -> None:
        start.wait()
        seen.append(ledger.core)

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert len(seen) == 8
    assert all(core is seen[0] for core in seen)
