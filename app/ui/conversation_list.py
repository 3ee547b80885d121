"""The sidebar's rows: a conversation's title, and on the right, muted, when it last changed
(the time today, the day this year, the date before)."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QDate, QLocale, QModelIndex, QPersistentModelIndex, Qt, QTime
from PySide6.QtGui import QPainter, QPalette
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from app.core.store.models import Conversation

GAP = 12  # pixels between the title and its date
Index = QModelIndex | QPersistentModelIndex


def when_text(stamp: str, now: datetime | None = None) -> str:
    """A stored (UTC, ISO) time stamp as the sidebar shows it, in the interface's locale."""
    try:
        when = datetime.fromisoformat(stamp).astimezone()
    except ValueError:
        return ""
    now = now or datetime.now().astimezone()
    locale = QLocale()
    day = QDate(when.year, when.month, when.day)
    if when.date() == now.date():
        return str(locale.toString(QTime(when.hour, when.minute), QLocale.FormatType.ShortFormat))
    if when.year == now.year:
        # the day and month only, in the locale's order ("3 Dec", "12月3日")
        short = locale.dateFormat(QLocale.FormatType.ShortFormat)
        day_month = short.replace("yyyy", "").replace("yy", "").strip(" /.-,年")
        return str(locale.toString(day, day_month))
    return str(locale.toString(day, QLocale.FormatType.ShortFormat))


class ConversationDelegate(QStyledItemDelegate):
    def _date(self, index: Index) -> str:
        conv = index.data(Qt.ItemDataRole.UserRole)
        return when_text(conv.updated) if isinstance(conv, Conversation) else ""

    def initStyleOption(self, option: QStyleOptionViewItem, index: Index) -> None:
        super().initStyleOption(option, index)
        date = self._date(index)
        if date:  # the title gives way to the date
            room = option.rect.width() - option.fontMetrics.horizontalAdvance(date) - 3 * GAP
            option.text = option.fontMetrics.elidedText(
                option.text, Qt.TextElideMode.ElideRight, max(room, 0)
            )

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        super().paint(painter, option, index)
        date = self._date(index)
        if not date:
            return
        painter.save()
        role = QPalette.ColorRole.PlaceholderText
        if option.state & QStyle.StateFlag.State_Selected:
            role = QPalette.ColorRole.Text
        painter.setPen(option.palette.color(role))
        area = option.rect.adjusted(0, 0, -GAP, 0)
        align = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        painter.drawText(area, int(align), date)
        painter.restore()


__all__ = ["ConversationDelegate", "when_text"]
