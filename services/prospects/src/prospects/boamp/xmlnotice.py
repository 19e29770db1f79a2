"""DILA's own XML notices (``Boamp_v230.xsd``: ``<ANNONCE><GESTION>…<DONNEES>…``) as
records shaped like the API's, so that the same readers parse them.

The API's ``donnees`` is this XML converted to JSON with the usual conventions, which are
reproduced here: attributes as ``@NAME``, text next to attributes as ``#text``, an empty
element as ``""``, and a list only where an element repeats.
"""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from pathlib import Path
from typing import Any

from .errors import BoampFileError

MAX_XML_BYTES = 64 * 1024 * 1024
_SCHEMA_LOCATION = "{http://www.w3.org/2001/XMLSchema-instance}noNamespaceSchemaLocation"


def element_to_json(element: ElementTree.Element) -> Any:
    children = list(element)
    attributes = {f"@{_local(k)}": v for k, v in element.attrib.items() if "}" not in k}
    content = (element.text or "").strip()
    if not children and not attributes:
        return content
    node: dict[str, Any] = dict(attributes)
    for child in children:
        key = _local(child.tag)
        value = element_to_json(child)
        if key in node:
            if not isinstance(node[key], list):
                node[key] = [node[key]]
            node[key].append(value)
        else:
            node[key] = value
    if content:
        node["#text"] = content
    return node


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def read_xml_record(path: Path) -> dict[str, Any]:
    """The record of one XML notice; :class:`BoampFileError` if it is not one."""
    try:
        if path.stat().st_size > MAX_XML_BYTES:
            raise BoampFileError(f"{path} : fichier XML de plus de 64 Mo, refusé")
        root = ElementTree.parse(path).getroot()
    except ElementTree.ParseError as error:
        line, column = error.position
        raise BoampFileError(
            f"{path} : XML invalide ligne {line}, colonne {column} ({error})"
        ) from None
    except OSError as error:
        raise BoampFileError(f"{path} : lecture impossible ({error.strerror})") from None
    if _local(root.tag) != "ANNONCE":
        raise BoampFileError(
            f"{path} : la racine XML est <{_local(root.tag)}>, un avis BOAMP commence par <ANNONCE>"
        )
    gestion = root.find("GESTION")
    donnees = root.find("DONNEES")
    if gestion is None or donnees is None:
        raise BoampFileError(f"{path} : <ANNONCE> sans <GESTION> ou sans <DONNEES>")
    gestion_json = element_to_json(gestion)
    schema = Path(root.attrib.get(_SCHEMA_LOCATION, "")).name or None
    return {
        "idweb": _text(gestion_json, "REFERENCE", "IDWEB"),
        "source_schema": schema,
        "gestion": gestion_json if isinstance(gestion_json, dict) else {},
        "donnees": element_to_json(donnees) or {},
    }


def _text(node: Any, *path: str) -> str | None:
    for key in path:
        node = node.get(key) if isinstance(node, dict) else None
    return node if isinstance(node, str) and node else None
