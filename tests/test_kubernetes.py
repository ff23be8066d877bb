"""The baked Kubernetes manifests (kubernetes=y): valid against the Kubernetes schemas, offline
and strictly; in agreement with each other, with the Dockerfile, and with the app they run."""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from .baked_project import TEST_SECRET_KEY, InstalledProject
from .conftest import variant
from .harness import CHOICES, TEMPLATE_ROOT, answers_for, bake

# The oldest and the newest Kubernetes that kubernetes-validate ships schemas for: the
# manifests use no API that one of them lacks.
KUBERNETES_VERSIONS = sorted(
    {kubernetes_validate.utils.all_versions()[0], kubernetes_validate.latest_version()}
)
MANIFESTS = Path("deploy/k8s")
KUSTOMIZATION = "kustomization.yaml"
POD_OWNERS = frozenset({"Deployment", "Job"})
# `NAME=value`, or `# NAME=value` (as the baked tests/core/test_env_example.py reads it).
ENV_EXAMPLE_LINE = re.compile(r"^(?:# )?([A-Z][A-Z0-9_]*)=", re.MULTILINE)
# What gunicorn_conf.py and docker/entrypoint.sh read from the environment themselves.
PROCESS_ENV_READ = re.compile(r'(?:_int_env\(|environ\.get\(|environ\[|\$\{)"?([A-Z][A-Z0-9_]*)')
SECRET_LITERAL = re.compile(r"--from-literal=([A-Z][A-Z0-9_]*)=")
# checkov's Kubernetes checks that do not apply to a template, each with why.
# In a venv of its own (scripts/test.sh makes it; see tests/requirements-checkov.txt).
CHECKOV = TEMPLATE_ROOT / ".venv-checkov" / "bin" / "checkov"
CHECKOV_SKIPPED = {
    # The image is named per release (`kustomize edit set image`, which takes a digest too):
    # the template cannot know a digest.
    "CKV_K8S_43",
    # Settings are environment variables (pydantic-settings); files would need secrets_dir.
    "CKV_K8S_35",
}
# The ports each component's pods may reach besides DNS, by answers.
DNS = {(53, "UDP"), (53, "TCP")}


@dataclass(frozen=True)
class Manifests:
    """One bake's deploy/k8s: each file's single document, by file name."""

    project: Path
    package: str
    documents: dict[str, dict[str, Any]]

    @classmethod
    def read(cls, project: Path, package: str) -> Manifests:
        documents = {}
        for path in sorted((project / MANIFESTS).iterdir()):
            [document] = list(yaml.safe_load_all(path.read_text(encoding="utf-8")))
            documents[path.name] = document
        return cls(project, package, documents)

    @property
    def slug(self) -> str:
        return self.project.name  # cookiecutter names the bake's folder by project_slug

    def of_kind(self, kind: str, component: str | None = None) -> list[dict[str, Any]]:
        return [
            doc
            for doc in self.resources()
            if doc["kind"] == kind
            and component in (None, doc["metadata"]["labels"]["app.kubernetes.io/component"])
        ]

    def one(self, kind: str, component: str | None = None) -> dict[str, Any]:
        [document] = self.of_kind(kind, component)
        return document

    def resources(self) -> list[dict[str, Any]]:
        return [doc for name, doc in self.documents.items() if name != KUSTOMIZATION]

    def pod_specs(self) -> Iterator[dict[str, Any]]:
        for doc in self.resources():
            if doc["kind"] in POD_OWNERS:
                yield doc["spec"]["template"]["spec"]

    def containers(self) -> Iterator[dict[str, Any]]:
        for pod in self.pod_specs():
            yield from pod["containers"]

    def effective_env(self, container: dict[str, Any]) -> dict[str, str]:
        """The plain values a container gets: its ConfigMaps' data, then its own `env`."""
        config_maps = {doc["metadata"]["name"]: doc["data"] for doc in self.of_kind("ConfigMap")}
        env: dict[str, str] = {}
        for source in container.get("envFrom", []):
            if "configMapRef" in source:
                env.update(config_maps[source["configMapRef"]["name"]])
        env.update(
            {var["name"]: var["value"] for var in container.get("env", []) if "value" in var}
        )
        return env

    def network_policy(self, component: str) -> dict[str, Any]:
        """The NetworkPolicy whose pod selector picks the component's pods."""
        [owner] = [
            doc
            for doc in self.resources()
            if doc["kind"] in POD_OWNERS
            and doc["metadata"]["labels"]["app.kubernetes.io/component"] == component
        ]
        labels = owner["spec"]["template"]["metadata"]["labels"]
        [policy] = [
            doc
            for doc in self.of_kind("NetworkPolicy")
            if doc["spec"]["podSelector"]
            and _labels_match(doc["spec"]["podSelector"]["matchLabels"], labels)
        ]
        return policy

    def web_container(self) -> dict[str, Any]:
        [container] = self.one("Deployment", "web")["spec"]["template"]["spec"]["containers"]
        return container


@pytest.fixture(scope="module", params=CHOICES["background_jobs"])
def background_jobs(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="module")
def manifests(background_jobs: str, tmp_path_factory: pytest.TempPathFactory) -> Manifests:
    answers = {"kubernetes": "y", "background_jobs": background_jobs}
    if background_jobs == "celery":
        answers["observability"] = "otel"  # so the OTLP collector's egress is checked too
    project = bake(tmp_path_factory.mktemp("k8s"), **answers)
    return Manifests.read(project, answers_for(**answers)["package_name"])


def _egress_ports(policy: dict[str, Any]) -> set[tuple[int, str]]:
    """The ports a policy lets its pods reach, DNS included; every rule must name its ports."""
    ports = set()
    for rule in policy["spec"]["egress"]:
        assert rule.get("ports"), f"{policy['metadata']['name']} opens egress to every port"
        ports |= {(port["port"], port["protocol"]) for port in rule["ports"]}
    return ports


def _documented_env_names(project: Path) -> set[str]:
    """The settings .env.example lists, and the variables the server and entrypoint read."""
    names = set(ENV_EXAMPLE_LINE.findall((project / ".env.example").read_text()))
    for reader in ("gunicorn_conf.py", "docker/entrypoint.sh"):
        names |= set(PROCESS_ENV_READ.findall((project / reader).read_text()))
    return names


def _dockerfile_instruction(project: Path, name: str) -> str:
    lines = (project / "Dockerfile").read_text().splitlines()
    [argument] = [line.split(maxsplit=1)[1] for line in lines if line.startswith(f"{name} ")]
    return argument


def _labels_match(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return selector.items() <= labels.items()


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_every_manifest_is_valid_for_kubernetes(manifests: Manifests, version: str) -> None:
    for name, document in manifests.documents.items():
        if name != KUSTOMIZATION:
            kubernetes_validate.validate(document, version, strict=True)


def test_the_kustomization_lists_every_manifest_and_no_other(manifests: Manifests) -> None:
    kustomization = manifests.documents[KUSTOMIZATION]
    assert kustomization["kind"] == "Kustomization"
    listed = kustomization["resources"]
    assert len(listed) == len(set(listed))
    assert set(listed) == set(manifests.documents) - {KUSTOMIZATION}


def test_names_labels_and_selectors_agree(manifests: Manifests) -> None:
    web = manifests.one("Deployment", "web")
    pod_labels = web["spec"]["template"]["metadata"]["labels"]
    service = manifests.one("Service")
    assert _labels_match(web["spec"]["selector"]["matchLabels"], pod_labels)
    assert _labels_match(service["spec"]["selector"], pod_labels)
    for other in manifests.resources():
        if other["kind"] in POD_OWNERS and other is not web:
            other_labels = other["spec"]["template"]["metadata"]["labels"]
            assert not _labels_match(service["spec"]["selector"], other_labels)
    target = manifests.one("HorizontalPodAutoscaler")["spec"]["scaleTargetRef"]
    assert (target["kind"], target["name"]) == ("Deployment", web["metadata"]["name"])
    pdb_selector = manifests.one("PodDisruptionBudget")["spec"]["selector"]["matchLabels"]
    assert pdb_selector == web["spec"]["selector"]["matchLabels"]
    [rule] = manifests.one("Ingress")["spec"]["rules"]
    [path] = rule["http"]["paths"]
    backend = path["backend"]["service"]
    assert backend["name"] == service["metadata"]["name"]
    [service_port] = service["spec"]["ports"]
    assert backend["port"] == {"name": service_port["name"]}
    [container_port] = manifests.web_container()["ports"]
    assert service_port["targetPort"] == container_port["name"]


def test_the_kustomization_puts_everything_in_the_projects_namespace(
    manifests: Manifests,
) -> None:
    assert manifests.documents[KUSTOMIZATION]["namespace"] == manifests.slug
    # kustomize sets it: a namespace of a resource's own would differ from it once changed.
    assert all("namespace" not in doc["metadata"] for doc in manifests.resources())
    readme = (manifests.project / "README.md").read_text()
    assert f"kubectl create namespace {manifests.slug}" in readme


def test_the_namespace_denies_all_traffic_no_policy_allows(manifests: Manifests) -> None:
    denials = [
        doc for doc in manifests.of_kind("NetworkPolicy") if doc["spec"]["podSelector"] == {}
    ]
    assert [doc["spec"] for doc in denials] == [
        {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
    ]


def test_every_workload_has_its_own_network_policy(manifests: Manifests) -> None:
    owners = [doc for doc in manifests.resources() if doc["kind"] in POD_OWNERS]
    components = [doc["metadata"]["labels"]["app.kubernetes.io/component"] for doc in owners]
    policies = [manifests.network_policy(component) for component in components]
    assert len(policies) == len(manifests.of_kind("NetworkPolicy")) - 1  # and the denial
    for policy in policies:
        assert policy["spec"]["policyTypes"] == ["Ingress", "Egress"]


def test_only_the_ingress_controller_reaches_the_web_pods_on_their_port(
    manifests: Manifests,
) -> None:
    [container_port] = manifests.web_container()["ports"]
    ingress = manifests.network_policy("web")["spec"]["ingress"]
    controller = {
        "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "ingress-nginx"}},
        "podSelector": {
            "matchLabels": {
                "app.kubernetes.io/name": "ingress-nginx",
                "app.kubernetes.io/component": "controller",
            }
        },
    }
    assert ingress[0]["from"] == [controller]
    for rule in ingress:
        assert rule["ports"] == [{"port": container_port["name"], "protocol": "TCP"}]
        assert all(peer.keys() == {"namespaceSelector", "podSelector"} for peer in rule["from"])
    readme = (manifests.project / "README.md").read_text()
    assert "kubernetes.io/metadata.name: ingress-nginx" in readme
    for component in ("migration", "worker", "beat"):
        if manifests.of_kind("Deployment", component) or manifests.of_kind("Job", component):
            assert "ingress" not in manifests.network_policy(component)["spec"]


def test_pods_reach_only_dns_and_the_servers_they_use(
    manifests: Manifests, background_jobs: str
) -> None:
    database, smtp, redis = (5432, "TCP"), (587, "TCP"), (6379, "TCP")
    celery = background_jobs == "celery"
    traced = (manifests.project / "src" / manifests.package / "infra" / "tracing.py").exists()
    otlp = {(4318, "TCP")} if traced else set()
    expected = {
        "web": DNS | {database} | ({redis} if celery else {smtp}) | otlp,
        "migration": DNS | {database},
    }
    if celery:
        expected["worker"] = DNS | {database, redis, smtp}
        expected["beat"] = DNS | {redis}
    for component, ports in expected.items():
        policy = manifests.network_policy(component)
        assert _egress_ports(policy) == ports, component
        [dns] = [rule for rule in policy["spec"]["egress"] if "to" in rule]
        assert dns["to"] == [
            {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}}}
        ]
    [smtp_port] = re.findall(
        r"^SMTP_PORT=(\d+)$", (manifests.project / ".env.example").read_text(), re.M
    )
    assert int(smtp_port) == smtp[0]


def test_checkov_finds_nothing_in_the_manifests_kustomize_applies(
    manifests: Manifests, tmp_path: Path
) -> None:
    """checkov (offline: --skip-download) on every resource with the kustomization's
    namespace set, as `kubectl apply -k` sends them."""
    namespace = manifests.documents[KUSTOMIZATION]["namespace"]
    for name, document in manifests.documents.items():
        if name != KUSTOMIZATION:
            document = {**document, "metadata": {**document["metadata"], "namespace": namespace}}
            (tmp_path / name).write_text(yaml.safe_dump(document), encoding="utf-8")
    result = subprocess.run(
        [
            str(CHECKOV),
            *("--directory", str(tmp_path), "--framework", "kubernetes"),
            *("--skip-download", "--quiet", "--compact", "--output", "json"),
            *("--skip-check", ",".join(sorted(CHECKOV_SKIPPED))),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    report = json.loads(result.stdout)
    failed = [
        f"{check['check_id']} {check['check_name']}: {check['resource']}"
        for check in report["results"]["failed_checks"]
    ]
    assert failed == []
    assert report["summary"]["passed"] > 0
    assert report["summary"]["parsing_errors"] == 0
    assert result.returncode == 0, result.stderr


def test_the_web_port_is_the_images_and_gunicorns(manifests: Manifests) -> None:
    [container_port] = manifests.web_container()["ports"]
    gunicorn_conf = (manifests.project / "gunicorn_conf.py").read_text()
    [default_port] = re.findall(r'_int_env\("PORT", (\d+)\)', gunicorn_conf)
    exposed = _dockerfile_instruction(manifests.project, "EXPOSE")
    assert str(container_port["containerPort"]) == exposed == default_port
    assert _scrape_annotations(manifests).get("prometheus.io/port", exposed) == exposed


def _scrape_annotations(manifests: Manifests) -> dict[str, str]:
    template = manifests.one("Deployment", "web")["spec"]["template"]
    annotations: dict[str, str] = template["metadata"].get("annotations", {})
    return annotations


def test_pods_run_as_the_images_user_locked_down_and_bounded(manifests: Manifests) -> None:
    user, group = (
        int(part) for part in _dockerfile_instruction(manifests.project, "USER").split(":")
    )
    for pod in manifests.pod_specs():
        assert pod["securityContext"] == {
            "runAsNonRoot": True,
            "runAsUser": user,
            "runAsGroup": group,
            "seccompProfile": {"type": "RuntimeDefault"},
        }
        assert pod["automountServiceAccountToken"] is False
    for container in manifests.containers():
        assert container["securityContext"] == {
            "allowPrivilegeEscalation": False,
            "readOnlyRootFilesystem": True,
            "capabilities": {"drop": ["ALL"]},
        }
        for bound in ("requests", "limits"):
            assert set(container["resources"][bound]) == {"cpu", "memory"}


def test_every_container_runs_the_one_image(manifests: Manifests) -> None:
    [image] = manifests.documents[KUSTOMIZATION]["images"]
    answers = answers_for()
    slug = manifests.slug
    assert image == {"name": slug, "newName": slug, "newTag": answers["version"]}
    assert f"docker build -t {slug} ." in (manifests.project / "Dockerfile").read_text()
    images = {container["image"] for container in manifests.containers()}
    assert images == {f"{image['name']}:{image['newTag']}"}


def test_env_names_are_settings_or_read_by_the_server(manifests: Manifests) -> None:
    documented = _documented_env_names(manifests.project)
    set_in_manifests = {
        name for container in manifests.containers() for name in manifests.effective_env(container)
    }
    assert set_in_manifests <= documented
    readme = (manifests.project / "README.md").read_text()
    secrets = set(SECRET_LITERAL.findall(readme))
    assert {"SECRET_KEY", "DATABASE_URL"} <= secrets
    assert secrets <= documented
    # Secrets come from the Secret alone, which every container reads.
    assert not secrets & set_in_manifests
    secret_name = f"{manifests.slug}-secrets"
    assert f"kubectl -n {manifests.slug} create secret generic {secret_name}" in readme
    for container in manifests.containers():
        assert {"secretRef": {"name": secret_name}} in container["envFrom"]
    assert not manifests.of_kind("Secret")


def test_only_the_migration_job_migrates(manifests: Manifests) -> None:
    entrypoint = (manifests.project / "docker" / "entrypoint.sh").read_text()
    slug = manifests.slug
    assert f"{slug} migrate" in entrypoint
    for container in manifests.containers():
        if "command" in container:  # in place of the entrypoint
            assert container["command"] == [slug, "migrate"]
        else:
            assert manifests.effective_env(container)["RUN_MIGRATIONS"] == "0"
    [job_container] = manifests.one("Job")["spec"]["template"]["spec"]["containers"]
    assert job_container["command"] == [slug, "migrate"]


def test_a_worker_runs_the_agreed_celery_command_exactly_with_celery(
    manifests: Manifests, background_jobs: str
) -> None:
    workers = manifests.of_kind("Deployment", "worker")
    assert len(workers) == (background_jobs == "celery")
    app = f"{manifests.package}.worker"
    for worker in workers:
        [container] = worker["spec"]["template"]["spec"]["containers"]
        assert container["args"][:6] == ["celery", "--app", app, "worker", "--loglevel", "INFO"]
        ping = f"celery --app {app} inspect ping --destination celery@$HOSTNAME"
        assert container["livenessProbe"]["exec"]["command"] == ["sh", "-c", ping]
        assert container["readinessProbe"]["exec"] == container["livenessProbe"]["exec"]


def test_exactly_one_beat_sends_the_schedules_with_celery(
    manifests: Manifests, background_jobs: str
) -> None:
    beats = manifests.of_kind("Deployment", "beat")
    assert len(beats) == (background_jobs == "celery")
    for beat in beats:
        assert beat["spec"]["replicas"] == 1
        assert beat["spec"]["strategy"] == {"type": "Recreate"}  # never two during a rollout
        [container] = beat["spec"]["template"]["spec"]["containers"]
        app = f"{manifests.package}.worker"
        assert container["args"][:4] == ["celery", "--app", app, "beat"]


# The installed variant with kubernetes=y: the manifests against the app and server themselves.
installed = pytest.mark.parametrize("project", [variant("py313-renamed")], indirect=True)

# Run in the project's venv with the ConfigMap's environment: every path the server and the
# app would write to, and gunicorn's graceful timeout.
SERVER_WRITES = """
import json, os, runpy, tempfile
from gunicorn.config import Config
from {package}.core.config import Settings
from sqlalchemy import make_url

conf = runpy.run_path("gunicorn_conf.py")
config = Config()
for name, value in conf.items():
    if name in config.settings:
        config.set(name, value)
paths = [config.worker_tmp_dir or tempfile.gettempdir()]
if not config.control_socket_disable:
    paths.append(config.control_socket)
if "PROMETHEUS_MULTIPROC_DIR" in os.environ:
    paths.append(os.environ["PROMETHEUS_MULTIPROC_DIR"])
url = make_url(Settings().database_url)
if url.get_backend_name() == "sqlite":
    paths.append(url.database)
conf.get("on_exit", lambda server: None)(None)
print(json.dumps({{"paths": paths, "graceful_timeout": config.graceful_timeout}}))
"""


def _served_with_manifest_env(project: InstalledProject, manifests: Manifests) -> dict[str, Any]:
    env = manifests.effective_env(manifests.web_container())
    # The Secret's values: DATABASE_URL is a PostgreSQL server's, never the SQLite default.
    env |= {"SECRET_KEY": TEST_SECRET_KEY, "DATABASE_URL": "postgresql://app@db.invalid/app"}
    script = SERVER_WRITES.format(package=project.package)
    # The image sets no TMPDIR: the temporary folder is /tmp unless the manifests say otherwise.
    result = project.run("python", "-c", script, **{"TMPDIR": "", **env})
    written: dict[str, Any] = json.loads(result.stdout.splitlines()[-1])
    return written


@installed
def test_every_path_the_server_writes_is_a_mounted_volume(project: InstalledProject) -> None:
    manifests = Manifests.read(project.path, project.package)
    container = manifests.web_container()
    # The temporary folder measured below is this host's /tmp: right only if nothing moves it.
    assert not {"TMPDIR", "TEMP", "TMP"} & manifests.effective_env(container).keys()
    mounts = [Path(mount["mountPath"]) for mount in container["volumeMounts"]]
    written = _served_with_manifest_env(project, manifests)
    unmounted = [
        path for path in written["paths"] if not any(Path(path).is_relative_to(m) for m in mounts)
    ]
    assert written["paths"]
    assert unmounted == []


@installed
def test_pods_outlive_gunicorns_graceful_shutdown(project: InstalledProject) -> None:
    manifests = Manifests.read(project.path, project.package)
    pod = manifests.one("Deployment", "web")["spec"]["template"]["spec"]
    pre_stop = pod["containers"][0]["lifecycle"]["preStop"]["exec"]["command"]
    assert pre_stop[0] == "sleep"
    graceful_timeout = _served_with_manifest_env(project, manifests)["graceful_timeout"]
    assert pod["terminationGracePeriodSeconds"] > int(pre_stop[1]) + graceful_timeout


@installed
def test_probe_and_scrape_paths_are_routes_the_load_shedder_spares(
    project: InstalledProject,
) -> None:
    manifests = Manifests.read(project.path, project.package)
    container = manifests.web_container()
    probes = {
        kind: container[kind]["httpGet"]["path"]
        for kind in ("startupProbe", "livenessProbe", "readinessProbe")
    }
    assert probes == {
        "startupProbe": "/health",
        "livenessProbe": "/health",
        "readinessProbe": "/health/ready",
    }
    # Every route's full path (FastAPI's own walk: included routers know only their part),
    # then the paths never refused under load (a shed probe would restart a busy pod).
    script = (
        "from fastapi.routing import iter_route_contexts; "
        f"from {project.package}.main import POLLED_PATHS, create_app; "
        "print(*(c.path_format for c in iter_route_contexts(create_app().routes))); "
        "print(*POLLED_PATHS)"
    )
    routes, polled = project.run("python", "-c", script).stdout.splitlines()[-2:]
    scraped = _scrape_annotations(manifests)["prometheus.io/path"]
    assert {*probes.values(), scraped} <= set(routes.split()) & set(polled.split())
