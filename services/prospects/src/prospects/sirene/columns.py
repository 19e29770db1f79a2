"""Which StockEtablissement header a file has, and where each field we keep lives in it.

Three headers are met in the real samples (``data/sirene/``):

* the current INSEE stock (53 columns since 2019; the Lambert coordinates columns since
  2024; newer files add ``activitePrincipaleNAF25Etablissement``, first published on
  2025-12-16, which we find by name wherever it stands);
* the same with the geocoding columns that data.gouv.fr/Etalab appended
  (``longitude``, ``latitude``, ``geo_score``…);
* the pre-2019 "L2" stock (``SIREN``, ``NIC``, ``APET700``, ``DEPET``+``COMET``…), which also
  carries the legal unit's name, category and ESS flag.

Columns are always found by name, never by position, so that INSEE adding a column does
not shift the others.
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import SireneFileError

# The current header, exactly as INSEE publishes it (and as the trackdechets sample has it).
STOCK_ETABLISSEMENT_HEADER: tuple[str, ...] = (
    "siren",
    "nic",
    "siret",
    "statutDiffusionEtablissement",
    "dateCreationEtablissement",
    "trancheEffectifsEtablissement",
    "anneeEffectifsEtablissement",
    "activitePrincipaleRegistreMetiersEtablissement",
    "dateDernierTraitementEtablissement",
    "etablissementSiege",
    "nombrePeriodesEtablissement",
    "complementAdresseEtablissement",
    "numeroVoieEtablissement",
    "indiceRepetitionEtablissement",
    "dernierNumeroVoieEtablissement",
    "indiceRepetitionDernierNumeroVoieEtablissement",
    "typeVoieEtablissement",
    "libelleVoieEtablissement",
    "codePostalEtablissement",
    "libelleCommuneEtablissement",
    "libelleCommuneEtrangerEtablissement",
    "distributionSpecialeEtablissement",
    "codeCommuneEtablissement",
    "codeCedexEtablissement",
    "libelleCedexEtablissement",
    "codePaysEtrangerEtablissement",
    "libellePaysEtrangerEtablissement",
    "identifiantAdresseEtablissement",
    "coordonneeLambertAbscisseEtablissement",
    "coordonneeLambertOrdonneeEtablissement",
    "complementAdresse2Etablissement",
    "numeroVoie2Etablissement",
    "indiceRepetition2Etablissement",
    "typeVoie2Etablissement",
    "libelleVoie2Etablissement",
    "codePostal2Etablissement",
    "libelleCommune2Etablissement",
    "libelleCommuneEtranger2Etablissement",
    "distributionSpeciale2Etablissement",
    "codeCommune2Etablissement",
    "codeCedex2Etablissement",
    "libelleCedex2Etablissement",
    "codePaysEtranger2Etablissement",
    "libellePaysEtranger2Etablissement",
    "dateDebut",
    "etatAdministratifEtablissement",
    "enseigne1Etablissement",
    "enseigne2Etablissement",
    "enseigne3Etablissement",
    "denominationUsuelleEtablissement",
    "activitePrincipaleEtablissement",
    "nomenclatureActivitePrincipaleEtablissement",
    "caractereEmployeurEtablissement",
)

NAF25_COLUMN = "activitePrincipaleNAF25Etablissement"

# The logical fields the conversion works on, whatever header they came from.
RAW_FIELDS: tuple[str, ...] = (
    "siret",
    "siren",
    "nic",
    "diffusion",
    "denomination",
    "enseigne",
    "naf",
    "nomenclature",
    "naf25",
    "headcount",
    "created",
    "complement",
    "number",
    "repetition",
    "street_type",
    "street",
    "post_code",
    "commune_label",
    "commune",
    "lambert_x",
    "lambert_y",
    "lon",
    "lat",
    "state",
    # Legal-unit fields that only the legacy layout carries in the establishment row.
    "unit_name",
    "category",
    "ess",
    "legacy_department",
)

_STOCK_COLUMNS: dict[str, str] = {
    "siret": "siret",
    "siren": "siren",
    "nic": "nic",
    "diffusion": "statutDiffusionEtablissement",
    "denomination": "denominationUsuelleEtablissement",
    "enseigne": "enseigne1Etablissement",
    "naf": "activitePrincipaleEtablissement",
    "nomenclature": "nomenclatureActivitePrincipaleEtablissement",
    "naf25": NAF25_COLUMN,
    "headcount": "trancheEffectifsEtablissement",
    "created": "dateCreationEtablissement",
    "complement": "complementAdresseEtablissement",
    "number": "numeroVoieEtablissement",
    "repetition": "indiceRepetitionEtablissement",
    "street_type": "typeVoieEtablissement",
    "street": "libelleVoieEtablissement",
    "post_code": "codePostalEtablissement",
    "commune_label": "libelleCommuneEtablissement",
    "commune": "codeCommuneEtablissement",
    "lambert_x": "coordonneeLambertAbscisseEtablissement",
    "lambert_y": "coordonneeLambertOrdonneeEtablissement",
    "lon": "longitude",
    "lat": "latitude",
    "state": "etatAdministratifEtablissement",
}
# Without these a row cannot become a Company we can place and classify.
_STOCK_REQUIRED: tuple[str, ...] = (
    "siren",
    "siret",
    "etatAdministratifEtablissement",
    "activitePrincipaleEtablissement",
    "nomenclatureActivitePrincipaleEtablissement",
    "trancheEffectifsEtablissement",
    "dateCreationEtablissement",
    "codeCommuneEtablissement",
    "codePostalEtablissement",
    "libelleCommuneEtablissement",
    "libelleVoieEtablissement",
    "enseigne1Etablissement",
    "denominationUsuelleEtablissement",
)

_LEGACY_COLUMNS: dict[str, str] = {
    "siren": "SIREN",
    "nic": "NIC",
    "enseigne": "ENSEIGNE",
    "naf": "APET700",
    "headcount": "TEFET",
    "created": "DCRET",
    "complement": "L3_NORMALISEE",
    "number": "NUMVOIE",
    "repetition": "INDREP",
    "street_type": "TYPVOIE",
    "street": "LIBVOIE",
    "post_code": "CODPOS",
    "commune_label": "LIBCOM",
    "commune": "COMET",  # prefixed with DEPET when rows are converted
    "lon": "longitude",
    "lat": "latitude",
    "unit_name": "NOMEN_LONG",
    "category": "CATEGORIE",
    "ess": "ESS",
    "legacy_department": "DEPET",  # joined to COMET when rows are converted
}
_LEGACY_REQUIRED: tuple[str, ...] = ("SIREN", "NIC", "APET700", "DEPET", "COMET", "CODPOS")


@dataclass(frozen=True)
class Layout:
    """Which column holds each logical field in one header."""

    kind: str  # "stock" or "legacy_l2"
    header: tuple[str, ...]
    columns: dict[str, str]  # logical field → column name, for the fields present

    @property
    def width(self) -> int:
        return len(self.header)

    def has(self, name: str) -> bool:
        return name in self.columns

    @property
    def source_columns(self) -> list[str]:
        """The file columns to read (each once), in header order."""
        wanted = set(self.columns.values())
        return [c for c in self.header if c in wanted]


def _make_layout(kind: str, header: tuple[str, ...], mapping: dict[str, str]) -> Layout:
    present = set(header)
    return Layout(
        kind=kind,
        header=header,
        columns={f: mapping[f] for f in RAW_FIELDS if mapping.get(f) in present},
    )


def detect_layout(header: list[str]) -> Layout:
    """The layout of a header, or a SireneFileError naming the columns that are missing."""
    names = tuple(h.strip() for h in header)
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise SireneFileError(f"En-tête invalide : colonnes en double : {', '.join(duplicates)}")
    present = set(names)
    if {"APET700", "SIREN"} <= present:
        missing = [c for c in _LEGACY_REQUIRED if c not in present]
        if missing:
            raise SireneFileError(
                "En-tête StockEtablissement (ancien format L2) incomplet : colonnes manquantes : "
                + ", ".join(missing)
            )
        return _make_layout("legacy_l2", names, _LEGACY_COLUMNS)
    missing = [c for c in _STOCK_REQUIRED if c not in present]
    if missing:
        hint = ""
        if "categorieEntreprise" in present or "denominationUniteLegale" in present:
            hint = " (ce fichier ressemble à un StockUniteLegale, pas à un StockEtablissement)"
        raise SireneFileError(
            "En-tête StockEtablissement inattendu : colonnes manquantes : "
            + ", ".join(missing)
            + hint
        )
    return _make_layout("stock", names, _STOCK_COLUMNS)
