"""Fixtures for the console's browser test: a running `cairn serve` (CAIRN_CONSOLE_URL), a fresh tenant seeded through
the API, and headless Chromium (Debian's, with its chromedriver) through Selenium."""
import os
import time

import pytest
import requests
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

URL = os.environ["CAIRN_CONSOLE_URL"]
SHOTS = os.environ.get("CAIRN_SCREENSHOTS", ".local/test/console/screenshots")
SUFFIX = "dc=cairn,dc=test"
BINDINGS = [
    {"group": f"cn=ml-readers,ou=groups,{SUFFIX}", "role": "reader"},
    {"group": f"cn=ml-contributors,ou=groups,{SUFFIX}", "role": "contributor"},
    {"group": f"cn=ml-approvers,ou=groups,{SUFFIX}", "role": "approver"},
    {"group": f"cn=ml-admins,ou=groups,{SUFFIX}", "role": "admin"},
]


def api(method, path, user, body=None, expect=(200, 201, 202, 204)):
    response = requests.request(method, URL + path, auth=(user, f"{user}-pw"), json=body, timeout=30)
    assert response.status_code in expect, f"{method} {path}: {response.status_code} {response.text}"
    return response


@pytest.fixture(scope="session")
def tenant():
    slug = f"browser-{int(time.time() * 1000) % 10**9}"
    api("POST", "/api/v1/tenants", "pat", {"slug": slug, "display_name": "Acme Retail"})
    api("PUT", f"/api/v1/tenants/{slug}/role-bindings", "pat", {"role_bindings": BINDINGS})
    api("PATCH", f"/api/v1/tenants/{slug}/settings", "erin", {"required_card_fields": ["intended_use", "owner"]})
    base = f"/api/v1/tenants/{slug}/models"
    api("POST", base, "alice", {"name": "CustomerChurn", "description": "Predicts **churn** for retail customers.", "owner": "ml-team"})
    for number, (accuracy, depth) in enumerate([(0.91, 6), (0.94, 8)], start=1):
        api("POST", f"{base}/CustomerChurn/versions", "alice", {
            "lineage": {"code_repository": "https://git.example.com/ml/churn", "code_commit": f"{number}a1b2c3d4e5f",
                        "dataset_uri": "s3://data/churn/2026-10", "dataset_digest": "sha256:9f2c"},
            "hyperparameters": {"n_estimators": 200, "max_depth": depth},
            "metrics": [{"dataset": "churn-eval", "key": "accuracy", "value": accuracy},
                        {"dataset": "churn-eval", "key": "demographic_parity", "value": 0.02 * number}],
        })
        api("PUT", f"{base}/CustomerChurn/versions/{number}/model-card", "alice",
            {"intended_use": "Retention offers", "owner": "ml-team", "review_by": "2027-06-30"})
    api("POST", f"{base}/CustomerChurn/versions/2/transitions", "alice", {"to_stage": "Staging"})
    api("POST", f"{base}/CustomerChurn/versions/1/deployments", "alice",
        {"environment": "shadow", "target": "eu-west", "comment": "shadow traffic for comparison"})
    return slug


@pytest.fixture()
def browser():
    options = webdriver.ChromeOptions()
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1280,900"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    options.binary_location = os.environ.get("CAIRN_CHROMIUM", "/usr/bin/chromium")
    driver = webdriver.Chrome(service=Service(os.environ.get("CAIRN_CHROMEDRIVER", "/usr/bin/chromedriver")), options=options)
    driver.implicitly_wait(5)
    yield driver
    driver.quit()


def shot(driver, name):
    os.makedirs(SHOTS, exist_ok=True)
    for _ in range(2):  # a taller window can reflow the page; measure again
        height = driver.execute_script("return document.documentElement.scrollHeight")
        driver.set_window_size(1280, max(900, min(height + 140, 4000)))
    driver.save_screenshot(os.path.join(SHOTS, f"{name}.png"))
    driver.set_window_size(1280, 900)
