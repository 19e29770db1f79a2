"""The HTTP API: filters, pagination, best first, the breakdown of one lead, 404."""

from __future__ import annotations

import pytest

from chantiers_common.events.prospects import (
    CompanyRegistered,
    TenderCancelled,
    TenderPublished,
)

pytestmark = pytest.mark.stack


async def test_leads_are_filtered_paginated_and_best_first(producer, tap, api, make):
    structure = make.structure(lat=45.19, lon=5.72, department="38")
    await api.registered(producer, structure, make.activity(structure))
    tenders = [
        make.tender(lat=45.18, lon=5.73, department="38", social_criteria=True,
                    amount_eur=20_000),
        make.tender(lat=45.18, lon=5.73, department="38", reserved_siae=True),
        make.tender(lat=45.30, lon=5.60, department="38", days=2),
        make.tender(lat=45.25, lon=5.70, department="38"),
    ]
    for tender in tenders:
        await producer.publish(TenderPublished(tender=tender))
    company = make.company(naf="68.20A", lat=45.19, lon=5.72, department="38")
    await producer.publish(CompanyRegistered(company=company))
    await tap.wait(lambda: len([e for e in tap.events
                                if e.data.lead.structure_siret == structure.siret]) == 5,
                   what="five leads")

    everything = await api.json("/leads", siret=structure.siret)
    assert everything["total"] == 5
    scores = [lead["score"] for lead in everything["items"]]
    assert scores == sorted(scores, reverse=True)
    assert {lead["structure_siret"] for lead in everything["items"]} == {structure.siret}

    pages = [await api.json("/leads", siret=structure.siret, limit=2, offset=offset)
             for offset in (0, 2, 4)]
    assert [len(p["items"]) for p in pages] == [2, 2, 1]
    assert [lead["id"] for p in pages for lead in p["items"]] == [
        lead["id"] for lead in everything["items"]]

    companies = await api.json("/leads", siret=structure.siret, kind="company")
    assert [lead["prospect_ref"] for lead in companies["items"]] == [company.siret]
    floor = scores[2]
    strong = await api.json("/leads", siret=structure.siret, min_score=floor)
    assert strong["total"] == sum(1 for s in scores if s >= floor)
    assert all(lead["score"] >= floor for lead in strong["items"])

    await producer.publish(TenderCancelled(tender=tenders[0]))
    await tap.wait(lambda: [e for e in tap.about(tenders[0].idweb, structure.siret)
                            if e.type == "lead.withdrawn"], what="the withdrawal")
    still_open = await api.json("/leads", siret=structure.siret)
    assert tenders[0].idweb not in {lead["prospect_ref"] for lead in still_open["items"]}
    assert still_open["total"] == 4
    with_closed = await api.json("/leads", siret=structure.siret, open="false")
    assert with_closed["total"] == 5

    one = everything["items"][0]
    detail = await api.json(f"/leads/{one['id']}")
    assert detail["lead"]["components"] == one["components"]
    assert sum(c["max_points"] for c in detail["lead"]["components"]) > 0

    assert (await api.get("/leads/00000000-0000-0000-0000-000000000000")).status_code == 404
    # A NUL character cannot be in PostgreSQL text: not found, not a database error.
    assert (await api.get("/leads/lead%00")).status_code == 404
    assert (await api.get("/leads", siret="123")).status_code == 422
    assert (await api.get("/leads", kind="other")).status_code == 422
