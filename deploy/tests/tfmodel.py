"""The deployment files as data: every .tf file under deploy/terraform parsed with
python-hcl2 into resources, data sources, module calls, locals and variables; the
Dockerfile split into instructions. Shared by the tests in this directory."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import hcl2
from hcl2.utils import SerializationOptions

ROOT = Path(__file__).resolve().parents[2]
TF_DIR = ROOT / "deploy" / "terraform"
DOCKERFILE = ROOT / "Dockerfile"
COMPOSE = ROOT / "compose.yaml"

SECRET_ENV_NAMES = {"SPORTS_API_KEY", "SPORTSGATE_ADMIN_TOKEN"}
CREDENTIAL_URL_NAMES = {"SPORTSGATE_REDIS_URL", "SPORTSGATE_DATABASE_URL"}
OPEN_CIDRS = {"0.0.0.0/0", "::/0"}
# Actions AWS only authorises on resource "*" (no resource-level permissions).
NO_RESOURCE_LEVEL_ACTIONS = {"ecr:GetAuthorizationToken", "ecs:RegisterTaskDefinition", "ecs:DescribeTaskDefinition"}
EXPECTED_MODULES = {
    "network",
    "ecr",
    "secrets",
    "security_groups",
    "alb",
    "ecs_service",
    "api_gateway",
    "monitoring",
    "data_stores",
    "kms",
    "ci_deploy_role",
}

_OPTIONS = SerializationOptions(strip_string_quotes=True, with_comments=False, explicit_blocks=False)
_LOCAL_REF = re.compile(r"\blocal\.([A-Za-z0-9_]+)")


# --------------------------------------------------------------------------- #
# Terraform model
# --------------------------------------------------------------------------- #


@dataclass(frozen=True)
class Block:
    kind: str  # resource type, data source type, or module name
    name: str
    body: dict
    module: str  # directory relative to deploy/terraform ("." for the root)
    path: Path

    @property
    def address(self) -> str:
        return f"{self.module}:{self.kind}.{self.name}"


class Config:
    def __init__(self, tf_dir: Path) -> None:
        self.files: list[Path] = []
        self.resources: list[Block] = []
        self.data: list[Block] = []
        self.module_calls: list[Block] = []
        self.locals: dict[str, dict[str, Any]] = {}
        self.variables: dict[str, dict[str, dict]] = {}
        self.outputs: dict[str, dict[str, dict]] = {}
        for path in sorted(tf_dir.rglob("*.tf")):
            if ".terraform" in path.parts:
                continue
            self.files.append(path)
            module = str(path.parent.relative_to(tf_dir))
            with path.open(encoding="utf-8") as fh:
                doc = hcl2.load(fh, serialization_options=_OPTIONS)
            for entry in doc.get("resource", []):
                for rtype, named in entry.items():
                    for rname, body in named.items():
                        self.resources.append(Block(rtype, rname, body, module, path))
            for entry in doc.get("data", []):
                for dtype, named in entry.items():
                    for dname, body in named.items():
                        self.data.append(Block(dtype, dname, body, module, path))
            for entry in doc.get("module", []):
                for mname, body in entry.items():
                    self.module_calls.append(Block("module", mname, body, module, path))
            for entry in doc.get("locals", []):
                self.locals.setdefault(module, {}).update(entry)
            for entry in doc.get("variable", []):
                for vname, body in entry.items():
                    self.variables.setdefault(module, {})[vname] = body
            for entry in doc.get("output", []):
                for oname, body in entry.items():
                    self.outputs.setdefault(module, {})[oname] = body

    def of_type(self, rtype: str) -> list[Block]:
        return [r for r in self.resources if r.kind == rtype]

    def data_of_type(self, dtype: str) -> list[Block]:
        return [d for d in self.data if d.kind == dtype]

    def module_call(self, name: str) -> Block:
        calls = [m for m in self.module_calls if m.module == "." and m.name == name]
        assert calls, f"root module does not call module {name!r}"
        return calls[0]

    def call_of(self, module: str) -> Block:
        """The root module's call of modules/<name>."""
        calls = [m for m in self.module_calls if m.module == "." and m.body.get("source") == f"./{module}"]
        assert len(calls) == 1, f"expected one call of {module}, found {[c.name for c in calls]}"
        return calls[0]

    def output(self, module: str, name: str) -> str:
        outputs = self.outputs.get(module, {})
        assert name in outputs, f"output {name} missing in {module}"
        return outputs[name]["value"]

    def local(self, module: str, name: str) -> Any:
        module_locals = self.locals.get(module, {})
        assert name in module_locals, f"local.{name} is not defined in {module}"
        return module_locals[name]

    def resolve(self, module: str, value: Any, depth: int = 0) -> Any:
        """Follow a bare `${local.x}` reference to its value (recursively)."""
        assert depth < 20, "local reference loop"
        if isinstance(value, str):
            m = re.fullmatch(r"\$\{local\.([A-Za-z0-9_]+)\}", value)
            if m:
                return self.resolve(module, self.local(module, m.group(1)), depth + 1)
        return value

    def entries(self, module: str, value: Any, depth: int = 0) -> Iterator[dict]:
        """Every {name=..., ...} object a list expression can produce.

        Handles literal lists of objects, `${local.x}` references and
        expressions such as concat(local.a, local.b) or conditionals with
        inline objects (`{name = "X", value = ...}`).
        """
        assert depth < 20, "local reference loop"
        value = self.resolve(module, value)
        if isinstance(value, list):
            for item in value:
                if isinstance(item, dict):
                    yield item
                else:
                    yield from self.entries(module, item, depth + 1)
        elif isinstance(value, dict):
            yield value
        elif isinstance(value, str):
            for inline in re.finditer(r"\{name = \\?\"([A-Za-z0-9_]+)\\?\", (value|valueFrom) = ([^}]*)\}", value):
                yield {"name": inline.group(1), inline.group(2): _inline_value(inline.group(3))}
            for ref in _LOCAL_REF.findall(value):
                yield from self.entries(module, self.local(module, ref), depth + 1)


def _inline_value(raw: str) -> str:
    """Normalise an attribute value found inside an HCL expression string:
    a quoted literal loses its quotes, a bare expression gets ${...} like the
    parser renders top-level expressions."""
    raw = raw.strip()
    quoted = re.fullmatch(r'\\?"(.*?)\\?"', raw)
    if quoted:
        return quoted.group(1)
    return "${" + raw + "}"


def as_list(value: Any) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def flatten_strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [s for v in value for s in flatten_strings(v)]
    if isinstance(value, dict):
        return [s for v in value.values() for s in flatten_strings(v)]
    return []


def container_definitions(tf: Config) -> list[tuple[Block, dict]]:
    taskdefs = tf.of_type("aws_ecs_task_definition")
    assert taskdefs, "no aws_ecs_task_definition found"
    found = []
    for td in taskdefs:
        raw = td.body.get("container_definitions")
        assert raw, f"{td.address} has no container_definitions"
        m = re.fullmatch(r"\$\{jsonencode\((local\.[A-Za-z0-9_]+)\)\}", raw)
        assert m, f"{td.address}: container_definitions must be jsonencode(local.<name>) so it can be inspected, got {raw!r}"
        defs = tf.resolve(td.module, "${" + m.group(1) + "}")
        assert isinstance(defs, list) and defs, f"{td.address}: container definitions are not a literal list"
        for cdef in defs:
            assert isinstance(cdef, dict)
            found.append((td, cdef))
    return found


def dockerfile_instructions() -> list[tuple[str, str]]:
    assert DOCKERFILE.is_file(), "Dockerfile missing"
    logical: list[str] = []
    buf = ""
    for line in DOCKERFILE.read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if not buf and (not stripped or stripped.startswith("#")):
            continue
        if buf and stripped.startswith("#"):
            continue  # comment lines inside a continued instruction
        if stripped.endswith("\\"):
            buf += stripped[:-1] + " "
            continue
        logical.append(buf + stripped)
        buf = ""
    assert not buf, "dangling line continuation"
    out = []
    for instr in logical:
        keyword, _, rest = instr.partition(" ")
        out.append((keyword.upper(), rest.strip()))
    return out


def final_stage() -> list[tuple[str, str]]:
    instructions = dockerfile_instructions()
    froms = [i for i, (kw, _) in enumerate(instructions) if kw == "FROM"]
    assert len(froms) >= 2, "expected a multi-stage build"
    return instructions[froms[-1] :]
