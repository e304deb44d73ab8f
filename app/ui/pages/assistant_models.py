"""The assistant's model panel: pick and load a local model, download or import one.

Loading, downloading and importing are long: each runs on the runner's pool with its
progress here and a Cancel button; a cancelled download keeps its partial file and resumes
from it next time. Nothing here is needed for the rules engine, which answers without any
model.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.assistant.catalog import CatalogFile, CatalogModel, find_model, load_catalog
from app.assistant.hardware import Hardware, detect, gpu_layers, pick_model
from app.assistant.model_files import (
    DownloadCancelled,
    InstalledModel,
    download,
    import_model,
    installed_models,
)
from app.assistant.runtime import ModelRuntime
from app.errors import AppError
from app.ui.ops import JobContext, Runner, show_error

AUTO_LAYERS = -2  # the spin box's minimum, shown as "Auto": the hardware decides
MAX_CONTEXT = 4096  # enough for a tool call; a larger window only costs memory


@dataclass(frozen=True)
class Loaded:
    runtime: ModelRuntime
    seconds: float


class ModelPanel(QWidget):
    """Model picker, GPU layers, load and unload; the download manager; Import."""

    runtime_changed = Signal(object)  # ModelRuntime | None

    def __init__(
        self,
        runner: Runner,
        parent: QWidget | None = None,
        *,
        catalog: tuple[CatalogModel, ...] | None = None,
        models_folder: Path | None = None,
    ) -> None:
        super().__init__(parent)
        self.runner = runner
        self.catalog = catalog if catalog is not None else load_catalog()
        self.folder = models_folder
        self.hardware: Hardware | None = None
        self.runtime: ModelRuntime | None = None
        self.installed: list[InstalledModel] = []
        self._cancel_download: threading.Event | None = None
        self.busy = False  # a load, an import or a download is running
        self.asking = False  # the page is using the model: it must not be swapped

        self.hardware_label = QLabel("Checking this computer…")
        self.hardware_label.setWordWrap(True)
        self.picker = QComboBox()
        self.picker.setObjectName("modelPicker")
        self.layers = QSpinBox()
        self.layers.setObjectName("gpuLayers")
        self.layers.setRange(AUTO_LAYERS, 999)
        self.layers.setSpecialValueText("Auto")
        self.layers.setValue(AUTO_LAYERS)
        self.layers.setToolTip("Layers on the GPU: Auto decides from this computer, -1 all, 0 none")
        self.load_button = QPushButton("&Load model")
        self.unload_button = QPushButton("Unload")
        self.status = QLabel("No model loaded: the built-in rules answer.")
        self.status.setObjectName("modelStatus")
        self.status.setWordWrap(True)

        self.download_choice = QComboBox()
        self.download_choice.setObjectName("downloadChoice")
        for model in self.catalog:
            for item in model.files:
                label = f"{model.name} · {item.quant} · {item.size_mb:,} MB · {model.ram_gb} GB RAM"
                self.download_choice.addItem(label, (model.id, item.quant))
        self.download_button = QPushButton("&Download")
        self.cancel_button = QPushButton("Cancel download")
        self.cancel_button.setEnabled(False)
        self.progress = QProgressBar()
        self.progress.setObjectName("downloadProgress")
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.import_button = QPushButton("&Import .gguf file…")
        self._lay_out()

        self.load_button.clicked.connect(self.load_selected)
        self.unload_button.clicked.connect(self.unload)
        self.download_button.clicked.connect(self.download_selected)
        self.cancel_button.clicked.connect(self.cancel_download)
        self.import_button.clicked.connect(self.ask_import)
        self._update_buttons()
        runner.read("Hardware", lambda _ctx: detect(), on_done=self._hardware_found)
        self.refresh_installed()

    def _lay_out(self) -> None:
        model_box = QGroupBox("Model")
        form = QFormLayout(model_box)
        form.addRow(self.hardware_label)
        form.addRow("&Model", self.picker)
        form.addRow("&GPU layers", self.layers)
        buttons = QHBoxLayout()
        buttons.addWidget(self.load_button)
        buttons.addWidget(self.unload_button)
        form.addRow(buttons)
        form.addRow(self.status)
        download_box = QGroupBox("Download a model")
        box = QVBoxLayout(download_box)
        box.addWidget(self.download_choice)
        row = QHBoxLayout()
        row.addWidget(self.download_button)
        row.addWidget(self.cancel_button)
        box.addLayout(row)
        box.addWidget(self.progress)
        self.download_status = QLabel()
        self.download_status.setObjectName("downloadStatus")
        self.download_status.setWordWrap(True)
        box.addWidget(self.download_status)
        box.addWidget(self.import_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(model_box)
        layout.addWidget(download_box)
        layout.addStretch(1)

    # --- what is installed and what suits this computer ------------------------------------

    def _hardware_found(self, hardware: Hardware) -> None:
        self.hardware = hardware
        best = pick_model(self.catalog, hardware)
        gpu = "GPU offload" if hardware.gpu_offload else "CPU only"
        suggested = best.name if best else "none fits; the rules still answer"
        self.hardware_label.setText(
            f"This computer: {hardware.ram_gb} GB RAM, {hardware.cpu_threads} threads, {gpu}. "
            f"Suggested model: {suggested}."
        )
        if best is not None:
            index = self.download_choice.findData((best.id, best.default_quant))
            if index >= 0:
                self.download_choice.setCurrentIndex(index)
        self._select_suggested()

    def refresh_installed(self) -> None:
        folder, catalog = self.folder, self.catalog
        self.runner.read(
            "Installed models",
            lambda _ctx: installed_models(folder, catalog),
            on_done=self._installed_found,
        )

    def _installed_found(self, models: list[InstalledModel]) -> None:
        self.installed = models
        current = self.picker.currentData()
        self.picker.clear()
        self.picker.addItem("Rules only (no model)", None)
        for model in models:
            known = next((m for m in self.catalog if m.id == model.catalog_id), None)
            label = f"{known.name} ({model.quant})" if known else model.path.name
            self.picker.addItem(f"{label} · {model.info.size / 1e6:,.0f} MB", str(model.path))
        index = self.picker.findData(current) if current else -1
        if index >= 0:
            self.picker.setCurrentIndex(index)
        else:
            self._select_suggested()
        self._update_buttons()

    def _select_suggested(self) -> None:
        """The installed model the hardware suggests, else the first installed one."""
        if not self.installed or self.runtime is not None:
            return
        best = pick_model(self.catalog, self.hardware) if self.hardware else None
        chosen = next(
            (m for m in self.installed if best is not None and m.catalog_id == best.id),
            self.installed[0],
        )
        self.picker.setCurrentIndex(self.picker.findData(str(chosen.path)))

    def selected(self) -> InstalledModel | None:
        path = self.picker.currentData()
        return next((m for m in self.installed if str(m.path) == path), None)

    # --- load and unload --------------------------------------------------------------------

    def gpu_layers(self) -> int:
        override = None if self.layers.value() == AUTO_LAYERS else self.layers.value()
        if override is None and self.hardware is None:
            return 0
        return gpu_layers(self.hardware or Hardware(0, None, 1, False), override)

    def load_selected(self) -> None:
        model = self.selected()
        if model is None:
            self.unload()
            return
        entry = None
        if model.catalog_id:
            entry = next((m for m in self.catalog if m.id == model.catalog_id), None)
            entry = entry or find_model(model.catalog_id)
        # A file outside the catalog gets the app's own window: the tool prompt must fit.
        context = min(entry.context_length, MAX_CONTEXT) if entry else MAX_CONTEXT
        layers = self.gpu_layers()
        old = self.runtime

        def load(_ctx: JobContext) -> Loaded:
            if old is not None:
                old.close()  # one model in memory at a time
            runtime = ModelRuntime(
                model.path,
                name=model.catalog_id or model.path.stem,
                n_ctx=context,
                n_gpu_layers=layers,
                chat_format=entry.llama_chat_format if entry else None,
            )
            return Loaded(runtime, runtime.load_seconds)

        self.runtime = None
        self.runtime_changed.emit(None)
        self.status.setText(f"Loading {model.path.name}…")
        self._start()
        self.runner.read("Load model", load, on_done=self._loaded, on_error=self._load_failed)

    def _loaded(self, loaded: Loaded) -> None:
        self._stop()
        self.runtime = loaded.runtime
        where = f"{loaded.runtime.n_threads} threads"
        if self.gpu_layers():
            where += ", GPU layers " + ("all" if self.gpu_layers() < 0 else str(self.gpu_layers()))
        self.status.setText(
            f"Loaded {loaded.runtime.name} in {loaded.seconds:.1f} s ({where}). It chooses "
            "the tool for questions the rules cannot place; figures still come from the books."
        )
        self.runtime_changed.emit(loaded.runtime)

    def _load_failed(self, exc: BaseException) -> None:
        self._stop()
        self.status.setText(f"Not loaded: {exc}" if isinstance(exc, AppError) else "Not loaded.")
        if not isinstance(exc, AppError):
            show_error(self, exc)

    def unload(self) -> None:
        old, self.runtime = self.runtime, None
        if old is not None:
            self.runner.read("Unload model", lambda _ctx: old.close())
        self.status.setText("No model loaded: the built-in rules answer.")
        self.runtime_changed.emit(None)
        self._update_buttons()

    # --- download and import ----------------------------------------------------------------

    def chosen_file(self) -> CatalogFile:
        model_id, quant = self.download_choice.currentData()
        model = next(m for m in self.catalog if m.id == model_id)
        return model.file(quant)

    def download_selected(self) -> None:
        item, folder = self.chosen_file(), self.folder
        cancel = threading.Event()
        self._cancel_download = cancel

        def fetch(ctx: JobContext) -> InstalledModel:
            # Kilobytes: a 4 GB file in bytes would not fit the progress signal's int.
            def progress(done: int, total: int | None) -> None:
                ctx.progress(done // 1024, (total or 0) // 1024, "")

            return download(item, folder, progress=progress, cancel=cancel)

        self.progress.setRange(0, 0)
        checked = "checked against the catalog's sha256" if item.sha256 else "header and size"
        self.download_status.setText(f"Downloading {item.file_name} ({checked})…")
        self._start()
        self.cancel_button.setEnabled(True)
        self.runner.read(
            "Download model",
            fetch,
            on_done=self._downloaded,
            on_error=self._download_failed,
            on_progress=self._download_progress,
        )

    def _download_progress(self, done_kb: int, total_kb: int, _text: str) -> None:
        if total_kb:
            self.progress.setRange(0, total_kb)
            self.progress.setValue(min(done_kb, total_kb))
            self.progress.setFormat(f"{done_kb / 1024:,.1f} of {total_kb / 1024:,.1f} MB (%p%)")
        else:
            self.progress.setRange(0, 0)

    def cancel_download(self) -> None:
        if self._cancel_download is not None:
            self._cancel_download.set()
            self.cancel_button.setEnabled(False)
            self.download_status.setText("Stopping the download…")

    def _downloaded(self, model: InstalledModel) -> None:
        self._stop()
        self._cancel_download = None
        self.progress.setRange(0, 1)
        self.progress.setValue(1)
        self.download_status.setText(f"Installed {model.path.name}: verified and ready to load.")
        self.refresh_installed()

    def _download_failed(self, exc: BaseException) -> None:
        self._stop()
        self._cancel_download = None
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        if isinstance(exc, DownloadCancelled | AppError):
            self.download_status.setText(str(exc))
        else:
            self.download_status.setText("The download stopped unexpectedly.")
            show_error(self, exc)

    def ask_import(self) -> None:
        chosen, _filter = QFileDialog.getOpenFileName(
            self, "Import a GGUF model", str(Path.home()), "GGUF models (*.gguf)"
        )
        if chosen:
            self.import_file(Path(chosen))

    def import_file(self, source: Path) -> None:
        folder, catalog = self.folder, self.catalog
        self.download_status.setText(f"Checking and copying {source.name}…")
        self._start()
        self.runner.read(
            "Import model",
            lambda _ctx: import_model(source, folder, catalog),
            on_done=self._imported,
            on_error=self._download_failed,
        )

    def _imported(self, model: InstalledModel) -> None:
        self._stop()
        self.download_status.setText(
            f"Imported {model.path.name} ({model.info.architecture}, "
            f"{model.info.size / 1e6:,.0f} MB)."
        )
        self.refresh_installed()

    # --- button states ----------------------------------------------------------------------

    def _start(self) -> None:
        self.busy = True
        self._update_buttons()

    def _stop(self) -> None:
        self.busy = False
        self.cancel_button.setEnabled(False)
        self._update_buttons()

    def set_asking(self, asking: bool) -> None:
        self.asking = asking
        self._update_buttons()

    def _update_buttons(self) -> None:
        idle = not self.busy and not self.asking
        self.load_button.setEnabled(idle and self.picker.count() > 1)
        self.unload_button.setEnabled(idle and self.runtime is not None)
        self.download_button.setEnabled(not self.busy and self.download_choice.count() > 0)
        self.import_button.setEnabled(not self.busy)
        self.picker.setEnabled(idle)
