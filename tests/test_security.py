"""Security defaults of the app, against a real running app: log-in, upload limit, uploads
that name server paths, loopback binding, and auth files."""

import json
import os
import sqlite3

import httpx
import pytest

from qa.config import Settings

from .conftest import running_app

USER, PASSWORD = "ann", "s3cret-pw"


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("secure")
    with running_app(tmp, QA_AUTH=f"{USER}:{PASSWORD}", QA_MAX_UPLOAD_MB="1") as url:
        yield url, tmp / "data"


@pytest.fixture(scope="module")
def app_url(app):
    return app[0]


def login(url: str, password: str) -> httpx.Client:
    client = httpx.Client(base_url=url, timeout=30)
    r = client.post("/login", data={"username": USER, "password": password})
    assert r.status_code == (200 if password == PASSWORD else 400), r.text
    return client


def test_login_is_required_and_checked(app_url):
    assert httpx.get(app_url + "config").status_code == 401
    assert httpx.get(app_url + "gradio_api/info").status_code == 401
    wrong = login(app_url, "guess")
    assert wrong.get("/gradio_api/info").status_code == 401
    right = login(app_url, PASSWORD)
    info = right.get("/gradio_api/info")
    assert info.status_code == 200 and "/ask" in info.text


def test_gradio_client_with_credentials(app_url):
    from gradio_client import Client

    with pytest.raises(ValueError, match="[Cc]ould not login|[Ii]ncorrect"):
        Client(app_url, auth=(USER, "guess"), verbose=False)
    client = Client(app_url, auth=(USER, PASSWORD), verbose=False)
    assert "/ask" in json.dumps(client.view_api(print_info=False, return_format="dict"))


def test_upload_over_the_limit_is_refused(app_url, tmp_path):
    client = login(app_url, PASSWORD)
    big = tmp_path / "big.txt"
    big.write_text("word " * 300_000)  # 1.5 MB, the limit is 1 MB
    r = client.post("/gradio_api/upload", files={"files": big.open("rb")})
    assert r.status_code == 413 and "maximum allowed size" in r.text


def test_upload_cannot_name_a_server_path(app, tmp_path):
    app_url, data_dir = app
    secret = tmp_path / "server-secret.txt"
    secret.write_text("The launch code is 0000. " * 30)
    client = login(app_url, PASSWORD)
    file = {"path": str(secret), "meta": {"_type": "gradio.FileData"}}
    event = client.post("/gradio_api/call/upload", json={"data": [[file]]}).json()["event_id"]
    stream = client.get(f"/gradio_api/call/upload/{event}").text
    assert "event: error" in stream and "not uploaded by a user" in stream
    with sqlite3.connect(data_dir / "qa.sqlite3") as db:
        assert db.execute("SELECT count(*) FROM articles WHERE text LIKE '%launch code%'").fetchone() == (0,)


def test_defaults_bind_loopback_without_login(tmp_path, monkeypatch):
    for k in [k for k in os.environ if k.startswith("QA_")]:
        monkeypatch.delenv(k)
    s = Settings()
    assert s.host == "127.0.0.1" and s.auth is None and s.auth_pairs() is None


def test_auth_file_with_several_users(tmp_path):
    f = tmp_path / "users"
    f.write_text("ann:one\nbob:two:with:colons\n\n")
    assert Settings(auth=str(f)).auth_pairs() == [("ann", "one"), ("bob", "two:with:colons")]
    with pytest.raises(ValueError, match="user:password"):
        Settings(auth="no-colon-here").auth_pairs()
