"""Offline checks of deploy/z2jh-values.yaml, the Zero to JupyterHub values file (no Kubernetes, no network).

What can be checked without a cluster: the YAML parses; every key we use is one the chart knows (a hand-written
allow-list, verified by hand against the chart's schema and values); the Python in ``hub.extraConfig`` compiles,
runs against a stub ``c`` and z2jh's ``get_config``, and its pre-spawn hook gives instructors the course volume,
their nbgrader settings and more CPU than students; the nbgrader files agree with the one-server hub
(deploy/jupyterhub_config.py) and grader_config.py on the course id and the exchange path; every volume mount
names a declared volume; resource guarantees do not exceed limits.
"""

from __future__ import annotations

import ast
import asyncio
import json
import re
import sys
import types
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml
from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader

from tests.conftest import REPO

VALUES_FILE = REPO / "deploy" / "z2jh-values.yaml"
LTI_OVERLAY = REPO / "deploy" / "z2jh-values-lti13.yaml"
ONE_SERVER_CONFIG = REPO / "deploy" / "jupyterhub_config.py"
COURSE_ID = "rapport-lab"

# --- The chart's keys we rely on ---------------------------------------------------------------------------
# Written by hand from the jupyterhub chart's schema.yaml / values.yaml / files/hub/jupyterhub_config.py (checked
# for this file's review): top level -> allowed second-level keys. `custom` is free-form by design.
CHART_KEYS: dict[str, set[str] | None] = {
    "custom": None,
    "hub": {
        "config", "db", "resources", "loadRoles", "extraConfig", "extraEnv", "extraFiles", "concurrentSpawnLimit",
        "activeServerLimit", "consecutiveFailureLimit", "cookieSecret", "image", "networkPolicy", "services",
        "baseUrl", "nodeSelector", "allowNamedServers", "namedServerLimitPerUser", "existingSecret",
    },
    "singleuser": {
        "image", "cmd", "defaultUrl", "startTimeout", "cpu", "memory", "storage", "extraEnv", "extraFiles",
        "initContainers", "lifecycleHooks", "networkPolicy", "profileList", "uid", "fsGid", "extraResource",
        "nodeSelector", "cloudMetadata", "allowPrivilegeEscalation", "extraLabels", "extraAnnotations",
        "extraPodConfig", "extraContainers", "extraTolerations", "networkTools", "serviceAccountName",
    },
    "scheduling": {"userScheduler", "podPriority", "userPlaceholder", "userPods", "corePods"},
    "cull": {"enabled", "users", "adminUsers", "removeNamedServers", "timeout", "every", "concurrency", "maxAge"},
    "proxy": {"chp", "https", "service", "secretToken", "traefik", "labels"},
    "prePuller": {"hook", "continuous", "extraImages", "pullProfileListImages", "resources", "annotations"},
    "ingress": {"enabled", "annotations", "ingressClassName", "hosts", "pathSuffix", "pathType", "tls"},
    "rbac": {"create"},
    "debug": {"enabled"},
}
# A few deeper levels where a typo would silently do nothing.
DEEPER_KEYS: dict[str, set[str]] = {
    "hub.db": {"type", "url", "password", "pvc", "upgrade"},
    "singleuser.image": {"name", "tag", "pullPolicy", "pullSecrets"},
    "singleuser.cpu": {"guarantee", "limit"},
    "singleuser.memory": {"guarantee", "limit"},
    "singleuser.storage": {
        "type", "capacity", "homeMountPath", "extraVolumes", "extraVolumeMounts", "dynamic", "static", "extraLabels",
    },
    "singleuser.networkPolicy": {
        "enabled", "ingress", "egress", "egressAllowRules", "interNamespaceAccessLabels", "allowedIngressPorts",
    },
    "singleuser.networkPolicy.egressAllowRules": {
        "cloudMetadataServer", "dnsPortsCloudMetadataServer", "dnsPortsKubeSystemNamespace", "dnsPortsPrivateIPs",
        "nonPrivateIPs", "privateIPs",
    },
    "scheduling.userScheduler": {"enabled", "replicas", "logLevel", "resources"},
    "scheduling.podPriority": {"enabled", "globalDefault", "defaultPriority", "userPlaceholderPriority"},
    "scheduling.userPlaceholder": {"enabled", "replicas", "resources"},
    "scheduling.userPods": {"nodeAffinity", "tolerations"},
    "proxy.https": {"enabled", "type", "letsencrypt", "manual", "secret", "hosts"},
    "proxy.chp": {"resources", "extraEnv", "image", "networkPolicy", "pdb"},
}
HUB_DB_TYPES = {"sqlite-pvc", "sqlite-memory", "mysql", "postgres", "other"}
MATCH_NODE_PURPOSE = {"ignore", "prefer", "require"}
# hub.config is handed to traitlets as is: only class.trait names that exist (JupyterHub 5+/OAuthenticator 16+).
HUB_CONFIG_TRAITS = {
    # From jupyterhub-ltiauthenticator's lti13/auth.py (checked for this file's review).
    "LTI13Authenticator": {
        "issuer", "client_id", "authorize_url", "jwks_endpoint", "jwks_algorithms", "username_key", "tool_name",
        "tool_description",
    },
    "JupyterHub": {"authenticator_class", "load_groups", "admin_access"},
    "Authenticator": {"allow_all", "allowed_users", "admin_users", "allow_existing_users", "manage_groups"},
    "GenericOAuthenticator": {
        "client_id", "client_secret", "oauth_callback_url", "authorize_url", "token_url", "userdata_url",
        "username_claim", "scope", "allowed_groups", "admin_groups", "manage_groups", "auth_state_groups_key",
    },
}
# KubeSpawner traits the pre-spawn hook may set on a spawner.
SPAWNER_TRAITS = {
    "environment", "volumes", "volume_mounts", "notebook_dir", "cpu_guarantee", "cpu_limit", "mem_guarantee",
    "mem_limit",
}


@pytest.fixture(scope="module")
def values() -> dict:
    data = yaml.safe_load(VALUES_FILE.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def lookup(tree: dict, dotted: str, default=None):
    node = tree
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return default
        node = node[part]
    return node


def as_list(entries) -> list[dict]:
    """The chart accepts volumes/mounts as a list or (newer charts) a dict of named entries."""
    return list(entries.values()) if isinstance(entries, dict) else list(entries or [])


def cpu(value) -> float:
    text = str(value)
    return float(text[:-1]) / 1000 if text.endswith("m") else float(text)


_BYTES = {"": 1, "K": 10**3, "M": 10**6, "G": 10**9, "T": 10**12,
          "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40}


def nbytes(value) -> float:
    match = re.fullmatch(r"([0-9.]+)\s*([KMGT]i?)?", str(value))
    assert match, f"not a memory size: {value!r}"
    return float(match.group(1)) * _BYTES[match.group(2) or ""]


def one_server_default(var: str) -> str:
    """The default of ``os.environ.get(var, default)`` in deploy/jupyterhub_config.py."""
    for node in ast.walk(ast.parse(ONE_SERVER_CONFIG.read_text(encoding="utf-8"))):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get"
                and len(node.args) == 2 and isinstance(node.args[0], ast.Constant) and node.args[0].value == var):
            return ast.literal_eval(node.args[1])
    raise AssertionError(f"{var} not found in {ONE_SERVER_CONFIG}")


def load_nbgrader_file(source: str, tmp_path: Path, name: str) -> Config:
    path = tmp_path / name
    path.write_text(source, encoding="utf-8")
    return PyFileConfigLoader(name, path=str(tmp_path)).load_config()


# --- The file and its keys ---------------------------------------------------------------------------------
def test_keys_are_chart_keys(values):
    for top, sub in values.items():
        assert top in CHART_KEYS, f"unknown top-level key {top!r}"
        if CHART_KEYS[top] is None:
            continue
        assert isinstance(sub, dict), top
        unknown = set(sub) - CHART_KEYS[top]
        assert not unknown, f"unknown keys under {top}: {sorted(unknown)}"
    for dotted, allowed in DEEPER_KEYS.items():
        node = lookup(values, dotted)
        if node is not None:
            unknown = set(node) - allowed
            assert not unknown, f"unknown keys under {dotted}: {sorted(unknown)}"


def test_allow_list_catches_a_typo(values):
    broken = {**values, "singleuser": {**values["singleuser"], "storge": {}}}
    with pytest.raises(AssertionError, match="storge"):
        test_keys_are_chart_keys(broken)


def test_value_types(values):
    assert lookup(values, "hub.db.type") in HUB_DB_TYPES
    assert lookup(values, "scheduling.userPods.nodeAffinity.matchNodePurpose") in MATCH_NODE_PURPOSE
    assert isinstance(lookup(values, "hub.extraConfig"), dict), "extraConfig is a dict of named snippets"
    assert all(isinstance(src, str) for src in values["hub"]["extraConfig"].values())
    for key in ("concurrentSpawnLimit", "activeServerLimit"):
        assert isinstance(values["hub"][key], int)
    assert isinstance(lookup(values, "scheduling.userPlaceholder.replicas"), int)
    for key in ("timeout", "every"):
        assert isinstance(values["cull"][key], int)
    for key in ("singleuser.cpu.guarantee", "singleuser.cpu.limit"):
        assert isinstance(lookup(values, key), (int, float)), key
    for entries in (lookup(values, "singleuser.storage.extraVolumes"),
                    lookup(values, "singleuser.storage.extraVolumeMounts")):
        assert isinstance(entries, (list, dict))
    for name, spec in values["singleuser"]["extraFiles"].items():
        assert spec["mountPath"].startswith("/"), name
        assert ("stringData" in spec) != ("data" in spec), f"{name}: exactly one of stringData/data"


def test_hub_config_traits_exist(values):
    for cls, traits in values["hub"]["config"].items():
        assert cls in HUB_CONFIG_TRAITS, f"hub.config.{cls}: not a class we checked"
        unknown = set(traits) - HUB_CONFIG_TRAITS[cls]
        assert not unknown, f"hub.config.{cls}: unknown traits {sorted(unknown)}"
    groups = values["hub"]["config"]["JupyterHub"]["load_groups"]
    assert lookup(values, "custom.rapport.instructorGroup") in groups
    for role in values["hub"]["loadRoles"].values():
        assert set(role.get("groups", [])) <= set(groups)


# --- hub.extraConfig ---------------------------------------------------------------------------------------
def run_extra_config(values: dict, monkeypatch) -> Config:
    """Execute the snippets as the chart does: sorted by name, in a namespace with ``c`` and z2jh's helpers."""
    def get_config(key, default=None):
        return lookup(values, key, default)

    def set_config_if_not_none(cparent, name, key):
        value = get_config(key)
        if value is not None:
            setattr(cparent, name, value)

    z2jh = types.ModuleType("z2jh")
    z2jh.get_config = get_config
    z2jh.set_config_if_not_none = set_config_if_not_none
    monkeypatch.setitem(sys.modules, "z2jh", z2jh)
    c = Config()
    namespace = {"c": c, "get_config": get_config, "set_config_if_not_none": set_config_if_not_none,
                 "__name__": "jupyterhub_config"}
    for name, source in sorted(values["hub"]["extraConfig"].items()):
        exec(compile(source, f"hub.extraConfig.{name}", "exec"), namespace)
    return c


def test_extra_config_compiles(values):
    for name, source in values["hub"]["extraConfig"].items():
        compile(source, f"hub.extraConfig.{name}", "exec")


def test_extra_config_sets_the_hook(values, monkeypatch):
    c = run_extra_config(values, monkeypatch)
    assert callable(c.KubeSpawner.pre_spawn_hook)


class FakeSpawner:
    """Only the KubeSpawner traits the hook may touch, set as the chart's config would leave them."""

    def __init__(self, values: dict, groups: list[str], dict_form: bool):
        storage = values["singleuser"]["storage"]
        home = {"name": "volume-{username}", "persistentVolumeClaim": {"claimName": "claim-{username}"}}
        home_mount = {"name": "volume-{username}", "mountPath": storage["homeMountPath"]}
        volumes = [home, *as_list(storage["extraVolumes"])]
        mounts = [home_mount, *as_list(storage["extraVolumeMounts"])]
        if dict_form:
            volumes = {f"{i:02d}": v for i, v in enumerate(volumes)}
            mounts = {f"{i:02d}": m for i, m in enumerate(mounts)}
        object.__setattr__(self, "user", SimpleNamespace(name="u", groups=[SimpleNamespace(name=g) for g in groups]))
        self.environment = dict(values["singleuser"]["extraEnv"])
        self.volumes, self.volume_mounts = volumes, mounts
        self.notebook_dir = ""
        self.cpu_guarantee = cpu(values["singleuser"]["cpu"]["guarantee"])
        self.cpu_limit = cpu(values["singleuser"]["cpu"]["limit"])
        self.mem_guarantee = values["singleuser"]["memory"]["guarantee"]
        self.mem_limit = values["singleuser"]["memory"]["limit"]

    def __setattr__(self, name, value):
        assert name in SPAWNER_TRAITS, f"the hook sets {name!r}, not a KubeSpawner trait we checked"
        object.__setattr__(self, name, value)


def spawn(values, monkeypatch, groups, dict_form=False) -> FakeSpawner:
    hook = run_extra_config(values, monkeypatch).KubeSpawner.pre_spawn_hook
    spawner = FakeSpawner(values, groups, dict_form)
    result = hook(spawner)
    if asyncio.iscoroutine(result):
        asyncio.run(result)
    return spawner


@pytest.mark.parametrize("dict_form", [False, True], ids=["volumes-as-list", "volumes-as-dict"])
def test_instructor_gets_course_and_grader_resources(values, monkeypatch, dict_form):
    rapport = values["custom"]["rapport"]
    teacher = spawn(values, monkeypatch, [rapport["instructorGroup"]], dict_form)
    student = spawn(values, monkeypatch, ["students"], dict_form)

    assert teacher.environment["JUPYTER_CONFIG_PATH"] == f"{rapport['configDir']}/instructor"
    assert student.environment["JUPYTER_CONFIG_PATH"] == f"{rapport['configDir']}/student"
    assert teacher.environment["MPLBACKEND"] == "Agg"  # the hook adds to the environment, replaces nothing

    course_mounts = [m for m in as_list(teacher.volume_mounts) if m["mountPath"] == rapport["courseDir"]]
    assert len(course_mounts) == 1
    course_volume = {v["name"]: v for v in as_list(teacher.volumes)}[course_mounts[0]["name"]]
    assert course_volume["persistentVolumeClaim"]["claimName"] == rapport["courseClaim"]
    assert teacher.notebook_dir == rapport["courseDir"]
    assert type(teacher.volumes) is type(student.volumes)  # list stays list, dict stays dict

    assert not any(m["mountPath"] == rapport["courseDir"] for m in as_list(student.volume_mounts))
    assert student.notebook_dir == ""

    assert teacher.cpu_guarantee > student.cpu_guarantee and teacher.cpu_limit > student.cpu_limit
    assert nbytes(teacher.mem_limit) > nbytes(student.mem_limit)
    for pod in (teacher, student):
        assert pod.cpu_guarantee <= pod.cpu_limit
        assert nbytes(pod.mem_guarantee) <= nbytes(pod.mem_limit)
        declared = {v["name"] for v in as_list(pod.volumes)}
        for mount in as_list(pod.volume_mounts):
            assert mount["name"] in declared, f"mount {mount} names no declared volume"


# --- nbgrader: course id and exchange agree everywhere -----------------------------------------------------
def test_course_id_and_exchange_agree(values, tmp_path):
    grader = PyFileConfigLoader("grader_config.py", path=str(REPO)).load_config()
    assert grader.CourseDirectory.course_id == COURSE_ID
    assert one_server_default("RAPPORT_COURSE_ID") == COURSE_ID
    exchange = one_server_default("RAPPORT_EXCHANGE")
    rapport = values["custom"]["rapport"]
    assert rapport["courseId"] == COURSE_ID and rapport["exchange"] == exchange

    mounts = {m["name"]: m["mountPath"] for m in as_list(values["singleuser"]["storage"]["extraVolumeMounts"])}
    assert exchange in mounts.values()
    volumes = {v["name"]: v for v in as_list(values["singleuser"]["storage"]["extraVolumes"])}
    exchange_volume = volumes[next(name for name, path in mounts.items() if path == exchange)]
    assert "persistentVolumeClaim" in exchange_volume  # the shared ReadWriteMany claim, not a per-pod volume

    files = values["singleuser"]["extraFiles"]
    for role in ("student", "instructor"):
        [spec] = [f for f in files.values() if f["mountPath"] == f"{rapport['configDir']}/{role}/nbgrader_config.py"]
        cfg = load_nbgrader_file(spec["stringData"], tmp_path, f"{role}_nbgrader_config.py")
        assert cfg.CourseDirectory.course_id == COURSE_ID, role
        assert cfg.Exchange.root == exchange, role
    instructor = next(f for f in files.values() if f["mountPath"].endswith("/instructor/nbgrader_config.py"))
    assert f'load_subconfig("{rapport["courseDir"]}/grader_config.py")' in instructor["stringData"]


def test_instructor_file_loads_the_course_settings(values, tmp_path):
    """With the course folder in place, the instructor's file brings in grader_config.py's settings."""
    rapport = values["custom"]["rapport"]
    course = tmp_path / "course"
    course.mkdir()
    (course / "grader_config.py").write_text((REPO / "grader_config.py").read_text(encoding="utf-8"),
                                            encoding="utf-8")
    spec = next(f for f in values["singleuser"]["extraFiles"].values()
                if f["mountPath"].endswith("/instructor/nbgrader_config.py"))
    source = spec["stringData"].replace(f"{rapport['courseDir']}/grader_config.py", str(course / "grader_config.py"))
    cfg = load_nbgrader_file(source, tmp_path, "instructor_nbgrader_config.py")
    assert cfg.CourseDirectory.root == str(course)
    assert "rapportkit.nbgrader.sandbox.SandboxedExecute" in cfg.Autograde.autograde_preprocessors


def test_students_have_no_formgrader(values):
    rapport = values["custom"]["rapport"]
    [spec] = [f for f in values["singleuser"]["extraFiles"].values()
              if f["mountPath"] == f"{rapport['configDir']}/student/jupyter_server_config.json"]
    settings = json.loads(json.dumps(spec["data"]))
    assert settings["ServerApp"]["jpserver_extensions"]["nbgrader.server_extensions.formgrader"] is False
    assert not any("/etc/jupyter/" in f["mountPath"] for f in values["singleuser"]["extraFiles"].values()), (
        "JUPYTER_PLATFORM_DIRS=1 makes Jupyter skip /etc/jupyter")


# --- Volumes and resources ---------------------------------------------------------------------------------
def test_every_mount_names_a_declared_volume(values):
    storage = values["singleuser"]["storage"]
    declared = {v["name"] for v in as_list(storage["extraVolumes"])}
    for mount in as_list(storage["extraVolumeMounts"]):
        assert mount["name"] in declared, mount
    for container in values["singleuser"].get("initContainers") or []:
        for mount in container.get("volumeMounts", []):
            assert mount["name"] in declared, (container["name"], mount)


def test_requests_do_not_exceed_limits(values):
    single = values["singleuser"]
    assert cpu(single["cpu"]["guarantee"]) <= cpu(single["cpu"]["limit"])
    assert nbytes(single["memory"]["guarantee"]) <= nbytes(single["memory"]["limit"])
    grader = values["custom"]["rapport"]["grader"]
    assert cpu(grader["cpuGuarantee"]) <= cpu(grader["cpuLimit"])
    assert nbytes(grader["memGuarantee"]) <= nbytes(grader["memLimit"])
    assert cpu(grader["cpuGuarantee"]) > cpu(single["cpu"]["guarantee"])
    assert cpu(grader["cpuLimit"]) > cpu(single["cpu"]["limit"])
    for path in ("hub.resources", "proxy.chp.resources"):
        res = lookup(values, path) or {}
        requests, limits = res.get("requests", {}), res.get("limits", {})
        for kind in set(requests) & set(limits):
            measure = cpu if kind == "cpu" else nbytes
            assert measure(requests[kind]) <= measure(limits[kind]), (path, kind)


# --- LTI 1.3 login from the LMS (an overlay on the values file) --------------------------------------------
def merged(base: dict, overlay: dict) -> dict:
    """Helm's merge of two values files: mappings merge key by key, anything else is replaced."""
    out = dict(base)
    for key, value in overlay.items():
        out[key] = merged(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


def test_the_lti_overlay_uses_only_keys_and_traits_we_checked(values):
    overlay = yaml.safe_load(LTI_OVERLAY.read_text(encoding="utf-8"))
    both = merged(values, overlay)
    assert set(overlay) <= set(CHART_KEYS) and set(overlay["hub"]) <= CHART_KEYS["hub"]
    config = both["hub"]["config"]
    assert config["JupyterHub"]["authenticator_class"] == "ltiauthenticator.lti13.auth.LTI13Authenticator"
    for cls, traits in overlay["hub"]["config"].items():
        unknown = set(traits) - HUB_CONFIG_TRAITS[cls]
        assert not unknown, f"{LTI_OVERLAY.name}: hub.config.{cls}: unknown traits {sorted(unknown)}"
    lti = config["LTI13Authenticator"]
    assert isinstance(lti["client_id"], list) and lti["client_id"], "client_id is a set of ids: a YAML list"
    for key in ("issuer", "authorize_url", "jwks_endpoint"):
        assert lti[key].startswith("https://"), key
    # the rest of the course's settings (groups, the pre-spawn hook) are untouched by the overlay
    assert config["JupyterHub"]["load_groups"] == values["hub"]["config"]["JupyterHub"]["load_groups"]


# --- nbgitpuller links in the deployment docs ----------------------------------------------------------------
def test_each_nbgitpuller_link_in_the_docs_opens_a_notebook_the_course_has():
    text = (REPO / "docs" / "scaling.md").read_text(encoding="utf-8")
    links = re.findall(r"https://\S+/hub/user-redirect/git-pull\?\S+", text)
    assert links, "docs/scaling.md shows no nbgitpuller link"
    for link in links:
        query = parse_qs(urlsplit(link).query)
        assert {"repo", "branch", "urlpath"} <= set(query), link
        repo = query["repo"][0]
        clone = repo.rstrip("/").rsplit("/", 1)[-1].removesuffix(".git")
        prefix = f"lab/tree/{clone}/"
        urlpath = query["urlpath"][0]
        assert urlpath.startswith(prefix), f"{urlpath}: nbgitpuller clones {repo} into {clone}/"
        assert (REPO / urlpath.removeprefix(prefix)).is_file(), f"{urlpath}: no such notebook in the course"
