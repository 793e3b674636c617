"""What can go wrong when a file is imported: the whole file, or one cell of one row."""
from __future__ import annotations

from dataclasses import dataclass

from core.errors import ValidationError
from core.i18n import N_, Gettext, Message, message


class FileRejected(ValidationError):
    """The file as a whole cannot be read: wrong format, damaged, or over a limit."""


class FileTooLarge(FileRejected):
    """The file, or what it expands to, is over an :class:`UploadLimits` bound."""

    status = 413


class CellError(ValidationError):
    """Raised by a cell parser; :func:`map_rows` turns it into a :class:`RowError`."""


@dataclass(frozen=True)
class RowError:
    """One problem, placed where the user will find it in their file.

    ``line`` is the row (or JSON Lines line) number the user sees, ``None`` for a
    problem with the file as a whole (a missing column); ``column`` is the column's
    English key and ``label`` its Chinese label (中文列名), when known.
    """

    line: int | None
    column: str | None
    message: Message
    label: str | None = None

    def render(self, gettext: Gettext) -> str:
        """One line of report text, such as ``Row 3, column deadline: …``."""
        return self.location().render(gettext)

    def location(self) -> Message:
        """The message wrapped with its row and column, untranslated."""
        column = self.column or ""
        label = self.label or column
        if self.line is not None and self.column:
            return message(
                N_("Row %(line)s, column %(column)s: %(message)s"),
                line=self.line, column=column, label=label, message=self.message,
            )
        if self.line is not None:
            return message(N_("Row %(line)s: %(message)s"), line=self.line, message=self.message)
        if self.column:
            return message(
                N_("Column %(column)s: %(message)s"),
                column=column, label=label, message=self.message,
            )
        return self.message
