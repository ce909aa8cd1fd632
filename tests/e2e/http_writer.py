"""A writer that adds objects to one item under If-Match, retrying on 412.

Used in threads (with a TestClient) and as a separate process against a server::

    python -m tests.e2e.http_writer BASE_URL TOKEN ITEM_PATH FIRST_ID COUNT

prints the acknowledged ``[[object id, item version], ...]`` as JSON. Imports only
httpx, so that many of them start fast.
"""

from __future__ import annotations

import json
import sys
from typing import Any, Protocol

BOX = {"classTitle": "cat", "points": {"exterior": [[10, 20], [110, 220]], "interior": []}}
Ack = tuple[int, int]
"""(object id, the item version the change produced)"""


class Client(Protocol):
    def get(self, url: str, **kwargs: Any) -> Any: ...

    def post(self, url: str, **kwargs: Any) -> Any: ...


def add_objects(client: Client, base: str, headers: dict[str, str], item_path: str,
                first_id: int, wanted: int) -> list[Ack]:
    """Add ``wanted`` objects, re-reading the ETag whenever another writer got there first."""
    acks: list[Ack] = []
    attempts = 0
    while len(acks) < wanted and attempts < wanted * 50:
        attempts += 1
        tag = client.get(f"{base}{item_path}", headers=headers).headers["ETag"]
        oid = first_id + len(acks)
        r = client.post(f"{base}{item_path}/objects", json={**BOX, "id": oid},
                        headers={**headers, "If-Match": tag})
        if r.status_code == 201:
            acks.append((oid, int(r.headers["ETag"].strip('"'))))
        elif r.status_code != 412 or r.json()["etag"] == tag:
            raise AssertionError(f"{r.status_code}: {r.text}")
    return acks


def main(argv: list[str]) -> None:
    import httpx

    base, token, path, first, count = argv
    with httpx.Client(timeout=60) as client:
        acks = add_objects(client, base, {"Authorization": f"Bearer {token}"}, path,
                           int(first), int(count))
    sys.stdout.write(json.dumps(acks) + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])
