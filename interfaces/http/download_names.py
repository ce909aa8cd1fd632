"""The names an export takes from its project's name, one per place they must fit.

A project name may hold up to 255 bytes of any script. The download's
``Content-Disposition`` file name is folded to ASCII letters, digits, ``.``, ``-`` and
``_`` and shortened (:func:`download_label`), so it is a plain ``filename=`` everywhere;
the folder inside the zip keeps the name's own script, cut to fit a file name
(:func:`folder_label`).
"""

from __future__ import annotations

import re
import unicodedata

MAX_LABEL = 80
"""Characters of the project's name kept in a download name."""
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def download_label(project_name: str, ref: int | str) -> str:
    """``<name>-v<n>`` (or ``<name>`` for the current state), ASCII and short; ``project``
    when nothing of the name survives folding."""
    folded = unicodedata.normalize("NFKD", project_name).encode("ascii", "ignore").decode()
    safe = _UNSAFE.sub("_", folded).strip("._-")[:MAX_LABEL].rstrip("._-") or "project"
    return safe if ref == "current" else f"{safe}-v{ref}"


FOLDER_BYTES = 200
"""UTF-8 bytes of the project's name kept in the zip's folder (``-v<n>.zip`` fits after)."""


def folder_label(project_name: str, ref: int | str) -> str:
    """``<name>-v<n>`` (or ``<name>``) with path separators replaced and cut to
    :data:`FOLDER_BYTES`, so any valid project name makes a file name every file system
    accepts."""
    safe = "".join("_" if c in "/\\\x00" else c for c in project_name).strip() or "project"
    if safe in (".", ".."):
        safe = "project"
    cut = safe.encode()[:FOLDER_BYTES].decode(errors="ignore")
    return f"{cut}-v{ref}" if ref != "current" else cut
