"""The line ``chantiers ingest boamp PATH --dry-run --json`` prints for each notice, so that
a person can check a file before loading it: the event it would publish and the fields
matching scores on, then the whole tender."""

from __future__ import annotations

from typing import Any

from chantiers_common.events.prospects import Tender

from .errors import NoticeError
from .nature import event_for


def dry_run_line(tender: Tender) -> dict[str, Any]:
    return {
        "idweb": tender.idweb,
        "nature": tender.nature,
        "nature_inferred": tender.nature_inferred,
        "event": event_for(tender).event_type,
        "title": tender.title,
        "buyer": tender.buyer.name,
        "buyer_siret": tender.buyer.siret,
        "buyer_kind": tender.buyer.kind,
        "departments": tender.departments,
        "commune_insee": tender.commune_insee,
        "cpv": tender.cpv_codes,
        "deadline": tender.deadline.isoformat() if tender.deadline else None,
        "amount_eur": tender.amount_eur,
        "social_criteria": tender.social_criteria,
        "reserved_siae": tender.reserved_siae,
        "reserved_disabled": tender.reserved_disabled,
        "insertion_market": tender.insertion_market,
        "winners": [
            {"name": w.name, "siret": w.siret, "lot": w.lot} for w in tender.winners
        ],
        "schema": tender.source_schema,
        "tender": tender.model_dump(mode="json"),
    }


def rejected_line(error: NoticeError, raw: Any) -> dict[str, Any]:
    """The line for a notice that would go to quarantine (same stream, ``event`` null)."""
    idweb = error.idweb or (raw.get("idweb") if isinstance(raw, dict) else None)
    return {"idweb": idweb, "event": None, "quarantine": error.reason}
