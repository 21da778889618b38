"""MLflow's webhooks API through the real client, onto Cairn's durable webhooks: admin-only, the secret never returned,
MLflow's event names, message shape and signature, the outbound policy, and real deliveries from registry calls."""
import base64
import hashlib
import hmac
import http.server
import json
import threading
import time

import pytest
from mlflow.exceptions import MlflowException

from conftest import as_user, client



class Receiver:
    """A webhook receiver on loopback that records what it was sent and answers 200 "ok"."""

    def __init__(self):
        self.messages = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.messages.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def wait_for(self, count, seconds=20):
        deadline = time.time() + seconds
        while len(self.messages) < count and time.time() < deadline:
            time.sleep(0.1)
        return self.messages


def verify(headers, body, secret):
    delivery, stamp = headers["x-mlflow-delivery-id"], headers["x-mlflow-timestamp"]
    expected = hmac.new(secret.encode(), f"{delivery}.{stamp}.".encode() + body, hashlib.sha256).digest()
    assert headers["x-mlflow-signature"] == "v1," + base64.b64encode(expected).decode()


def test_webhooks_api_and_deliveries(acme):
    receiver = Receiver()
    c = client(acme)
    events = ["model_version.created", "model_version_tag.set", "model_version_alias.created"]
    with as_user("dave"):  # an approver is not a tenant admin
        with pytest.raises(MlflowException) as excinfo:
            c.create_webhook(name="nope", url=receiver.url, events=events)
        assert excinfo.value.error_code == "PERMISSION_DENIED"
    with as_user("erin"):
        hook = c.create_webhook(name="registry", url=receiver.url, events=events, description="to the bus", secret="s3cret")
        assert hook.name == "registry" and hook.description == "to the bus" and hook.url == receiver.url
        assert sorted(str(e) for e in hook.events) == sorted(events)
        assert hook.secret is None
        assert str(hook.status) == "ACTIVE"
        assert hook.webhook_id in [w.webhook_id for w in c.list_webhooks()]
        assert c.get_webhook(hook.webhook_id).name == "registry"
        assert c.update_webhook(hook.webhook_id, description="d2").description == "d2"
        # A second one, unsigned, to page over.
        other = c.create_webhook(name="quiet", url=receiver.url, events=["prompt.created"], status="DISABLED")
        assert str(other.status) == "DISABLED"
        first = c.list_webhooks(max_results=1)
        assert len(first) == 1 and first.token
        second = c.list_webhooks(max_results=1, page_token=first.token)
        assert {first[0].webhook_id, second[0].webhook_id} == {hook.webhook_id, other.webhook_id}

        result = c.test_webhook(hook.webhook_id)
        assert result.success and result.response_status == 200 and result.response_body == "ok"
        headers, body = receiver.messages[-1]
        verify(headers, body, "s3cret")
        sent = json.loads(body)
        assert (sent["entity"], sent["action"], sent["workspace"]) == ("model_version", "created", acme)
        assert sent["data"]["name"] == "example_model" and sent["data"]["version"] == "1"
        result = c.test_webhook(hook.webhook_id, event="model_version_alias.created")
        assert json.loads(receiver.messages[-1][1])["data"] == {"name": "example_model", "alias": "example_alias", "version": "1"}

        for bad in (["budget_policy.exceeded"], ["model_version.exploded"]):
            with pytest.raises(MlflowException) as excinfo:
                c.create_webhook(name="bad", url=receiver.url, events=bad)
            assert excinfo.value.error_code == "INVALID_PARAMETER_VALUE"
        # The outbound policy: loopback is allowed for this test server, the metadata service never.
        with pytest.raises(MlflowException, match="link-local") as excinfo:
            c.create_webhook(name="ssrf", url="http://169.254.169.254/latest/meta-data", events=events)
        assert excinfo.value.error_code == "INVALID_PARAMETER_VALUE"
        with pytest.raises(MlflowException) as excinfo:
            c.get_webhook("00000000-0000-0000-0000-000000000000")
        assert excinfo.value.error_code == "RESOURCE_DOES_NOT_EXIST"

    tests_sent = len(receiver.messages)
    with as_user("alice"):
        c.create_registered_model("hooked")
        c.create_model_version("hooked", "s3://bucket/hooked/1", description="first")
        c.set_model_version_tag("hooked", "1", "team", "risk")
        c.set_registered_model_alias("hooked", "candidate", "1")
        c.transition_model_version_stage("hooked", "1", "Staging")  # no MLflow event
    messages = receiver.wait_for(tests_sent + 3)[tests_sent:]
    assert len(messages) == 3, messages
    bodies = [json.loads(body) for _, body in messages]
    for headers, body in messages:
        verify(headers, body, "s3cret")
    assert [(b["entity"], b["action"]) for b in bodies] == [
        ("model_version", "created"), ("model_version_tag", "set"), ("model_version_alias", "created")]
    assert bodies[0]["data"] == {
        "name": "hooked", "version": "1", "source": "s3://bucket/hooked/1", "run_id": None, "tags": {}, "description": "first"}
    assert bodies[1]["data"] == {"name": "hooked", "version": "1", "key": "team", "value": "risk"}
    assert bodies[2]["data"] == {"name": "hooked", "alias": "candidate", "version": "1"}
    assert all(b["workspace"] == acme for b in bodies)
    time.sleep(1)
    assert len(receiver.messages) == tests_sent + 3  # the stage change and the disabled webhook sent nothing

    with as_user("erin"):
        c.delete_webhook(hook.webhook_id)
        c.delete_webhook(other.webhook_id)
        with pytest.raises(MlflowException) as excinfo:
            c.get_webhook(hook.webhook_id)
        assert excinfo.value.error_code == "RESOURCE_DOES_NOT_EXIST"
