"""`steward cloud` and `steward settings`."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import getpass
import json
import os
import sys
from typing import TYPE_CHECKING, Any

from app.cli import err
from app.core.errors import UsageError
from app.core.llm.cloud import validate_base_url
from app.core.settings import apply_setting
from app.core.steward import (
    CLOUD_KEY,
    SecretStore,
    Steward,
    check_cloud_endpoint,
    cloud_endpoint,
)
from app.language import _t

if TYPE_CHECKING:
    pass


def _read_api_key() -> str:
    if key := os.environ.get("STEWARD_CLOUD_API_KEY"):
        return key.strip()
    if sys.stdin.isatty():
        return getpass.getpass("API key (input hidden; empty if the endpoint needs none): ").strip()
    return sys.stdin.read().strip()


def cmd_cloud(args: argparse.Namespace, steward: Steward) -> int:
    cloud = steward.settings.cloud
    secrets_ = SecretStore(steward)
    if args.cloud_command == "set":
        cloud.base_url = validate_base_url(args.base_url)
        if not args.model.strip():
            raise UsageError(_t("--model must name the model the endpoint expects."))
        cloud.model = args.model.strip()
        cloud.policy = args.policy
        if args.redact is not None:
            cloud.redact = args.redact
        key = "" if args.no_key else _read_api_key()
        secrets_.set(CLOUD_KEY, key or None)
        cloud.enabled = True
        steward.settings_store.save(steward.settings)
        print(
            _t("Cloud fallback on: {0}, model {1}, policy {2}{3}; API key {4}.").format(
                cloud.base_url,
                cloud.model,
                cloud.policy,
                ", redaction on" if cloud.redact else "",
                "stored" if key else "not needed",
            )
        )
        return 0
    if args.cloud_command == "off":
        cloud.enabled = False
        steward.settings_store.save(steward.settings)
        print(_t("Cloud fallback off: nothing will be sent anywhere."))
        return 0
    if args.cloud_command == "show":
        info = {
            "enabled": cloud.enabled,
            "base_url": cloud.base_url,
            "model": cloud.model,
            "policy": cloud.policy,
            "redact": cloud.redact,
            "api_key": "stored" if secrets_.get(CLOUD_KEY) else "none",
        }
        if args.json:
            print(json.dumps(info))
        else:
            for name, value in info.items():
                print(f"{name:9} {value}")
        return 0
    # test
    if not cloud.base_url:
        raise UsageError(_t("No cloud endpoint is set; use `steward cloud set` first."))
    ms = asyncio.run(
        check_cloud_endpoint(
            cloud, secrets_.get(CLOUD_KEY) or "", lambda routed: err(f"({routed.text()})")
        )
    )
    host = cloud_endpoint(cloud, "").host
    print(_t("OK: {0} answered with model {1} in {2:.0f} ms.").format(host, cloud.model, ms))
    return 0


def cmd_settings(args: argparse.Namespace, steward: Steward) -> int:
    settings = steward.settings
    if args.settings_command == "set":
        apply_setting(settings, args.key, args.value)
        steward.settings_store.save(settings)
    elif args.settings_command == "reset":
        settings.models.pop(settings.model_id(), None)
        steward.settings_store.save(settings)
    model = steward.model()
    values: dict[str, Any] = {
        "model_path": settings.model_path,
        "model": f"{model.name} ({model.path})",
        "state_cache_entries": settings.state_cache_entries,
        "saved_states_mb": settings.saved_states_mb,
        "backups_kept": settings.backups_kept,
        "appearance": settings.appearance,
        **dataclasses.asdict(settings.model_settings(model.id)),
    }
    if getattr(args, "json", False):
        print(json.dumps(values, ensure_ascii=False))
    else:
        for name, value in values.items():
            print(f"{name:20} {value}")
    return 0


__all__ = ["cmd_cloud", "cmd_settings"]
