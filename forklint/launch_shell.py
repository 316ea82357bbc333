"""Turn one written command line into the commands it runs, with wrappers stripped.

No framework knowledge lives here: only the shell's grammar (as far as a launch line
needs it) and the programs that start another program without changing what runs
(`exec`, `env A=B`, `sh -c "..."`, `gosu user`, `tini --`, `uv run`, ...).
"""

from __future__ import annotations

import os
import re
import shlex
from dataclasses import dataclass, field
from typing import Mapping, Sequence

# Tokens that end one command and start the next.
_SEPARATORS = frozenset({"&&", "||", ";", "|", "&", ";;", "(", ")", "\n", "|&", ";&", ";;&"})
_REDIRECTIONS = frozenset({">", ">>", "<", "<<", "<<<", ">&", "<&", "&>", "&>>", ">|"})
# Shell words that may stand before a command without being it.
_KEYWORDS = frozenset({"if", "then", "else", "elif", "do", "while", "until", "!", "{", "time", "command", "builtin"})
# Words that start no process worth reading: the ends of blocks, and tests (`[ -n "$X" ] && ...`).
_TERMINATORS = frozenset(
    {"fi", "done", "esac", "}", "case", "for", "function", "[", "[[", "test", ":", "true", "false", "shift", "set",
     "echo", "printf", "cd", "source", "."}
)
_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
_PYTHON = re.compile(r"^python[0-9.]*$")


@dataclass(frozen=True)
class ShellCommand:
    """One command of a line: what runs (`argv`) and the environment set on the line."""

    argv: tuple[str, ...]
    env: Mapping[str, str] = field(default_factory=dict, hash=False)
    label: str | None = None  # the `case` pattern it sits under (`worker) exec ...`), if any


def split_words(text: str) -> list[str]:
    """Shell words and operators of `text`; an unterminated quote falls back to spaces."""
    lexer = shlex.shlex(text, posix=True, punctuation_chars=";&|()<>")
    lexer.whitespace_split = True
    lexer.commenters = "#"
    try:
        return list(lexer)
    except ValueError:
        # An unterminated quote: read what is there rather than lose the line.
        return text.split("#", 1)[0].split() if text.lstrip().startswith("#") else text.split()


def commands_in(text: str, env: Mapping[str, str] | None = None) -> list[ShellCommand]:
    """The commands one shell line runs (`a && b; c` gives three), wrappers stripped."""
    commands: list[ShellCommand] = []
    current: list[str] = []
    label: str | None = None
    words = split_words(text)
    index = 0
    while index < len(words):
        word = words[index]
        if word in _REDIRECTIONS:
            index += 2  # the operator and its target
            continue
        if word.isdigit() and index + 1 < len(words) and words[index + 1] in _REDIRECTIONS:
            index += 1  # the `2` of `2>&1`
            continue
        if word == ")" and current and (len(current) == 1 or current[0] == "case"):
            label = current[-1]  # a `case` pattern: `worker) exec celery ...`
            current = []
        elif word in _SEPARATORS:
            if current:
                commands.extend(_unwrapped(current, dict(env or {}), label))
            current = []
            if word.startswith(";;") or word == ";&":
                label = None  # the end of a `case` branch
        else:
            current.append(word)
        index += 1
    if current:
        commands.extend(_unwrapped(current, dict(env or {}), label))
    return commands


def exec_form(argv: Sequence[str], env: Mapping[str, str] | None = None) -> list[ShellCommand]:
    """The command an exec-form list runs (Dockerfile `["a", "b"]`, a YAML list)."""
    words = [str(word) for word in argv if word is not None]
    return _unwrapped(words, dict(env or {}), None) if words else []


def program_name(word: str) -> str:
    """`/usr/local/bin/celery` → `celery`; `./manage.py` → `manage.py`."""
    # A leading unresolved variable stands for a folder: `${BIN_DIR}celery` → `celery`.
    return re.sub(r"^\$\{[^}]*\}", "", os.path.basename(word.rstrip("/")))


def _unwrapped(words: list[str], env: dict[str, str], label: str | None) -> list[ShellCommand]:
    # Peel wrappers from the front until what is left is the program that runs.
    words = _expanded(words, env)
    if not words or words[0] in _TERMINATORS:
        return []
    while words:
        head = program_name(words[0])
        if words[0] in _KEYWORDS or head in ("exec", "nohup", "stdbuf"):
            words = _drop_options(words[1:], takes_value={"-a", "-i", "-o", "-e"})
        elif _ASSIGNMENT.match(words[0]):
            name, _, value = words[0].partition("=")
            env[name] = value
            words = words[1:]
        elif head == "export":
            for word in words[1:]:
                if _ASSIGNMENT.match(word):
                    name, _, value = word.partition("=")
                    env[name] = value
            return []
        elif head == "env":
            words = _drop_options(words[1:], takes_value={"-u", "--unset", "-C", "--chdir", "-S"})
        elif head in ("sh", "bash", "dash", "zsh", "ash") and "-c" in words[1:3]:
            inner = words[words.index("-c") + 1] if words.index("-c") + 1 < len(words) else ""
            return [ShellCommand(c.argv, {**env, **c.env}, c.label or label) for c in commands_in(inner)]
        elif head in ("gosu", "su-exec", "setuidgid", "chpst"):
            words = words[3:] if head == "chpst" else words[2:]  # the user, then the command
        elif head == "sudo":
            words = _drop_options(words[1:], takes_value={"-u", "-g", "-C", "-D"})
        elif head == "dumb-init":
            words = _drop_options(words[1:], takes_value={"-r", "--rewrite"})
        elif head in ("tini", "tini-static") or head.startswith("tini-"):
            words = _drop_options(words[1:], takes_value={"-p", "-e"})
        elif head == "newrelic-admin" and words[1:2] == ["run-program"]:
            words = words[2:]
        elif head in ("ddtrace-run", "opentelemetry-instrument", "scout-apm-run"):
            words = _drop_options(words[1:], takes_value=set())
        elif head == "watchmedo" and "--" in words:
            words = words[words.index("--") + 1 :]
        elif head in ("nice", "ionice", "timeout", "chrt", "taskset"):
            words = _drop_options(words[1:], takes_value={"-n", "-c", "-s", "-k", "--signal", "--kill-after"})
            if head in ("timeout", "chrt", "taskset") and words:
                words = words[1:]  # the duration / priority / mask
        elif head in ("uv", "poetry", "pipenv", "pdm", "hatch", "rye") and words[1:2] == ["run"]:
            takes_value = {"--with", "--python", "-p", "--env", "-e", "--package", "--extra"}
            words = _drop_options(words[2:], takes_value=takes_value)
        elif head == "uvx" or head == "pipx" and words[1:2] == ["run"]:
            words = _drop_options(words[1 if head == "uvx" else 2 :], takes_value={"--from", "--with", "--python"})
        else:
            break
    return [ShellCommand(tuple(words), env, label)] if words else []


_DEFAULTED = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*):?-([^}$]*)\}")
_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)")


def _expanded(words: list[str], env: Mapping[str, str]) -> list[str]:
    """Variables set on the line or in the service replaced: `$COMMAND` alone splits into words.

    Unknown variables stay as written (`$CONCURRENCY`): they are not known statically.
    """
    out: list[str] = []
    for word in words:
        # `${WORKERS:-4}`: the value when the line or service sets it, else the default.
        word = _DEFAULTED.sub(lambda m: env.get(m[1], m[2]), word)
        whole = _VARIABLE.fullmatch(word)
        name = whole and (whole[1] or whole[2])
        if name and name in env:
            out += split_words(env[name])  # an unquoted expansion is split into words
        else:
            out.append(_VARIABLE.sub(lambda m: env.get(m[1] or m[2], m[0]), word))
    return out


def expand(word: str, env: Mapping[str, str]) -> str:
    """`word` with the variables of `env` and `${X:-default}` defaults substituted."""
    word = _DEFAULTED.sub(lambda m: env.get(m[1], m[2]), word)
    return _VARIABLE.sub(lambda m: env.get(m[1] or m[2], m[0]), word)


def _drop_options(words: list[str], takes_value: set[str]) -> list[str]:
    # Skip a wrapper's own options (and `--`), stopping at the first word that is not one.
    index = 0
    while index < len(words):
        word = words[index]
        if word == "--":
            return words[index + 1 :]
        if _ASSIGNMENT.match(word):
            break
        if not word.startswith("-") or word == "-":
            break
        index += 2 if word in takes_value else 1
    return words[index:]


def is_python(word: str) -> bool:
    """Whether `word` names a Python interpreter (`python`, `/usr/bin/python3.11`)."""
    return bool(_PYTHON.match(program_name(word)))


@dataclass(frozen=True)
class PythonRun:
    """What a Python interpreter line runs: a module (`-m x`) or a script, and its arguments."""

    module: str | None
    script: str | None
    arguments: tuple[str, ...]


def python_run(argv: Sequence[str]) -> PythonRun | None:
    """`python -u -m celery -A x` → module celery; `python manage.py rqworker` → script
    manage.py; `./manage.py rqworker` (a script run by its shebang) → script ./manage.py.
    None for other programs and for `python -c`."""
    if not argv:
        return None
    if not is_python(argv[0]):
        return PythonRun(None, argv[0], tuple(argv[1:])) if argv[0].endswith(".py") else None
    index = 1
    while index < len(argv):
        word = argv[index]
        if word == "-m" and index + 1 < len(argv):
            return PythonRun(argv[index + 1].removesuffix(".__main__"), None, tuple(argv[index + 2 :]))
        if word.startswith("-m") and len(word) > 2:
            return PythonRun(word[2:], None, tuple(argv[index + 1 :]))
        if word == "-c":
            return None
        if word in ("-W", "-X"):
            index += 2
        elif word.startswith("-"):
            index += 1
        else:
            return PythonRun(None, word, tuple(argv[index + 1 :]))
    return None
