"""Domain errors.

Every refusal names what it refers to (a field, an id, a file), so that callers can
show it as is::

    AnnoledgerError
     +-- ValidationError      bad input; ``field`` names the offending field
     |    +-- GeometryError   a malformed geometry for a shape
     +-- NotFoundError        an id or name that does not exist
     +-- ForbiddenError       the caller's rights do not cover the command
     +-- ConflictError        the command clashes with the current state
          +-- DuplicateNameError
          +-- NoChangesError  a version would equal the latest one, a revert the state
          +-- StaleVersionError  optimistic concurrency: someone wrote first
"""

from __future__ import annotations


class AnnoledgerError(Exception):
    """Base class of every error annoledger raises on purpose."""


class ValidationError(AnnoledgerError, ValueError):
    """Input that breaks a rule; ``field`` is a dotted path to the offending value."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}" if field else message)
        self.field = field
        self.message = message

    def within(self, prefix: str) -> ValidationError:
        """The same error, its field prefixed by where it was found (a file, an object)."""
        field = f"{prefix}.{self.field}" if self.field else prefix
        return type(self)(field, self.message)


class GeometryError(ValidationError):
    """A geometry that does not fit its shape."""


class NotFoundError(AnnoledgerError, LookupError):
    """Something named by id or name does not exist."""

    def __init__(self, kind: str, ref: object) -> None:
        super().__init__(f"{kind} not found: {ref}")
        self.kind = kind
        self.ref = ref


class ForbiddenError(AnnoledgerError):
    """The caller may see what it names but its rights do not cover this change."""

    def __init__(self, message: str, *, needs: str = "") -> None:
        super().__init__(message)
        self.needs = needs


class ConflictError(AnnoledgerError):
    """The command is well formed but clashes with the current state."""


class DuplicateNameError(ConflictError):
    """A name that must be unique in its scope is taken."""


class NoChangesError(ConflictError):
    """A version was asked for, but the state equals the latest version's; or a revert to a
    version the state already equals (``latest`` names that version)."""

    def __init__(self, latest: int, digest: str, message: str = "") -> None:
        super().__init__(
            message or f"no changes since version {latest}: the project's state equals it "
                       f"(digest {digest[:12]})"
        )
        self.latest = latest
        self.digest = digest


class StaleVersionError(ConflictError):
    """Another writer changed the same stream first (optimistic concurrency)."""

    def __init__(self, what: str, expected: object, actual: object) -> None:
        super().__init__(f"{what} changed concurrently: expected {expected}, now {actual}")
        self.what = what
        self.expected = expected
        self.actual = actual
