"""Download names for exports: derived from a project's name, safe in any header and file
system.

A project name may hold up to 255 bytes of any script; a ``Content-Disposition`` file
name and the export's work folder must not depend on that. The name is folded to ASCII
letters, digits, ``.``, ``-`` and ``_`` and shortened, so it is a plain ``filename=``
and a short file name everywhere.
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
