"""API tokens: created by staff for whom they may, stored as digests, revocable."""
from __future__ import annotations

import pytest

from core.access.models import Role
from core.access.scope import Scope
from core.access.tokens import ApiToken, authenticate, create_token, revoke_token
from core.errors import Forbidden


def test_staff_create_tokens_for_themselves_admins_for_anyone(db_session, org):
    admin = org.user("root", Role.admin)
    supervisor = org.user("sup", Role.supervisor, org.city_a)
    officer = org.user("off", Role.unit_officer, org.county_a1)
    _token, secret = create_token(Scope(db_session, supervisor), supervisor, "nightly export")
    assert authenticate(db_session, secret)[1] is supervisor
    with pytest.raises(Forbidden):
        create_token(Scope(db_session, supervisor), admin)
    with pytest.raises(Forbidden):
        create_token(Scope(db_session, officer), officer)
    token, secret = create_token(Scope(db_session, admin), officer, "hotline bridge")
    assert authenticate(db_session, secret)[1] is officer
    revoke_token(token)
    assert authenticate(db_session, secret) is None


def test_staff_see_only_their_own_tokens(db_session, org):
    admin = org.user("root", Role.admin)
    supervisor = org.user("sup", Role.supervisor, org.city_a)
    create_token(Scope(db_session, admin), admin)
    create_token(Scope(db_session, supervisor), supervisor)
    assert len(db_session.scalars(Scope(db_session, admin).select(ApiToken)).all()) == 2
    mine = db_session.scalars(Scope(db_session, supervisor).select(ApiToken)).all()
    assert [t.user_id for t in mine] == [supervisor.id]
