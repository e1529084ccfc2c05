"""Counting the traffic between the host and array-api-strict's second device.

On CUDA, reading a device value on the host (``bool()``, ``float()``, ``.item()``, a copy
to NumPy) makes the host wait for the device, and sending it a Python number
(``xp.asarray(0.0, device=...)``) waits for the stream too. array-api-strict runs on the
CPU, so nothing waits; ``Traffic`` counts instead, by wrapping its conversions while it is
active. Tests train twice, with more batches the second time, and check that the counts
do not grow with the batches."""

from __future__ import annotations

import numbers
from collections import Counter

import numpy as np
import pytest

xps = pytest.importorskip("array_api_strict")

DEVICE = xps.Device("device1")

READS = ("__bool__", "__float__", "__int__", "__index__", "__complex__", "__array__", "__dlpack__")
"""The Array methods that bring a value to the host."""


class Traffic:
    """``with Traffic() as traffic:`` counts, in ``traffic.reads``, each host read of an
    array-api-strict array (by method: ``__bool__``, ``to_device``, ...), and in
    ``traffic.uploads`` each ``asarray`` of a Python (or NumPy) number and each of a host
    array."""

    def __init__(self) -> None:
        self.reads: Counter[str] = Counter()
        self.uploads: Counter[str] = Counter()
        self._patch = pytest.MonkeyPatch()

    def __enter__(self) -> Traffic:
        array = type(xps.asarray(0.0))
        for name in READS + ("to_device",):
            if hasattr(array, name):
                self._patch.setattr(array, name, self._counted(getattr(array, name), name))
        original = xps.asarray

        def asarray(obj, *args, **kwargs):
            if isinstance(obj, (numbers.Number, np.generic)):
                self.uploads["number"] += 1
            elif not isinstance(obj, array):
                self.uploads["host array"] += 1
            return original(obj, *args, **kwargs)

        self._patch.setattr(xps, "asarray", asarray)
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._patch.undo()

    def _counted(self, method, name):
        reads = self.reads

        def counted(array, *args, **kwargs):
            if name != "to_device" or args[:1] != (array.device,):
                reads[name] += 1
            return method(array, *args, **kwargs)

        return counted

    @property
    def n_reads(self) -> int:
        return sum(self.reads.values())

    @property
    def n_uploads(self) -> int:
        return self.uploads["number"]


def on_device(a):
    """A NumPy array as an array-api-strict array on the second device."""
    return xps.asarray(np.asarray(a), device=DEVICE)
