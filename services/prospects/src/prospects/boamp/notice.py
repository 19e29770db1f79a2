"""One BOAMP record → one :class:`Tender`, whatever schema its notice was written in.

A record is what the API returns (or a line of a file): summary fields of its own
(``idweb``, ``objet``, ``nomacheteur``, ``code_departement``, ``criteres``…), the notice
itself in ``donnees`` (a JSON *string*, shaped by its schema) and BOAMP's index in
``gestion``. The schema readers (legacy, v110, 3.2.5, eForms) read ``donnees``; this
module picks the reader, merges what it found with the summary fields and ``gestion``
(which fill in whatever the other lacks), and decides the signals.

A record that cannot become a tender raises :class:`NoticeError` with the reason, for
the quarantine; a file never stops for one bad notice.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import ValidationError

from chantiers_common.events.common_types import GeoPoint
from chantiers_common.events.prospects import Buyer, Tender, Winner

from . import eforms, fns, legacy, v110
from .buyer_kind import buyer_kind
from .details import NoticeDetails
from .duplicates import duplicated_keys, from_pairs
from .errors import NoticeError
from .nature import normalize_nature
from .place import CommuneIndex, default_communes
from .signals import read_signals
from .textfix import repair
from .values import (
    as_list,
    deadline_from_api,
    dedupe,
    department,
    department_of_postcode,
    departments_in,
    get,
    parse_date,
    parse_deadline,
    text,
    walk_strings,
)

# Names of the readers, as reported in Tender.source_schema and the dry-run counts.
SUMMARY = "summary"
LEGACY_SCHEMAS = ("v230", "v110")


def parse_record(raw: dict[str, Any], *, communes: CommuneIndex | None = None) -> Tender:
    """The tender a record describes, or :class:`NoticeError` with the reason."""
    if not isinstance(raw, dict):
        raise NoticeError(f"l'enregistrement n'est pas un objet JSON mais {type(raw).__name__}")
    idweb = text(raw.get("idweb")) or (text(raw.get("id")) or "").replace("_", "-") or None
    if not idweb:
        raise NoticeError("idweb absent : l'avis ne peut pas être identifié")
    twice = duplicated_keys(raw)
    if twice:
        raise NoticeError(f"clé en double ({', '.join(twice[:5])}) : enregistrement ambigu",
                          idweb=idweb)
    try:
        return _parse(raw, idweb, communes if communes is not None else default_communes())
    except NoticeError as error:
        error.idweb = error.idweb or idweb
        raise
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise NoticeError(f"valeur refusée pour {where} : {first['msg']}", idweb=idweb) from None
    except RecursionError:
        raise NoticeError("donnees trop profondément imbriquées", idweb=idweb) from None
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as error:
        # A shape no reader expected: the notice goes to quarantine with what broke, the
        # file goes on. The tests run every shipped record, so this stays exceptional.
        raise NoticeError(
            f"forme d'avis inattendue ({type(error).__name__} : {error})", idweb=idweb
        ) from None


def _json_field(raw: dict[str, Any], name: str, *, required: bool) -> dict[str, Any] | None:
    value = raw.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            value = json.loads(value, object_pairs_hook=from_pairs)
        except json.JSONDecodeError as error:
            if not required:
                return None
            raise NoticeError(f"« {name} » n'est pas du JSON valide ({error})") from None
    twice = duplicated_keys(value)
    if twice:
        raise NoticeError(f"clé en double dans « {name} » ({', '.join(twice[:5])}) : "
                          "avis ambigu")
    if not isinstance(value, dict):
        if not required:
            return None
        raise NoticeError(f"« {name} » n'est pas un objet JSON mais {type(value).__name__}")
    return value


def read_details(donnees: dict[str, Any] | None, source_schema: str | None) -> NoticeDetails:
    """Pick the reader by the shape of ``donnees`` (``source_schema`` is missing on some
    records, e.g. the JOUE awards of 2023 say "None")."""
    if donnees is None:
        return NoticeDetails(schema=SUMMARY)
    if "EFORMS" in donnees:
        return eforms.read(donnees)
    if fns.root_of(donnees):
        return fns.read(donnees)
    if "IDENT" in donnees or "v110" in (source_schema or ""):
        return v110.read(donnees)
    if isinstance(donnees.get("IDENTITE"), dict) or isinstance(donnees.get("OBJET"), dict):
        return legacy.read(donnees, schema="v230")
    keys = ", ".join(sorted(donnees)[:8])
    raise NoticeError(f"schéma de « donnees » inconnu (clés : {keys})")


def _parse(raw: dict[str, Any], idweb: str, communes: CommuneIndex) -> Tender:
    donnees = _json_field(raw, "donnees", required=True)
    gestion = _json_field(raw, "gestion", required=False) or {}
    index = gestion.get("INDEXATION") if isinstance(gestion.get("INDEXATION"), dict) else {}
    type_avis = get(gestion, "REFERENCE", "TYPE_AVIS") or {}
    details = read_details(donnees, text(raw.get("source_schema")))

    nature, inferred = normalize_nature(
        text(raw.get("nature")) or _first_key(type_avis.get("NATURE")),
        text(raw.get("etat")) or _first_key(type_avis.get("STATUT")),
    )
    title = repair(text(raw.get("objet")) or details.title or text(index.get("RESUME_OBJET")))
    if not title:
        raise NoticeError("objet de l'avis absent")
    buyer_name = _buyer_name(
        text(raw.get("nomacheteur")) or details.buyer_name or text(index.get("NOMORGANISME"))
    )
    if not buyer_name:
        raise NoticeError("acheteur absent")

    published_on = parse_date(raw.get("dateparution")) or parse_date(index.get("DATE_PUBLICATION"))
    deadline = (
        details.deadline
        or parse_deadline(index.get("DATE_LIMITE_REPONSE"))
        or deadline_from_api(raw.get("datelimitereponse"),
                             legacy_schema=details.schema in LEGACY_SCHEMAS)
    )

    hints = dedupe(
        department(d)
        for d in [*as_list(raw.get("code_departement")), *as_list(index.get("DEP_PUBLICATION"))]
    )
    commune = None
    for place in details.places:
        commune = communes.resolve(place.label, place.postcode, place.city, hint_departments=hints)
        if commune:
            break
    place_departments = [
        dept
        for place in details.places
        for dept in (
            [department_of_postcode(place.postcode)] if place.postcode else []
        ) + departments_in(place.label)
    ]
    departments = dedupe(
        [
            *(department(d) for d in as_list(raw.get("code_departement_prestation"))),
            *(department(d) for d in as_list(index.get("DEP_PRESTATION"))),
            commune_department(commune.insee) if commune else None,
            *place_departments,
            *details.departments,
            *(department(d) for d in as_list(raw.get("code_departement"))),
            *(department(d) for d in as_list(index.get("DEP_PUBLICATION"))),
        ]
    )

    criteria = dedupe(
        [
            *(c.strip().lower() for c in as_list(raw.get("criteres")) if isinstance(c, str)),
            *(k.lower() for k in _keys(index.get("CRITERES_SOCIAUX_ENV"))),
            *details.criteria,
        ]
    )
    signals = read_signals(
        [title, _notice_text(raw.get("donnees"), donnees)],
        criteria=criteria,
        structured_social=details.social,
        reserved=details.reserved,
        reserved_siae=details.reserved_siae,
        reserved_disabled=details.reserved_disabled,
        reservation_texts=details.reservation_texts,
        published_on=published_on,
    )

    descriptors = _descriptors(raw, index)
    winners = details.winners or [
        Winner(name=name) for name in dedupe(
            text(n) for n in as_list(raw.get("titulaire"))
            or as_list(get(index, "TITULAIRES", "DENOMINATION"))
        )
    ]
    return Tender(
        idweb=idweb,
        nature=nature,
        nature_inferred=inferred,
        title=title,
        description=details.description,
        buyer=Buyer(
            name=buyer_name,
            siret=details.buyer_siret,
            kind=buyer_kind(buyer_name, details.buyer_kind) or details.buyer_kind,
        ),
        departments=departments,
        commune_insee=commune.insee if commune else None,
        location=GeoPoint(lat=commune.lat, lon=commune.lon)
        if commune and commune.lat is not None and commune.lon is not None
        else None,
        nuts=details.nuts,
        place=_place_label(details),
        cpv_main=details.cpv_main,
        cpv_additional=details.cpv_additional,
        descriptors=descriptors[1],
        descriptor_codes=descriptors[0],
        lots=details.lots,
        amount_eur=details.amount_eur,
        published_on=published_on,
        deadline=deadline,
        procedure=text(raw.get("type_procedure")) or _first_key(index.get("TYPE_PROCEDURE"))
        or details.procedure,
        family=text(raw.get("famille")) or _first_key(type_avis.get("FAMILLE")),
        market_types=dedupe(
            [*(text(t) for t in as_list(raw.get("type_marche"))),
             *_keys(index.get("NATURE_MARCHE"))]
        ) or details.market_types,
        criteria=criteria,
        social_criteria=signals.social,
        reserved_siae=signals.reserved_siae,
        reserved_disabled=signals.reserved_disabled,
        insertion_market=signals.insertion_market,
        winners=winners,
        url=text(raw.get("url_avis")) or f"https://www.boamp.fr/pages/avis/?q=idweb:{idweb}",
        source_schema=details.schema,
        related_idweb=[r for r in _related(raw, gestion, details) if r != idweb],
    )


def _notice_text(written: Any, donnees: dict[str, Any] | None) -> str:
    """All the words of the notice, for the signals. The JSON string as the API sends it
    is the fastest source (its keys hold no spaces, so no phrase can match them); a
    notice given as a structure, or with escaped accents, is walked instead."""
    if isinstance(written, str) and "\\u" not in written:
        return written.replace("\\n", "\n").replace('\\"', '"')
    return "\n".join(walk_strings(donnees)) if donnees else ""


def commune_department(insee: str) -> str | None:
    if insee[:2] in ("2A", "2B"):
        return insee[:2]
    return department(insee[:3]) if insee.startswith("97") else department(insee[:2])


def _keys(node: Any) -> list[str]:
    return list(node) if isinstance(node, dict) else []


def _first_key(node: Any) -> str | None:
    """``{"APPEL_OFFRE": {"STANDARD": ""}}`` → "APPEL_OFFRE"; a plain string is itself."""
    if isinstance(node, str):
        return node or None
    return next(iter(_keys(node)), None)


def _buyer_name(name: str | None) -> str | None:
    """v110 names end with the punctuation of the printed page ("ville de Chenôve.")."""
    name = repair(name)
    if not name:
        return None
    name = name.strip().rstrip(",;").strip()
    if name.endswith(".") and len(name) > 2 and name[-2].islower():
        name = name[:-1]
    return name or None


def _descriptors(raw: dict[str, Any], index: dict[str, Any]) -> tuple[list[str], list[str]]:
    codes = [text(c) for c in as_list(raw.get("descripteur_code"))]
    labels = [text(label) for label in as_list(raw.get("descripteur_libelle"))]
    if not codes and not labels:
        nodes = as_list(get(index, "DESCRIPTEURS", "DESCRIPTEUR"))
        codes = [text(get(n, "CODE")) for n in nodes]
        labels = [text(get(n, "LIBELLE")) for n in nodes]
    return dedupe(codes), dedupe(labels)


def _place_label(details: NoticeDetails) -> str | None:
    for place in details.places:
        parts = [p for p in (place.label, place.postcode, place.city) if p]
        if parts:
            return " ".join(dedupe(parts))
    return None


def _related(raw: dict[str, Any], gestion: dict[str, Any], details: NoticeDetails) -> list[str]:
    linked = get(gestion, "INDEXATION", "AVISLIEE", "AVIS_PRECEDENT")
    return dedupe(
        [
            *(text(i) for i in as_list(raw.get("annonce_lie"))),
            *details.related_idweb,
            text(get(gestion, "MARCHE", "ANNONCE_ANTERIEUR", "REFERENCE", "IDWEB")),
            *(text(get(node, "IDWEB")) for node in as_list(linked)),
        ]
    )
