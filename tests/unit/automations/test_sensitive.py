"""The editors' rule for places holding keys, passwords or system settings."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.automations.sensitive import sensitive_findings, sensitive_reason


@pytest.mark.parametrize(
    "scope",
    [
        "/etc",
        "/etc/",
        "/etc/cron.d/x",
        "~/.ssh",
        "~/.ssh/id_rsa",
        "~/.gnupg",
        "/root",
        "/var/lib/dpkg",
        "/",
        "~",
        "~/",
        "/var",
        f"{Path.home()}/.ssh",
        str(Path.home()),
    ],
)
def test_places_holding_or_containing_secrets_are_named(scope: str) -> None:
    assert sensitive_reason(scope) is not None


@pytest.mark.parametrize(
    "scope", ["~/Notes", "~/Downloads/pdfs", "/tmp/work", "/etcetera", "~/.sshfs-mounts", ""]
)
def test_ordinary_places_are_not(scope: str) -> None:
    assert sensitive_reason(scope) is None


def test_changes_are_refused_and_reads_or_watches_warned() -> None:
    findings = sensitive_findings(
        {
            "trigger": {"type": "folder_watch", "folder": "~/.gnupg"},
            "permissions": [
                {"kind": "files.write", "scope": "/etc"},
                {"kind": "files.read", "scope": "~/.ssh/config"},
                {"kind": "files.write", "scope": "~/Notes"},
                {"kind": "network", "scope": "example.org"},
            ],
        }
    )
    assert findings.refused == [
        "changing files in /etc is refused: it holds keys, passwords or system settings"
    ]
    assert [w.split(":")[0] for w in findings.warnings] == [
        "reads files in ~/.ssh/config",
        "watches ~/.gnupg",
    ]
