"""Problems found in the input, reported as one-line messages naming the file and line.

`InputError` stops one document (or the manifest) with a clear message; `Diagnostic` is a finding that is
recorded in the `diagnostics` table and printed in the build summary while the build goes on.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import pandas as pd

from .schemas import conform

SEVERITIES = ("error", "warning", "info")


class InputError(Exception):
    """Bad input that stops one document: carries the file and line to name in the one-line message."""

    def __init__(self, file: str, line: int | None, message: str):
        self.file, self.line, self.message = file, line, message
        super().__init__(str(self))

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class Diagnostic:
    """One finding about the input (see the `diagnostics` table in docs/data_dictionary.md)."""

    severity: str
    code: str
    message: str
    file: str | None = None
    line: int | None = None
    doc_id: str | None = None

    def with_doc(self, doc_id: str) -> "Diagnostic":
        return replace(self, doc_id=self.doc_id or doc_id)

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else (self.file or "")
        return f"{self.severity}: {where}: {self.message} [{self.code}]"


def to_frame(diags: list[Diagnostic]) -> pd.DataFrame:
    """The `diagnostics` table (columns and dtypes from ``schemas.COLUMNS``)."""
    # vars(), not dataclasses.asdict: asdict deep-copies every row, which dominated this
    return conform("diagnostics", [vars(d) for d in diags])
