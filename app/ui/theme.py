"""Light and dark themes: Qt's Fusion style with a palette, so every widget follows."""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

_DARK = {
    QPalette.ColorRole.Window: "#1f2937",
    QPalette.ColorRole.WindowText: "#e5e7eb",
    QPalette.ColorRole.Base: "#111827",
    QPalette.ColorRole.AlternateBase: "#1f2937",
    QPalette.ColorRole.Text: "#e5e7eb",
    QPalette.ColorRole.Button: "#374151",
    QPalette.ColorRole.ButtonText: "#f9fafb",
    QPalette.ColorRole.Highlight: "#f59e0b",
    QPalette.ColorRole.HighlightedText: "#111827",
    QPalette.ColorRole.ToolTipBase: "#111827",
    QPalette.ColorRole.ToolTipText: "#e5e7eb",
    QPalette.ColorRole.PlaceholderText: "#9ca3af",
    QPalette.ColorRole.Mid: "#4b5563",
}


def apply_theme(app: QApplication, theme: str) -> None:
    app.setStyle("Fusion")
    if theme == "dark":
        palette = QPalette()
        for role, colour in _DARK.items():
            palette.setColor(role, QColor(colour))
        app.setPalette(palette)
    else:
        app.setPalette(app.style().standardPalette())
