"""The sync pipeline is generated from its async source: a stale copy fails here."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TOOL = ROOT / "tests" / "tools" / "gen_sync_flow.py"


def test_sync_pipeline_is_generated_from_the_async_source() -> None:
    result = subprocess.run(
        [sys.executable, str(TOOL), "--check"], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_sync_twin_holds_flasks_public_methods() -> None:
    from kolben.pipeline._sync.flow import SyncFlow

    for name in (
        "full_dispatch_request",
        "preprocess_request",
        "dispatch_request",
        "finalize_request",
        "process_response",
        "handle_user_exception",
        "handle_http_exception",
        "handle_exception",
        "do_teardown_request",
        "do_teardown_appcontext",
    ):
        method = vars(SyncFlow).get(name)
        assert method is not None, name
        assert method.__doc__, name
