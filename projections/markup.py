"""Escaping of user-supplied text (session, project, dataset names...) in the graph exports.

Each export format has its own syntax that a name could break out of, or smuggle markup
through (a session named ``<script>...`` in a Mermaid chart a browser renders):

* XML (GraphML, SVG): ``& < > " '`` as entities, and the characters XML 1.0 forbids
  (control characters, lone surrogates) replaced by U+FFFD, so the document still parses.
* Mermaid: its own entity codes (``#60;``), ``#`` included so that user text cannot
  spell one; line breaks become spaces.
* DOT: a quoted string with ``\\`` and ``"`` escaped, so Graphviz's own escapes (``\\N``,
  ``\\l``) cannot be triggered from a name either.
"""

from __future__ import annotations

import re
from html import escape

_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_NOT_WORD = re.compile(r"[^A-Za-z0-9_]")
_MERMAID = {ord(c): f"#{ord(c)};" for c in '#"&<>|`[](){}'}
_MERMAID.update({ord("\n"): " ", ord("\r"): " "})


def xml_chars(text: str) -> str:
    """``text`` with the characters XML 1.0 cannot hold replaced by U+FFFD."""
    return _NOT_XML.sub("\ufffd", text)


def xml_text(text: str) -> str:
    """``text`` ready for XML character data or an attribute value."""
    return escape(xml_chars(text), quote=True)


def mermaid_text(text: str) -> str:
    """``text`` ready for a quoted Mermaid label or an edge label between ``|``."""
    return text.translate(_MERMAID)


def mermaid_name(text: str) -> str:
    """``text`` as a Mermaid identifier (a class name): word characters only."""
    return _NOT_WORD.sub("_", text) or "_"


def dot_text(text: str) -> str:
    """``text`` ready for the inside of a DOT double-quoted string (shown as is)."""
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace(
        "\r", "")
