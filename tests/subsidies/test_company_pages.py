"""The claiming company's side through HTTP: the batches it may apply to, its claims and their
deadlines, editing, evidence, submission and withdrawal; bad input on every field; other
companies, staff and exited companies kept out."""
from __future__ import annotations

import io

import pytest

from incubator.companies.models import CompanyStatus
from incubator.demo import tiny_pdf
from incubator.subsidies.models import ClaimState as C
from incubator.subsidies.models import SubsidyClaim

from .conftest import open_batch
from .test_staff_pages import page, post, reload


def _evidence(client, claim_id, content=None, name="回单.pdf", status=(302, 303)):
    data = {} if content is False else {"file": (io.BytesIO(content or tiny_pdf("receipt")), name)}
    return post(client, f"/subsidies/claims/{claim_id}/evidence", data, status=status,
                content_type="multipart/form-data")


def test_my_claims_lists_open_batches_and_claims(subsidy_world, client, login):
    w = subsidy_world
    login(w.member)
    html = page(client, "/subsidies/mine")
    assert w.batch.number in html and "Apply" in html and "Your company has not claimed a subsidy yet." in html
    post(client, f"/subsidies/batches/{w.batch.id}/apply")
    html = page(client, "/subsidies/mine")
    claim = w.session.query(SubsidyClaim).filter_by(company_id=w.company.id).one()
    assert claim.number in html and "No batch is taking applications" in html  # applied already
    resp = client.post(f"/subsidies/batches/{w.batch.id}/apply", headers={"Referer": "/subsidies/mine"})
    assert resp.status_code == 303
    assert "already has a claim" in page(client, "/subsidies/mine")


def test_only_tenants_apply(subsidy_world, client, login):
    w = subsidy_world
    login(w.applicant_member)
    html = page(client, "/subsidies/mine")
    assert "you can apply once your lease is signed" in html and w.batch.number not in html
    resp = client.post(f"/subsidies/batches/{w.batch.id}/apply", headers={"Referer": "/subsidies/mine"})
    assert resp.status_code == 303 and "in residence" in page(client, "/subsidies/mine")
    assert not w.session.query(SubsidyClaim).filter_by(company_id=w.applicant.id).count()


def test_staff_and_companies_are_kept_to_their_pages(subsidy_world, client, login):
    w = subsidy_world
    claim = w.claim()
    login(w.operator)
    assert client.get("/subsidies/mine").status_code == 403
    assert client.post(f"/subsidies/claims/{claim.id}/submit").status_code == 403
    assert client.post(f"/subsidies/batches/{w.batch.id}/apply").status_code == 403
    login(w.member)
    for url in ("/subsidies/", "/subsidies/claims", f"/subsidies/batches/{w.batch.id}", "/subsidies/batches/new"):
        assert client.get(url).status_code == 403, url
    assert client.post(f"/subsidies/claims/{claim.id}/verify").status_code == 403


def test_another_companys_claim_is_not_found(subsidy_world, client, login):
    w = subsidy_world
    claim = w.claim()
    login(w.other_member)
    assert client.get(f"/subsidies/claims/{claim.id}").status_code == 404
    for step in ("save", "evidence", "submit", "withdraw"):
        assert client.post(f"/subsidies/claims/{claim.id}/{step}", data={"remarks": "x"}).status_code == 404, step
    assert reload(w.session, claim.id).state == C.DRAFT


def test_edit_upload_submit_and_withdraw(subsidy_world, client, login):
    w = subsidy_world
    claim = w.claim(files=0)
    login(w.member)
    html = page(client, f"/subsidies/claims/{claim.id}")
    assert "Upload the payment evidence first." in html and "Where your claim stands" in html
    resp = post(client, f"/subsidies/claims/{claim.id}/submit", status=400)
    assert "Please upload the payment evidence first" in resp.get_data(True)
    html = _evidence(client, claim.id, content=False, status=400).get_data(True)
    assert "Please choose a file." in html
    html = _evidence(client, claim.id, content=b"just some text", name="x.pdf", status=400).get_data(True)
    assert "payment evidence" in html.lower() and reload(w.session, claim.id).state == C.DRAFT
    _evidence(client, claim.id)
    assert "回单.pdf" in page(client, f"/subsidies/claims/{claim.id}")
    html = post(client, f"/subsidies/claims/{claim.id}/save", {"remarks": "x" * 2001}, status=400).get_data(True)
    assert "2000" in html
    post(client, f"/subsidies/claims/{claim.id}/submit")
    assert reload(w.session, claim.id).state == C.SUBMITTED
    html = page(client, f"/subsidies/claims/{claim.id}")
    assert "The operator is checking the claim" in html and "Withdraw the claim" in html
    post(client, f"/subsidies/claims/{claim.id}/save", {"remarks": "改"}, status=400)
    post(client, f"/subsidies/claims/{claim.id}/withdraw", {"reason": "下批再报"})
    assert reload(w.session, claim.id).state == C.WITHDRAWN
    assert "Withdrawn by your company." in page(client, "/subsidies/mine")


@pytest.mark.parametrize(("raw", "message"), [
    ("NaN", "such as 120.50"),
    ("-100", "greater than zero"),
    ("0", "greater than zero"),
    ("100.001", "decimal places"),
    ("1e6", "such as 120.50"),
    ("100000000000000", "too large"),
])
def test_bad_declared_amounts_on_the_page(subsidy_world, client, login, raw, message):
    w = subsidy_world
    claim = w.claim(batch=open_batch(w.session, w.operator, w.declared_type, w.pool, name="研发投入补贴"))
    login(w.member)
    html = post(client, f"/subsidies/claims/{claim.id}/save", {"declared_amount": raw, "remarks": ""},
                status=400).get_data(True)
    assert message in html
    assert reload(w.session, claim.id).declared_amount is None


def test_declared_amount_with_full_width_digits(subsidy_world, client, login):
    w = subsidy_world
    claim = w.claim(batch=open_batch(w.session, w.operator, w.declared_type, w.pool, name="研发投入补贴"))
    login(w.member)
    assert "Enter the amount you claim" in page(client, f"/subsidies/claims/{claim.id}")
    post(client, f"/subsidies/claims/{claim.id}/save", {"declared_amount": "８８，０００．５", "remarks": ""})
    assert str(reload(w.session, claim.id).declared_amount) == "88000.50"
    html = page(client, f"/subsidies/claims/{claim.id}")
    assert "88000.50" in html and "¥88,000.50" in html
    lines = html.split('id="lines"', 1)[1].split("</table>", 1)[0]  # the calculation reads as money
    assert "¥88,000.50" in lines and "88000.50" not in lines


def test_an_exited_company_reads_but_changes_nothing(subsidy_world, client, login):
    w = subsidy_world
    claim = w.claim()
    w.company.status = CompanyStatus.EXITED
    w.session.commit()
    login(w.member)
    html = page(client, f"/subsidies/claims/{claim.id}")
    assert "can be read but no longer changed" in html
    assert f"/subsidies/claims/{claim.id}/submit" not in html and f"/subsidies/claims/{claim.id}/evidence" not in html
    assert client.post(f"/subsidies/claims/{claim.id}/submit").status_code == 403
    assert "you can apply once your lease is signed" in page(client, "/subsidies/mine")
