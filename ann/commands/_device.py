"""Where a command trains (this module is not a command): ``--device``.

No ``--device`` (or ``--device numpy``) trains on NumPy arrays, as ``ann`` always did.
A device puts the data in another array library, and ``ANN`` trains there (its engine
runs on the array API standard): ``cpu`` is PyTorch on the CPU (its own thread pool,
every core), ``cuda`` or ``cuda:N`` PyTorch on an NVIDIA GPU, ``mps`` PyTorch on an Apple
GPU, ``cupy`` CuPy on the current CUDA GPU. The labels stay NumPy arrays (``ANN``
encodes them on the host and moves the targets).

``open_device(name)`` checks that the library is installed and the device present, and
raises ``DeviceError`` saying which is missing; the commands turn it into their one-line
usage error (exit status 2) before loading any data.
"""

import argparse
import dataclasses
import importlib.util
import re

import numpy as np

from ann.validation import counted

NAMES = "numpy, cpu, cuda, cuda:N, mps or cupy"
PATTERN = re.compile(r"numpy|cpu|cuda(:\d+)?|mps|cupy")
INSTALL = {
    "torch": "PyTorch is not installed (pip install torch)",
    "cupy": "CuPy is not installed (pip install cupy-cuda12x, for CUDA 12)",
}


class DeviceError(ValueError):
    """The device asked for cannot be used here: its library or the device is missing."""


def check_name(text):
    """DeviceError unless ``text`` names a device."""
    if not isinstance(text, str) or not PATTERN.fullmatch(text):
        raise DeviceError(f"unknown device {text!r}; choose {NAMES}")


def device_argument(text):
    """``text`` if it names a device: argparse's ``type=`` for ``--device``."""
    try:
        check_name(text)
    except DeviceError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    return text


@dataclasses.dataclass(frozen=True)
class Device:
    """A device by ``name`` (``numpy``, ``cpu``, ``cuda``, ``cuda:N``, ``mps``, ``cupy``)."""

    name: str

    def __post_init__(self):
        check_name(self.name)

    @property
    def library(self):
        """The array library: ``numpy``, ``torch`` or ``cupy``."""
        return self.name if self.name in ("numpy", "cupy") else "torch"

    @property
    def is_gpu(self):
        return self.name not in ("numpy", "cpu")

    def put(self, array):
        """The NumPy ``array`` as an array of the device (NumPy's: itself)."""
        if self.library == "numpy":
            return array
        if self.library == "cupy":
            import cupy

            return cupy.asarray(array)
        import torch

        array = np.asarray(array)
        tensor = torch.from_numpy(array) if array.flags.writeable else torch.tensor(array)
        return tensor.to(self.name)

    def synchronize(self):
        """Wait until the work queued on a GPU is done (clocks are read after it)."""
        if self.library == "cupy":
            import cupy

            cupy.cuda.Device().synchronize()
        elif self.name.startswith("cuda"):
            import torch

            torch.cuda.synchronize(self.name)
        elif self.name == "mps":
            import torch

            torch.mps.synchronize()

    def check_dtype(self, dtype):
        """DeviceError when the device cannot train in ``dtype`` (MPS has no float64)."""
        if self.name == "mps" and np.dtype(dtype) == np.float64:
            raise DeviceError("the MPS device has no float64: train in float32")

    def describe(self):
        """The device in a few words, with its library's version: ``numpy (NumPy
        2.4.6)``, ``cpu (PyTorch 2.13.0, 16 threads)``, ``cuda:0 (PyTorch 2.13.0, NVIDIA
        H100 80GB HBM3)``, ``cupy (CuPy 13.4.1, NVIDIA H100 80GB HBM3)``."""
        if self.library == "numpy":
            return f"numpy (NumPy {np.__version__})"
        if self.library == "cupy":
            import cupy

            index = cupy.cuda.Device().id
            gpu = cupy.cuda.runtime.getDeviceProperties(index)["name"].decode()
            return f"cupy (CuPy {cupy.__version__}, device {index}: {gpu})"
        import torch

        where = counted(torch.get_num_threads(), "thread")
        name = self.name
        if name.startswith("cuda"):
            index = torch.device(name).index
            index = torch.cuda.current_device() if index is None else index
            name, where = f"cuda:{index}", torch.cuda.get_device_name(index)
        elif name == "mps":
            where = "Apple GPU"
        return f"{name} (PyTorch {torch.__version__}, {where})"


def why_unavailable(name):
    """Why the device ``name`` cannot be used here (its library is not installed, no
    such device), or None when it can."""
    device = Device(name)
    if device.library == "numpy":
        return None
    if importlib.util.find_spec(device.library) is None:
        return INSTALL[device.library]
    if device.library == "cupy":
        return _cupy_missing()
    import torch

    if name == "mps":
        if not torch.backends.mps.is_available():
            return "no MPS device: torch.backends.mps.is_available() is False"
    elif name.startswith("cuda"):
        if not torch.cuda.is_available():
            return "no CUDA device: torch.cuda.is_available() is False"
        index = torch.device(name).index
        if index is not None and index >= torch.cuda.device_count():
            return (
                f"no CUDA device {index}: torch.cuda.device_count() is {torch.cuda.device_count()}"
            )
    return None


def _cupy_missing():
    """Why CuPy cannot run (no CUDA device, no driver), or None."""
    import cupy

    try:
        count = cupy.cuda.runtime.getDeviceCount()
    except Exception as error:  # CUDARuntimeError: no driver, no device
        return f"no CUDA device for CuPy: {error}"
    return None if count else "no CUDA device: cupy.cuda.runtime.getDeviceCount() is 0"


def open_device(name):
    """The ``Device`` called ``name``; DeviceError naming what is missing."""
    reason = why_unavailable(name)
    if reason is not None:
        raise DeviceError(reason)
    return Device(name)
