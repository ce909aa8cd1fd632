"""lz4 compression where it pays.

lz4 on a single small event saves nothing (its header outweighs the gain), so states
under a threshold are stored as they are; one leading byte says which. Large states
(an uploaded item with its annotation, snapshots) are lz4 block-compressed.
"""

from __future__ import annotations

import lz4.block
from eventsourcing.persistence import Compressor

THRESHOLD = 192
_RAW, _LZ4 = b"\x00", b"\x01"


class Lz4Compressor(Compressor):
    def compress(self, data: bytes) -> bytes:
        if len(data) >= THRESHOLD:
            packed = lz4.block.compress(data, store_size=True)
            if len(packed) < len(data):
                return _LZ4 + packed
        return _RAW + data

    def decompress(self, data: bytes) -> bytes:
        flag, body = data[:1], data[1:]
        if flag == _LZ4:
            try:
                return bytes(lz4.block.decompress(body))
            except lz4.block.LZ4BlockError as exc:
                # A damaged state, or one not ours (encrypted, read without the key):
                # a ValueError, as a failed decryption is.
                raise ValueError(f"damaged lz4 state: {exc}") from None
        if flag == _RAW:
            return bytes(body)
        msg = f"unknown compression flag {flag!r}"
        raise ValueError(msg)
