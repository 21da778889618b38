"""Fixtures for the real-client suite: a running `cairn serve` (CAIRN_MLFLOW_URL), two fresh tenants with the demo
directory's groups bound, and the caller chosen per call through the environment, as the client reads it."""
import contextlib
import os
import time

import pytest
import requests

URL = os.environ["CAIRN_MLFLOW_URL"]
SUFFIX = "dc=cairn,dc=test"
BINDINGS = [
    {"group": f"cn=ml-readers,ou=groups,{SUFFIX}", "role": "reader"},
    {"group": f"cn=ml-contributors,ou=groups,{SUFFIX}", "role": "contributor"},
    {"group": f"cn=ml-approvers,ou=groups,{SUFFIX}", "role": "approver"},
    {"group": f"cn=ml-admins,ou=groups,{SUFFIX}", "role": "admin"},
]


def client(tenant):
    """A client whose tracking and registry URI carry the tenant prefix."""
    from mlflow import MlflowClient

    uri = f"{URL}/tenants/{tenant}"
    return MlflowClient(tracking_uri=uri, registry_uri=uri)


def error_code(excinfo):
    return excinfo.value.error_code


def native(method, path, user, body=None, expect=(200, 201, 204)):
    response = requests.request(method, URL + path, auth=(user, f"{user}-pw"), json=body, timeout=30)
    assert response.status_code in expect, f"{method} {path}: {response.status_code} {response.text}"
    return response


def make_tenant(prefix):
    slug = f"{prefix}-{int(time.time() * 1000) % 10**9}"
    native("POST", "/api/v1/tenants", "pat", {"slug": slug, "display_name": f"{prefix} tenant"})
    native("PUT", f"/api/v1/tenants/{slug}/role-bindings", "pat", {"role_bindings": BINDINGS})
    return slug


@pytest.fixture(scope="session")
def acme():
    return make_tenant("acme")


@pytest.fixture(scope="session")
def globex():
    return make_tenant("globex")


@contextlib.contextmanager
def as_user(user, password=None):
    """Basic credentials for every request inside the block (the client reads them on each request)."""
    saved = {k: os.environ.get(k) for k in ("MLFLOW_TRACKING_USERNAME", "MLFLOW_TRACKING_PASSWORD", "MLFLOW_TRACKING_TOKEN")}
    os.environ["MLFLOW_TRACKING_USERNAME"] = user
    os.environ["MLFLOW_TRACKING_PASSWORD"] = password or f"{user}-pw"
    os.environ.pop("MLFLOW_TRACKING_TOKEN", None)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@contextlib.contextmanager
def with_token(token):
    saved = {k: os.environ.pop(k, None) for k in ("MLFLOW_TRACKING_USERNAME", "MLFLOW_TRACKING_PASSWORD")}
    os.environ["MLFLOW_TRACKING_TOKEN"] = token
    try:
        yield
    finally:
        os.environ.pop("MLFLOW_TRACKING_TOKEN", None)
        for key, value in saved.items():
            if value is not None:
                os.environ[key] = value


def request_count(route):
    """How often the server has answered `route` (its own metrics): proves a refused call was sent once, not retried."""
    total = 0.0
    for line in requests.get(URL + "/metrics", timeout=10).text.splitlines():
        if line.startswith("hb_requests{") and f'http_route="{route}"' in line:
            total += float(line.rsplit(" ", 1)[1])
    return total
