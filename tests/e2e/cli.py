"""Running the CLI in process, as a user's shell would, with exit code and streams."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest

from interfaces.cli.main import main


@dataclass
class Run:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


def run_cli(capsys: pytest.CaptureFixture[str], db_url: str, *args: str) -> Run:
    capsys.readouterr()
    try:
        main(["--db", db_url, "--actor", "carol", *args])
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    captured = capsys.readouterr()
    return Run(code, captured.out, captured.err)
