"""Several app servers (issue 12): the app factory under gunicorn (gunicorn.conf.py, as `make serve` runs it).

A real gunicorn with three workers on a free port, on the suite's database and the real Redis: the sign-in page
renders, and the sign-in throttling counts across the workers (the counters live in Redis, not per process).
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import runpy
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import pytest
import redis

ROOT = Path(__file__).resolve().parent.parent
REDIS_URL = "redis://127.0.0.1:6379/0"
GUNICORN = Path(sys.executable).with_name("gunicorn")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_config_reads_workers_host_and_port(monkeypatch):
    monkeypatch.setenv("WORKERS", "6")
    monkeypatch.setenv("PORT", "8123")
    monkeypatch.delenv("HOST", raising=False)
    conf = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert (conf["workers"], conf["bind"], conf["wsgi_app"], conf["preload_app"]) == (6, "127.0.0.1:8123", "app:app", True)
    monkeypatch.delenv("WORKERS")
    assert runpy.run_path(str(ROOT / "gunicorn.conf.py"))["workers"] == 4  # make serve's WORKERS ?= 4


@pytest.fixture
def gunicorn(database_url, app):
    port, prefix = free_port(), f"bo-gunicorn-{uuid.uuid4().hex}"
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "gunicorn-test-secret",
        "REDIS_URL": REDIS_URL,
        "RATELIMIT_KEY_PREFIX": prefix,
        "LOGIN_LIMIT_PER_EMAIL": "3 per minute",
        "PORT": str(port),
        "WORKERS": "3",
    }
    env.pop("HOST", None)
    process = subprocess.Popen([str(GUNICORN), "--config", "gunicorn.conf.py"], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, process.stdout.read()
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                assert time.monotonic() < deadline, "gunicorn did not listen within 30 s"
                time.sleep(0.2)
        yield process, base, prefix
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        conn = redis.Redis.from_url(REDIS_URL)
        keys = list(conn.scan_iter(f"*{prefix}*"))
        if keys:
            conn.delete(*keys)


def workers_of(pid: int) -> list[int]:
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [int(c) for c in children]


def test_gunicorn_serves_the_app_with_several_workers_sharing_the_throttle_in_redis(gunicorn):
    process, base, prefix = gunicorn
    deadline = time.monotonic() + 30
    while len(workers_of(process.pid)) < 3:  # the master forks its workers
        assert time.monotonic() < deadline, workers_of(process.pid)
        time.sleep(0.2)
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))

    with opener.open(f"{base}/login", timeout=10) as response:
        assert response.status == 200
        html = response.read().decode()
    assert 'name="email"' in html and 'name="password"' in html
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)

    def attempt() -> tuple[int, str]:
        data = urllib.parse.urlencode({"csrf_token": token, "email": "nobody@example.com",
                                       "password": "wrong-password-123"}).encode()
        try:
            with opener.open(f"{base}/login", data=data, timeout=10) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    # Each attempt is a new connection, taken by whichever worker accepts it; the limit (3 a minute for one
    # e-mail) holds across them because every worker counts in the same Redis.
    for _ in range(3):
        status, body = attempt()
        assert status == 200 and "The e-mail or password is not correct." in body
    status, body = attempt()
    assert status == 429 and "Too many attempts" in body
    keys = [k.decode() for k in redis.Redis.from_url(REDIS_URL).scan_iter(f"*{prefix}*")]
    assert any("nobody@example.com" in k for k in keys), keys  # the counters are in Redis, not in a worker
