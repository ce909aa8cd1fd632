"""A small, safe expression language over a project's state (``replay bisect``).

Parsed by hand (never ``eval``) into a tree of a few node types, checked against a
fixed table of functions, then evaluated against :class:`Facts`. Grammar::

    expr     := conj ("or" conj)*
    conj     := neg ("and" neg)*
    neg      := "not" neg | compare
    compare  := operand [("==" | "!=" | "<" | "<=" | ">" | ">=") operand]
    operand  := NUMBER | STRING | "true" | "false" | "none" | call | "(" expr ")"
    call     := NAME "(" [arg ("," arg)*] ")"
    arg      := [NAME "="] (NUMBER | STRING)

Strings take single or double quotes. Functions::

    items()                  number of items
    count([class="cat"])     number of objects (of a class, by title); objects() is the same
    empty_items()            items with no objects
    class_of(object=123)     the title of object 123's class; none when it does not exist
    exists(object=123)       whether object 123 exists
    item_objects(item="ds/a.jpg")   objects in that item (0 when it does not exist)
    tagged(tag="cat")        items plus objects that carry that tag
    classes()                number of classes in the project's meta

Ordering comparisons between values of different kinds (a number and none) are false.
A class or tag the project never had is refused (:func:`require_known_names`) rather
than counted as zero: a misspelt name would otherwise make a predicate trivially true.
Example: ``count(class="cat") < 3 or class_of(object=7) == "dog" and not empty_items() > 0``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any, Protocol

from domain.errors import ValidationError

MAX_LENGTH = 2000
LISTED = 40
"""At most this many known names are listed when refusing an unknown one."""
_TOKEN = re.compile(r"""\s*(?:(?P<num>-?\d+(?:\.\d+)?)|(?P<str>"[^"]*"|'[^']*')
    |(?P<op>==|!=|<=|>=|<|>|\(|\)|,|=)|(?P<name>[A-Za-z_][A-Za-z_0-9]*))""", re.X)
_WORDS = {"true": True, "false": False, "none": None}
_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "==": lambda a, b: a == b, "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b, "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b, ">=": lambda a, b: a >= b,
}


class Facts(Protocol):
    """What predicates may ask of a state."""

    def items(self) -> int: ...

    def objects(self, class_title: str | None) -> int: ...

    def empty_items(self) -> int: ...

    def class_of(self, object_id: int) -> str | None: ...

    def item_objects(self, path: str) -> int: ...

    def tagged(self, tag: str) -> int: ...

    def classes(self) -> int: ...


@dataclass(frozen=True)
class Function:
    params: tuple[tuple[str, type], ...]
    required: bool
    run: Callable[..., Any]


FUNCTIONS: dict[str, Function] = {
    "items": Function((), False, lambda f: f.items()),
    "count": Function((("class", str),), False, lambda f, cls=None: f.objects(cls)),
    "objects": Function((("class", str),), False, lambda f, cls=None: f.objects(cls)),
    "empty_items": Function((), False, lambda f: f.empty_items()),
    "class_of": Function((("object", int),), True, lambda f, v: f.class_of(v)),
    "exists": Function((("object", int),), True, lambda f, v: f.class_of(v) is not None),
    "item_objects": Function((("item", str),), True, lambda f, v: f.item_objects(v)),
    "tagged": Function((("tag", str),), True, lambda f, v: f.tagged(v)),
    "classes": Function((), False, lambda f: f.classes()),
}


@dataclass(frozen=True)
class Node:
    op: str
    """``lit``, ``call``, ``not``, ``and``, ``or`` or a comparison operator."""
    args: tuple[Any, ...]

    def evaluate(self, facts: Facts) -> Any:
        if self.op == "lit":
            return self.args[0]
        if self.op == "call":
            name, value = self.args
            fn = FUNCTIONS[name]
            return fn.run(facts) if value is None else fn.run(facts, value)
        if self.op == "not":
            return not self.args[0].evaluate(facts)
        if self.op == "and":
            return all(a.evaluate(facts) for a in self.args)
        if self.op == "or":
            return any(a.evaluate(facts) for a in self.args)
        left, right = (a.evaluate(facts) for a in self.args)
        try:
            return _COMPARE[self.op](left, right)
        except TypeError:
            return False

    def holds(self, facts: Facts) -> bool:
        return bool(self.evaluate(facts))


def _error(text: str, where: int, message: str) -> ValidationError:
    return ValidationError("predicate", f"{message} at column {where + 1}: {text!r}")


def _tokens(text: str) -> list[tuple[str, Any, int]]:
    out: list[tuple[str, Any, int]] = []
    pos = 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        m = _TOKEN.match(text, pos)
        if not m:
            raise _error(text, len(text) - len(text[pos:].lstrip()), "unexpected character")
        start = m.start(m.lastgroup or 0)
        kind, raw = m.lastgroup or "", m.group(m.lastgroup or 0)
        value: Any = raw
        if kind == "num":
            value = float(raw) if "." in raw else int(raw)
        elif kind == "str":
            value = raw[1:-1]
        out.append((kind, value, start))
        pos = m.end()
    out.append(("end", None, len(text)))
    return out


class _Parser:
    def __init__(self, text: str) -> None:
        self.text, self.tokens, self.i = text, _tokens(text), 0

    def peek(self, value: Any = None) -> bool:
        kind, tok, _ = self.tokens[self.i]
        return kind in ("op", "name") and tok == value

    def take(self) -> tuple[str, Any, int]:
        token = self.tokens[self.i]
        self.i += 1
        return token

    def expect(self, value: str) -> None:
        kind, tok, at = self.take()
        if tok != value or kind != "op":
            raise _error(self.text, at, f"expected '{value}'")

    def parse(self) -> Node:
        node = self.disjunction()
        kind, _, at = self.tokens[self.i]
        if kind != "end":
            raise _error(self.text, at, "unexpected text")
        return node

    def disjunction(self) -> Node:
        parts = [self.conjunction()]
        while self.peek("or"):
            self.take()
            parts.append(self.conjunction())
        return parts[0] if len(parts) == 1 else Node("or", tuple(parts))

    def conjunction(self) -> Node:
        parts = [self.negation()]
        while self.peek("and"):
            self.take()
            parts.append(self.negation())
        return parts[0] if len(parts) == 1 else Node("and", tuple(parts))

    def negation(self) -> Node:
        if self.peek("not"):
            self.take()
            return Node("not", (self.negation(),))
        left = self.operand()
        kind, tok, _ = self.tokens[self.i]
        if kind == "op" and tok in _COMPARE:
            self.take()
            return Node(tok, (left, self.operand()))
        return left

    def operand(self) -> Node:
        kind, tok, at = self.take()
        if kind in ("num", "str"):
            return Node("lit", (tok,))
        if kind == "op" and tok == "(":
            node = self.disjunction()
            self.expect(")")
            return node
        if kind == "name" and tok in _WORDS:
            return Node("lit", (_WORDS[tok],))
        if kind == "name":
            return self.call(tok, at)
        raise _error(self.text, at, "expected a value, a function or '('")

    def call(self, name: str, at: int) -> Node:
        fn = FUNCTIONS.get(name)
        if fn is None:
            raise _error(self.text, at, f"unknown function '{name}' (known: "
                                        f"{', '.join(sorted(FUNCTIONS))})")
        self.expect("(")
        value: Any = None
        if not self.peek(")"):
            kind, tok, where = self.take()
            if kind == "name" and self.peek("="):
                self.take()
                if not fn.params or tok != fn.params[0][0]:
                    raise _error(self.text, where, f"{name}() takes no argument '{tok}'")
                kind, tok, where = self.take()
            if not fn.params or kind not in ("num", "str") \
                    or not isinstance(tok, fn.params[0][1]):
                raise _error(self.text, where, f"bad argument for {name}()")
            value = tok
        elif fn.required:
            raise _error(self.text, at, f"{name}() needs {fn.params[0][0]}=...")
        self.expect(")")
        return Node("call", (name, value))


def named(node: Node) -> tuple[set[str], set[str]]:
    """The class titles and tag names a predicate names: in ``count(class=...)``,
    ``objects(class=...)``, ``tagged(tag=...)`` and compared with ``class_of(...)``."""
    classes: set[str] = set()
    tags: set[str] = set()
    stack = [node]
    while stack:
        current = stack.pop()
        if current.op == "call":
            name, value = current.args
            if name in ("count", "objects") and value is not None:
                classes.add(value)
            elif name == "tagged":
                tags.add(value)
        elif current.op in _COMPARE:
            calls = [a for a in current.args if a.op == "call" and a.args[0] == "class_of"]
            texts = [a.args[0] for a in current.args
                     if a.op == "lit" and isinstance(a.args[0], str)]
            if calls and texts:
                classes.update(t for t in texts if not t.startswith("#"))
        if current.op != "lit":
            stack.extend(a for a in current.args if isinstance(a, Node))
    return classes, tags


def require_known_names(node: Node, classes: Collection[str], tags: Collection[str]) -> None:
    """Refuse a predicate that names a class or tag outside ``classes`` / ``tags``.

    ``class_of`` answers ``#id`` for an object whose class is gone; such names pass.
    """
    wanted_classes, wanted_tags = named(node)
    for kind, wanted, known in (("class", wanted_classes, classes),
                                ("tag", wanted_tags, tags)):
        unknown = sorted(wanted - set(known))
        if unknown:
            names = sorted(known)
            listed = ", ".join(repr(n) for n in names[:LISTED]) or "none"
            if len(names) > LISTED:
                listed += f" and {len(names) - LISTED} more"
            raise ValidationError("predicate", f"unknown {kind} {', '.join(map(repr, unknown))}"
                                               f" (known {kind} names: {listed})")


def parse_predicate(text: str) -> Node:
    """The checked tree of an expression, or a ValidationError naming the column."""
    if not text.strip():
        raise ValidationError("predicate", "is empty")
    if len(text) > MAX_LENGTH:
        raise ValidationError("predicate", f"is longer than {MAX_LENGTH} characters")
    return _Parser(text).parse()
