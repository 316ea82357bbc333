"""Find how a project's processes are started, outside Python too.

Launch files (Procfile, Dockerfile, compose, supervisord, systemd, Kubernetes/Helm,
entrypoint scripts, Makefiles) and the project's own console scripts, read into
`LaunchCommand`s: which file and line, and the command that runs there with its
wrappers stripped. No framework knowledge lives here; each framework adapter reads a command as
a worker of one runner.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field, replace
from fnmatch import fnmatch
from pathlib import Path
from typing import Callable, Collection, Iterator, Literal, Mapping, Sequence

import yaml

from . import entry_points
from .entry_points import CONSOLE_SCRIPTS, EntryPoint
from .launch_shell import ShellCommand, commands_in, exec_form, expand, is_python, program_name, python_run, split_words

LaunchSource = Literal[
    "procfile", "dockerfile", "compose", "supervisord", "systemd", "kubernetes", "shell", "makefile", "console-script",
    "docstring",  # a command line documented in a module's docstring: read only where no launch file says more
]

MAX_BYTES = 1_000_000
_SKIPPED_FOLDERS = frozenset(
    {".git", ".hg", ".svn", "node_modules", "__pycache__", ".tox", ".nox", ".venv", "venv", "site-packages",
     ".mypy_cache", ".pytest_cache", ".ruff_cache", "bower_components"}
)
# A template's extension hides the file's kind: `docker-compose.yml.j2`, `app.service.tmpl`.
_TEMPLATE_SUFFIXES = (".j2", ".jinja", ".jinja2", ".tmpl", ".tpl", ".template", ".example", ".sample", ".dist", ".in")

# Programs worth keeping from a shell script or a Makefile, where most lines are not
# launches. Dedicated launch files (Procfile, CMD, ExecStart, ...) keep every command.
WORKER_PROGRAMS = frozenset(
    {"supervisord", "rq", "rqworker", "celery", "huey_consumer", "huey_consumer.py", "dramatiq", "dramatiq-gevent",
     "gunicorn",
     "flask", "manage.py", "django-admin", "django-admin.py", "uwsgi", "arq"}
)


@dataclass(frozen=True)
class LaunchCommand:
    """One command a launch file runs, with the file and line it is written on.

    `argv` is what runs once wrappers that do not change it are stripped (`exec`,
    `env A=B`, `sh -c "..."`, `gosu`, `tini --`, `uv run`, ...); `python -m X` stays.
    `name` is the process's name where the file gives one: a Procfile process, a compose
    service, a supervisord program, a Makefile target, a Kubernetes container, a `case`
    branch of an entrypoint script, a console script. `target` is a console script's
    `module:function`.
    """

    path: str  # relative to the root, with `/`
    line: int  # 1-based
    source: LaunchSource
    argv: tuple[str, ...]
    env: Mapping[str, str] = field(default_factory=dict, hash=False)
    text: str = ""  # the command as written
    name: str | None = None
    target: str | None = None

    @property
    def where(self) -> str:
        """`Procfile:3`: the launch line, as `--format full` prints it."""
        return f"{self.path}:{self.line}"

    def to_json(self) -> dict[str, object]:
        """Plain data for `--format json`."""
        data: dict[str, object] = {
            "path": self.path,
            "line": self.line,
            "source": self.source,
            "argv": list(self.argv),
            "text": self.text,
        }
        data.update({k: v for k, v in (("name", self.name), ("target", self.target)) if v is not None})
        if self.env:
            data["env"] = dict(self.env)
        return data


_Reader = Callable[[str, str], list[LaunchCommand]]


def find_launch_commands(
    root: Path, *, programs: Collection[str] | None = None, max_bytes: int = MAX_BYTES
) -> list[LaunchCommand]:
    """Every launch command under `root`, sorted by path and line.

    Only files whose name looks like a launch file are read, none over `max_bytes`.
    From shell scripts and Makefiles only commands that run one of `programs` (default
    `WORKER_PROGRAMS`), a Python interpreter or one of the project's console scripts are kept.
    """
    found: list[LaunchCommand] = []
    scripts: list[tuple[str, str, _Reader]] = []
    for path, reader in _launch_files(root):
        text = _read(path, max_bytes)
        if text is None:
            continue
        relative = path.relative_to(root).as_posix()
        if reader in (read_shell_script, read_makefile):
            scripts.append((relative, text, reader))
            continue
        if reader is read_module_docstring:
            found.extend(c for c in reader(relative, text) if program_name(c.argv[0]) in WORKER_PROGRAMS)
            continue
        try:
            rooted = reader in (read_systemd, read_kubernetes, read_compose)
            found.extend(reader(relative, text, root) if rooted else reader(relative, text))  # type: ignore[call-arg]
        except Exception:  # noqa: BLE001 - a malformed launch file never stops a run
            continue
    keep = set(WORKER_PROGRAMS if programs is None else programs)
    keep |= {command.argv[0] for command in found if command.source == "console-script"}
    for relative, text, reader in scripts:
        try:
            commands = reader(relative, text)
        except Exception:  # noqa: BLE001
            continue
        found.extend(c for c in commands if program_name(c.argv[0]) in keep or is_python(c.argv[0]))
    return sorted(_with_script_targets(found), key=lambda c: (c.path, c.line, c.argv))


def _with_script_targets(commands: list[LaunchCommand]) -> list[LaunchCommand]:
    """A command that runs one of the project's console scripts gets its `module:function`."""
    targets = {c.argv[0]: c.target for c in commands if c.source == "console-script"}
    return [
        replace(c, target=targets[program_name(c.argv[0])])
        if c.source != "console-script" and program_name(c.argv[0]) in targets
        else c
        for c in commands
    ]


def project_script(root: Path, command: LaunchCommand) -> Path | None:
    """The project's Python file a command runs (`python bin/worker.py`, `./manage.py`), if found.

    Containers run scripts by paths of the image (`/app/manage.py`): the path is tried
    beside the launch file, then from the root with its leading folders dropped one by one.
    """
    run = python_run(command.argv)
    if run is None or run.script is None:
        return None
    found = _project_file(root, command, run.script)
    return root / found if found else None


def follow(
    root: Path, command: LaunchCommand, commands: Sequence[LaunchCommand], depth: int = 5
) -> list[LaunchCommand]:
    """What `command` ends up running, through the project's own launch files.

    `["/app/bin/docker-entrypoint", "worker"]` runs the `worker` branch (or function) of
    that script; `supervisord -c worker.conf` runs that file's programs. Each step is
    followed `depth` times at most; a command that leads nowhere further is its own end.
    """
    if depth <= 0 or not command.argv:
        return [command]
    by_path: dict[str, list[LaunchCommand]] = {}
    for other in commands:
        by_path.setdefault(other.path, []).append(other)
    if program_name(command.argv[0]) == "supervisord":
        words = list(command.argv)
        config = words[words.index("-c") + 1] if "-c" in words[:-1] else None
        found = _project_file(root, command, config) if config else None
        steps = [c for c in by_path.get(found or "", []) if c.source == "supervisord"]
    else:
        found = _project_file(root, command, command.argv[0])
        branch = command.argv[1] if len(command.argv) > 1 else None
        steps = [c for c in by_path.get(found or "", []) if c.source == "shell" and c.name == branch]
        if not steps and found and len(command.argv) > 1 and _passes_through(root / found):
            # `bin/start-stunnel python manage.py ...`: the wrapper ends in `exec "$@"`.
            return follow(root, replace(command, argv=command.argv[1:]), commands, depth - 1)
    if not steps:
        return [command]
    # What the container or service sets reaches the processes it starts, and wins over
    # what a script sets: entrypoints mostly give defaults (`export X=${X:-d}`).
    steps = [replace(step, env={**step.env, **command.env}) for step in steps if step != command]
    return [end for step in steps for end in follow(root, step, commands, depth - 1)]


_EXEC_ARGUMENTS = re.compile(r'^\s*exec\s+"?\$(@|\{@\})"?\s*$', re.MULTILINE)


def _passes_through(script: Path) -> bool:
    """A wrapper script that ends by running its own arguments (`exec "$@"`)."""
    text = _read(script, MAX_BYTES)
    return text is not None and bool(_EXEC_ARGUMENTS.search(text))


def _project_file(root: Path, command: LaunchCommand, written: str) -> str | None:
    """The root-relative path of a file a command names (`/app/bin/x`, `./x`), if in the project."""
    if "$" in written:
        return None
    parts = [p for p in written.split("/") if p not in ("", ".")]
    folder = (root / command.path).parent
    candidates = [folder.joinpath(*parts)] + [root.joinpath(*parts[i:]) for i in range(len(parts))]
    for candidate in candidates:
        if candidate.is_file():
            try:
                return candidate.relative_to(root).as_posix()
            except ValueError:
                return None
    return None


def _launch_files(root: Path) -> Iterator[tuple[Path, _Reader]]:
    """The files under `root` whose name says they are launch files, with their reader."""
    for folder, folders, files in os.walk(root):
        if "pyvenv.cfg" in files and folder != os.fspath(root):
            folders[:] = []  # a virtualenv under any name
            continue
        folders[:] = sorted(
            f for f in folders if f not in _SKIPPED_FOLDERS and "{{" not in f and not f.endswith(".egg-info")
        )
        for name in sorted(files):
            reader = _reader_for(name, folder)  # by name: no stat, no Path for the rest
            if reader is not None:
                yield Path(folder, name), reader


def _read(path: Path, max_bytes: int) -> str | None:
    try:
        with open(path, "rb") as file:
            if os.fstat(file.fileno()).st_size > max_bytes:
                return None
            return file.read().decode("utf-8", errors="replace")
    except OSError:
        return None


_DOCKERFILES = ("dockerfile", "containerfile")


def _reader_for(name: str, folder: str = "") -> _Reader | None:
    """The reader for a file, chosen by its name (and, for supervisord's `.ini`, its folder)."""
    for suffix in _TEMPLATE_SUFFIXES:
        if name.endswith(suffix) and name != suffix:
            name = name[: -len(suffix)]
            break
    lower = name.lower()
    if lower == "procfile" or lower.startswith(("procfile.", "procfile_", "procfile-")):
        return read_procfile
    if lower in _DOCKERFILES or lower.startswith(("dockerfile.", "containerfile.")) or lower.endswith(".dockerfile"):
        return read_dockerfile
    if fnmatch(lower, "docker-compose*.y*ml") or fnmatch(lower, "compose*.y*ml"):
        return read_compose
    if lower.endswith((".yaml", ".yml")):
        return read_kubernetes
    if lower.endswith(".service"):
        return read_systemd
    if "supervisor" in lower or lower.endswith(".conf") or (
        lower.endswith(".ini") and "supervisor" in folder.lower()
    ):
        return read_supervisord
    if lower in ("makefile", "gnumakefile") or lower.endswith(".mk"):
        return read_makefile
    if lower.endswith((".sh", ".bash")) or lower.startswith(("docker-entrypoint", "entrypoint")):
        return read_shell_script
    if lower == "pyproject.toml":
        return read_pyproject
    if lower == "setup.cfg":
        return read_setup_cfg
    if lower == "setup.py":
        return read_setup_py
    if lower.endswith(".py"):
        return read_module_docstring
    return None


def _commands(
    path: str, line: int, source: LaunchSource, found: list[ShellCommand], text: str, name: str | None = None
) -> list[LaunchCommand]:
    return [
        LaunchCommand(path, line, source, c.argv, dict(c.env), text.strip(), name if name is not None else c.label)
        for c in found
    ]


# --- Procfile ---------------------------------------------------------------------------


def read_procfile(path: str, text: str) -> list[LaunchCommand]:
    """`worker: rq worker high` lines; the process name is kept."""
    found: list[LaunchCommand] = []
    for number, line in enumerate(text.splitlines(), 1):
        match = re.match(r"^\s*([A-Za-z0-9_.-]+)\s*:\s*(.+)$", line)
        if match and not line.lstrip().startswith("#"):
            found += _commands(path, number, "procfile", commands_in(match[2]), match[2], match[1])
    return found


# --- Dockerfile -------------------------------------------------------------------------


def _logical_lines(text: str, continuation: str = "\\") -> Iterator[tuple[int, str]]:
    """Lines joined at a trailing `\\`, each with the number of its first line."""
    start, parts = 0, []
    for number, line in enumerate(text.splitlines(), 1):
        if parts and line.lstrip().startswith("#"):
            continue  # a comment inside a continued instruction
        if not parts:
            start = number
        stripped = line.rstrip()
        if stripped.endswith(continuation):
            parts.append(stripped[: -len(continuation)])
            continue
        parts.append(line)
        yield start, _joined(parts)
        parts = []
    if parts:
        yield start, _joined(parts)


def _joined(parts: list[str]) -> str:
    # The first line keeps its indent: a Makefile recipe is told by its leading tab.
    return " ".join([parts[0].rstrip(), *(part.strip() for part in parts[1:])])


def _json_list(text: str) -> list[str] | None:
    if not text.startswith("["):
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return [str(v) for v in value] if isinstance(value, list) else None


def read_dockerfile(path: str, text: str) -> list[LaunchCommand]:
    """`CMD` and `ENTRYPOINT` in exec or shell form; an exec-form ENTRYPOINT runs the CMD."""
    found: list[LaunchCommand] = []
    env: dict[str, str] = {}
    entrypoint: list[str] | None = None
    entrypoint_at: tuple[int, str] | None = None
    stage_has_cmd = False

    def flush_entrypoint() -> None:
        if entrypoint_at is not None and not stage_has_cmd:
            line, written = entrypoint_at
            commands = exec_form(entrypoint, env) if entrypoint is not None else commands_in(written, env)
            found.extend(_commands(path, line, "dockerfile", commands, written))

    for number, line in _logical_lines(text):
        match = re.match(r"^\s*([A-Za-z]+)\s+(.*)$", line)
        if not match or line.lstrip().startswith("#"):
            continue
        instruction, rest = match[1].upper(), match[2].strip()
        if instruction == "FROM":
            flush_entrypoint()
            env, entrypoint, entrypoint_at, stage_has_cmd = {}, None, None, False
        elif instruction == "ENV":
            env.update(_dockerfile_env(rest))
        elif instruction == "ENTRYPOINT":
            entrypoint, entrypoint_at, stage_has_cmd = _json_list(rest), (number, rest), False
        elif instruction == "CMD":
            stage_has_cmd = True
            argv = _json_list(rest)
            if argv is not None and entrypoint is not None:
                commands = exec_form(entrypoint + argv, env)
            elif argv is not None:
                commands = exec_form(argv, env)
            elif entrypoint_at is not None and entrypoint is None:
                commands = commands_in(entrypoint_at[1], env)  # a shell-form ENTRYPOINT ignores CMD
            else:
                commands = commands_in(rest, env)  # shell form runs under `/bin/sh -c`
                if entrypoint is not None:
                    commands = exec_form([*entrypoint, "/bin/sh", "-c", rest], env)
            found += _commands(path, number, "dockerfile", commands, rest)
    flush_entrypoint()
    return found


def _dockerfile_env(rest: str) -> dict[str, str]:
    words = split_words(rest)
    if words and "=" not in words[0]:
        return {words[0]: " ".join(words[1:])}  # the old `ENV NAME value` form
    return dict(word.partition("=")[::2] for word in words if "=" in word)


# --- YAML: compose and Kubernetes -------------------------------------------------------

_TEMPLATE_LINE = re.compile(r"^\s*\{\{-?.*-?\}\}\s*$")
_TEMPLATE_EXPRESSION = re.compile(r"\{\{.*?\}\}")
_TEMPLATE_BLOCK = re.compile(r"^\s*\{%.*%\}\s*$")


def _yaml_documents(text: str) -> list[yaml.Node]:
    """The documents' node trees (with line numbers); Helm/Jinja tags are blanked first."""
    if "{{" in text or "{%" in text:
        lines = []
        for line in text.splitlines():
            if _TEMPLATE_LINE.match(line) or _TEMPLATE_BLOCK.match(line):
                lines.append("")  # keep the numbering
            else:
                lines.append(_TEMPLATE_EXPRESSION.sub("TEMPLATE", line))
        text = "\n".join(lines)
    try:
        return [node for node in yaml.compose_all(text, Loader=_YAML_LOADER) if node is not None]
    except yaml.YAMLError:
        return []


# libyaml's loader when PyYAML was built with it: ~10x faster on big files, same nodes and marks.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _mapping(node: yaml.Node | None) -> dict[str, tuple[yaml.Node, yaml.Node]]:
    """A mapping node's entries by key: (key node, value node), with `<<: *defaults` merged."""
    if not isinstance(node, yaml.MappingNode):
        return {}
    entries: dict[str, tuple[yaml.Node, yaml.Node]] = {}
    for key, value in node.value:
        if isinstance(key, yaml.ScalarNode) and key.tag == "tag:yaml.org,2002:merge":
            merged = value.value if isinstance(value, yaml.SequenceNode) else [value]
            for source in merged:
                for name, entry in _mapping(source).items():
                    entries.setdefault(name, entry)  # the mapping's own keys win, wherever they stand
    own = {str(k.value): (k, v) for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value != "<<"}
    return {**entries, **own}


def _strings(node: yaml.Node | None) -> list[str] | None:
    if isinstance(node, yaml.SequenceNode):
        return [str(item.value) for item in node.value if isinstance(item, yaml.ScalarNode)]
    return None


def _yaml_env(node: yaml.Node | None) -> dict[str, str]:
    """compose `environment:` (a mapping or `A=B` items) and Kubernetes `env:` items."""
    env: dict[str, str] = {}
    if isinstance(node, yaml.MappingNode):
        for key, (_, value) in _mapping(node).items():
            env[key] = str(value.value) if isinstance(value, yaml.ScalarNode) else ""
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            if isinstance(item, yaml.ScalarNode):
                name, _, value = str(item.value).partition("=")
                env[name] = value
            else:
                entry = _mapping(item)
                if "name" in entry and "value" in entry:
                    env[str(entry["name"][1].value)] = str(getattr(entry["value"][1], "value", ""))
    return env


def read_compose(path: str, text: str, root: Path | None = None) -> list[LaunchCommand]:
    """Each service's `entrypoint:` + `command:`, strings or lists, with its `environment:`.

    A service built here (`build: .`) with a `command:` and no `entrypoint:` runs its
    command through the Dockerfile's ENTRYPOINT, which is put in front.
    """
    found: list[LaunchCommand] = []
    for document in _yaml_documents(text):
        services = _mapping(document).get("services")
        for name, (key, service) in _mapping(services[1] if services else None).items():
            entries = _mapping(service)
            env = _yaml_env(entries["environment"][1]) if "environment" in entries else {}
            prefix: list[str] = []
            if root is not None and "build" in entries and "command" in entries and "entrypoint" not in entries:
                prefix = _built_entrypoint(root / path, entries["build"][1])
            found += _container_commands(path, "compose", name, entries, env, prefix)
    return found


def _built_entrypoint(compose: Path, build: yaml.Node) -> list[str]:
    """The exec-form ENTRYPOINT of the Dockerfile a compose `build:` names, if any."""
    context, dockerfile = ".", "Dockerfile"
    if isinstance(build, yaml.ScalarNode):
        context = str(build.value)
    else:
        entries = _mapping(build)
        named = {k: str(v.value) for k, (_, v) in entries.items() if isinstance(v, yaml.ScalarNode)}
        context, dockerfile = named.get("context", context), named.get("dockerfile", dockerfile)
    if "://" in context or "$" in context + dockerfile:
        return []
    text = _read(compose.parent / context / dockerfile, MAX_BYTES)
    entrypoint: list[str] = []
    for _, line in _logical_lines(text or ""):
        match = re.match(r"^\s*(FROM|ENTRYPOINT)\s+(.*)$", line, re.IGNORECASE)
        if match and match[1].upper() == "FROM":
            entrypoint = []
        elif match:
            entrypoint = _json_list(match[2].strip()) or []  # a shell-form ENTRYPOINT: left out
    return entrypoint


def _container_commands(
    path: str,
    source: LaunchSource,
    name: str,
    entries: dict[str, tuple[yaml.Node, yaml.Node]],
    env: dict[str, str],
    prefix: Sequence[str] = (),
) -> list[LaunchCommand]:
    parts: list[str] = []
    written: list[str] = []
    line = 0
    for key in ("entrypoint", "command", "args") if source == "compose" else ("command", "args"):
        if key not in entries:
            continue
        key_node, value = entries[key]
        line = line or key_node.start_mark.line + 1
        listed = _strings(value)
        if listed is None and isinstance(value, yaml.ScalarNode) and value.value:
            if source == "compose":
                listed = _split_compose_string(str(value.value))
            else:
                listed = [str(value.value)]
        if listed:
            parts += listed
            written.append(str(value.value) if isinstance(value, yaml.ScalarNode) else json.dumps(listed))
    if not parts:
        return []
    parts = [part.replace("$$", "$") for part in parts] if source == "compose" else parts
    return _commands(path, line, source, exec_form([*prefix, *parts], env), " ".join(written), name)


def _split_compose_string(text: str) -> list[str]:
    # Compose splits a string command like a shell would, but runs no shell.
    return [w for w in split_words(text.replace("\n", " "))]


def read_kubernetes(path: str, text: str, root: Path | None = None) -> list[LaunchCommand]:
    """`command:`/`args:` of every container in Kubernetes or Helm manifests.

    A Helm template's `command: {{ toJson .Values.worker.command }}` is read from the
    chart's values.yaml.
    """
    if not _CONTAINERS.search(text):
        return []  # most YAML files (CI, OpenAPI, translations) are not manifests
    if root is not None and "/templates/" in f"/{path}" and ".Values." in text:
        text = _with_helm_values(text, root / path)
    documents = _yaml_documents(text)
    if not documents:
        return _kubernetes_by_lines(path, text)
    found: list[LaunchCommand] = []
    for document in documents:
        for container in _containers(document):
            entries = _mapping(container)
            named = entries.get("name")
            name = str(named[1].value) if named and isinstance(named[1], yaml.ScalarNode) else None
            env = _yaml_env(entries["env"][1]) if "env" in entries else {}
            found += _container_commands(path, "kubernetes", name or "", entries, env)
    return found


_CONTAINERS = re.compile(r"^\s*(?:containers|initContainers):", re.MULTILINE)
_HELM_COMMAND = re.compile(r"^(\s*-?\s*)(command|args):\s*(\{\{.*\}\})?\s*$")
_HELM_VALUE = re.compile(r"\.Values\.([A-Za-z0-9_.]+)")


def _with_helm_values(text: str, template: Path) -> str:
    """`command:` lines that name a list in values.yaml get that list, on the same line."""
    chart = template.parent
    while chart.name != "templates" and chart != chart.parent:
        chart = chart.parent
    values_text = _read(chart.parent / "values.yaml", MAX_BYTES)
    try:
        values = yaml.safe_load(values_text) if values_text else None
    except yaml.YAMLError:
        return text
    if not isinstance(values, dict):
        return text
    lines = text.splitlines()
    for index, line in enumerate(lines):
        match = _HELM_COMMAND.match(line)
        if not match:
            continue
        expression, at = match[3], index
        if expression is None and index + 1 < len(lines) and lines[index + 1].strip().startswith("{{"):
            expression, at = lines[index + 1].strip(), index + 1  # `command:` then `{{- toYaml ... | nindent }}`
        reference = _HELM_VALUE.search(expression or "")
        if reference is None:
            continue
        value: object = values
        for key in reference[1].split("."):
            value = value.get(key) if isinstance(value, dict) else None
        if isinstance(value, list) and all(isinstance(v, (str, int, float)) for v in value):
            lines[index] = f"{match[1]}{match[2]}: {json.dumps([str(v) for v in value])}"
            if at != index:
                lines[at] = ""
    return "\n".join(lines)


def _containers(node: yaml.Node) -> Iterator[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if getattr(key, "value", None) in ("containers", "initContainers") and isinstance(value, yaml.SequenceNode):
                yield from value.value
            else:
                yield from _containers(value)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            yield from _containers(item)


def _kubernetes_by_lines(path: str, text: str) -> list[LaunchCommand]:
    """A template YAML cannot read: `command:`/`args:` with flow lists or `- item` lines."""
    found: list[LaunchCommand] = []
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        match = re.match(r"^(\s*)-?\s*command:\s*(.*)$", lines[index])
        if not match:
            index += 1
            continue
        start, indent = index + 1, len(match[1])
        parts = _flow_or_block(lines, index, match[2])
        index += 1
        # `args:` beside `command:` in the same container
        for look in range(index, min(index + 40, len(lines))):
            args = re.match(r"^(\s*)args:\s*(.*)$", lines[look])
            if args and len(args[1]) <= indent + 2:
                parts += _flow_or_block(lines, look, args[2])
                break
            if re.match(r"^\s*-?\s*command:", lines[look]):
                break
        if parts:
            found += _commands(path, start, "kubernetes", exec_form(parts), " ".join(parts))
    return found


def _flow_or_block(lines: list[str], index: int, inline: str) -> list[str]:
    inline = inline.strip()
    if inline.startswith("["):
        try:
            value = yaml.safe_load(_TEMPLATE_EXPRESSION.sub("TEMPLATE", inline))
            return [str(v) for v in value] if isinstance(value, list) else []
        except yaml.YAMLError:
            return [w.strip(" \"'") for w in inline.strip("[]").split(",") if w.strip()]
    if inline:
        return [inline.strip("\"'")]
    items = []
    for line in lines[index + 1 :]:
        item = re.match(r"^\s*-\s+(.*)$", line)
        if not item:
            break
        items.append(item[1].strip().strip("\"'"))
    return items


# --- supervisord and systemd ------------------------------------------------------------


def _ini_sections(text: str) -> Iterator[tuple[str, dict[str, tuple[int, str]]]]:
    """`[section]`s with their `key = value` entries (continuations joined) and lines."""
    section, entries, last = "", {}, None
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if not stripped or stripped.startswith(("#", ";")):
            continue
        continued = last is not None and entries[last][1].endswith("\\")
        if last is not None and (line[:1].isspace() or continued):
            at, value = entries[last]
            value = value.removesuffix("\\").rstrip()
            entries[last] = (at, f"{value} {stripped}")
            continue
        header = re.match(r"^\[(.+)\]$", stripped)
        if header:
            yield section, entries
            section, entries, last = header[1].strip(), {}, None
            continue
        key, sep, value = stripped.partition("=")
        if sep:
            last = key.strip()
            if last in entries and last.startswith("Exec"):
                last = f"{last}#{number}"  # systemd allows several ExecStart= lines
            entries[last] = (number, value.strip())
    yield section, entries


_SUPERVISOR_ENVIRONMENT = re.compile(r'''([A-Za-z_][A-Za-z0-9_]*)\s*=\s*("[^"]*"|'[^']*'|[^,]*)''')


def _untemplated(text: str) -> str:
    """Jinja/Django tags out of a templated ini file: `{{ x }}` → TEMPLATE, `{% ... %}` → ``."""
    if "{{" not in text and "{%" not in text:
        return text
    return _TEMPLATE_EXPRESSION.sub("TEMPLATE", re.sub(r"\{%.*?%\}", "", text))


def _supervisor_expand(text: str, program: str) -> str:
    text = re.sub(r"%\(ENV_([A-Za-z0-9_]+)\)s", r"${\1}", text)
    text = text.replace("%(program_name)s", program)
    text = re.sub(r"%\((process_num|group_name|host_node_name|here)\)[0-9]*[sd]", "0", text)
    return text.replace("%%", "%")


def read_supervisord(path: str, text: str) -> list[LaunchCommand]:
    """`command=` of each `[program:x]`, with its `environment=`."""
    if "[program:" not in text:
        return []
    found: list[LaunchCommand] = []
    for section, entries in _ini_sections(_untemplated(text)):
        if not section.startswith("program:") or "command" not in entries:
            continue
        program = section.partition(":")[2].strip()
        line, command = entries["command"]
        env: dict[str, str] = {}
        if "environment" in entries:
            for item in _SUPERVISOR_ENVIRONMENT.findall(entries["environment"][1]):
                env[item[0]] = _supervisor_expand(item[1].strip("\"'"), program)
        expanded = _supervisor_expand(command, program)
        found += _commands(path, line, "supervisord", commands_in(expanded, env), command, program)
    return found


def read_systemd(path: str, text: str, root: Path | None = None) -> list[LaunchCommand]:
    """`ExecStart=` of a unit's `[Service]`, with its `Environment=`.

    An `EnvironmentFile=/etc/default/x` is looked for beside the unit (`x`, `x.conf`,
    `x.env`), where example deployments keep it.
    """
    found: list[LaunchCommand] = []
    unit = path.rsplit("/", 1)[-1].split(".service")[0]
    for section, entries in _ini_sections(_untemplated(text)):
        if section != "Service":
            continue
        env: dict[str, str] = {}
        for key, (_, value) in entries.items():
            if key.split("#")[0] == "EnvironmentFile" and root is not None:
                env.update(_environment_file(root / path, value.lstrip("-")))
        for key, (_, value) in entries.items():
            if key.split("#")[0] == "Environment":
                env.update(w.partition("=")[::2] for w in split_words(value) if "=" in w)
        for key, (line, value) in entries.items():
            if key.split("#")[0] != "ExecStart" or not value:
                continue
            command = value.lstrip("-@:+!")  # systemd's prefixes: ignore failure, argv0, privileges
            found += _commands(path, line, "systemd", commands_in(command, env), value, unit)
    return found


def _environment_file(unit: Path, written: str) -> dict[str, str]:
    name = written.rsplit("/", 1)[-1]
    for candidate in (name, f"{name}.conf", f"{name}.env"):
        path = unit.parent / candidate
        if path == unit or not path.is_file():
            continue
        text = _read(path, MAX_BYTES)
        env: dict[str, str] = {}
        for _, line in _logical_lines(text or ""):
            words = split_words(line)
            if len(words) == 1 and "=" in words[0]:
                key, _, value = words[0].partition("=")
                env[key.strip()] = value
        return env
    return {}


# --- shell scripts and Makefiles --------------------------------------------------------

_ARGUMENT_TEST = re.compile(r"""^(?:el)?if\s+\[\[?\s*["']?\$\{?1\}?["']?\s*==?\s*["']?([\w.:-]+)["']?\s*\]""")
_FUNCTION = re.compile(r"^(?:function\s+([A-Za-z_][\w.-]*)\s*(?:\(\s*\))?|([A-Za-z_][\w.-]*)\s*\(\s*\))\s*\{?(.*)$")
_CASE_LABEL = re.compile(r"""^\s*\(?\s*(["']?[^\s()"'|]+["']?(?:\s*\|\s*["']?[^\s()"'|]+["']?)*)\s*\)\s*(.*)$""")


def read_shell_script(path: str, text: str) -> list[LaunchCommand]:
    """Every command of a script, named by the `case` branch (`worker) exec ...`) or the
    function (`worker() { ... }`) it sits in."""
    found: list[LaunchCommand] = []
    env: dict[str, str] = {}
    label: str | None = None
    function: str | None = None
    local: dict[str, str] = {}  # what a function sets is read only within it
    in_case = 0
    for number, line in _logical_lines(text):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        definition = _FUNCTION.match(stripped)
        if definition:
            function, stripped = definition[1] or definition[2], definition[3].strip()
            if not stripped:
                continue
        if stripped == "}" and not line[:1].isspace():
            function, local = None, {}
            continue
        if re.match(r"^case\b", stripped):
            in_case += 1
        if stripped.startswith("esac"):
            in_case, label = max(0, in_case - 1), None
            continue
        test = _ARGUMENT_TEST.match(stripped)
        if test:
            label = test[1]  # `if [ "$1" = "worker" ]; then exec celery ...`
        elif re.match(r"^(fi|else)\b", stripped):
            label = None
        match = _CASE_LABEL.match(stripped) if in_case else None
        if match and not stripped.startswith("case"):
            label = match[1].split("|")[0].strip().strip("\"'")
            stripped = match[2]
        for command in commands_in(stripped, {**env, **local}):
            if command.argv and command.argv[0] == "export":
                continue
            found.append(
                LaunchCommand(
                    path,
                    number,
                    "shell",
                    command.argv,
                    dict(command.env),
                    line.strip(),
                    command.label or label or function,
                )
            )
        export = re.match(r"^export\s+([A-Za-z_][A-Za-z0-9_]*)=(\S*)", stripped) or re.match(
            r"^([A-Za-z_][A-Za-z0-9_]*)=(\S*)$", stripped
        )
        if export:
            (local if function else env)[export[1]] = expand(export[2].strip("\"'"), {**env, **local})
        if ";;" in stripped:
            label = None
    return found


def read_makefile(path: str, text: str) -> list[LaunchCommand]:
    """The recipe lines of each target, with the target as their name."""
    found: list[LaunchCommand] = []
    target: str | None = None
    variables: dict[str, str] = {}

    def expand(match: re.Match[str]) -> str:
        return variables.get(match[1] or match[2], match[0])

    for number, line in _logical_lines(text):
        if line.startswith("\t"):
            if target is None:
                continue
            recipe = line.strip().lstrip("@-+")
            recipe = _MAKE_VARIABLE.sub(expand, recipe).replace("$$", "$")
            found += _commands(path, number, "makefile", commands_in(recipe), line.strip(), target)
            continue
        assignment = re.match(r"^(?:export\s+|override\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*[:?+!]?=\s*(.*)$", line)
        match = re.match(r"^([A-Za-z0-9_./%-]+)\s*:(?!=)", line)
        if assignment:
            variables[assignment[1]] = assignment[2].strip()
        elif match:
            target = match[1]
        elif line.strip() and not line.startswith("#"):
            target = None
    return found


_MAKE_VARIABLE = re.compile(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)|\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


# --- module docstrings ------------------------------------------------------------------

# The module's docstring: after comments and blank lines, the first string literal.
_DOCSTRING = re.compile(r'\A(?:[ \t]*(?:#[^\n]*)?\n)*[ \t]*[rRuU]?("""|\'\'\')(.*?)\1', re.DOTALL)


def read_module_docstring(path: str, text: str) -> list[LaunchCommand]:
    """Command lines a module's docstring documents for starting that very module: a
    worker class or app defined there (`rq worker -w pkg.job_worker.W` in
    pkg/job_worker.py, `celery -A pkg.celery worker` in pkg/celery.py). Lower confidence
    than a launch file: what the docs say to run, not what a deployment runs."""
    match = _DOCSTRING.match(text)
    if match is None:
        return []
    module = path.removesuffix(".py").removesuffix("/__init__").replace("/", ".")
    first_line = text.count("\n", 0, match.start(2)) + 1
    found: list[LaunchCommand] = []
    for number, line in _logical_lines(match.group(2)):
        offset = number - 1
        words = line.split()
        # Prose may lead in: "run the following command: celery -A pkg.celery worker".
        start = next((i for i, word in enumerate(words) if program_name(word) in WORKER_PROGRAMS), 0)
        words = words[start:]
        written = " ".join(words).removeprefix("$ ")
        if not any(_names_module(word, module, after) for after, word in zip(["", *words], words)):
            continue
        found += _commands(path, first_line + offset, "docstring", commands_in(written), written)
    return found


def _names_module(word: str, module: str, after: str) -> bool:
    """`pkg.job_worker.W`, `--app=pkg.celery:app` name the module at path `src/pkg/job_worker.py`
    (a dotted tail of two parts or more: the root may hold the package in a folder). A
    one-part name (`tasks.py`) counts only as an option's value (`-A tasks`), never as a
    bare word (the `worker` of `celery -A proj worker` does not name worker.py)."""
    if word.startswith("-"):
        word, after = word.partition("=")[2], word
    parts = module.split(".")
    tails = {".".join(parts[i:]) for i in range(max(len(parts) - 1, 1))}
    exact = len(parts) > 1 or after.startswith("-")
    return any((exact and word == tail) or word.startswith((f"{tail}.", f"{tail}:")) for tail in tails)


# --- console scripts --------------------------------------------------------------------


def _console_script(path: str, line: int, name: str, target: str) -> LaunchCommand:
    target = target.split("[", 1)[0].strip()  # `pkg.cli:main [extra]`
    return LaunchCommand(path, line, "console-script", (name,), {}, f"{name} = {target}", name, target)


def _console_scripts(path: str, entries: list[EntryPoint]) -> list[LaunchCommand]:
    return [_console_script(path, e.line, e.name, e.target) for e in entries if e.group == CONSOLE_SCRIPTS]


def read_pyproject(path: str, text: str) -> list[LaunchCommand]:
    """`[project.scripts]` and `[tool.poetry.scripts]`."""
    return _console_scripts(path, entry_points.read_pyproject(text))


def read_setup_cfg(path: str, text: str) -> list[LaunchCommand]:
    """`console_scripts =` under `[options.entry_points]`."""
    return _console_scripts(path, entry_points.read_setup_cfg(text))


def read_setup_py(path: str, text: str) -> list[LaunchCommand]:
    """`entry_points={"console_scripts": [...]}` in a `setup(...)` call, read, never run."""
    return _console_scripts(path, entry_points.read_setup_py(text))
