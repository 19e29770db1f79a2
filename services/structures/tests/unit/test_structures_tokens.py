"""Tokens: random, stored as a hash, scoped to one structure; the admin's compared in
constant time."""

from chantiers_common.events.structures import token_sha256
from structures.tokens import (
    ADMIN,
    TOKEN_PREFIX,
    Principal,
    is_admin_token,
    issue_token,
    token_hash,
)


def test_issued_tokens_are_random_and_only_their_hash_is_kept():
    first, second = issue_token(), issue_token()
    assert first.token != second.token and first.id != second.id
    assert first.token.startswith(TOKEN_PREFIX)
    assert len(first.token) > 40  # 32 random bytes, base64url
    assert first.hash == token_hash(first.token)
    assert len(first.hash) == 64 and first.token not in first.hash
    # The digest of the token.issued contract: matching finds the token by it.
    assert first.hash == token_sha256(first.token)


def test_admin_token_comparison():
    assert is_admin_token("s3cret-admin", "s3cret-admin")
    assert not is_admin_token("s3cret-admiN", "s3cret-admin")
    assert not is_admin_token("", "s3cret-admin")
    assert not is_admin_token("anything", "")  # no admin token configured: nobody is admin


def test_a_structure_token_acts_on_its_structure_only():
    holder = Principal(token_id="t1", siret="80746931700018")
    assert holder.may_act_on("80746931700018")
    assert not holder.may_act_on("41234567800017")
    assert not holder.is_admin
    assert ADMIN.is_admin and ADMIN.may_act_on("41234567800017")
