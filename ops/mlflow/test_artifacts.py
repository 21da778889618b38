"""The artifact proxy with the real client: upload through Cairn, register, load by alias, number, stage and latest."""
import http.client
import urllib.parse

import mlflow
import mlflow.pyfunc
import pytest
import requests
from mlflow.exceptions import MlflowException
from mlflow.store.artifact.mlflow_artifacts_repo import MlflowArtifactsRepository

from conftest import URL, as_user, client, native


class Doubler(mlflow.pyfunc.PythonModel):
    def predict(self, context, model_input, params=None):
        return [2 * x for x in model_input]



@pytest.fixture(scope="module")
def doubler(tmp_path_factory):
    local = tmp_path_factory.mktemp("doubler") / "model"
    mlflow.pyfunc.save_model(str(local), python_model=Doubler())
    return local


def upload(tenant, directory, local, monkeypatch):
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"{URL}/tenants/{tenant}")
    MlflowArtifactsRepository(f"mlflow-artifacts:/{directory}").log_artifacts(str(local))


def test_load_model_by_alias_number_stage_and_latest(acme, doubler, monkeypatch):
    with as_user("alice"):
        upload(acme, "models/doubler/1", doubler, monkeypatch)
        c = client(acme)
        c.create_registered_model("doubler")
        v = c.create_model_version("doubler", "mlflow-artifacts:/models/doubler/1")
        assert v.status == "READY" and v.source == "mlflow-artifacts:/models/doubler/1"
        assert c.get_model_version_download_uri("doubler", "1") == "mlflow-artifacts:/models/doubler/1"
        c.set_registered_model_alias("doubler", "champion", "1")
        c.transition_model_version_stage("doubler", "1", "Staging")
    with as_user("dave"):
        with pytest.raises(MlflowException):
            c.transition_model_version_stage("doubler", "1", "Production")
    with as_user("erin"):
        c.transition_model_version_stage("doubler", "1", "Production")
    with as_user("carol"):
        monkeypatch.setenv("MLFLOW_REGISTRY_URI", f"{URL}/tenants/{acme}")
        for ref in ("models:/doubler@champion", "models:/doubler/1", "models:/doubler/Production", "models:/doubler/latest"):
            model = mlflow.pyfunc.load_model(ref)
            assert list(model.predict([1, 2, 3])) == [2, 4, 6], ref
    # What the version's users load cannot change under them: the registered directory is frozen.
    auth = ("erin", "erin-pw")
    base = f"{URL}/tenants/{acme}/api/2.0/mlflow-artifacts/artifacts/models/doubler/1"
    for method, path in (("PUT", "python_model.pkl"), ("PUT", "new-file.txt"), ("DELETE", "MLmodel"), ("DELETE", "")):
        reply = requests.request(method, f"{base}/{path}".rstrip("/"), data=b"evil", auth=auth, timeout=10)
        assert reply.status_code == 409 and reply.json()["error_code"] == "RESOURCE_CONFLICT", (method, path, reply.text)
    with as_user("carol"):
        assert list(mlflow.pyfunc.load_model("models:/doubler/1").predict([5])) == [10]
    # The proxied files are the version's files, with their digests (the same blobs, no copy).
    files = native("GET", f"/api/v1/tenants/{acme}/models/doubler/versions/1/files", "carol").json()["files"]
    assert "MLmodel" in [f["path"] for f in files] and all(len(f["sha256"]) == 64 for f in files)
    version = native("GET", f"/api/v1/tenants/{acme}/models/doubler/versions/1", "carol").json()
    assert version["status"] == "READY" and len(version["files_digest"]) == 64


def test_listing_ranges_and_delete(acme, doubler, monkeypatch):
    auth = ("alice", "alice-pw")
    base = f"{URL}/tenants/{acme}/api/2.0/mlflow-artifacts/artifacts"
    with as_user("alice"):
        upload(acme, "scratch/run-1", doubler, monkeypatch)
    listed = requests.get(base, params={"path": "scratch/run-1"}, auth=auth, timeout=10).json()["files"]
    names = {f["path"]: f for f in listed}
    assert names["MLmodel"]["is_dir"] is False and names["MLmodel"]["file_size"] > 0
    assert requests.get(base, params={"path": "scratch"}, auth=auth, timeout=10).json()["files"] == [{"is_dir": True, "path": "run-1"}]
    assert requests.get(base, params={"path": "nothing/here"}, auth=auth, timeout=10).json() == {}
    whole = requests.get(f"{base}/scratch/run-1/MLmodel", auth=auth, timeout=10)
    part = requests.get(f"{base}/scratch/run-1/MLmodel", auth=auth, headers={"Range": "bytes=0-3"}, timeout=10)
    assert part.status_code == 206 and part.content == whole.content[:4]
    with as_user("carol"):
        with pytest.raises(Exception, match="PERMISSION_DENIED"):
            MlflowArtifactsRepository("mlflow-artifacts:/scratch/carol").log_artifacts(str(doubler))
    assert requests.delete(f"{base}/scratch/run-1", auth=auth, timeout=10).json() == {}
    assert requests.get(f"{base}/scratch/run-1/MLmodel", auth=auth, timeout=10).status_code == 404
    assert requests.get(base, params={"path": "scratch"}, auth=auth, timeout=10).json() == {}


def test_traversal_is_refused(acme):
    token = "Basic " + __import__("base64").b64encode(b"alice:alice-pw").decode()
    host = urllib.parse.urlparse(URL)
    prefix = f"/tenants/{acme}/api/2.0/mlflow-artifacts/artifacts/"
    for attack in ["../../etc/passwd", "a/../../b", "%2e%2e/%2e%2e/etc/passwd", "%252e%252e/x", "a%2fb", "a%5c..%5cb", "a\\..\\b", "x%00y",
                   "/etc/passwd", "C:/windows"]:
        for method in ("GET", "PUT", "DELETE"):
            connection = http.client.HTTPConnection(host.hostname, host.port, timeout=10)
            connection.request(method, prefix + attack, body=b"x" if method == "PUT" else None, headers={"Authorization": token})
            response = connection.getresponse()
            body = response.read()
            assert response.status in (400, 404), (method, attack, response.status, body)
            connection.close()
    for attack in ["../x", "%2e%2e/x", "a/../../b", "/etc"]:
        reply = requests.get(f"{URL}{prefix[:-1]}", params={"path": attack}, auth=("alice", "alice-pw"), timeout=10)
        assert reply.status_code == 400, (attack, reply.text)
    # Nothing was written: no PUT above left a file anywhere in the tree.
    audit = native("GET", f"/api/v1/tenants/{acme}/audit?action=proxied_artifact.stored&max_results=1000", "erin").json()["entries"]
    assert not [e for e in audit if "passwd" in e["object_id"] or "windows" in e["object_id"] or e["object_id"].endswith("/b")]


def test_artifacts_are_per_tenant(acme, globex, doubler, monkeypatch):
    with as_user("alice"):
        upload(acme, "private/one", doubler, monkeypatch)
    auth = ("alice", "alice-pw")
    assert requests.get(f"{URL}/tenants/{globex}/api/2.0/mlflow-artifacts/artifacts/private/one/MLmodel", auth=auth, timeout=10).status_code == 404
    assert requests.get(f"{URL}/tenants/{globex}/api/2.0/mlflow-artifacts/artifacts", params={"path": "private"}, auth=auth, timeout=10).json() == {}
    # Through the workspace header the same way.
    plain = f"{URL}/api/2.0/mlflow-artifacts/artifacts/private/one/MLmodel"
    assert requests.get(plain, auth=auth, headers={"X-MLFLOW-WORKSPACE": acme}, timeout=10).status_code == 200
    assert requests.get(plain, auth=auth, headers={"X-MLFLOW-WORKSPACE": globex}, timeout=10).status_code == 404
    assert requests.get(plain, auth=("mallory", "mallory-pw"), headers={"X-MLFLOW-WORKSPACE": acme}, timeout=10).status_code == 404
    # A version in globex cannot take acme's files by naming their location.
    with as_user("alice"):
        c = client(globex)
        c.create_registered_model("thief")
        v = c.create_model_version("thief", "mlflow-artifacts:/private/one")
    files = native("GET", f"/api/v1/tenants/{globex}/models/thief/versions/{v.version}/files", "alice").json()["files"]
    assert files == []
