"""Property-based tests of `--fix`: generated RQ job modules with hoistable constructions.

Hypothesis writes modules with RQ jobs (`from rq.decorators import job` + `@job("q")`)
that build a regex (`re.compile`, `re.search`, `re.sub(..., flags=...)`) or a Jinja
template (`jinja2.Template("...")`) in varied places: the job's body, a nested
function, a module-level helper, a `@classmethod`, a job that is itself a classmethod,
`async def`, positional-only / keyword-only / star parameters, extra decorators,
comments and blank lines around, module-level names that clash with the constants
the fix would pick, flags bound before or after the job, and function-level
third-party imports (`import requests`).

The fix is applied in-process the way the CLI does it (`lint_paths` + `fix_loop`), and:

- the fixed module compiles;
- a second fix changes nothing;
- it binds the same top-level names as before plus the hoisted constants (and the
  imports moved to the top);
- forklint reports no FRK102/FRK103 on it afterwards;
- every job returns what it returned before the fix.
"""

from __future__ import annotations

import ast
import asyncio
import re
import sys
import types
from dataclasses import dataclass
from pathlib import Path

import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from forklint.engine import lint_paths  # noqa: E402
from forklint.fix import fix_loop  # noqa: E402
from forklint.sources import Sources  # noqa: E402

PATTERNS = [r"\s+", r"^\d+$", r"[a-z]+", r"(?P<word>\w+)", r"a|b|c", r",\s*", r"https?://\S+"]
TEMPLATES = ["Hello {{ name }}!", "{% for c in name %}{{ c }}{% endfor %}", "<b>{{ name|upper }}</b>"]
JOB_NAMES = ["process", "scrub", "render", "send_job", "handle_item", "run", "clean"]
SAMPLES = ["", "abc", "  a b\tc  ", "123", "x, y,z", "http://e.org/p q", "a|b"]


@st.composite
def constructions(draw: st.DrawFn, v: str, flags_name: str) -> str:
    """An expression using the variable `v` that builds a regex or template each call."""
    kind = draw(st.sampled_from(["compile", "search", "sub", "sub-flags-name", "template", "match-positional-flags"]))
    pattern = draw(st.sampled_from(PATTERNS))
    quote = draw(st.sampled_from(['r"{}"', "r'{}'", 'r"""{}"""']))
    pat = quote.format(pattern)
    if kind == "compile":
        return f"re.compile({pat}).findall({v})"
    if kind == "search":
        return f"bool(re.search({pat}, {v}))"
    if kind == "sub":
        return f're.sub({pat}, "-", {v}, flags=re.I)'
    if kind == "sub-flags-name":
        return f're.sub({pat}, "-", {v}, flags={flags_name})'
    if kind == "match-positional-flags":
        return f"bool(re.match({pat}, {v}, re.M))"
    template = draw(st.sampled_from(TEMPLATES))
    return f'jinja2.Template("{template}").render(name={v})'


@dataclass
class JobSpec:
    name: str
    source: str
    call: str  # an expression calling the job with `arg`
    is_async: bool


def _comment(draw: st.DrawFn, indent: str) -> str:
    return draw(st.sampled_from(["", f"{indent}# build it\n", f"\n{indent}# a comment\n\n"]))


@st.composite
def jobs(draw: st.DrawFn, name: str, index: int, flags_name: str) -> JobSpec:
    context = draw(st.sampled_from(["direct", "nested", "helper", "classmethod", "job-classmethod"]))
    is_async = context != "job-classmethod" and draw(st.booleans())
    params = draw(st.sampled_from(["x", "x, /, y=1", "x, *, y=1", "x, /, y=1, *, z=2", "*args, **kwargs"]))
    if context == "job-classmethod" and params == "*args, **kwargs":
        params = "x"
    extra_decorator = draw(st.sampled_from(["", "above", "below"]))
    imports_requests = draw(st.booleans())
    trailing = draw(st.sampled_from(["", "  # a trailing comment"]))
    base = "    " * (2 if context == "job-classmethod" else 1)
    body = ""
    if params == "*args, **kwargs":
        body += f"{base}x = args[0] if args else ''\n"
    if imports_requests:
        body += f"{base}import requests\n{base}assert requests.__name__\n"
    before = ""
    if context in ("direct", "job-classmethod"):
        expr = draw(constructions("x", flags_name))
        body += _comment(draw, base) + f"{base}result = {expr}{trailing}\n"
    elif context == "nested":
        expr = draw(constructions("value", flags_name))
        inner = base + "    "
        body += f"{base}def inner(value):\n" + _comment(draw, inner) + f"{inner}return {expr}{trailing}\n\n"
        body += f"{base}result = inner(x)\n"
    elif context == "helper":
        expr = draw(constructions("value", flags_name))
        before = f"def helper_{index}(value):\n" + _comment(draw, "    ") + f"    return {expr}{trailing}\n\n\n"
        body += f"{base}result = helper_{index}(x)\n"
    else:  # classmethod helper
        expr = draw(constructions("value", flags_name))
        before = (f"class Helper{index}:\n    @classmethod\n    def clean(cls, value):\n"
                  + _comment(draw, "        ") + f"        return {expr}{trailing}\n\n\n")
        body += f"{base}result = Helper{index}.clean(x)\n"
    body += f"{base}return str(result)\n"
    decorators = [f'@job("q")']
    if extra_decorator == "above":
        decorators.insert(0, "@traced")
    elif extra_decorator == "below":
        decorators.append("@traced")
    keyword = "async def" if is_async else "def"
    if context == "job-classmethod":
        decorators = ["    @classmethod"] + ["    " + d for d in decorators]
        source = (f"class Jobs{index}:\n" + "\n".join(decorators)
                  + f"\n    {keyword} {name}(cls, {params}):\n" + body)
        call = f"Jobs{index}.{name}(arg)"
    else:
        source = "\n".join(decorators) + f"\n{keyword} {name}({params}):\n" + body
        call = f"{name}(arg)"
    blank = draw(st.sampled_from(["\n\n", "\n\n\n"]))
    return JobSpec(name, before + source + blank, call, is_async)


@st.composite
def modules(draw: st.DrawFn) -> tuple[str, list[JobSpec]]:
    names = draw(st.lists(st.sampled_from(JOB_NAMES), min_size=1, max_size=3, unique=True))
    flags_name = draw(st.sampled_from(["FLAGS", "JOB_PATTERN", "RE_FLAGS"]))
    flags_where = draw(st.sampled_from(["before", "after"]))
    specs = [draw(jobs(name, i, flags_name)) for i, name in enumerate(names)]
    # Module-level names the generated constants would like to take.
    clashes = draw(st.lists(
        st.sampled_from([f"{n.upper()}_{k}" for n in names for k in ("PATTERN", "PATTERN_2", "TEMPLATE", "INNER_PATTERN")]
                        + ["JOB_PATTERN", "HELPER_0_PATTERN", "HELPER0_CLEAN_PATTERN"]),
        max_size=3, unique=True,
    ))
    clashes = [c for c in clashes if c != flags_name]
    head = '"""Generated jobs."""\n'
    if draw(st.booleans()):
        head += "from __future__ import annotations\n"
    head += "\nimport re\n\nimport jinja2\nfrom rq.decorators import job\n\n"
    head += "".join(f"{c} = {i + 1}\n" for i, c in enumerate(clashes))
    flags = f"{flags_name} = re.I | re.M\n"
    head += ("\n" + flags) if flags_where == "before" else ""
    head += "\n\ndef traced(fn):\n    return fn\n\n\n"
    tail = ("\n" + flags) if flags_where == "after" else ""
    return head + "".join(s.source for s in specs) + tail, specs


def _fix(project: Path) -> dict[Path, bytes]:
    """`forklint --fix --unsafe-fixes` in-process: the fixed files' new content."""
    outcome = fix_loop(
        lambda overlay: lint_paths([project], {}, sources=Sources(overlay), use_cache=False).diagnostics,
        unsafe=True,
    )
    assert outcome.converged
    return {path: after for path, (_, after) in outcome.changed.items()}


def _top_level_names(source: str) -> dict[str, ast.stmt]:
    names: dict[str, ast.stmt] = {}
    for stmt in ast.parse(source).body:
        for node in ast.walk(stmt) if isinstance(stmt, (ast.If, ast.Try)) else [stmt]:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names[node.name] = stmt
            elif isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        names[target.id] = stmt
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                for alias in node.names:
                    names[(alias.asname or alias.name).split(".")[0]] = stmt
    return names


def _signatures(source: str) -> dict[str, str]:
    return {
        node.name: ast.dump(node.args) + str([ast.dump(d) for d in node.decorator_list])
        for node in ast.walk(ast.parse(source))
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
    }


def _results(source: str, specs: list[JobSpec]) -> list[object]:
    """Each job's return value on each sample (rq's decorator stubbed: it needs Redis)."""
    stub = types.ModuleType("rq.decorators")
    stub.job = lambda *args, **kwargs: (lambda fn: fn)  # type: ignore[attr-defined]
    saved = sys.modules.get("rq.decorators")
    sys.modules["rq.decorators"] = stub
    try:
        namespace: dict[str, object] = {"__name__": "generated_jobs"}
        exec(compile(source, "generated_jobs.py", "exec"), namespace)
    finally:
        if saved is None:
            sys.modules.pop("rq.decorators", None)
        else:
            sys.modules["rq.decorators"] = saved
    out = []
    for spec in specs:
        for arg in SAMPLES:
            value = eval(spec.call, namespace, {"arg": arg})
            out.append(asyncio.run(value) if spec.is_async else value)
    return out


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(modules())
def test_fix_properties(tmp_path_factory: pytest.TempPathFactory, generated: tuple[str, list[JobSpec]]) -> None:
    source, specs = generated
    project = tmp_path_factory.mktemp("gen")
    # Generated patterns are cheap; the properties are about the fix, so report them all.
    (project / "pyproject.toml").write_text('[project]\nname = "gen"\n\n[tool.forklint]\nmin-cost-ms = 0\n')
    module = project / "generated_jobs.py"
    module.write_text(source)
    compile(source, "generated_jobs.py", "exec")  # the generator writes valid Python

    found = lint_paths([project], {}, use_cache=False).diagnostics
    hoistable = [d for d in found if d.code in ("FRK102", "FRK103")]
    assert hoistable, f"nothing to hoist found in:\n{source}"

    changed = _fix(project)
    fixed = changed.get(module.resolve(), source.encode()).decode()
    assert fixed != source
    compile(fixed, "generated_jobs.py", "exec", dont_inherit=True)
    module.write_text(fixed)

    # Idempotent: a second fix finds nothing more to do.
    assert _fix(project) == {}, f"second fix changed:\n{fixed}"

    # Same top-level names, plus the hoisted constants and the imports moved up.
    before, after = _top_level_names(source), _top_level_names(fixed)
    assert set(before) <= set(after), (sorted(set(before) - set(after)), fixed)
    for name in set(after) - set(before):
        stmt = after[name]
        if isinstance(stmt, (ast.Import, ast.ImportFrom)):
            assert name == "requests", fixed
            continue
        assert isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Call), ast.dump(stmt)
        func = ast.unparse(stmt.value.func)
        assert func in ("re.compile", "jinja2.Template"), (name, func, fixed)
        assert re.fullmatch(r"[A-Z_][A-Z0-9_]*", name), name
    # Hoisting never renames or re-signs a function.
    assert _signatures(source).keys() == _signatures(fixed).keys()
    assert _signatures(source) == _signatures(fixed)

    left = lint_paths([project], {}, use_cache=False).diagnostics
    assert not [d for d in left if d.code in ("FRK102", "FRK103")], [f"{d.line}: {d.code} {d.message}" for d in left] + [fixed]

    # The jobs still do the same thing.
    assert _results(fixed, specs) == _results(source, specs), fixed
