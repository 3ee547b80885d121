"""The baseline for the cold-start ratio: the least a PySide6 app can do — one QMainWindow
with a text edit — started and painted the way Steward's window is measured (the "painted"
mark, once the first paint is done and the event loop is free again); then it quits."""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QApplication, QMainWindow, QTextEdit

from app.ui.trace import FirstPaint


def main() -> int:
    app = QApplication(sys.argv[:1])
    window = QMainWindow()
    window.setCentralWidget(QTextEdit())
    window.resize(960, 640)
    painted = FirstPaint(window)
    painted.done.connect(app.quit)
    window.installEventFilter(painted)
    window.show()
    return app.exec()


if __name__ == "__main__":
    raise SystemExit(main())
