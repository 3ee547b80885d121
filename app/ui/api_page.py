"""Settings › Local API: let the user's other apps use the model through an
OpenAI-compatible API (app.api.server), with its token, port, network choice and the web pages
allowed to call it."""

from __future__ import annotations

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.core.steward import Steward
from app.ui.i18n import QT_TR_NOOP, tr

NETWORK_WARNING = QT_TR_NOOP(
    "Other computers on your network can reach the model; anyone who has the token can use "
    "it. Leave this off unless you need it."
)


class ApiPage(QWidget):
    def __init__(self, steward: Steward) -> None:
        super().__init__()
        self.steward = steward
        api = steward.settings.api
        self.enabled = QCheckBox(tr("Let my other apps use the model (an OpenAI-compatible API)"))
        self.enabled.setChecked(api.enabled)
        self.port = QSpinBox()
        self.port.setRange(1024, 65535)
        self.port.setValue(api.port)
        self.port.setAccessibleName(tr("API port"))
        self.url = QLabel()
        self.url.setObjectName("apiUrl")
        self.port.valueChanged.connect(self._show_url)
        self.token = QLineEdit()
        self.token.setReadOnly(True)
        self.token.setObjectName("apiToken")
        self.token.setAccessibleName(tr("API token"))
        self.copy_button = QPushButton(tr("Copy token"))
        self.copy_button.setObjectName("copyTokenButton")
        self.copy_button.clicked.connect(self._on_copy_clicked)
        self.renew_button = QPushButton(tr("New token"))
        self.renew_button.setObjectName("newTokenButton")
        self.renew_button.setAccessibleDescription(
            tr("Make a new token; apps using the old one are refused from then on.")
        )
        self.renew_button.clicked.connect(self._on_renew_clicked)
        token_row = QHBoxLayout()
        token_row.addWidget(self.token, 1)
        token_row.addWidget(self.copy_button)
        token_row.addWidget(self.renew_button)
        self.network = QCheckBox(tr("Also answer other computers on the network"))
        self.network.setChecked(api.network)
        warning = QLabel(tr(NETWORK_WARNING), wordWrap=True)
        warning.setObjectName("networkWarning")
        warning.setVisible(api.network)
        self.network.toggled.connect(warning.setVisible)
        self.keep_history = QCheckBox(tr("Keep what they ask, and the answers, in my history"))
        self.keep_history.setChecked(api.keep_history)
        self.switch_models = QCheckBox(tr("Let them switch to another of my models by naming it"))
        self.switch_models.setChecked(api.switch_models)
        self.allow_cloud = QCheckBox(
            tr("Let the cloud fallback answer them too, under its policy (Settings › Cloud)")
        )
        self.allow_cloud.setChecked(api.allow_cloud)
        self.origins = QLineEdit(api.origins)
        self.origins.setPlaceholderText(tr("none (web pages cannot call it)"))
        self.origins.setAccessibleName(tr("Web pages allowed to call the API"))
        self.status = QLabel(wordWrap=True)
        self.status.setObjectName("apiStatus")
        about = QLabel(
            tr(
                "Editors, scripts and other apps on this computer can use your local "
                "model with the token below. Your chat comes first; what they ask goes to "
                "the cloud and is kept in your history only if you choose so below."
            ),
            wordWrap=True,
        )
        form = QFormLayout()
        form.addRow(tr("&Port:"), self.port)
        form.addRow(tr("Address:"), self.url)
        form.addRow(tr("Token:"), token_row)
        form.addRow(tr("&Web pages allowed:"), self.origins)
        layout = QVBoxLayout(self)
        layout.addWidget(about)
        layout.addWidget(self.enabled)
        layout.addLayout(form)
        layout.addWidget(self.keep_history)
        layout.addWidget(self.switch_models)
        layout.addWidget(self.allow_cloud)
        layout.addWidget(self.network)
        layout.addWidget(warning)
        layout.addWidget(self.status)
        layout.addStretch(1)
        self._show_url()
        self._token_shown = False

    def showEvent(self, event: object) -> None:
        if not self._token_shown:  # read from the keyring only when the page is looked at
            self._token_shown = True
            from app.api.server import api_token

            self.token.setText(api_token(self.steward))
        super().showEvent(event)  # type: ignore[arg-type]

    def _show_url(self) -> None:
        self.url.setText(tr("http://127.0.0.1:{0}/v1").format(self.port.value()))

    def show_status(self, text: str) -> None:
        self.status.setText(text)

    def apply(self) -> None:
        api = self.steward.settings.api
        api.enabled = self.enabled.isChecked()
        api.port = self.port.value()
        api.network = self.network.isChecked()
        api.origins = " ".join(self.origins.text().split())
        api.keep_history = self.keep_history.isChecked()
        api.switch_models = self.switch_models.isChecked()
        api.allow_cloud = self.allow_cloud.isChecked()

    def _on_copy_clicked(self) -> None:
        QGuiApplication.clipboard().setText(self.token.text())

    def _on_renew_clicked(self) -> None:
        from app.api.server import api_token

        self.token.setText(api_token(self.steward, renew=True))
        self._token_shown = True


__all__ = ["ApiPage"]
