"""Signals: receivers run where a signal is sent, not where they are connected.

`SIGNAL.connect(receiver)` (blinker, Django), `@SIGNAL.connect`, `@SIGNAL.connect_via(x)`
and Django's `@receiver(SIGNAL)` register a function or a lambda; its body runs each time
code calls `SIGNAL.send(...)`. The parent simulation keeps the receivers connected so far
and runs them at a send it reaches: in project code, or inside a library call known to
send one (`LIBRARY_SENDS`). A receiver connected to a signal the parent never sends does
not run there.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from .facts import Attr, Call, Const, Dotted, Lambda, Val, receiver_of
from .project import FunctionRef, Module, Project

CONNECT_METHODS = frozenset({"connect", "connect_via"})
SEND_METHODS = frozenset({"send", "send_robust", "send_async", "asend", "asend_robust"})
RECEIVER_DECORATORS = frozenset({"django.dispatch.receiver", "django.dispatch.dispatcher.receiver"})
# Signals made by name in blinker's default namespace: the same name is the same signal.
NAMED_SIGNALS = frozenset({"blinker.signal", "blinker.base.signal"})
_PLUGINS_LOADED = ("flask_pluginengine.plugins_loaded", "flask_pluginengine.signals.plugins_loaded")
# Library methods that send a signal before they return, as their code does.
LIBRARY_SENDS: dict[str, tuple[str, ...]] = {
    # Flask-PluginEngine: load_plugins() ends with `plugins_loaded.send(app)`.
    "flask_pluginengine.PluginEngine.load_plugins": _PLUGINS_LOADED,
    "flask_pluginengine.engine.PluginEngine.load_plugins": _PLUGINS_LOADED,
}
_REEXPORT_HOPS = 4


@dataclass(frozen=True)
class SignalReceiver:
    """What runs when a signal is sent: a project function, or a lambda of `holder`
    (a function, or module-level code when None)."""

    module: Module
    holder: FunctionRef | None
    lambda_number: int = 0


def method(call: Call) -> str:
    """The method a call calls by name (`sig.connect` → connect), or ""."""
    func = call.func
    if isinstance(func, Attr):
        return func.attr
    return func.name.rpartition(".")[2] if isinstance(func, Dotted) and "." in func.name else ""


def signal_name(project: Project, module: Module, fn: FunctionRef | None, value: Val | None) -> str | None:
    """The signal a value stands for: the dotted name of the variable that holds it (after
    re-exports), or `blinker.signal('name')` for a signal made by name."""
    if isinstance(value, Call):
        name = value.arg(0, "name")
        if project.call_target(fn, module, value) in NAMED_SIGNALS and isinstance(name, Const):
            return f"blinker.signal({name.value!r})"
        return None
    if not isinstance(value, Dotted) or "[]" in value.name:
        return None
    found = project.variable(module, value.name)
    if found is None:  # a function-level import of the signal
        target = project.resolve(module, fn.facts if fn else None, value)
        found = target if target and "(" not in target else None
    for _ in range(_REEXPORT_HOPS):  # `from .core import app_created` in a package
        owner, _, attr = (found or "").rpartition(".")
        holder = project.module(owner) if owner else None
        imported = [i for i in holder.facts.imports if i.bound_name == attr] if holder is not None else []
        if not imported:
            break
        found = project.import_target(holder, imported[-1])
    if found is not None:
        held = project.held_value(found)
        if held is not None and isinstance(held[1], Call):
            return signal_name(project, held[0], None, held[1]) or found
    return found


def connected(project: Project, module: Module, fn: FunctionRef | None, call: Call) -> tuple[str, SignalReceiver] | None:
    """`SIGNAL.connect(receiver, ...)`: the signal and the receiver it registers."""
    if method(call) not in CONNECT_METHODS or not call.args:
        return None
    signal = signal_name(project, module, fn, receiver_of(call.func))
    if signal is None:
        return None
    receiver = call.args[0]
    if isinstance(receiver, Lambda):
        return signal, SignalReceiver(module, fn, receiver.number)
    target = project.resolve(module, fn.facts if fn else None, receiver)
    if target in project.functions:
        return signal, SignalReceiver(project.functions[target].module, project.functions[target])
    return None


def decorated(project: Project, fn: FunctionRef) -> list[str]:
    """The signals a function is connected to by its decorators (`@sig.connect`,
    `@sig.connect_via(sender)`, `@receiver(sig)`)."""
    found = []
    for decorator in fn.facts.decorators:
        func = decorator.func if isinstance(decorator, Call) else decorator
        if isinstance(func, Dotted) and func.name.rpartition(".")[2] in CONNECT_METHODS:
            signal = signal_name(project, fn.module, None, receiver_of(func))
        elif isinstance(decorator, Call) and project.resolve(fn.module, None, func) in RECEIVER_DECORATORS:
            signal = signal_name(project, fn.module, None, decorator.arg(0, "signal"))
        else:
            continue
        if signal is not None:
            found.append(signal)
    return found


def sent(project: Project, module: Module, fn: FunctionRef | None, call: Call, target: str) -> tuple[str, ...]:
    """The signals a call sends: `SIGNAL.send(...)`, or a library method that sends one."""
    if method(call) in SEND_METHODS:
        signal = signal_name(project, module, fn, receiver_of(call.func))
        if signal is not None:
            return (signal,)
    if target in LIBRARY_SENDS:
        return LIBRARY_SENDS[target]
    owner, _, name = target.rpartition(".")
    cls = owner.removesuffix("()")
    if name and cls in project.classes:  # a project subclass that inherits the method
        for base in project.mro(cls):
            if f"{base}.{name}" in LIBRARY_SENDS:
                return LIBRARY_SENDS[f"{base}.{name}"]
    return ()


def deferred_lambdas(calls: Iterable[Call]) -> frozenset[int]:
    """The lambdas among `calls`' arguments that are connected to a signal: their bodies
    run at a send, not here."""
    return frozenset(arg.number for call in calls if method(call) in CONNECT_METHODS
                     for arg in call.args[:1] if isinstance(arg, Lambda))
