"""The API fuzzed against its own OpenAPI schema (schemathesis, bounded): whatever a
client sends, valid per the schema or not, the answer is never a 5xx."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode

from tests.e2e.conftest import Api, first_item

EXAMPLES = 8


def test_no_request_makes_the_server_fail(api: Api, demo: UUID) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", api.client.app)
    item, _ = first_item(api, demo)
    real = {"project": str(demo), "item": item, "n": 1, "a": "1", "b": "current"}
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        cases = (operation.as_strategy(GenerationMode.POSITIVE)
                 | operation.as_strategy(GenerationMode.NEGATIVE))

        @given(case=cases, aim=st.booleans())
        @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def run(case: Any, aim: bool) -> None:
            if aim and case.path_parameters:  # half the cases reach real data
                case.path_parameters.update(
                    {k: v for k, v in real.items() if k in case.path_parameters})
            response = case.call(headers=api.admin)
            if response.status_code >= 500:
                failures.append(f"{case.method} {case.formatted_path} -> "
                                f"{response.status_code}: {case.as_curl_command()}")

        run()
    assert not failures, "\n".join(failures[:20])
