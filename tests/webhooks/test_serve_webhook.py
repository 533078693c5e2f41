"""``oaic serve --webhook URL``: the standalone reference server delivers to a receiver."""

from __future__ import annotations

import os
import subprocess
import sys

import httpx

from openai_conformance.scenario.webhooks import WebhookReceiver, new_secret


def test_serve_with_webhook_delivers_background_response_completion() -> None:
    secret = new_secret()
    with WebhookReceiver(secret) as receiver:
        env = {**os.environ, "OAIC_TEST_SERVE_SECRET": secret}
        cmd = [
            sys.executable, "-m", "openai_conformance", "serve", "--port", "0",
            "--webhook", receiver.url, "--webhook-secret-env", "OAIC_TEST_SERVE_SECRET",
        ]  # fmt: skip
        proc = subprocess.Popen(
            cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
        )
        try:
            assert proc.stdout is not None
            line = proc.stdout.readline()
            base = line.rsplit(" ", 1)[-1].strip()
            announced = proc.stdout.readline()
            assert announced.startswith("webhooks: delivering to") and secret not in announced
            body = {"model": "ref-chat", "input": "hi", "background": True, "store": True}
            rid = httpx.post(base + "/responses", json=body, timeout=10).json()["id"]
            delivery = receiver.wait_for(lambda d: d.object_id == rid, 15)
        finally:
            proc.terminate()
            proc.communicate(timeout=30)
    assert delivery is not None and delivery.verdict == "accepted"
    assert delivery.event_type == "response.completed"


def test_serve_with_a_bad_webhook_url_is_a_usage_error() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "openai_conformance", "serve", "--port", "0", "--webhook", "ftp://x"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert proc.returncode == 2 and "--webhook" in proc.stderr and "Traceback" not in proc.stderr
