"""The real `mlflow` client against a real `cairn serve`: every Model Registry call, under Cairn's governance."""
import time

import mlflow
import pytest
import requests
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException, RestException

from conftest import BINDINGS, URL, as_user, client, error_code, native, request_count, with_token




def test_registered_model_lifecycle(acme):
    c = client(acme)
    with as_user("alice"):
        before = int(time.time() * 1000)
        created = c.create_registered_model("rm-life", tags={"team": "risk"}, description="first")
        after = int(time.time() * 1000)
        assert created.name == "rm-life" and created.description == "first" and created.tags == {"team": "risk"}
        assert before - 5 <= created.creation_timestamp <= after + 5
        with pytest.raises(MlflowException, match=r"Registered Model .+ already exists") as excinfo:
            c.create_registered_model("rm-life")
        assert error_code(excinfo) == "RESOURCE_ALREADY_EXISTS"
        c.update_registered_model("rm-life", description="second")
        assert c.get_registered_model("rm-life").description == "second"
        c.set_registered_model_tag("rm-life", "stage-gate", "")
        c.set_registered_model_tag("rm-life", "team", "fraud")
        assert c.get_registered_model("rm-life").tags == {"team": "fraud", "stage-gate": ""}
        c.delete_registered_model_tag("rm-life", "stage-gate")
        assert c.get_registered_model("rm-life").tags == {"team": "fraud"}
        c.rename_registered_model("rm-life", "rm-life-2")
        assert c.get_registered_model("rm-life-2").tags == {"team": "fraud"}
        with pytest.raises(MlflowException, match="Registered Model with name=rm-life not found") as excinfo:
            c.get_registered_model("rm-life")
        assert error_code(excinfo) == "RESOURCE_DOES_NOT_EXIST"
        c.delete_registered_model("rm-life-2")
        with pytest.raises(MlflowException, match="not found"):
            c.get_registered_model("rm-life-2")


def test_model_versions_tags_and_download_uri(acme):
    c = client(acme)
    with as_user("alice"):
        c.create_registered_model("mv")
        v1 = c.create_model_version("mv", "s3://bucket/mv/1", run_id="run-1", description="one", tags={"k": "v"})
        assert (v1.version, v1.status, v1.current_stage, v1.source, v1.run_id) == ("1", "READY", "None", "s3://bucket/mv/1", "run-1")
        assert v1.tags == {"k": "v"} and v1.user_id == "alice"
        v2 = c.create_model_version("mv", "s3://bucket/mv/2")
        assert v2.version == "2"
        c.set_model_version_tag("mv", "1", "quality", "gold")
        c.delete_model_version_tag("mv", "1", "k")
        got = c.get_model_version("mv", "1")
        assert got.tags == {"quality": "gold"}
        model_before = c.get_registered_model("mv").last_updated_timestamp
        c.update_model_version("mv", "1", description="updated")
        assert c.get_model_version("mv", "1").description == "updated"
        assert c.get_model_version_download_uri("mv", "2") == "s3://bucket/mv/2"
        with pytest.raises(MlflowException, match=r"Model Version .+ not found") as excinfo:
            c.get_model_version("mv", "99")
        assert error_code(excinfo) == "RESOURCE_DOES_NOT_EXIST"
        with pytest.raises(MlflowException, match="Parameter 'version' must be an integer, got 'something not correct'"):
            c.get_model_version("mv", "something not correct")
        # A deleted version is gone from every read and its number is never given again.
        c.delete_model_version("mv", "2")
        with pytest.raises(MlflowException, match="not found"):
            c.get_model_version("mv", "2")
        assert c.create_model_version("mv", "s3://bucket/mv/3").version == "3"
        assert [v.version for v in c.search_model_versions("name='mv'")] == ["3", "1"]
        assert model_before <= c.get_registered_model("mv").last_updated_timestamp


def test_source_checks(acme):
    c = client(acme)
    with as_user("alice"):
        c.create_registered_model("src")
        for bad in ["s3://bucket/../etc", "file:///tmp/%2e%2e/x", "s3://b/a\\..\\b"]:
            with pytest.raises(MlflowException, match="Invalid model version source") as excinfo:
                c.create_model_version("src", bad)
            assert error_code(excinfo) == "INVALID_PARAMETER_VALUE"
        with pytest.raises(MlflowException, match="run_id request parameter"):
            c.create_model_version("src", "runs:/abc/model", run_id="other")
        assert c.create_model_version("src", "runs:/abc/model", run_id="abc").version == "1"


def test_stages_latest_versions_and_archive(acme):
    c = client(acme)
    with as_user("erin"):
        c.create_registered_model("stg")
        for i in range(3):
            c.create_model_version("stg", f"s3://b/stg/{i}")
        c.transition_model_version_stage("stg", "1", "staging")
        moved = c.transition_model_version_stage("stg", "2", "STAGING", archive_existing_versions=True)
        assert moved.current_stage == "Staging"
        assert c.get_model_version("stg", "1").current_stage == "Archived"
        latest = {v.current_stage: v.version for v in c.get_latest_versions("stg")}
        assert latest == {"Staging": "2", "Archived": "1", "None": "3"}
        assert [v.version for v in c.get_latest_versions("stg", stages=["Staging"])] == ["2"]
        assert {v.current_stage for v in c.get_registered_model("stg").latest_versions} == {"Staging", "Archived", "None"}
        with pytest.raises(MlflowException, match="Invalid Model Version stage: Bogus") as excinfo:
            c.transition_model_version_stage("stg", "3", "Bogus")
        assert error_code(excinfo) == "INVALID_PARAMETER_VALUE"


def test_four_eyes_through_transition_stage(acme):
    c = client(acme)
    with as_user("dave"):
        c.create_registered_model("fe")
        c.create_model_version("fe", "s3://b/fe/1")
        c.transition_model_version_stage("fe", "1", "Staging")
        before = request_count("/tenants/{tenant}/api/2.0/mlflow/model-versions/transition-stage")
        with pytest.raises(MlflowException, match="four-eyes") as excinfo:
            c.transition_model_version_stage("fe", "1", "Production")
        assert error_code(excinfo) == "ABORTED"
        assert "a different approver approves it" in excinfo.value.message
        # Refused once, answered once: a 4xx the client does not resend.
        assert request_count("/tenants/{tenant}/api/2.0/mlflow/model-versions/transition-stage") == before + 1
        assert c.get_model_version("fe", "1").current_stage == "Staging"
        # The requester asking again is not an approval.
        with pytest.raises(MlflowException, match="already pending"):
            c.transition_model_version_stage("fe", "1", "Production")
    pending = native("GET", f"/api/v1/tenants/{acme}/transition-requests?status=pending", "erin").json()["transition_requests"]
    assert [(r["model"], r["version"], r["to_stage"], r["requested_by"]) for r in pending if r["model"] == "fe"] == [("fe", 1, "Production", "dave")]
    with as_user("carol"):
        with pytest.raises(MlflowException) as excinfo:
            c.transition_model_version_stage("fe", "1", "Production")
        assert error_code(excinfo) == "PERMISSION_DENIED"
    with as_user("erin"):
        approved = c.transition_model_version_stage("fe", "1", "Production")
        assert approved.current_stage == "Production"
        with pytest.raises(MlflowException, match="Production") as excinfo:
            c.delete_model_version("fe", "1")
        assert error_code(excinfo) == "RESOURCE_CONFLICT"
        with pytest.raises(MlflowException) as excinfo:
            c.delete_registered_model("fe")
        assert error_code(excinfo) == "RESOURCE_CONFLICT"
    with as_user("carol"):
        assert [v.version for v in c.get_latest_versions("fe", stages=["production"])] == ["1"]
    audit = native("GET", f"/api/v1/tenants/{acme}/audit?action=transition_request.approved&max_results=1000", "erin").json()["entries"]
    assert any(e["action"] == "transition_request.approved" and e["actor"] == "erin" for e in audit)


def test_aliases_and_protected_names(acme):
    c = client(acme)
    native("PATCH", f"/api/v1/tenants/{acme}/settings", "erin", {"protected_aliases": ["champion"]})
    with as_user("alice"):
        c.create_registered_model("al")
        c.create_model_version("al", "s3://b/al/1")
        c.create_model_version("al", "s3://b/al/2")
        c.set_registered_model_alias("al", "challenger", "2")
        assert c.get_model_version_by_alias("al", "challenger").version == "2"
        assert c.get_model_version("al", "2").aliases == ["challenger"]
        assert c.get_registered_model("al").aliases == {"challenger": "2"}
        with pytest.raises(MlflowException) as excinfo:
            c.set_registered_model_alias("al", "champion", "1")
        assert error_code(excinfo) == "PERMISSION_DENIED"
        for reserved in ("latest", "v3"):
            with pytest.raises(MlflowException, match="reserved") as excinfo:
                c.set_registered_model_alias("al", reserved, "1")
            assert error_code(excinfo) == "INVALID_PARAMETER_VALUE"
        c.delete_registered_model_alias("al", "challenger")
        with pytest.raises(MlflowException) as excinfo:
            c.get_model_version_by_alias("al", "challenger")
        assert error_code(excinfo) == "RESOURCE_DOES_NOT_EXIST"
    with as_user("dave"):
        c.set_registered_model_alias("al", "champion", "1")
        assert c.get_model_version_by_alias("al", "champion").version == "1"


def test_search_paging_filters_and_order(acme):
    c = client(acme)
    with as_user("alice"):
        for i in range(7):
            c.create_registered_model(f"pg-{i}", tags={"parity": "even" if i % 2 == 0 else "odd"})
            c.create_model_version(f"pg-{i}", f"s3://b/pg/{i}", run_id=f"r{i}")
        seen, token = [], None
        while True:
            page = c.search_registered_models("name LIKE 'pg-%'", max_results=3, order_by=["name DESC"], page_token=token)
            seen += [m.name for m in page]
            token = page.token
            if not token:
                break
        assert seen == [f"pg-{i}" for i in reversed(range(7))]
        assert [m.name for m in c.search_registered_models("name ILIKE 'PG-%' AND tag.parity = 'odd'")] == ["pg-1", "pg-3", "pg-5"]
        assert [m.name for m in c.search_registered_models("name IN ('pg-1', 'pg-2')")] == ["pg-1", "pg-2"]
        assert c.search_registered_models("name LIKE 'PG-%'") == []
        versions = c.search_model_versions("run_id IN ('r1', 'r4') AND version_number = 1", order_by=["name ASC"])
        assert [(v.name, v.version) for v in versions] == [("pg-1", "1"), ("pg-4", "1")]
        assert [v.name for v in c.search_model_versions("source_path LIKE 's3://b/pg/%' AND tag.none = 'x'")] == []
        paged, token = [], None
        while True:
            page = c.search_model_versions("name LIKE 'pg-%'", max_results=2, page_token=token)
            paged += [v.name for v in page]
            token = page.token
            if not token:
                break
        # Default order: last updated first.
        assert paged == [f"pg-{i}" for i in reversed(range(7))]
        for bad, text in [("name = 'a' OR name = 'b'", "Invalid clause"), ("name = pg", "not quoted"), ("current_stage = 'None'", "Invalid attribute key")]:
            with pytest.raises(MlflowException, match=text) as excinfo:
                c.search_model_versions(bad)
            assert error_code(excinfo) == "INVALID_PARAMETER_VALUE"
        with pytest.raises(MlflowException, match="at most 1000"):
            c.search_registered_models(max_results=1001)


def test_prompts_ride_on_the_registry(acme, monkeypatch):
    c = client(acme)
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"{URL}/tenants/{acme}")
    monkeypatch.setenv("MLFLOW_REGISTRY_URI", f"{URL}/tenants/{acme}")
    with as_user("alice"):
        c.create_registered_model("plain-model")
        prompt = mlflow.genai.register_prompt(name="a-prompt", template="Hello {{name}}", commit_message="first")
        assert prompt.version == 1
        assert mlflow.genai.register_prompt(name="a-prompt", template="Hi {{name}}").version == 2
        assert mlflow.genai.load_prompt("prompts:/a-prompt/1").template == "Hello {{name}}"
        mlflow.genai.set_prompt_alias("a-prompt", alias="prod", version=2)
        assert mlflow.genai.load_prompt("prompts:/a-prompt@prod").template == "Hi {{name}}"
        # The client appends `tag.mlflow.prompt.is_prompt != 'true'`: a model without the tag matches it.
        names = [m.name for m in c.search_registered_models(max_results=1000)]
        assert "plain-model" in names and "a-prompt" not in names
        assert [p.name for p in mlflow.genai.search_prompts()] == ["a-prompt"]
        assert "a-prompt" not in [v.name for v in c.search_model_versions("name LIKE '%'")]
        assert {v.version for v in c.search_model_versions("tags.`mlflow.prompt.is_prompt` = 'true'")} == {"1", "2"}
        with pytest.raises(MlflowException):
            c.get_registered_model("a-prompt")


def test_roles_and_tenant_isolation(acme, globex):
    with as_user("alice"):
        client(acme).create_registered_model("iso")
        client(globex).create_registered_model("only-globex")
    with as_user("carol"):
        assert client(acme).get_registered_model("iso").name == "iso"
        with pytest.raises(MlflowException) as excinfo:
            client(acme).create_registered_model("carol-cannot")
        assert error_code(excinfo) == "PERMISSION_DENIED"
    with as_user("mallory"):
        with pytest.raises(MlflowException) as excinfo:
            client(acme).get_registered_model("iso")
        assert error_code(excinfo) == "RESOURCE_DOES_NOT_EXIST"
        assert "iso" not in excinfo.value.message
    with as_user("alice", password="wrong"):
        with pytest.raises(MlflowException) as excinfo:
            client(acme).get_registered_model("iso")
        assert error_code(excinfo) == "UNAUTHENTICATED"
    with as_user("alice"):
        with pytest.raises(MlflowException) as excinfo:
            client(globex).get_registered_model("iso")
        assert error_code(excinfo) == "RESOURCE_DOES_NOT_EXIST"
        assert "only-globex" not in [m.name for m in client(acme).search_registered_models()]


def test_workspaces_select_the_tenant(acme, globex, monkeypatch):
    plain = MlflowClient(tracking_uri=URL, registry_uri=URL)
    with as_user("alice"):
        monkeypatch.setenv("MLFLOW_WORKSPACE", acme)
        plain.create_registered_model("ws-model")
        assert client(acme).get_registered_model("ws-model").name == "ws-model"
        monkeypatch.setenv("MLFLOW_WORKSPACE", globex)
        with pytest.raises(MlflowException) as excinfo:
            plain.get_registered_model("ws-model")
        assert error_code(excinfo) == "RESOURCE_DOES_NOT_EXIST"
        # A prefix and a workspace that disagree are refused, never resolved silently.
        with pytest.raises(MlflowException, match="X-MLFLOW-WORKSPACE") as excinfo:
            client(acme).get_registered_model("ws-model")
        assert error_code(excinfo) == "INVALID_PARAMETER_VALUE"
        monkeypatch.delenv("MLFLOW_WORKSPACE")
        listed = requests.get(f"{URL}/api/3.0/mlflow/workspaces", auth=("alice", "alice-pw"), timeout=10).json()["workspaces"]
        names = [w["name"] for w in listed]
        assert acme in names and globex in names
        hidden = requests.get(f"{URL}/api/3.0/mlflow/workspaces", auth=("mallory", "mallory-pw"), timeout=10).json()
        assert hidden.get("workspaces", []) == []


def test_bearer_tokens(acme):
    token = native("POST", f"/api/v1/tenants/{acme}/tokens", "alice", {"name": "ci", "role": "reader"}).json()["secret"]
    with as_user("alice"):
        client(acme).create_registered_model("tok")
    with with_token(token):
        assert client(acme).get_registered_model("tok").name == "tok"
        with pytest.raises(MlflowException) as excinfo:
            client(acme).create_registered_model("token-is-reader")
        assert error_code(excinfo) == "PERMISSION_DENIED"
    with with_token(token[:-4] + "AAAA"):
        with pytest.raises(MlflowException) as excinfo:
            client(acme).get_registered_model("tok")
        assert error_code(excinfo) == "UNAUTHENTICATED"


def test_register_model_from_a_logged_model(acme, monkeypatch):
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"{URL}/tenants/{acme}")
    monkeypatch.setenv("MLFLOW_REGISTRY_URI", f"{URL}/tenants/{acme}")
    with as_user("alice"):
        mv = mlflow.register_model("models:/m-0123456789abcdef", "from-logged")
        assert mv.version == "1"
        again = mlflow.register_model("models:/m-0123456789abcdef", "from-logged")
        assert again.version == "2"
        assert client(acme).get_model_version("from-logged", "1").source == "models:/m-0123456789abcdef"


def test_wire_details(acme):
    """What the client tolerates but other callers see: JSON errors for unknown routes, unknown fields ignored."""
    auth = ("alice", "alice-pw")
    base = f"{URL}/tenants/{acme}/api/2.0/mlflow"
    missing = requests.get(f"{base}/no-such-endpoint", auth=auth, timeout=10)
    assert missing.status_code == 404 and missing.json()["error_code"] == "ENDPOINT_NOT_FOUND"
    created = requests.post(f"{base}/registered-models/create", auth=auth, json={"name": "wire", "bogus": 1}, timeout=10)
    assert created.status_code == 200 and created.json()["registered_model"]["name"] == "wire"
    no_name = requests.delete(f"{base}/registered-models/delete?name=wire", auth=auth, timeout=10)
    assert no_name.status_code == 400 and "Missing value for required parameter 'name'" in no_name.json()["message"]
    form = requests.post(f"{base}/registered-models/create", auth=auth, data="name=x", headers={"Content-Type": "text/plain"}, timeout=10)
    assert form.status_code == 400 and "Content-Type must be one of" in form.json()["message"]
    ajax = requests.get(f"{URL}/tenants/{acme}/ajax-api/2.0/mlflow/registered-models/get?name=wire", auth=auth, timeout=10)
    assert ajax.status_code == 200
    logged = requests.get(f"{base}/logged-models/m-abc", auth=auth, timeout=10)
    assert logged.status_code == 404 and logged.json()["error_code"] == "RESOURCE_DOES_NOT_EXIST"
    info = requests.get(f"{URL}/tenants/{acme}/api/3.0/mlflow/server-info", timeout=10).json()
    assert info["workspaces_enabled"] is True and info["multipart_uploads_enabled"] is False


def test_mutations_are_audited_and_published(acme):
    """An MLflow call leaves the same audit entry and event as its /api/v1 counterpart, by the caller's canonical name."""
    c = client(acme)
    with as_user("ALICE", password="alice-pw"):
        c.create_registered_model("aud")
        c.create_model_version("aud", "s3://b/aud/1")
        c.set_model_version_tag("aud", "1", "reviewed", "yes")
        c.set_registered_model_alias("aud", "shadow", "1")
    entries = native("GET", f"/api/v1/tenants/{acme}/audit?actor=alice&max_results=1000", "erin").json()["entries"]
    mine = [(e["action"], e["actor"]) for e in entries if "aud" in e["object_id"]]
    for action in ("registered_model.created", "model_version.created", "model_version.updated", "model_version_alias.set"):
        assert (action, "alice") in mine, (action, mine)
    stream = requests.get(
        f"{URL}/api/v1/tenants/{acme}/events?after=0&limit=4&model=aud", auth=("erin", "erin-pw"), timeout=30, stream=True)
    types = [line.split(":", 1)[1].strip() for line in stream.iter_lines(decode_unicode=True) if line and line.startswith("event:")]
    assert "model_version.created" in types and "registered_model.created" in types, types


def test_last_updated_timestamp_moves_as_mlflows(acme):
    c = client(acme)
    with as_user("erin"):
        created = c.create_registered_model("lut")
        time.sleep(0.01)
        c.create_model_version("lut", "s3://b/lut/1")
        after_create = c.get_registered_model("lut").last_updated_timestamp
        assert after_create > created.last_updated_timestamp
        time.sleep(0.01)
        c.update_model_version("lut", "1", description="no bump for the model")
        assert c.get_registered_model("lut").last_updated_timestamp == after_create
        time.sleep(0.01)
        c.transition_model_version_stage("lut", "1", "Staging")
        after_transition = c.get_registered_model("lut").last_updated_timestamp
        assert after_transition > after_create
        c.create_model_version("lut", "s3://b/lut/2")
        time.sleep(0.01)
        before_delete = c.get_registered_model("lut").last_updated_timestamp
        c.delete_model_version("lut", "2")
        assert c.get_registered_model("lut").last_updated_timestamp > before_delete


def test_workspace_administration(acme, monkeypatch):
    monkeypatch.setenv("MLFLOW_TRACKING_URI", URL)
    name = f"ws-{int(time.time() * 1000) % 10**9}"
    with as_user("erin"):  # a tenant admin, not a platform admin
        with pytest.raises(MlflowException) as excinfo:
            mlflow.create_workspace(name, description="not yours")
        assert error_code(excinfo) == "PERMISSION_DENIED"
    with as_user("pat"):
        created = mlflow.create_workspace(name, description="Fraud team")
        assert (created.name, created.description) == (name, "Fraud team")
        with pytest.raises(MlflowException) as excinfo:
            mlflow.create_workspace(name)
        assert error_code(excinfo) == "RESOURCE_ALREADY_EXISTS"
        with pytest.raises(MlflowException) as excinfo:
            mlflow.create_workspace(f"{name}-s3", default_artifact_root="s3://elsewhere")
        assert error_code(excinfo) == "INVALID_PARAMETER_VALUE"
        assert mlflow.update_workspace(name, description="Fraud & risk").description == "Fraud & risk"
        assert mlflow.get_workspace(name).description == "Fraud & risk"
        assert name in [w.name for w in mlflow.list_workspaces()]
        # The new workspace is a tenant without bindings: nobody but platform admins sees it yet.
    with as_user("alice"):
        assert name not in [w.name for w in mlflow.list_workspaces()]
    native("PUT", f"/api/v1/tenants/{name}/role-bindings", "pat", {"role_bindings": BINDINGS})
    with as_user("alice"):
        assert name in [w.name for w in mlflow.list_workspaces()]
        mlflow.set_workspace(name)
        try:
            MlflowClient().create_registered_model("held")
        finally:
            mlflow.set_workspace(None)
    with as_user("pat"):
        # Retiring a workspace that still holds models is refused; Cairn never cascades a registry away.
        with pytest.raises(MlflowException, match="still holds 1 registered model") as excinfo:
            mlflow.delete_workspace(name)
        assert error_code(excinfo) == "RESOURCE_CONFLICT"
        with pytest.raises(MlflowException) as excinfo:
            mlflow.delete_workspace(name, mode="CASCADE")
        assert error_code(excinfo) == "INVALID_PARAMETER_VALUE"
    with as_user("alice"):
        client(name).delete_registered_model("held")
    with as_user("pat"):
        mlflow.delete_workspace(name)
        assert name not in [w.name for w in mlflow.list_workspaces()]
        with pytest.raises(MlflowException) as excinfo:
            mlflow.get_workspace(name)
        assert error_code(excinfo) == "RESOURCE_DOES_NOT_EXIST"
        # Its name stays taken, so its audit trail keeps one meaning.
        with pytest.raises(MlflowException) as excinfo:
            mlflow.create_workspace(name)
        assert error_code(excinfo) == "RESOURCE_ALREADY_EXISTS"
    with as_user("alice"):
        with pytest.raises(MlflowException) as excinfo:
            client(name).get_registered_model("held")
        assert error_code(excinfo) == "RESOURCE_DOES_NOT_EXIST"
