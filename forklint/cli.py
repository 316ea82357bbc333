"""`forklint PATH...`: the command line. Exit 0 clean, 1 findings, 2 errors."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from . import __version__, report
from .catalogue import CatalogueError
from .config import ConfigError
from .engine import lint_paths


def _codes(value: str | None) -> tuple[str, ...] | None:
    if value is None:
        return None
    codes = tuple(c.strip().upper() for c in value.split(",") if c.strip())
    for code in codes:
        if not (code == "ALL" or code.startswith("FRK")):
            raise click.BadParameter(f"{code!r} is not an FRK code or prefix")
    return codes


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="Output format.")
@click.option("--select", help="Comma-separated codes or prefixes to report (default: all).")
@click.option("--ignore", help="Comma-separated codes or prefixes not to report.")
@click.option("--per-child", is_flag=True, default=None,
              help="Also report work paid once per long-lived child (Celery default, Dramatiq, Huey, pools).")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are findings.")
@click.option("--force-exclude", is_flag=True, help="Apply excludes to paths given on the command line too.")
@click.version_option(__version__, "--version", prog_name="forklint")
def main(paths: tuple[Path, ...], output_format: str, select: str | None, ignore: str | None,
         per_child: bool | None, exit_zero: bool, force_exclude: bool) -> None:
    """Find work a forked worker child redoes on every fork, and where to do it once."""
    try:
        overrides = {"select": _codes(select), "ignore": _codes(ignore), "report_per_child": per_child}
        result = lint_paths(list(paths) or [Path(".")], overrides, force_exclude=force_exclude)
    except (ConfigError, CatalogueError) as error:
        click.echo(f"forklint: error: {error}", err=True)
        sys.exit(2)
    except FileNotFoundError as error:
        click.echo(f"forklint: error: {error.args[0]}: no such file or folder", err=True)
        sys.exit(2)
    out = report.json_list(result.diagnostics) if output_format == "json" else report.text(result.diagnostics)
    click.echo(out, nl=False)
    count = len(result.diagnostics)
    summary = f"forklint: {count} finding{'s' if count != 1 else ''} in {result.files_checked} file{'s' if result.files_checked != 1 else ''}"
    if result.suppressed:
        summary += f" ({result.suppressed} suppressed by noqa)"
    click.echo(summary, err=True)
    sys.exit(0 if exit_zero or count == 0 else 1)
