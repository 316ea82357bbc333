"""`forklint PATH...`: the command line. Exit 0 clean, 1 findings, 2 errors."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from . import __version__

if TYPE_CHECKING:
    from .diagnostics import Diagnostic
    from .engine import RunResult
    from .fix import FixOutcome
    from .sources import Sources

# Modules are imported by the command that needs them: `--version` does not pay for
# LibCST, the rules, SARIF or the fixer (0.3-1 s of startup), `rules` not for LibCST.

STDIN = Path("-")


def _codes(value: str | None) -> tuple[str, ...] | None:
    if value is None:
        return None
    codes = tuple(c.strip().upper() for c in value.split(",") if c.strip())
    for code in codes:
        if not (code == "ALL" or code.startswith("FRK")):
            raise click.BadParameter(f"{code!r} is not an FRK code or prefix")
    return codes


class _FormatChoice(click.Choice):
    """The report formats, read from `report` only when an option value is checked or
    shown: importing the formats imports every rule (SARIF lists them)."""

    def __init__(self) -> None:
        super().__init__((), case_sensitive=True)

    @property  # type: ignore[override]
    def choices(self) -> tuple[str, ...]:
        from .report import FORMAT_NAMES

        return tuple(FORMAT_NAMES)

    @choices.setter
    def choices(self, _: object) -> None:
        pass


# Set when this process is the command (its own argv, not a caller's list): it ends with
# the run, so what the run built is left for the OS to reclaim (see `_Forklint.main`).
_ENDS_WITH_THE_RUN = False


class _Forklint(click.Group):
    """`forklint PATH...` is `forklint check PATH...`; `rule` and `rules` document."""

    def main(self, args: list[str] | None = None, *rest: Any, **options: Any) -> Any:
        """Run as click does; when this process is the command, exit without freeing.

        Freeing a 1,000-file project's facts and linked project object by object took
        ~0.15 s at exit: the run's output is flushed and the process ends at once, as
        mypy does. Called with `args` (tests, callers), it returns and exits as click does.
        """
        global _ENDS_WITH_THE_RUN
        if args is not None:
            return super().main(args, *rest, **options)
        _ENDS_WITH_THE_RUN = True
        try:
            super().main(None, *rest, **options)
            code: object = 0
        except SystemExit as done:
            code = done.code
        if code is not None and not isinstance(code, int):
            print(code, file=sys.stderr)
            code = 1
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except OSError:  # a closed pipe: nothing more can be said
            pass
        os._exit(code or 0)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args or args[0] not in self.commands:
            args = ["check", *args]
        return super().parse_args(ctx, args)

    def invoke(self, ctx: click.Context) -> object:
        """An unexpected exception is one `forklint: internal error: ...` line and exit 2."""
        try:
            return super().invoke(ctx)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except Exception as error:  # noqa: BLE001 - the last line of defence
            if os.environ.get("FORKLINT_DEBUG"):
                raise
            detail = " ".join(str(error).split()) or "(no message)"
            click.echo(f"forklint: internal error: {type(error).__name__}: {detail} "
                       "(set FORKLINT_DEBUG=1 for the traceback)", err=True)
            sys.exit(2)


@click.group(cls=_Forklint, context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Find work a forked worker child redoes on every fork, and where to do it once."""


@main.command("rule")
@click.argument("code")
def rule_command(code: str) -> None:
    """Print the documentation page of one rule (its cost, evidence and fix safety)."""
    from . import docs
    from .catalogue import load_catalogue
    from .rules import REGISTRY

    rule = REGISTRY.get(code.upper())
    if rule is None:
        click.echo(f"forklint: error: no rule {code!r} (see `forklint rules`)", err=True)
        sys.exit(2)
    click.echo(docs.page(rule, load_catalogue()), nl=False)


@main.command("rules")
def rules_command() -> None:
    """List every rule: code, name, fix availability, what it finds."""
    from . import docs

    click.echo(docs.rules_table(), nl=False)


@main.command("workers")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text",
              help="Output format.")
@click.option("--no-cache", is_flag=True, help="Parse every file again instead of reading cached facts.")
@click.option("--cache-dir", type=click.Path(file_okay=False, path_type=Path), envvar="FORKLINT_CACHE_DIR",
              help="Where to keep cached facts (default: .forklint_cache in the project root).")
def workers_command(paths: tuple[Path, ...], output_format: str, no_cache: bool, cache_dir: Path | None) -> None:
    """How forklint reads each project's workers: parent, launch line, fork model, jobs."""
    from .config import ConfigError
    from .workers import read_workers, render_workers

    try:
        readings = read_workers(list(paths) or [Path(".")], use_cache=not no_cache, cache_dir=cache_dir)
    except ConfigError as error:
        click.echo(f"forklint: error: {error}", err=True)
        sys.exit(2)
    except FileNotFoundError as error:
        click.echo(f"forklint: error: {error.args[0]}: no such file or folder", err=True)
        sys.exit(2)
    click.echo(render_workers(readings, output_format), nl=False)


@main.command("check", context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--format", "--output-format", "output_format", type=_FormatChoice(), default="text",
              show_default=True, envvar="FORKLINT_OUTPUT_FORMAT",
              help="Output format: text, full (source line, chain, fix), json, json-lines, github, sarif.")
@click.option("-o", "--output-file", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the report to FILE instead of stdout (never coloured).")
@click.option("--statistics", "show_statistics", is_flag=True,
              help="Show how many findings each code has instead of the findings.")
@click.option("--baseline", "baseline_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Leave out the findings recorded in FILE by --write-baseline.")
@click.option("--write-baseline", "write_baseline_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Record the current findings in FILE (JSON) and exit 0.")
@click.option("--add-noqa", is_flag=True, help="Add `# noqa: FRKxxx` to each finding's line and exit 0.")
@click.option("--stdin-filename", type=click.Path(dir_okay=False, path_type=Path),
              help="Check stdin (path `-`) as the content of this file, in its project.")
@click.option("--fix", "apply_fixes", is_flag=True, help="Apply safe fixes, then report what remains.")
@click.option("--unsafe-fixes", is_flag=True, help="With --fix or --diff, also apply fixes marked unsafe.")
@click.option("--diff", "show_diff", is_flag=True,
              help="Print the unified diff --fix would apply and change nothing (exit 1 if there is a diff).")
@click.option("--select", help="Comma-separated codes or prefixes to report (default: all).")
@click.option("--ignore", help="Comma-separated codes or prefixes not to report.")
@click.option("--per-child", is_flag=True, default=None,
              help="Also report work paid once per long-lived child (Celery default, Dramatiq, Huey, pools).")
@click.option("--show-cheap", is_flag=True,
              help="Also report work that saves less than min-cost-ms (default 1 ms) per job, "
                   "or min-cost-per-child-ms (default 50 ms) once per long-lived child.")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are findings.")
@click.option("--no-cache", is_flag=True, help="Parse every file again instead of reading cached facts.")
@click.option("--cache-dir", type=click.Path(file_okay=False, path_type=Path), envvar="FORKLINT_CACHE_DIR",
              help="Where to keep cached facts (default: .forklint_cache in the project root).")
@click.option("--force-exclude", is_flag=True, help="Apply excludes to paths given on the command line too.")
@click.version_option(__version__, "--version", prog_name="forklint")
def check(paths: tuple[Path, ...], output_format: str, output_file: Path | None, show_statistics: bool,
         baseline_file: Path | None, write_baseline_file: Path | None, add_noqa: bool,
         stdin_filename: Path | None, apply_fixes: bool, unsafe_fixes: bool, show_diff: bool,
         select: str | None, ignore: str | None,
         per_child: bool | None, show_cheap: bool, exit_zero: bool, no_cache: bool, cache_dir: Path | None,
         force_exclude: bool) -> None:
    """Find work a forked worker child redoes on every fork, and where to do it once.

    `forklint PATH...` is short for `forklint check PATH...`. Also: `forklint rules`
    lists the rules, `forklint rule FRK101` prints one rule's page.
    """
    from .baseline import BaselineError  # (no LibCST: the fixer and add_noqa load it, when asked for)
    from .catalogue import CatalogueError
    from .config import ConfigError
    from .engine import display_path, lint_paths
    from .grouping import group_findings
    from .report import write_report
    from .sources import Sources

    if _ENDS_WITH_THE_RUN:
        from .engine import hold_until_exit

        hold_until_exit()
    targets, sources = _targets(paths, stdin_filename, add_noqa)
    try:
        overrides = {"select": _codes(select), "ignore": _codes(ignore), "report_per_child": per_child,
                     "min_cost_ms": 0.0 if show_cheap else None,
                     "min_cost_per_child_ms": 0.0 if show_cheap else None}
        if apply_fixes or show_diff:
            if stdin_filename is not None:
                raise click.UsageError("--fix and --diff cannot rewrite stdin")
            from .fix import MAX_PASSES, fix_loop, unified_diff

            warnings: list[str] = []

            def lint(overlay: dict[Path, bytes]) -> list[Diagnostic]:
                linted = lint_paths(targets, overrides, force_exclude=force_exclude, sources=Sources(overlay),
                                    cache_dir=cache_dir, use_cache=not no_cache)
                warnings[:] = linted.warnings
                return linted.diagnostics

            outcome = fix_loop(lint, unsafe=unsafe_fixes)
            for failure in outcome.failures:
                click.echo(f"forklint: fix not applied: {failure}", err=True)
            if not outcome.converged:
                click.echo(f"forklint: fixes did not converge after {MAX_PASSES} passes", err=True)
            if show_diff:
                for warning in warnings:  # the report below is not run: say them here
                    click.echo(warning, err=True)
                for path, (before, after) in sorted(outcome.changed.items()):
                    click.echo(unified_diff(display_path(path), before, after), nl=False)
                click.echo(f"forklint: {_count(len(outcome.applied), 'fix')} would change "
                           f"{_count(len(outcome.changed), 'file')}", err=True)
                sys.exit(1 if outcome.changed else 0)
            written = _write_fixes(outcome)
            click.echo(f"forklint: applied {_count(len(outcome.applied), 'fix')} in {_count(written, 'file')}", err=True)
        result = lint_paths(targets, overrides, force_exclude=force_exclude, sources=sources,
                            cache_dir=cache_dir, use_cache=not no_cache,
                            fix_edits=output_format in ("json", "json-lines", "sarif"))
        if write_baseline_file is not None:
            from .baseline import write_baseline

            recorded = write_baseline(write_baseline_file, result.diagnostics, sources)
            click.echo(f"forklint: recorded {_count(recorded, 'finding')} in {write_baseline_file}", err=True)
            sys.exit(0)
        diagnostics, baselined = result.diagnostics, 0
        if baseline_file is not None:
            from .baseline import drop_baselined

            diagnostics, baselined = drop_baselined(diagnostics, baseline_file, sources)
        if add_noqa:  # every site, so that each is silenced
            from .add_noqa import add_noqa as add_noqa_comments

            added = add_noqa_comments(diagnostics)
            click.echo(f"forklint: added {_count(added.comments, 'noqa comment')} in {_count(added.files, 'file')}"
                       + (f"; {len(added.skipped)} on lines that cannot take a comment" if added.skipped else ""),
                       err=True)
            diagnostics = added.skipped  # what is left to report
        for warning in result.warnings:
            click.echo(warning, err=True)
        diagnostics = group_findings(diagnostics)
        write_report(diagnostics, output_format, output_file, sources, show_statistics)
    except (ConfigError, CatalogueError, BaselineError) as error:
        click.echo(f"forklint: error: {error}", err=True)
        sys.exit(2)
    except FileNotFoundError as error:
        click.echo(f"forklint: error: {error.args[0]}: no such file or folder", err=True)
        sys.exit(2)
    except OSError as error:  # writing --output-file, the baseline or a noqa comment
        click.echo(f"forklint: error: {error.filename or ''}: {error.strerror or error}", err=True)
        sys.exit(2)
    click.echo(_summary(result, diagnostics, baselined), err=True)
    sys.exit(0 if exit_zero or not diagnostics else 1)


def _write_fixes(outcome: FixOutcome) -> int:
    """Write every fixed file atomically; a file changed during the run is left alone."""
    from .fix import FixError, write_atomically

    written = 0
    for path, (before, after) in sorted(outcome.changed.items()):
        try:
            write_atomically(path, after, expected=before)
            written += 1
        except FixError as error:
            click.echo(f"forklint: fix not written: {error}", err=True)
    return written


def _targets(paths: tuple[Path, ...], stdin_filename: Path | None, add_noqa: bool) -> tuple[list[Path], Sources]:
    """The paths to check and, for `-` (or no path) with --stdin-filename, stdin's content."""
    from .sources import Sources

    if stdin_filename is None:
        if STDIN in paths:
            raise click.UsageError("`-` reads a file from stdin: give its path with --stdin-filename")
        return list(paths) or [Path(".")], Sources()
    if paths not in ((), (STDIN,)):
        raise click.UsageError("--stdin-filename checks stdin only: give `-` (or no path)")
    if add_noqa:
        raise click.UsageError("--add-noqa cannot rewrite stdin")
    return [stdin_filename], Sources({stdin_filename: sys.stdin.buffer.read()})


def _count(number: int, noun: str) -> str:
    plural = noun + ("es" if noun.endswith(("x", "s", "h")) else "s")
    return f"{number} {noun if number == 1 else plural}"


def _summary(result: RunResult, diagnostics: list[Diagnostic], baselined: int) -> str:
    """`forklint: 2 findings in 11 files (1 suppressed by noqa, 3 in the baseline)`."""
    left_out = [f"{result.suppressed} suppressed by noqa"] if result.suppressed else []
    left_out += [f"{baselined} in the baseline"] if baselined else []
    summary = f"forklint: {_count(len(diagnostics), 'finding')} in {_count(result.files_checked, 'file')}"
    summary += f" ({', '.join(left_out)})" if left_out else ""
    fixable = _fixable(diagnostics)
    if fixable["safe"] or fixable["unsafe"]:
        summary += f"; {fixable['safe']} fixable with --fix"
        summary += f" ({fixable['unsafe']} more with --unsafe-fixes)" if fixable["unsafe"] else ""
    return summary


def _fixable(diagnostics: list[Diagnostic]) -> dict[str, int]:
    counts = {"safe": 0, "unsafe": 0, "display-only": 0}
    for d in diagnostics:
        if d.fix is not None:
            counts[d.fix.applicability] += 1
    return counts
