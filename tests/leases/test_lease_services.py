"""create / sign / end / terminate / cancel a lease, and what each does to the units."""
import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy as sa

from incubator.audit.models import AuditEntry
from incubator.companies.models import CompanyStatus
from incubator.core.errors import DomainError, PermissionDenied, TransitionNotAllowed
from incubator.core.formatting import today
from incubator.core.roles import Role
from incubator.leases import services
from incubator.leases.models import BillingCycle, Lease, LeaseUnit
from incubator.leases.models import LeaseState as L
from incubator.leases.workflow import LEASE_FLOW
from incubator.spaces.models import UnitStatus as S
from incubator.spaces.services import named_history
from incubator.spaces.workflow import UnitNotAvailable

from ..factories import make_company, make_user

START = dt.date(2026, 1, 1)


def _count(session, model, *where):
    return session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def test_create_reserves_units_and_snapshots_area(session, park):
    lease = services.create_lease(session, park.operator, park.company, [park.office2, park.office1],
                                  start_on=START, property_fee_per_m2="5", deposit="10845.00",
                                  billing_cycle="quarterly", lease_then_transfer=True, note="首期")
    year = today().year
    assert lease.number == f"ZL-{year}-0001"
    assert lease.state == L.DRAFT and lease.end_on == dt.date(2028, 12, 31)  # 3 years less a day
    assert (lease.billing_cycle, lease.lease_then_transfer, lease.deposit) == (BillingCycle.QUARTERLY, True,
                                                                               Decimal("10845.00"))
    assert sorted((lu.unit_id, lu.area) for lu in lease.units) == [(park.office1.id, Decimal("120.50")),
                                                                  (park.office2.id, Decimal("79.50"))]
    assert park.office1.status == S.RESERVED and park.office2.status == S.RESERVED
    # default rent: the units' list rents weighted by area: (120.5×45 + 79.5×50) / 200 = 46.9875 → 46.99
    assert lease.rent_per_m2 == Decimal("46.99")
    assert lease.area == Decimal("200.00") and lease.monthly_rent == Decimal("9398.00")
    assert isinstance(lease.monthly_rent, Decimal)
    assert park.company.status == CompanyStatus.TENANT  # admission, not leasing, changes it
    assert _count(session, AuditEntry, AuditEntry.action == "lease.create", AuditEntry.object_id == lease.id) == 1
    assert _count(session, AuditEntry, AuditEntry.action == "unit.reserve") == 2
    (event, _who), = named_history(session, "unit", park.office1.id)
    assert (event.action, event.comment) == ("reserve", lease.number)

    second = services.create_lease(session, park.operator, park.company, [park.lab], start_on=START,
                                   rent_per_m2="58.5")
    assert second.number == f"ZL-{year}-0002" and second.rent_per_m2 == Decimal("58.50")


def test_leap_day_start_default_end(session, park):
    lease = services.create_lease(session, park.operator, park.company, [park.lab], start_on=dt.date(2024, 2, 29))
    assert lease.end_on == dt.date(2027, 2, 28)


def test_a_unit_cannot_be_leased_twice(session, park):
    services.create_lease(session, park.operator, park.company, [park.office1], start_on=START)
    session.commit()
    other = make_company(session)
    with pytest.raises(UnitNotAvailable) as err:
        services.create_lease(session, park.operator, other, [park.office2, park.office1], start_on=START)
    assert "KC-1栋-101" in err.value.message and err.value.field == "unit_ids"
    session.rollback()
    assert _count(session, Lease) == 1 and _count(session, LeaseUnit) == 1
    assert session.get(type(park.office2), park.office2.id).status == S.VACANT  # nothing of the second lease


@pytest.mark.parametrize("status", [S.RESERVED, S.LEASED, S.OUT_OF_SERVICE])
def test_only_vacant_units(session, park, status):
    park.lab.status = status
    session.flush()
    with pytest.raises(UnitNotAvailable):
        services.create_lease(session, park.operator, park.company, [park.lab], start_on=START)


@pytest.mark.parametrize("kw, field", [
    ({"end_on": dt.date(2025, 12, 31)}, "end_on"),
    ({"end_on": START}, "end_on"),
    ({"end_on": dt.date(2046, 1, 1)}, "end_on"),  # longer than 20 years
    ({"rent_per_m2": "-1"}, "rent_per_m2"),
    ({"rent_per_m2": "45.555"}, "rent_per_m2"),
    ({"property_fee_per_m2": "五"}, "property_fee_per_m2"),
    ({"deposit": "-100"}, "deposit"),
    ({"billing_cycle": "yearly"}, "billing_cycle"),
])
def test_bad_terms(session, park, kw, field):
    with pytest.raises(DomainError) as err:
        services.create_lease(session, park.operator, park.company, [park.lab], **{"start_on": START, **kw})
    assert err.value.field == field
    assert park.lab.status == S.VACANT


def test_no_units_or_no_company(session, park):
    with pytest.raises(DomainError) as err:
        services.create_lease(session, park.operator, park.company, [], start_on=START)
    assert err.value.field == "unit_ids"
    with pytest.raises(DomainError) as err:
        services.create_lease(session, park.operator, None, [park.lab], start_on=START)
    assert err.value.field == "company_id"


@pytest.mark.parametrize("status", [CompanyStatus.EXITED, CompanyStatus.GRADUATED])
def test_company_that_left_cannot_lease(session, park, status):
    company = make_company(session, status=status)
    with pytest.raises(DomainError):
        services.create_lease(session, park.operator, company, [park.lab], start_on=START)


@pytest.mark.parametrize("role", [Role.COMPANY, Role.REVIEWER, Role.LEAD, Role.SUPERVISOR, Role.COMMANDER])
def test_only_operators_and_admins_create(session, park, role):
    with pytest.raises(PermissionDenied):
        services.create_lease(session, make_user(session, role), park.company, [park.lab], start_on=START)


def test_sign_end_cycle(session, park):
    lease = services.create_lease(session, park.operator, park.company, [park.office1, park.office2],
                                  start_on=dt.date(2020, 1, 1))
    services.sign_lease(session, park.operator, lease, signed_on=dt.date(2019, 12, 20))
    assert lease.state == L.SIGNED and lease.signed_on == dt.date(2019, 12, 20)
    assert park.office1.status == S.LEASED and park.office2.status == S.LEASED
    services.end_lease(session, park.operator, lease)
    assert lease.state == L.ENDED and lease.ended_on == today()
    assert park.office1.status == S.VACANT and park.office2.status == S.VACANT
    actions = [e.action for e, _ in named_history(session, "unit", park.office1.id)]
    assert actions == ["reserve", "lease", "release"]
    assert [e.action for e, _ in named_history(session, "lease", lease.id)] == ["sign", "end"]
    assert _count(session, AuditEntry, AuditEntry.action.in_(["lease.sign", "lease.end"])) == 2


def test_end_waits_for_the_term(session, park):
    lease = services.create_lease(session, park.operator, park.company, [park.lab], start_on=today())
    services.sign_lease(session, park.operator, lease)
    assert "end" not in services.actions_for(session, park.operator, lease)
    with pytest.raises(DomainError):
        services.end_lease(session, park.operator, lease)
    assert lease.state == L.SIGNED and park.lab.status == S.LEASED
    assert services.actions_for(session, park.operator, lease, day=lease.end_on) == ["end", "renew", "terminate"]


def test_terminate_needs_reason_and_frees_units(session, park):
    lease = services.create_lease(session, park.operator, park.company, [park.factory], start_on=START)
    services.sign_lease(session, park.operator, lease)
    with pytest.raises(DomainError):
        services.terminate_lease(session, park.operator, lease, "")
    services.terminate_lease(session, park.operator, lease, "企业迁出")
    assert lease.state == L.TERMINATED and lease.ended_on == today()
    assert park.factory.status == S.VACANT
    (event, _), = [(e, w) for e, w in named_history(session, "lease", lease.id) if e.action == "terminate"]
    assert event.comment == "企业迁出"
    # the unit can be leased again
    again = services.create_lease(session, park.operator, make_company(session), [park.factory], start_on=START)
    assert again.state == L.DRAFT


def test_cancel_draft(session, park):
    lease = services.create_lease(session, park.operator, park.company, [park.lab], start_on=START)
    services.cancel_lease(session, park.operator, lease)
    assert lease.state == L.TERMINATED and park.lab.status == S.VACANT
    with pytest.raises(TransitionNotAllowed):
        services.sign_lease(session, park.operator, lease)


LEASE_ALLOWED = {(L.DRAFT, "sign"): L.SIGNED, (L.DRAFT, "cancel"): L.TERMINATED,
                 (L.SIGNED, "end"): L.ENDED, (L.SIGNED, "terminate"): L.TERMINATED}


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
@pytest.mark.parametrize("action", ["sign", "cancel", "end", "terminate"])
@pytest.mark.parametrize("state", list(L), ids=lambda s: s.value)
def test_lease_transition_table(session, park, state, action, role):
    lease = Lease(number="T-1", company_id=park.company.id, start_on=START, end_on=dt.date(2028, 12, 31),
                  rent_per_m2=Decimal("45"), property_fee_per_m2=Decimal("5"), deposit=Decimal("0"), state=state)
    session.add(lease)
    session.flush()
    actor = make_user(session, role, company=park.company if role == Role.COMPANY else None)
    target = LEASE_ALLOWED.get((state, action))
    expected = (TransitionNotAllowed if target is None else
                None if role in (Role.OPERATOR, Role.ADMIN) else PermissionDenied)
    if expected:
        with pytest.raises(expected):
            LEASE_FLOW.apply(session, actor, lease, action, comment="理由")
        assert lease.state == state
    else:
        LEASE_FLOW.apply(session, actor, lease, action, comment="理由")
        assert lease.state == target and lease.version == 2


def test_read_helpers(session, park):
    first = services.create_lease(session, park.operator, park.company, [park.lab], start_on=dt.date(2020, 1, 1))
    services.cancel_lease(session, park.operator, first)
    second = services.create_lease(session, park.operator, park.company, [park.lab], start_on=START)
    assert services.company_leases(session, park.company.id) == [second, first]
    assert services.unit_leases(session, park.lab.id) == [second, first]
    assert services.current_leases(session, [park.lab.id, park.office1.id]) == {park.lab.id: second}
