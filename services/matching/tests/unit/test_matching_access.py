"""Who may read which leads: the admin every structure's, a structure token its own only;
the admin token compared in constant time; structure tokens known by the contract's
digest. No broker, no database."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from chantiers_common.events import Envelope, parse_envelope
from chantiers_common.events.structures import TokenIssued, TokenRevoked, token_sha256
from matching.access import ADMIN, OtherStructure, Principal, is_admin_token, leads_scope
from matching.handlers import BINDINGS, Handlers
from matching.state import MatchingState

MINE = "41234567800017"
OTHER = "80746931700018"
HOLDER = Principal(token_id="t-1", siret=MINE)


def test_the_admin_lists_what_it_asks_for_and_everything_by_default() -> None:
    assert leads_scope(ADMIN, None) is None
    assert leads_scope(ADMIN, OTHER) == OTHER


def test_a_structure_token_lists_its_own_leads_only() -> None:
    assert leads_scope(HOLDER, None) == MINE  # not everyone's
    assert leads_scope(HOLDER, MINE) == MINE
    with pytest.raises(OtherStructure) as refused:
        leads_scope(HOLDER, OTHER)
    assert refused.value.siret == OTHER


def test_a_structure_token_reads_its_own_leads_only() -> None:
    assert HOLDER.may_read(MINE)
    assert not HOLDER.may_read(OTHER)
    assert not HOLDER.is_admin
    assert ADMIN.is_admin and ADMIN.may_read(OTHER)


def test_admin_token_comparison() -> None:
    assert is_admin_token("s3cret-admin", "s3cret-admin")
    assert not is_admin_token("s3cret-admiN", "s3cret-admin")
    assert not is_admin_token("s3cret-admin-and-more", "s3cret-admin")
    assert not is_admin_token("", "s3cret-admin")
    assert not is_admin_token("", "")  # no admin token configured: nobody is admin
    assert not is_admin_token("é", "e")  # non-ASCII compared as bytes, no crash


def test_the_contract_digest_is_the_sha256_of_the_token() -> None:
    token = "cas_" + "A" * 43
    assert token_sha256(token) == hashlib.sha256(token.encode()).hexdigest()
    assert token not in token_sha256(token)


def test_token_events_carry_a_hash_never_a_token() -> None:
    issued = TokenIssued(token_id="t-1", siret=MINE, token_sha256=token_sha256("cas_x"),
                         issued_at=datetime.now(UTC))
    assert TokenIssued.internal and TokenRevoked.internal  # never sent to webhooks
    assert set(TokenIssued.model_fields) == {"token_id", "siret", "token_sha256",
                                             "issued_at"}
    body = Envelope.wrap(issued).model_dump_json()
    assert "cas_x" not in body
    parsed = parse_envelope(body)
    assert parsed.routing_key == "structures.token.issued"
    assert parsed.data == issued
    with pytest.raises(ValidationError):  # a token where its hash should be
        TokenIssued(token_id="t-1", siret=MINE, token_sha256="cas_x",
                    issued_at=datetime.now(UTC))


def test_matching_consumes_both_token_events() -> None:
    table = Handlers(MatchingState()).table()
    assert {"token.issued", "token.revoked"} <= set(table)
    assert "structures.token.*" in BINDINGS
    assert TokenRevoked.routing_key() == "structures.token.revoked"
