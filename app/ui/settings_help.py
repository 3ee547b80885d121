"""What each control of Settings does, for the tooltip and for a screen reader (Qt reads a
control's tooltip as its accessible description): one place, so the dialog's code stays
about layout and behaviour."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QDialogButtonBox

from app.ui.i18n import tr

if TYPE_CHECKING:
    from app.ui.settings_dialog import SettingsDialog


def describe(dialog: SettingsDialog) -> None:
    """Every control's help, in the interface's language now."""
    buttons = QDialogButtonBox.StandardButton
    for widget, text in (
        (dialog.embedded_button, tr("Answer with the small model that comes with Steward")),
        (dialog.choose_button, tr("Use a GGUF model file already on this computer")),
        (dialog.download_button, tr("Download a model from a catalogue, checked before use")),
        (
            dialog.n_ctx,
            tr("How much of the conversation the model reads at once; more needs more memory"),
        ),
        (dialog.n_threads, tr("Processor threads for the model; automatic suits most computers")),
        (dialog.temperature, tr("Higher writes more varied answers, lower more predictable ones")),
        (dialog.top_p, tr("Only the likeliest words adding up to this share are considered")),
        (dialog.max_tokens, tr("The longest an answer may be, in tokens")),
        (dialog.system_prompt, tr("Instructions the model is given before every conversation")),
        (dialog.cloud_enabled, tr("Nothing is sent anywhere until this is switched on")),
        (dialog.cloud_url, tr("The address of an OpenAI-compatible endpoint, ending in /v1")),
        (dialog.cloud_model, tr("The name of the model the endpoint should answer with")),
        (dialog.cloud_key, tr("Stored in the system keyring, or else in your encrypted history")),
        (dialog.forget_key, tr("The stored key is removed when you save")),
        (dialog.cloud_policy, tr("When a message may go to the cloud endpoint")),
        (
            dialog.cloud_redact,
            tr("Applies to every message sent to the cloud endpoint"),
        ),
        (dialog.test_button, tr("Sends a one-word request with these settings, nothing of yours")),
        (
            dialog.recovery_button,
            tr("Shows the key that opens your history if the passphrase is lost"),
        ),
        (dialog.backup_button, tr("Writes an encrypted copy of your history to a file")),
        (dialog.passphrase_button, tr("How the key of your encrypted history is protected")),
        (dialog.lock_button, tr("Closes your history until the passphrase is entered again")),
        (
            dialog.erase_button,
            tr("Deletes every conversation, workflow and run, the key and the backups, for good"),
        ),
        (
            dialog.use_keyring,
            tr("Steward opens without asking; the system keyring guards the key"),
        ),
        (dialog.general.appearance, tr("Light, dark, or as the system is set")),
        (dialog.general.language, tr("The language of the window and of Steward's messages")),
        (
            dialog.general.start_minimized,
            tr("Steward starts in the tray; the window opens from there"),
        ),
        (dialog.general.launch_at_login, tr("Steward starts in the tray when you log in")),
        (
            dialog.api_page.enabled,
            tr("Other programs on this computer can ask the model, with the token below"),
        ),
        (dialog.api_page.port, tr("The port the API listens on")),
        (dialog.api_page.token, tr("Other programs send this token with every request")),
        (dialog.api_page.copy_button, tr("Copy the token to the clipboard")),
        (
            dialog.api_page.network,
            tr("Other computers that can reach this one may use the model with the token"),
        ),
        (dialog.api_page.keep_history, tr("Their conversations appear in your sidebar")),
        (
            dialog.api_page.switch_models,
            tr("A request naming another installed model loads it"),
        ),
        (dialog.api_page.allow_cloud, tr("Only when the cloud fallback is switched on")),
        (
            dialog.api_page.origins,
            tr("Web addresses, separated by spaces, whose pages may call the API"),
        ),
        (dialog.buttons.button(buttons.Ok), tr("Save the changes and close Settings")),
        (dialog.buttons.button(buttons.Apply), tr("Save the changes and keep Settings open")),
        (dialog.buttons.button(buttons.Cancel), tr("Close Settings without saving")),
    ):
        widget.setToolTip(text)
