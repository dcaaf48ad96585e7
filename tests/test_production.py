"""The production start-up: migrate, then gunicorn workers on PostgreSQL and Redis.

This runs ``docker/entrypoint.sh`` (the container's entry point) on this
machine, against a database of its own, since no container engine runs here.
"""

from __future__ import annotations

import json
import os
import re
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


REQUIRED = re.compile(r"\$\{(?P<name>[A-Z_]+):\?[^}]+\}")


def test_compose_requires_the_secrets_and_runs_no_demo():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    app = compose["services"]["app"]["environment"]
    db = compose["services"]["db"]["environment"]
    # ${NAME:?message}: compose refuses to start, saying so, when NAME is unset or empty.
    assert REQUIRED.fullmatch(app["COMMENTS_SECRET_KEY"])
    assert REQUIRED.fullmatch(db["POSTGRES_PASSWORD"])
    assert {m["name"] for m in REQUIRED.finditer(app["COMMENTS_DATABASE_URL"])} == {
        "POSTGRES_PASSWORD"
    }
    assert "change-me" not in (ROOT / "docker-compose.yml").read_text()
    assert "COMMENTS_DEMO" not in app
    assert "COMMENTS_DEMO" not in (ROOT / "Dockerfile").read_text()
    assert "serve" not in (ROOT / "docker/entrypoint.sh").read_text()


def test_entrypoint_without_a_secret_key_stops_before_migrating(tmp_path):
    env = {**os.environ, "COMMENTS_INSTANCE_PATH": str(tmp_path), "PATH": str(tmp_path)}
    env.pop("COMMENTS_SECRET_KEY", None)
    # Nothing else may run: `comments` and `gunicorn` on this PATH would say so.
    for program in ("comments", "gunicorn"):
        (tmp_path / program).write_text("#!/bin/sh\necho ran >&2\nexit 99\n")
        (tmp_path / program).chmod(0o755)
    shell = shutil.which("sh")
    assert shell is not None
    result = subprocess.run(
        [shell, str(ROOT / "docker/entrypoint.sh")],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "comments: set COMMENTS_SECRET_KEY to a long random string, the same on every host"
    ]


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


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - loopback
            return int(response.status)
    except urllib.error.HTTPError as exc:
        exc.close()
        return exc.code


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
        # The `comments` script and gunicorn both import this checkout's package.
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
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
        with urllib.request.urlopen(f"{base}/", timeout=5) as response:  # noqa: S310
            front = response.read().decode()
            assert response.headers["X-Content-Type-Options"] == "nosniff"
            assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
        assert 'href="/healthz"' in front and "The Daily Demo" not in front
        assert _status(f"{base}/section") == 404
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
