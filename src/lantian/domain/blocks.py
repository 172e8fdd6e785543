"""Neutral document blocks (文档块): what every reader produces and the plan parser consumes.

A document is a sequence of paragraphs and tables, each remembering the line (1-based) of the
source it came from — the line of a ``.txt`` file, the paragraph/row number of a ``.docx``, the
row of an ``.xlsx`` sheet — so every extracted field can point back to its source.
Bold runs in ``.docx`` paragraphs are kept as ``**…**`` (the same form the text exports use).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Paragraph:
    text: str
    line: int
    end_line: int = 0  # last source line when a paragraph spans several; 0 = same as ``line``

    @property
    def last_line(self) -> int:
        return self.end_line or self.line


@dataclass(frozen=True)
class Cell:
    text: str
    line: int


@dataclass(frozen=True)
class Row:
    cells: tuple[Cell, ...]
    line: int

    @property
    def texts(self) -> list[str]:
        return [c.text for c in self.cells]


@dataclass(frozen=True)
class Table:
    rows: tuple[Row, ...]
    line: int
    end_line: int = 0

    @property
    def last_line(self) -> int:
        return self.end_line or (self.rows[-1].line if self.rows else self.line)


Block = Paragraph | Table


@dataclass(frozen=True)
class Document:
    """A file read into blocks. ``name`` is what messages call the file (its path as given)."""

    name: str
    blocks: tuple[Block, ...]
    encoding: str = "utf-8"
    sha256: str = ""
    kind: str = "txt"  # txt | docx | xlsx
    warnings: tuple[str, ...] = field(default=())

    def paragraphs(self) -> list[Paragraph]:
        return [b for b in self.blocks if isinstance(b, Paragraph)]

    def tables(self) -> list[Table]:
        return [b for b in self.blocks if isinstance(b, Table)]
