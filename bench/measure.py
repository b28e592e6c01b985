"""Timing with medians over several runs, peak memory, and a description of the machine."""

from __future__ import annotations

import os
import platform
import statistics
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Timing:
    """One figure: its runs in seconds and the peak memory of one more run."""

    label: str
    seconds: list[float]
    peak_bytes: int | None = None
    floor: str | None = None  # "goal": a figure the benchmark's goal is about
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)


def timed(
    label: str,
    action: Callable[[], Any],
    *,
    runs: int,
    before: Callable[[], Any] | None = None,
    memory: bool = True,
    **kwargs: Any,
) -> Timing:
    """Median of `runs` runs of action (before() runs untimed ahead of each), then the peak of
    Python allocations (tracemalloc, which counts numpy and pandas arrays) in one more run."""
    seconds = []
    for _ in range(runs):
        if before is not None:
            before()
        started = time.perf_counter()
        action()
        seconds.append(time.perf_counter() - started)
    peak = None
    if memory:
        if before is not None:
            before()
        tracemalloc.start()
        try:
            action()
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    return Timing(label, seconds, peak, **kwargs)


def machine() -> str:
    """CPU, cores, memory, OS and Python, in one line."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as file:
            for line in file:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    memory = ""
    try:
        with open("/proc/meminfo", encoding="utf-8") as file:
            kib = int(file.readline().split()[1])
            memory = f", {kib / 1024**2:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    return (
        f"{cpu}, {os.cpu_count()} cores{memory}, {platform.system()} {platform.release()},"
        f" Python {platform.python_version()}"
    )


def megabytes(count: int | None) -> str:
    return "—" if count is None else f"{count / 1024**2:,.1f} MB"


def seconds_text(value: float) -> str:
    if value < 0.01:
        return f"{value * 1000:.2f} ms"
    if value < 1:
        return f"{value * 1000:.0f} ms"
    return f"{value:.2f} s"
