"""Read the real DECP 2019 contracts (``data/decp/``) as (id, title, CPV) rows.

Shared by the build scripts of the classifier (label sampling, learned terms). It is not
used by the service at run time: the service classifies without ``../shared/data``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

DECP_FILES = ("decp_2019_data.gouv.fr_pes.json", "decp_2019_e-marchespublics.json")


@dataclass(frozen=True)
class DecpContract:
    decp_id: str  # unique: the buyer's SIRET followed by the contract id (the "uid" of PES)
    title: str
    cpv: str  # 8 digits, check digit stripped
    source: str
    buyer: str  # the buyer's SIRET


def decp_id(record: dict) -> str:
    # The PES export carries "uid" = buyer SIRET + contract id; the e-marchespublics export
    # has no uid, so we build the same key. Contract ids alone collide between buyers.
    return record.get("uid") or f"{record['acheteur']['id']}{record['id']}"


def iter_decp(data_dir: Path) -> Iterator[DecpContract]:
    """Every contract of the two 2019 files, de-duplicated on ``decp_id`` (first kept)."""
    seen: set[str] = set()
    for name in DECP_FILES:
        records = json.loads((data_dir / "decp" / name).read_text(encoding="utf-8"))["marches"]
        for record in records:
            key = decp_id(record)
            if key in seen:
                continue
            seen.add(key)
            yield DecpContract(
                decp_id=key,
                title=" ".join(str(record.get("objet") or "").split()),
                cpv=str(record.get("codeCPV") or "").split("-")[0].strip(),
                source=record.get("source", name),
                buyer=str(record.get("acheteur", {}).get("id", "")),
            )
