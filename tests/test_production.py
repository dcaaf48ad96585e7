"""The production start-up: migrate, then gunicorn workers on PostgreSQL and Redis.

This runs ``docker/entrypoint.sh`` (the container's entry point) on this
machine, against a database of its own, since no container engine runs here.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest
import yaml
from sqlalchemy import create_engine, text

from comments.config import _normalise_database_url
from tests.live import free_port, wait_until_healthy

ROOT = Path(__file__).resolve().parent.parent
PG = os.environ.get("COMMENTS_TEST_DATABASE_URL")
REDIS = os.environ.get("COMMENTS_TEST_REDIS_URL")


def test_compose_file_describes_the_production_shape():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert set(services) >= {"db", "redis", "app"}
    app = services["app"]
    assert app["build"] == "."
    assert app["depends_on"]["db"]["condition"] == "service_healthy"
    assert app["depends_on"]["redis"]["condition"] == "service_healthy"
    assert app["environment"]["COMMENTS_DATABASE_URL"].startswith("postgresql://")
    assert app["environment"]["COMMENTS_RATELIMIT_STORAGE_URI"].startswith("redis://")
    for name in ("db", "redis", "app"):
        assert "healthcheck" in services[name]


def test_dockerfile_runs_the_entrypoint_that_migrates_first():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "COPY docker/entrypoint.sh /usr/local/bin/comments-entrypoint" in dockerfile
    assert 'ENTRYPOINT ["comments-entrypoint"]' in dockerfile
    for copied in ("comments", "migrations", "static", "pyproject.toml"):
        assert f"COPY {copied}" in dockerfile or f" {copied} " in dockerfile
    lines = [ln.strip() for ln in (ROOT / "docker/entrypoint.sh").read_text().splitlines()]
    upgrade = lines.index("comments db upgrade")
    gunicorn = next(i for i, ln in enumerate(lines) if ln.startswith("exec gunicorn"))
    assert upgrade < gunicorn


def _request(url: str, data: dict | None = None) -> tuple[int, dict]:
    body = json.dumps(data).encode() if data is not None else None
    req = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=5) as response:  # noqa: S310 - loopback
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


@pytest.fixture
def startup_database():
    """Create an empty PostgreSQL database of its own for the start-up test."""
    admin = create_engine(_normalise_database_url(PG), isolation_level="AUTOCOMMIT")
    name = f"comments_startup_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG.rsplit("/", 1)[0] + f"/{name}"
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.slow
@pytest.mark.skipif(not (PG and REDIS), reason="needs COMMENTS_TEST_DATABASE_URL and _REDIS_URL")
@pytest.mark.skipif(shutil.which("gunicorn") is None, reason="gunicorn is not installed")
def test_entrypoint_migrates_then_serves_with_shared_limits(startup_database, tmp_path):
    port = free_port()
    env = {
        **os.environ,
        "COMMENTS_DATABASE_URL": startup_database,
        "COMMENTS_RATELIMIT_STORAGE_URI": REDIS,
        "COMMENTS_RATELIMIT_KEY_PREFIX": f"startup-{uuid.uuid4().hex}",
        "COMMENTS_RATELIMIT_POST": "3 per minute",
        "COMMENTS_SECRET_KEY": "startup-test-secret",
        "COMMENTS_INSTANCE_PATH": str(tmp_path),
        "COMMENTS_BIND": f"127.0.0.1:{port}",
        "COMMENTS_WORKERS": "3",
    }
    log = open(tmp_path / "server.log", "w")  # noqa: SIM115 - closed in finally
    server = subprocess.Popen(
        ["sh", str(ROOT / "docker/entrypoint.sh")],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        health = json.loads(wait_until_healthy(base, server, timeout=60))
        assert health["database"] == "ok"
        subprocess.run(
            [
                "comments",
                "site",
                "add",
                "prod",
                "--name",
                "Prod",
                "--origin",
                "https://prod.example",
            ],
            env=env,
            check=True,
            capture_output=True,
        )
        payload = {
            "site": "prod",
            "thread": "a",
            "url": "https://prod.example/a",
            "author": {"name": "Ann"},
        }
        statuses = [
            _request(f"{base}/api/v1/comments", {**payload, "body": f"comment {i}"})[0]
            for i in range(4)
        ]
        # Three workers, one limit: the fourth post is refused whichever worker takes it.
        assert statuses == [201, 201, 201, 429]
        status, page = _request(f"{base}/api/v1/comments?site=prod&thread=a")
        assert status == 200 and page["thread"]["comment_count"] == 3
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)
        log.close()
