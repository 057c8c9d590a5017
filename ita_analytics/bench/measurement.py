"""What the benchmark measures and holds it to: steps timed several times, budgets on them."""

from __future__ import annotations

import importlib
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Budget:
    """A limit on the median (or ``stat``: max) of every step whose name is ``group`` or
    starts with ``group.``."""

    group: str
    scale: str
    limit: float
    unit: str = "s"
    stat: str = "median"  # median | max


@dataclass(frozen=True)
class RatioBudget:
    """A limit on median(numerator) / median(denominator), both steps of one scale."""

    name: str
    numerator: str
    denominator: str
    scale: str
    limit: float | None


class StepUnavailable(Exception):
    """The code a step times does not exist (yet): the step is reported as skipped."""


@dataclass
class Measurement:
    """One step on one scale: its values (seconds, or MB for memory), status and a note."""

    step: str
    scale: str
    values: list[float] = field(default_factory=list)
    unit: str = "s"
    status: str = "ok"  # ok | skipped | failed
    note: str = ""

    @property
    def median(self) -> float | None:
        return statistics.median(self.values) if self.values else None

    @property
    def p95(self) -> float | None:
        """The nearest-rank 95th percentile."""
        if not self.values:
            return None
        ordered = sorted(self.values)
        return ordered[max(0, -(-len(ordered) * 95 // 100) - 1)]

    def stat(self, name: str) -> float | None:
        """``median`` or ``max`` of the values (None for none)."""
        if not self.values:
            return None
        return self.median if name == "median" else max(self.values)

    def as_dict(self) -> dict:
        values = self.values
        return {"step": self.step, "scale": self.scale, "unit": self.unit, "status": self.status,
                "note": self.note, "n": len(values), "median": self.median, "p95": self.p95,
                "min": min(values) if values else None, "max": max(values) if values else None,
                "values": values}


def in_group(step: str, group: str) -> bool:
    return step == group or step.startswith(group + ".")


def require(module: str, *names: str):
    """The named attributes of ``module``, or :class:`StepUnavailable` when any is missing."""
    try:
        mod = importlib.import_module(module)
    except ImportError as error:
        raise StepUnavailable(f"{module} not available") from error
    missing = [n for n in names if not hasattr(mod, n)]
    if missing:
        raise StepUnavailable(f"{module}.{', '.join(missing)} not available")
    found = [getattr(mod, n) for n in names]
    return found[0] if len(found) == 1 else found


def measure(step: str, scale: str, fn: Callable, repeats: int, *,
            setup: Callable | None = None, unit: str = "s", returns_value: bool = False,
            warmup: bool = False) -> Measurement:
    """Run ``fn(setup())`` ``repeats`` times; time each call (setup untimed).

    With ``returns_value`` the call's own return value is recorded (a time it measured itself,
    or megabytes). A missing piece of code makes the step skipped, any other error failed.
    """
    m = Measurement(step, scale, unit=unit)
    try:
        if warmup:
            fn(setup() if setup else None)
        for _ in range(repeats):
            state = setup() if setup else None
            start = time.perf_counter()
            value = fn(state)
            elapsed = time.perf_counter() - start
            m.values.append(float(value) if returns_value else elapsed)
    except StepUnavailable as error:
        m.status, m.note, m.values = "skipped", f"skipped: {error}", []
    except Exception as error:  # a benchmark reports a broken step and goes on
        m.status, m.note = "failed", f"{type(error).__name__}: {error}"[:300]
    return m
