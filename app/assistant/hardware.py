"""What this computer can run: memory, CPU threads and llama.cpp's GPU offload."""

from __future__ import annotations

import ctypes
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from app.assistant.catalog import CatalogModel
from app.assistant.runtime import default_threads, llama_available

_HEADROOM = 0.75  # leave a quarter of memory to the desktop, the books and the OS


@dataclass(frozen=True)
class Hardware:
    ram_gb: float
    available_gb: float | None
    cpu_threads: int
    gpu_offload: bool


def total_ram_bytes() -> int:
    if sys.platform == "win32":
        return _windows_memory()[0]
    return int(os.sysconf("SC_PHYS_PAGES")) * int(os.sysconf("SC_PAGE_SIZE"))


def available_ram_bytes() -> int | None:
    if sys.platform == "win32":
        return _windows_memory()[1]
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        for line in meminfo.read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    return None


def _windows_memory() -> tuple[int, int]:
    class Status(ctypes.Structure):
        _fields_ = [
            ("length", ctypes.c_ulong),
            ("load", ctypes.c_ulong),
            ("total_phys", ctypes.c_ulonglong),
            ("avail_phys", ctypes.c_ulonglong),
            ("total_page", ctypes.c_ulonglong),
            ("avail_page", ctypes.c_ulonglong),
            ("total_virtual", ctypes.c_ulonglong),
            ("avail_virtual", ctypes.c_ulonglong),
            ("avail_extended", ctypes.c_ulonglong),
        ]

    status = Status()
    status.length = ctypes.sizeof(Status)
    ctypes.windll.kernel32.GlobalMemoryStatusEx(ctypes.byref(status))  # type: ignore[attr-defined]
    return int(status.total_phys), int(status.avail_phys)


def gpu_offload_supported() -> bool:
    if not llama_available():
        return False
    import llama_cpp

    return bool(llama_cpp.llama_supports_gpu_offload())


def detect() -> Hardware:
    available = available_ram_bytes()
    return Hardware(
        ram_gb=round(total_ram_bytes() / 2**30, 1),
        available_gb=None if available is None else round(available / 2**30, 1),
        cpu_threads=os.cpu_count() or 1,
        gpu_offload=gpu_offload_supported(),
    )


def pick_model(catalog: tuple[CatalogModel, ...], hardware: Hardware) -> CatalogModel | None:
    """The largest catalog model that fits in three quarters of memory; None if none fits."""
    fitting = [m for m in catalog if m.ram_gb <= hardware.ram_gb * _HEADROOM]
    return max(fitting, key=lambda m: (m.params_b, m.ram_gb), default=None)


def gpu_layers(hardware: Hardware, override: int | None = None) -> int:
    """All layers to the GPU (-1) when llama.cpp was built with offload, else none."""
    if override is not None:
        return override
    return -1 if hardware.gpu_offload else 0


def threads(override: int | None = None) -> int:
    return override if override and override > 0 else default_threads()
