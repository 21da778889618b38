"""The fuzz tenant (standard bindings, one model with a version) and a second tenant whose data must not change."""
import hashlib
import json
import os
import subprocess
import sys

import requests

URL = os.environ["CAIRN_FUZZ_URL"]
TENANT = os.environ["CAIRN_FUZZ_TENANT"]
OTHER = os.environ["CAIRN_FUZZ_OTHER"]
SUFFIX = "dc=cairn,dc=test"
BINDINGS = [
    {"group": f"cn=ml-readers,ou=groups,{SUFFIX}", "role": "reader"},
    {"group": f"cn=ml-contributors,ou=groups,{SUFFIX}", "role": "contributor"},
    {"group": f"cn=ml-approvers,ou=groups,{SUFFIX}", "role": "approver"},
    {"group": f"cn=ml-admins,ou=groups,{SUFFIX}", "role": "admin"},
]


def call(method, path, user, body=None):
    response = requests.request(method, URL + path, auth=(user, f"{user}-pw"), json=body, timeout=10)
    if response.status_code >= 300:
        sys.exit(f"{method} {path}: {response.status_code} {response.text}")
    return response


def setup():
    for slug in (TENANT, OTHER):
        call("POST", "/api/v1/tenants", "pat", {"slug": slug, "display_name": slug})
        call("PUT", f"/api/v1/tenants/{slug}/role-bindings", "pat", {"role_bindings": BINDINGS})
        call("POST", f"/api/v1/tenants/{slug}/models", "alice", {"name": "fuzz-model"})
        call("POST", f"/api/v1/tenants/{slug}/models/fuzz-model/versions", "alice", {"metrics": [{"key": "auc", "value": 0.9}]})
    # Identifiers the fuzzer cannot create for itself, printed for ops/fuzz/run to export.
    base = f"/api/v1/tenants/{TENANT}"
    webhook = call("POST", f"{base}/webhooks", "erin", {"url": "http://127.0.0.1:9/cairn"}).json()["webhook"]["id"]
    request = call("POST", f"{base}/models/fuzz-model/versions/1/transition-requests", "alice", {"to_stage": "Staging"}).json()["id"]
    print(f"CAIRN_FUZZ_WEBHOOK={webhook}")
    print(f"CAIRN_FUZZ_REQUEST={request}")


def fingerprint():
    """Everything of the other tenant as its admin reads it, and its audit chain's length."""
    parts = []
    for path in ("/models", "/versions", "/models/fuzz-model/versions/1", "/audit", "/tokens", "/webhooks"):
        parts.append(call("GET", f"/api/v1/tenants/{OTHER}{path}", "erin").text)
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()


if __name__ == "__main__":
    {"setup": setup, "fingerprint": lambda: print(fingerprint())}[sys.argv[1]]()
