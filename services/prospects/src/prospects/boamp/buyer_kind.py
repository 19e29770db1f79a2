"""The kind of buyer (commune, social landlord, hospital…), which matching weighs: small
local procedures from communes, social landlords and public bodies near an ACI are the
most reachable leads.

The name says it most precisely ("Commune de La Madeleine", "OPH de …"); the structured
codes of the schemas (legacy TYPE_POUVOIR_ADJUDICATEUR, v110 INFO, eForms
buyer-legal-type) are coarser and only used when the name says nothing.
"""

from __future__ import annotations

import re

from .signals import fold

# Order matters: "Office public de l'habitat de la Ville de X" is a social landlord.
_BY_NAME: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(pattern))
    for kind, pattern in (
        (
            "bailleur_social",
            r"\boph\b|office public de l'habitat|\bhlm\b|habitat\b(?! et)|logement social"
            r"|\blogis\b|\bsemiso\b|immobiliere 3f|\bicf habitat",
        ),
        ("protection_sociale", r"\burssaf\b|\bcaf\b|\bcpam\b|\bcarsat\b|\bmsa\b|securite sociale"
         r"|\bcanssm\b|assurance maladie"),
        ("sante", r"hopita|(?:centre|groupe|groupement) hospitalier|\bchu\b|\bchr\b|\bch\b"
         r"|\behpad\b|\bars\b"),
        ("enseignement", r"universite|\blycee|\bcollege\b|\becole\b|\bcrous\b|rectorat"),
        (
            "intercommunalite",
            r"communaute (?:de communes|d'agglomeration|urbaine)|\bcom d agglo\b|agglomerat"
            r"|\bcte de cnes\b|\bcommunaute de cnes\b"
            r"|metropole|\bsivom\b|\bsivu\b|\bsyndicat\b|\bsmictom\b|\bsictom\b|\bepci\b",
        ),
        ("commune", r"^(?:commune|ville|mairie)\b|\b(?:commune|ville|mairie) d[e']|\bccas\b"
         r"|centre communal d'action sociale"),
        ("departement", r"\bdepartement\b|conseil (?:departemental|general)"),
        ("region", r"\bregion\b|conseil regional"),
        (
            "etat",
            r"ministere|prefecture|\bddt\b|\bdreal\b|\bdir[a-z]*\b(?= )|\bsgami\b|gendarmerie"
            r"|\barmees?\b|tresorerie|\bdgfip\b|direction (?:regionale|departementale|"
            r"interregionale|interdepartementale)",
        ),
    )
)

# Structured codes (legacy and v110 keys, eForms buyer-legal-type) → kind.
_BY_CODE = {
    "AUTOTRITE_REGIONAL": "collectivite_territoriale",  # sic, as the legacy schema spells it
    "AUTORITE_REGIONALE": "collectivite_territoriale",
    "MIN_AUTORITE_NATIONALE": "etat",
    "ORG_DROIT_PUBLIC": "organisme_droit_public",
    "COMMUNE": "commune",
    "DEPARTEMENT": "departement",
    "REGION": "region",
    "ETAT": "etat",
    "EPN": "etablissement_public",
    "EPT": "etablissement_public",
    "la": "collectivite_territoriale",
    "ra": "collectivite_territoriale",
    "cga": "etat",
    "body-pl": "organisme_droit_public",
    "body-pl-la": "organisme_droit_public",
    "body-pl-ra": "organisme_droit_public",
    "body-pl-cga": "organisme_droit_public",
    "pub-undert": "entreprise_publique",
    "pub-undert-la": "entreprise_publique",
    "pub-undert-ra": "entreprise_publique",
    "pub-undert-cga": "entreprise_publique",
    "int-org": "organisation_internationale",
}


def kind_from_name(name: str | None) -> str | None:
    if not name:
        return None
    folded = fold(name).replace(".", "")  # "C.C.A.S." is "CCAS"
    for kind, pattern in _BY_NAME:
        if pattern.search(folded):
            return kind
    return None


def kind_from_code(code: str | None) -> str | None:
    return _BY_CODE.get(code) if code else None


def buyer_kind(name: str | None, *codes: str | None) -> str | None:
    return kind_from_name(name) or next(
        (kind for kind in map(kind_from_code, codes) if kind), None
    )
