"""Specifications of the Token aggregate, in memory: no application, no recorder.

A token holds only its secret's hash (its id derives from it), a role granting
permissions cumulatively, an optional project scope and a name. Issuing and revoking
are events; replaying them rebuilds an equal token.
"""

from __future__ import annotations

import hashlib
from copy import deepcopy
from typing import Any
from uuid import UUID

import pytest

from domain.errors import ConflictError, ValidationError
from domain.token import ADMIN, ANNOTATE, MANAGE, READ, ROLES, Token, check_role
from domain.values import Context
from tests.unit.events import payload
from tests.unit.events import replayed as replay

SESSION = UUID("00000000-0000-4000-8000-000000000001")
PROJECT = UUID("00000000-0000-4000-8000-00000000000a")
ROOT = Context("root", session_id=SESSION)
SECRET_HASH = hashlib.sha256(b"al_secret").hexdigest()





def _issued(role: str = "annotator", project_id: UUID | None = PROJECT,
            name: str = "labeling laptop") -> tuple[Token, list[Any]]:
    token = Token.issue(SECRET_HASH, role, project_id, name, ROOT)
    return token, list(token.collect_events())


def test_an_issued_token_holds_its_hash_role_scope_name_and_issuer() -> None:
    token, _ = _issued()
    assert token.secret_hash == SECRET_HASH
    assert (token.role, token.project_id, token.name) == ("annotator", PROJECT, "labeling laptop")
    assert token.issued_by == "root"
    assert token.revoked is False


def test_a_token_s_id_is_derived_from_its_secret_s_hash() -> None:
    token, _ = _issued()
    assert token.id == Token.create_id(SECRET_HASH)
    other = Token.issue(hashlib.sha256(b"other").hexdigest(), "annotator", None, "", ROOT)
    assert other.id != token.id
    assert Token.issue(SECRET_HASH, "admin", None, "", ROOT).id == token.id


def test_issuing_records_one_issued_event_with_everything_but_the_secret() -> None:
    token, events = _issued()
    assert [type(e).__name__ for e in events] == ["Issued"]
    assert events[0].originator_id == token.id
    assert payload(events[0]) == {
        "secret_hash": SECRET_HASH, "role": "annotator", "project_id": PROJECT,
        "name": "labeling laptop", "actor": "root", "session_id": SESSION,
    }


def test_replaying_the_issued_event_rebuilds_an_equal_token() -> None:
    token, events = _issued(role="manager", project_id=None)
    replayed = replay(events, Token)
    assert replayed.project_id is None
    assert replayed.permissions == token.permissions
    assert vars(replayed) == vars(token)


@pytest.mark.parametrize(("role", "permissions"), [
    ("auditor", {READ}),
    ("annotator", {READ, ANNOTATE}),
    ("manager", {READ, ANNOTATE, MANAGE}),
    ("admin", {READ, ANNOTATE, MANAGE, ADMIN}),
])
def test_a_role_grants_its_permissions_and_those_of_the_roles_below(
    role: str, permissions: set[str]
) -> None:
    token, _ = _issued(role=role)
    assert token.permissions == permissions


@pytest.mark.parametrize("role", ["owner", "", "Admin", " admin"])
def test_an_unknown_role_is_refused_naming_the_role_field(role: str) -> None:
    with pytest.raises(ValidationError) as err:
        Token.issue(SECRET_HASH, role, None, "t", ROOT)
    assert err.value.field == "role"
    assert all(known in err.value.message for known in ROLES)
    with pytest.raises(ValidationError):
        check_role(role)


def test_a_known_role_passes_the_check_unchanged() -> None:
    assert [check_role(r) for r in ROLES] == list(ROLES)


def test_a_token_name_longer_than_255_characters_is_refused() -> None:
    with pytest.raises(ValidationError) as err:
        Token.issue(SECRET_HASH, "auditor", None, "n" * 256, ROOT)
    assert err.value.field == "name"


def test_a_token_name_of_255_characters_or_none_at_all_is_accepted() -> None:
    assert _issued(name="n" * 255)[0].name == "n" * 255
    assert _issued(name="")[0].name == ""


def test_a_revoked_token_grants_nothing() -> None:
    token, history = _issued(role="admin")
    token.revoke(Context("security", session_id=SESSION))
    assert token.revoked is True
    assert token.permissions == frozenset()
    assert token.role == "admin"  # the record keeps what it was
    events = token.collect_events()
    assert [type(e).__name__ for e in events] == ["Revoked"]
    assert payload(events[0]) == {"actor": "security", "session_id": SESSION}
    replayed = replay([*history, *events], Token)
    assert replayed.permissions == frozenset()
    assert vars(replayed) == vars(token)


def test_revoking_a_revoked_token_is_refused_and_records_nothing() -> None:
    token, _ = _issued()
    token.revoke(ROOT)
    token.collect_events()
    before = deepcopy(vars(token))
    with pytest.raises(ConflictError, match=str(token.id)):
        token.revoke(ROOT)
    assert token.collect_events() == []
    assert vars(token) == before
    assert token.version == 2
