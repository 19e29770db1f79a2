"""BOAMP notices → the ``Tender`` contract: files, schemas, natures, the live connector.

Pure domain: no broker, no database. ``files`` reads records, ``notice`` parses one,
``nature`` picks its event, ``dryrun`` prints it, ``live`` pulls new ones from the API.
"""

from .dryrun import dry_run_line, rejected_line
from .errors import BoampFileError, NoticeError
from .files import count_records, read_records
from .nature import event_for
from .notice import parse_record

__all__ = [
    "BoampFileError",
    "NoticeError",
    "count_records",
    "dry_run_line",
    "event_for",
    "parse_record",
    "read_records",
    "rejected_line",
]
