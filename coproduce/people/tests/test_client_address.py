"""Sign-in limits count failures per client address, also behind a TLS proxy (issue 7, item 3).

Behind a proxy every request arrives from the proxy's own address: counting that would lock
everyone out after one person's failures. Without a proxy, X-Forwarded-For is whatever the
client wrote, so it must be ignored.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

from coproduce.communities.tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[3]
TOO_MANY = "Too many failed login attempts"


def proxy_count_with(**environment: str) -> int:
    """ALLAUTH_TRUSTED_PROXY_COUNT as settings.py computes it from this environment."""
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in ("BEHIND_TLS_PROXY", "TRUSTED_PROXY_COUNT")
    }
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "from coproduce import settings; print(settings.ALLAUTH_TRUSTED_PROXY_COUNT)",
        ],
        cwd=ROOT,
        env={**env, **environment},
        check=True,
        capture_output=True,
        text=True,
    )
    return int(result.stdout.strip())


def test_the_trusted_proxy_count_follows_the_environment():
    assert proxy_count_with() == 0
    assert proxy_count_with(BEHIND_TLS_PROXY="1") == 1
    assert proxy_count_with(BEHIND_TLS_PROXY="1", TRUSTED_PROXY_COUNT="2") == 2
    assert proxy_count_with(TRUSTED_PROXY_COUNT="1") == 1


def fail_ten_sign_ins(client: Client, forwarded_for: list[str]) -> None:
    """Ten wrong passwords, each for another address, so only the per-client limit applies."""
    for n, header in enumerate(forwarded_for):
        page = client.post(
            "/accounts/login/",
            {"login": f"nobody{n}@example.org", "password": "guess"},
            headers={"x-forwarded-for": header},
        )
        assert page.status_code == 200 and TOO_MANY not in page.content.decode()


def sign_in(client: Client, email: str, forwarded_for: str):
    return client.post(
        "/accounts/login/",
        {"login": email, "password": TEST_PASSWORD},
        headers={"x-forwarded-for": forwarded_for},
    )


def test_without_a_proxy_a_written_forwarded_for_does_not_escape_the_limit(settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 0
    attacker = Client(REMOTE_ADDR="203.0.113.9")
    fail_ten_sign_ins(attacker, [f"198.51.100.{n}" for n in range(10)])
    refused = sign_in(attacker, UserFactory().email, "192.0.2.44")
    assert refused.status_code == 200
    assert TOO_MANY in refused.content.decode()


def test_behind_one_proxy_the_limit_keys_on_the_real_client(settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    proxy = "10.0.0.2"
    attacker = Client(REMOTE_ADDR=proxy)
    # The proxy appends the address it saw; what the attacker wrote before it changes nothing.
    fail_ten_sign_ins(attacker, [f"198.51.100.{n}, 203.0.113.9" for n in range(10)])
    refused = sign_in(attacker, UserFactory().email, "198.51.100.99, 203.0.113.9")
    assert TOO_MANY in refused.content.decode()
    someone_else = Client(REMOTE_ADDR=proxy)
    assert sign_in(someone_else, UserFactory().email, "192.0.2.44").status_code == 302
