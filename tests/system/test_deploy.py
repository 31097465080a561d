"""The Kubernetes deployment (deploy/kubernetes) and the image (Dockerfile), checked offline.

No cluster and no container engine are needed. The base and the production overlay are rendered
with `kubectl kustomize` (`make test` installs Debian's kubectl when there is none; KUBECTL=PATH
picks another), and every rendered object is validated against the Kubernetes JSON schemas that
kubernetes-validate ships, in strict mode (an unknown or misspelt field fails). Then what a reviewer
would check by hand: non-root, read-only containers with probes and resources; each process given
exactly the secrets it needs; selectors that select what they should; the production profile's
files in the commands; a Dockerfile that mirrors the Makefile, drops root and bakes the model.
"""

from __future__ import annotations

import base64
import json
import os
import re
import secrets
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import kubernetes_validate
import pytest
import yaml
from kubernetes_validate.utils import VersionNotSupportedError

from bot.settings import MIN_SECRET_LENGTH

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy" / "kubernetes"
PROFILES = ("base", "production")

KUBERNETES_VERSIONS = ("1.23.0", kubernetes_validate.latest_version())
"""The oldest Kubernetes the manifests are for (autoscaling/v2 is GA from 1.23) and the newest
whose schemas kubernetes-validate ships."""

SECRET_KEYS = {
    "BOT_SECRET_KEY",
    "TWILIO_AUTH_TOKEN",
    "TELEGRAM_BOT_TOKEN",
    "TELEGRAM_WEBHOOK_SECRET",
    "DB_PASSWORD",
    "ACTION_SERVER_TOKEN",
}
NEEDS = {
    "rasa": SECRET_KEYS,  # the channels, and every variable of endpoints.production.yml
    "actions": {"ACTION_SERVER_TOKEN", "BOT_SECRET_KEY", "DB_PASSWORD"},  # token; encrypted contacts in the database
    "console": {"BOT_SECRET_KEY", "DB_PASSWORD", "TWILIO_AUTH_TOKEN", "TELEGRAM_BOT_TOKEN"},  # decrypts; reads; staff replies
    "purge": {"DB_PASSWORD", "ACTION_SERVER_TOKEN"},  # Rasa reads all of endpoints.production.yml
}
"""The secrets each workload gets: exactly these, no more."""

CONFIG_KEYS = {
    "ENDPOINTS",
    "DB_HOST",
    "DB_PORT",
    "DB_NAME",
    "DB_USER",
    "REDIS_HOST",
    "REDIS_PORT",
    "ACTION_SERVER_URL",
    "BOT_RETENTION_DAYS",
    "SMS_WEBHOOK_URL",
    "TWILIO_ACCOUNT_SID",
    "LOG_LEVEL",
}

COMMANDS = {
    "rasa": "python -m bot.rasa_launcher run --interface 0.0.0.0 --port 5005 --endpoints endpoints.production.yml"
    " --credentials credentials.production.yml --model models",
    "actions": "python -m bot actions --host 0.0.0.0 --port 5055",
    "console": "python -m bot console --host 0.0.0.0 --port 5002 --endpoints endpoints.production.yml",
    "purge": "python -m bot purge --endpoints endpoints.production.yml",
}
SERVERS = {"rasa": (5005, "/"), "actions": (5055, "/health"), "console": (5002, "/login")}
"""Port and health path of each long-running process."""

FOOTPRINT_MIB = {"rasa": 400, "actions": 120, "console": 150}
"""Resident memory measured with `make bench` and `make soak`, rounded up (Rasa about 300 MB without
TensorFlow, action server about 60 MB, console about 90 MB). Update with them."""

SCALE = {"base": (2, 6), "production": (3, 10)}
"""Rasa's replicas: the autoscaler's range (the Deployment starts at its floor)."""

COMMON_LABELS = {
    "app.kubernetes.io/name": "immigrant-services-assistant",
    "app.kubernetes.io/part-of": "immigrant-services-assistant",
}
COMPONENT = "app.kubernetes.io/component"


# Rendering -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def kubectl() -> str:
    path = os.environ.get("KUBECTL") or shutil.which("kubectl")
    if not path:
        pytest.fail("kubectl not found: `make /usr/bin/kubectl` installs Debian's kubernetes-client")
    return path


def kustomize(kubectl: str, directory: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([kubectl, "kustomize", str(directory)], capture_output=True, text=True, timeout=120)


def render(kubectl: str, directory: Path) -> list[dict]:
    result = kustomize(kubectl, directory)
    assert result.returncode == 0, f"kubectl kustomize {directory} failed:\n{result.stderr}"
    objects = [item for item in yaml.safe_load_all(result.stdout) if item]
    assert objects, f"kubectl kustomize {directory} rendered nothing"
    return objects


def copy_of_deploy(directory: Path) -> Path:
    """deploy/kubernetes copied into `directory`, without any secrets.env kept in the work tree."""
    copy = directory / "kubernetes"
    shutil.copytree(DEPLOY, copy, ignore=shutil.ignore_patterns("secrets.env"))
    return copy


@pytest.fixture(scope="module")
def production_secrets() -> dict[str, str]:
    return {key: secrets.token_urlsafe(24) for key in sorted(SECRET_KEYS)}


@pytest.fixture(scope="module")
def rendered(kubectl, tmp_path_factory, production_secrets) -> dict[str, list[dict]]:
    """The objects of the base (as committed) and of the production overlay (in a copy, given a
    secrets.env of random values, as an operator would)."""
    overlay = copy_of_deploy(tmp_path_factory.mktemp("deploy")) / "overlays" / "production"
    (overlay / "secrets.env").write_text("".join(f"{key}={value}\n" for key, value in production_secrets.items()))
    return {"base": render(kubectl, DEPLOY / "base"), "production": render(kubectl, overlay)}


def named(obj: dict) -> str:
    return f"{obj['kind']}/{obj['metadata']['name']}"


def of_kind(objects: list[dict], kind: str) -> list[dict]:
    return [obj for obj in objects if obj["kind"] == kind]


def the(objects: list[dict], kind: str, name: str | None = None) -> dict:
    """The one object of this kind (and name)."""
    found = [obj for obj in of_kind(objects, kind) if name is None or obj["metadata"]["name"] == name]
    assert len(found) == 1, f"expected one {kind} {name or ''}, found {[named(obj) for obj in found]}"
    return found[0]


def pod_templates(objects: list[dict]) -> dict[str, dict]:
    """The pod template of every workload (Deployments and the CronJob), by workload name."""
    templates = {obj["metadata"]["name"]: obj["spec"]["template"] for obj in of_kind(objects, "Deployment")}
    for job in of_kind(objects, "CronJob"):
        templates[job["metadata"]["name"]] = job["spec"]["jobTemplate"]["spec"]["template"]
    return templates


def container(objects: list[dict], workload: str) -> dict:
    (only,) = pod_templates(objects)[workload]["spec"]["containers"]
    return only


UNITS = {"": 1, "m": 1e-3, "k": 1e3, "M": 1e6, "G": 1e9, "Ki": 2**10, "Mi": 2**20, "Gi": 2**30}


def quantity(value: str | int) -> float:
    match = re.fullmatch(r"([0-9.]+)(Ki|Mi|Gi|k|M|G|m)?", str(value))
    assert match, f"unreadable quantity {value!r}"
    return float(match[1]) * UNITS[match[2] or ""]


# The manifests -------------------------------------------------------------------------------


def test_the_production_overlay_does_not_render_without_its_own_secrets(kubectl, tmp_path):
    """The placeholders of secrets.env.example can never reach production."""
    result = kustomize(kubectl, copy_of_deploy(tmp_path) / "overlays" / "production")
    assert result.returncode != 0
    assert "secrets.env" in result.stderr


@pytest.mark.parametrize("profile", PROFILES)
def test_every_object_matches_the_kubernetes_schemas(rendered, profile):
    problems = []
    for obj in rendered[profile]:
        for version in KUBERNETES_VERSIONS:
            try:
                kubernetes_validate.validate(obj, version, strict=True)
            except kubernetes_validate.ValidationError as error:
                where = ".".join(str(part) for part in error.path)
                problems.append(f"{named(obj)} (Kubernetes {version}) {where}: {error.message}")
            except (
                kubernetes_validate.SchemaNotFoundError,
                kubernetes_validate.InvalidSchemaError,
                VersionNotSupportedError,
            ) as error:
                problems.append(f"{named(obj)} (Kubernetes {version}): {error.message}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("profile", PROFILES)
def test_the_expected_objects_and_nothing_else(rendered, profile):
    objects = rendered[profile]
    names = sorted(named(obj) for obj in objects if obj["kind"] not in {"ConfigMap", "Secret"})
    assert names == [
        "CronJob/purge",
        "Deployment/actions",
        "Deployment/console",
        "Deployment/rasa",
        "HorizontalPodAutoscaler/rasa",
        "Service/actions",
        "Service/console",
        "Service/rasa",
    ]
    # Generated, with a hash of their content in the name so that a change rolls the pods.
    assert re.fullmatch(r"assistant-config-[a-z0-9]+", the(objects, "ConfigMap")["metadata"]["name"])
    assert re.fullmatch(r"assistant-secrets-[a-z0-9]+", the(objects, "Secret")["metadata"]["name"])


@pytest.mark.parametrize("profile", PROFILES)
def test_labels_and_selectors_agree(rendered, profile):
    objects = rendered[profile]
    templates = pod_templates(objects)
    for obj in objects:
        assert COMMON_LABELS.items() <= obj["metadata"].get("labels", {}).items(), named(obj)
    for workload, template in templates.items():
        labels = template["metadata"]["labels"]
        assert COMMON_LABELS.items() <= labels.items() and labels[COMPONENT] == workload

    def selected_by(selector: dict) -> list[str]:
        return sorted(
            workload for workload, template in templates.items() if selector.items() <= template["metadata"]["labels"].items()
        )

    for deployment in of_kind(objects, "Deployment"):
        selector = deployment["spec"]["selector"]["matchLabels"]
        assert COMMON_LABELS.items() <= selector.items()
        assert selected_by(selector) == [deployment["metadata"]["name"]], f"{named(deployment)} selects other pods too"
    for service in of_kind(objects, "Service"):
        name = service["metadata"]["name"]
        assert service["spec"]["type"] == "ClusterIP"
        assert selected_by(service["spec"]["selector"]) == [name]
        (port,) = service["spec"]["ports"]
        container_ports = {entry["name"]: entry["containerPort"] for entry in container(objects, name)["ports"]}
        assert port["port"] == container_ports[port["targetPort"]] == SERVERS[name][0]
    target = the(objects, "HorizontalPodAutoscaler")["spec"]["scaleTargetRef"]
    assert (target["apiVersion"], target["kind"], target["name"]) == ("apps/v1", "Deployment", "rasa")


@pytest.mark.parametrize("profile", PROFILES)
def test_every_container_runs_as_non_root_on_a_read_only_root_with_resources(rendered, profile):
    uid, gid = dockerfile_user()
    for workload, template in pod_templates(rendered[profile]).items():
        spec = template["spec"]
        pod = spec["securityContext"]
        assert pod["runAsNonRoot"] is True, workload
        assert (pod["runAsUser"], pod["runAsGroup"]) == (uid, gid), f"{workload}: not the Dockerfile's USER"
        assert pod["seccompProfile"] == {"type": "RuntimeDefault"}
        assert spec["automountServiceAccountToken"] is False
        # Kubernetes' service links would set CONSOLE_PORT=tcp://…, which bot/settings.py reads as a number.
        assert spec["enableServiceLinks"] is False, workload
        assert "initContainers" not in spec
        volumes = {volume["name"]: volume for volume in spec["volumes"]}
        for box in spec["containers"]:
            security = box["securityContext"]
            assert security["allowPrivilegeEscalation"] is False, workload
            assert security["readOnlyRootFilesystem"] is True, workload
            assert security["capabilities"] == {"drop": ["ALL"]}, workload
            assert not security.get("privileged") and security.get("runAsUser", uid) != 0 and security.get("runAsNonRoot", True)
            mounts = {mount["mountPath"]: mount["name"] for mount in box["volumeMounts"]}
            assert "emptyDir" in volumes[mounts["/tmp"]], f"{workload}: /tmp must be a writable emptyDir"
            assert {"name": "HOME", "value": "/tmp"} in box["env"], f"{workload}: HOME must be writable"
            requests, limits = box["resources"]["requests"], box["resources"]["limits"]
            assert {"cpu", "memory"} <= requests.keys() and "memory" in limits, workload
            for resource in requests.keys() & limits.keys():
                assert quantity(requests[resource]) <= quantity(limits[resource]), f"{workload}: {resource}"


@pytest.mark.parametrize("profile", PROFILES)
def test_memory_leaves_room_above_the_measured_footprint(rendered, profile):
    for workload, mib in FOOTPRINT_MIB.items():
        resources = container(rendered[profile], workload)["resources"]
        assert quantity(resources["requests"]["memory"]) >= mib * 2**20, workload
        assert quantity(resources["limits"]["memory"]) >= 1.5 * mib * 2**20, workload


@pytest.mark.parametrize("profile", PROFILES)
def test_servers_have_startup_readiness_and_liveness_probes_on_their_port(rendered, profile):
    for workload, (port, path) in SERVERS.items():
        box = container(rendered[profile], workload)
        ports = {entry["name"]: entry["containerPort"] for entry in box["ports"]}
        assert list(ports.values()) == [port]
        for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
            request = box[probe]["httpGet"]
            assert request["path"] == path, f"{workload} {probe}"
            assert ports.get(request["port"], request["port"]) == port, f"{workload} {probe}"
        startup = box["startupProbe"]
        if workload == "rasa":  # TensorFlow and the model load before Rasa listens
            assert startup["periodSeconds"] * startup["failureThreshold"] >= 180


@pytest.mark.parametrize("profile", PROFILES)
def test_each_process_runs_its_command_with_the_production_profile(rendered, profile):
    for workload, command in COMMANDS.items():
        box = container(rendered[profile], workload)
        assert box["command"] == command.split() and "args" not in box, workload
    rasa = container(rendered[profile], "rasa")["command"]
    assert rasa[rasa.index("--endpoints") + 1] == "endpoints.production.yml"
    assert rasa[rasa.index("--credentials") + 1] == "credentials.production.yml"
    for command in COMMANDS.values():
        for argument in command.split():
            if argument.endswith(".yml"):
                assert (ROOT / argument).is_file(), argument


@pytest.mark.parametrize("profile", PROFILES)
def test_the_secret_holds_every_key(rendered, profile, production_secrets):
    secret = the(rendered[profile], "Secret")
    values = {key: base64.b64decode(value).decode() for key, value in secret["data"].items()}
    assert values.keys() == SECRET_KEYS
    if profile == "base":  # secrets.env.example: placeholders, short enough that the channels refuse them
        assert set(values.values()) == {"REPLACE_ME"}
        assert len(values["BOT_SECRET_KEY"]) < MIN_SECRET_LENGTH
    else:
        assert values == production_secrets


@pytest.mark.parametrize("profile", PROFILES)
def test_each_process_gets_exactly_the_secrets_it_needs(rendered, profile):
    objects = rendered[profile]
    secret, config = the(objects, "Secret"), the(objects, "ConfigMap")
    for workload, template in pod_templates(objects).items():
        given = set()
        for box in template["spec"]["containers"]:
            for source in box.get("envFrom", []):
                assert "secretRef" not in source, f"{workload} would get every secret"
                assert source["configMapRef"]["name"] == config["metadata"]["name"]
            for variable in box.get("env", []):
                reference = variable.get("valueFrom", {}).get("secretKeyRef")
                if reference:
                    assert reference["name"] == secret["metadata"]["name"], f"{workload}: {reference}"
                    assert reference["key"] in secret["data"] and variable["name"] == reference["key"]
                    given.add(reference["key"])
        assert given == NEEDS[workload], workload
    assert set().union(*NEEDS.values()) == SECRET_KEYS


@pytest.mark.parametrize("profile", PROFILES)
def test_the_config_map(rendered, profile):
    objects = rendered[profile]
    data = the(objects, "ConfigMap")["data"]
    assert data.keys() == CONFIG_KEYS
    assert not data.keys() & SECRET_KEYS
    assert data["ENDPOINTS"] == "endpoints.production.yml" and (ROOT / data["ENDPOINTS"]).is_file()
    assert data["LOG_LEVEL"] == "INFO"
    assert float(data["BOT_RETENTION_DAYS"]) > 0
    assert int(data["DB_PORT"]) and int(data["REDIS_PORT"])
    assert data["ACTION_SERVER_URL"] == "http://actions:5055/webhook"
    assert the(objects, "Service", "actions")["spec"]["ports"][0]["port"] == urlsplit(data["ACTION_SERVER_URL"]).port
    sms = urlsplit(data["SMS_WEBHOOK_URL"])
    assert sms.scheme == "https" and sms.path == "/webhooks/sms/webhook"


@pytest.mark.parametrize("profile", PROFILES)
def test_every_process_has_the_variables_of_endpoints_production_yml(rendered, profile):
    """Rasa refuses an endpoints file naming an unset variable (rasa, purge read the whole file);
    bot/database.py reads its tracker_store section (actions, console)."""
    objects = rendered[profile]
    text = (ROOT / "endpoints.production.yml").read_text()
    everything = set(re.findall(r"\$\{(\w+)\}", text))
    tracker_store = set(re.findall(r"\$\{(\w+)\}", json.dumps(yaml.safe_load(text)["tracker_store"])))
    readers = {"rasa": everything, "purge": everything, "actions": tracker_store, "console": tracker_store}
    config = the(objects, "ConfigMap")["data"]
    for workload, variables in readers.items():
        box = container(objects, workload)
        assert [source["configMapRef"]["name"] for source in box["envFrom"]] == [the(objects, "ConfigMap")["metadata"]["name"]]
        available = config.keys() | {variable["name"] for variable in box["env"]}
        assert variables <= available, f"{workload} lacks {sorted(variables - available)}"


@pytest.mark.parametrize("profile", PROFILES)
def test_scaling(rendered, profile):
    objects = rendered[profile]
    autoscaler = the(objects, "HorizontalPodAutoscaler")["spec"]
    low, high = SCALE[profile]
    assert (autoscaler["minReplicas"], autoscaler["maxReplicas"]) == (low, high)
    assert the(objects, "Deployment", "rasa")["spec"]["replicas"] == low
    assert autoscaler["metrics"] == [
        {"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 70}}}
    ]
    assert the(objects, "Deployment", "console")["spec"]["replicas"] == 1
    purge = the(objects, "CronJob", "purge")["spec"]
    minute, hour, *every_day = purge["schedule"].split()
    assert every_day == ["*", "*", "*"] and minute.isdigit() and hour.isdigit()
    assert purge["concurrencyPolicy"] == "Forbid"


@pytest.mark.parametrize("profile", PROFILES)
def test_one_image_with_a_release_tag(rendered, profile):
    images = {box["image"] for template in pod_templates(rendered[profile]).values() for box in template["spec"]["containers"]}
    (image,) = images
    name, _, tag = image.rpartition(":")
    assert name.endswith("immigrant-services-assistant") and tag and "/" not in tag and tag != "latest"
    if profile == "production":
        assert "/" in name, "production pulls from a registry"


def test_real_secrets_stay_out_of_git_and_the_image():
    assert "secrets.env" in (DEPLOY / ".gitignore").read_text().split()
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".git", ".venv", "models", "deploy", "**/secrets.env*"} <= set(ignored)


# The Dockerfile ----------------------------------------------------------------------------------


def dockerfile() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of the Dockerfile: continuation lines joined, comments dropped."""
    instructions, current = [], ""
    for raw in (ROOT / "Dockerfile").read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            current += line[:-1] + " "
            continue
        keyword, _, arguments = (current + line).partition(" ")
        instructions.append((keyword.upper(), " ".join(arguments.split())))
        current = ""
    assert not current, "the Dockerfile ends inside a continued line"
    return instructions


def dockerfile_user() -> tuple[int, int]:
    """The uid and gid of the Dockerfile's last USER."""
    users = [arguments for keyword, arguments in dockerfile() if keyword == "USER"]
    assert users, "the Dockerfile never leaves root"
    uid, _, gid = users[-1].partition(":")
    assert uid.isdigit() and gid.isdigit(), "numeric USER uid:gid, so that Kubernetes can check runAsNonRoot"
    return int(uid), int(gid)


def test_the_dockerfile_runs_as_non_root():
    uid, gid = dockerfile_user()
    assert uid != 0 and gid != 0
    instructions = dockerfile()
    last_user = max(index for index, (keyword, _) in enumerate(instructions) if keyword == "USER")
    assert not [arguments for keyword, arguments in instructions[last_user:] if keyword == "RUN"]
    assert instructions[0] == ("FROM", "python:3.10-slim")


def test_the_dockerfile_installs_like_the_makefile_and_bakes_the_model():
    instructions = dockerfile()
    runs = [arguments for keyword, arguments in instructions if keyword == "RUN"]
    installs = [run for run in runs if "pip install" in run]
    assert any(re.search(r"pip install (--quiet )?-c constraints\.txt \.( |$)", run) for run in installs)
    assert not [run for run in installs if ".[" in run or "-e " in run], "no extras, not editable"
    assert any(run == "python -m pip check" for run in runs)
    copied = [arguments.split()[:-1] for keyword, arguments in instructions if keyword == "COPY"]
    sources = {source for sources in copied for source in sources}
    expected = {"constraints.txt", "pyproject.toml", "bot/", "actions/", "config.yml", "domain.yml", "Procfile"}
    assert expected | {"endpoints*.yml", "credentials*.yml", "data/", "knowledge/"} <= sources
    for source in sources:
        assert list(ROOT.glob(source.rstrip("/"))), f"COPY {source}: no such file"
    train = next(
        index
        for index, (keyword, arguments) in enumerate(instructions)
        if keyword == "RUN" and "python -m bot train" in arguments
    )
    last_copy = max(index for index, (keyword, _) in enumerate(instructions) if keyword == "COPY")
    last_user = max(index for index, (keyword, _) in enumerate(instructions) if keyword == "USER")
    assert last_copy < train < last_user, "train after copying the project, as root, before dropping root"


def test_the_image_starts_rasa_as_the_deployment_does():
    (command,) = [arguments for keyword, arguments in dockerfile() if keyword == "CMD"]
    assert json.loads(command) == COMMANDS["rasa"].split()
