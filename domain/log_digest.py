"""The digest of a whole log's head: what an auditor keeps to prove, later, that the log
they are shown extends it unchanged.

Every project (and the system log, id 0) has a hash chain whose link at a position
commits to every event up to it (:mod:`infrastructure.integrity`). A digest records, for
each project, its head position and the chain link there::

    records = for each project, sorted by id:
              project id (16 bytes) | position (8 bytes, big-endian) | chain link (32 bytes)
    root    = sha256(b"annoledger log digest v1" | records)            (64 hex digits)
    D       = "ald1." + root + "." + base64url(zlib(records))       (no padding, no spaces)

The root alone commits to all heads; the body carries what a verifier needs, so nothing
has to be stored on the server. A verifier recomputes the root from the body (a D that
was altered is refused), then, for each project, recomputes the chain from its first
event up to the recorded position and compares the link: any event at or before that
position that was rewritten, removed, inserted or reordered changes it, even when
whoever did it also rewrote the stored links after it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from uuid import UUID

from domain.errors import ValidationError

PREFIX = "ald1"
_DOMAIN = b"annoledger log digest v1"
_RECORD = 56


@dataclass(frozen=True, slots=True, order=True)
class HeadMark:
    project_id: UUID
    position: int
    chain: bytes


def _records(marks: Iterable[HeadMark]) -> bytes:
    return b"".join(m.project_id.bytes + m.position.to_bytes(8, "big") + m.chain
                    for m in sorted(marks))


def digest_root(marks: Iterable[HeadMark]) -> str:
    return hashlib.sha256(_DOMAIN + _records(marks)).hexdigest()


def encode_digest(marks: Iterable[HeadMark]) -> str:
    records = _records(marks)
    body = base64.urlsafe_b64encode(zlib.compress(records, 9)).rstrip(b"=").decode()
    return f"{PREFIX}.{hashlib.sha256(_DOMAIN + records).hexdigest()}.{body}"


def decode_digest(text: str) -> tuple[str, list[HeadMark]]:
    """The root and the marks of a digest; a ValidationError if it is malformed or altered."""
    parts = text.strip().split(".")
    if len(parts) != 3 or parts[0] != PREFIX or len(parts[1]) != 64:
        raise ValidationError("digest", f"not a log digest (expected {PREFIX}.<root>.<body>)")
    try:
        padded = parts[2] + "=" * (-len(parts[2]) % 4)
        records = zlib.decompress(base64.urlsafe_b64decode(padded))
    except (binascii.Error, zlib.error, ValueError):
        raise ValidationError("digest", "its body cannot be decoded") from None
    if len(records) % _RECORD or hashlib.sha256(_DOMAIN + records).hexdigest() != parts[1]:
        raise ValidationError("digest", "its body does not match its root: it was altered")
    marks = [
        HeadMark(UUID(bytes=records[i:i + 16]), int.from_bytes(records[i + 16:i + 24], "big"),
                 records[i + 24:i + 56])
        for i in range(0, len(records), _RECORD)
    ]
    return parts[1], marks
