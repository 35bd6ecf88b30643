"""Training throughput of the Table I models: fp32 vs AMP, DataLoader workers, fixed padding vs bucketing.

Measures, per Table I model of Arronte Alvarez & Gómez (2021) (ResNet-50, DenseNet-161, CRNN,
ResLSTM, with the options of ``config/paper.yaml``), the training samples/s, the time of an epoch
over the paper's 10,640 motifs, the peak memory and, on CUDA, the GPU utilisation. Every number is
taken on the real training path: batches from :func:`motivic.train.datasets.make_loader` over an HDF5
:class:`motivic.features.MelStore`, one optimisation step per batch by ``motivic.train``'s epoch
loop (autocast, loss scaling, channels-last input transfer included).

Protocol
--------
- **Store**: synthetic, written here with :class:`motivic.features.MelStoreWriter` (lzf-compressed,
  one chunk per segment, as the pipeline writes them): 128 mel bands x 426 frames (the paper's
  input), 4 classes with sizes in the proportions of ``tests/unit/test_augment.py::PAPER_SIZES``,
  valid lengths ``clip(exp(N(log 60, 0.6)), 20, 426)`` frames (0.5 s to 10.6 s at 25 ms, most of
  them short, so fixed padding fills most of each input), padding at the log floor.
  Full mode: 10,640 motifs (the paper's count, 2.3 GB uncompressed). ``--small``: 640 motifs,
  and by default only the two light Table I models (CRNN, ResLSTM; ``--models`` adds the others).
- **Configurations**, varied one factor at a time from the baseline ``fp32 / 0 workers / fixed``:
  AMP (``bf16``; on CUDA also ``fp16``), 2 and 4 DataLoader workers, length bucketing with cropped
  batches (``crop_to_batch: true``); on CUDA also ``tuned`` = AMP (bf16) + 4 workers + bucketing
  + channels-last for conv models, the setting a GPU run should use. Batch size 20 (the paper's).
- **Timing**: each configuration runs in its own fresh process (so its peak RSS is its own and
  its workers start cold). Full mode: one warm-up epoch, then one timed epoch. ``--small`` (or
  ``--batches K``): the ``--warmup`` longest batches of the real sampler's epoch, untimed, then
  ``K`` of its batches at evenly spaced quantiles of the batch length
  (:func:`stratified_batches`: with bucketing, batch costs vary with their crop length, so a few
  consecutive batches would be a noisy sample); the epoch time is then ``10,640 / (samples/s)``,
  marked "extrapolated". CUDA is synchronised at both ends of the timed window.
  ``--repeats R`` runs the whole grid R times, interleaved, and reports the median.
- **Ratios** are against the baseline of the same model measured in the same invocation.
- **Peak memory**: the process's peak RSS on CPU (main process; workers not included),
  ``torch.cuda.max_memory_allocated`` on CUDA. **GPU utilisation**: mean of ``pynvml`` (if
  installed) or ``nvidia-smi`` samples every 0.2 s over the timed window.

Usage::

    .venv/bin/python benchmarks/bench_train.py --small                 # CPU, a few minutes
    .venv/bin/python benchmarks/bench_train.py --device cuda           # full, on a GPU machine

The table replaces the block between the ``bench_train`` markers of ``docs/benchmarks.md``
(``--out`` to write elsewhere, ``--no-write`` to only print it).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TABLE1 = ("crnn", "reslstm", "resnet50", "densenet161")  # light ones first
PAPER_MOTIFS = 10_640
N_MELS, N_FRAMES, BATCH = 128, 426, 20
CLASS_SHARES = {"fandango": 800, "debla": 1300, "martinete": 4270, "seguiriya": 4270}
BEGIN, END = "<!-- bench_train:begin -->", "<!-- bench_train:end -->"

logger = logging.getLogger("bench_train")


# ---------------------------------------------------------------------------
# store
# ---------------------------------------------------------------------------


def write_store(path: Path, n: int, seed: int = 0) -> Path:
    """A synthetic paper-shaped store of ``n`` motifs (see the module notes)."""
    from motivic.features import MelStoreWriter, feature_params

    rng = np.random.default_rng(seed)
    params = feature_params(kind="logmel", n_mels=N_MELS, n_frames=N_FRAMES)
    floor = float(np.log(params["log_offset"]))
    total = sum(CLASS_SHARES.values())
    labels = rng.choice(list(CLASS_SHARES), size=n, p=[v / total for v in CLASS_SHARES.values()])
    valid = np.clip(np.exp(rng.normal(math.log(60), 0.6, size=n)), 20, N_FRAMES).astype(int)
    with MelStoreWriter(path, params=params, dataset="motivic") as writer:
        for i in range(n):
            mel = np.full((N_MELS, N_FRAMES), floor, dtype=np.float32)
            mel[:, : valid[i]] = rng.normal(-4.0, 2.0, size=(N_MELS, valid[i]))
            writer.append(
                mel,
                int(valid[i]),
                segment_id=f"s{i}",
                recording=f"r{i % 97}",
                label=str(labels[i]),
                group=f"r{i % 97}",
                motif_id="m",
                start_s=0.0,
                end_s=valid[i] * 0.025,
            )
    return path


# ---------------------------------------------------------------------------
# GPU utilisation sampling
# ---------------------------------------------------------------------------


class GpuSampler:
    """Samples GPU utilisation (%) in a thread: pynvml if importable, else nvidia-smi."""

    def __init__(self, index: int = 0, period_s: float = 0.2):
        self.index, self.period_s = index, period_s
        self.samples: list[float] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.source = None
        try:
            import pynvml

            pynvml.nvmlInit()
            handle = pynvml.nvmlDeviceGetHandleByIndex(index)
            self._read = lambda: float(pynvml.nvmlDeviceGetUtilizationRates(handle).gpu)
            self.source = "pynvml"
        except Exception:  # not installed or no driver: fall back to nvidia-smi
            if shutil.which("nvidia-smi"):
                self._read = self._smi
                self.source = "nvidia-smi"

    def _smi(self) -> float:
        out = subprocess.run(
            [
                "nvidia-smi",
                f"--id={self.index}",
                "--query-gpu=utilization.gpu",
                "--format=csv,noheader,nounits",
            ],
            capture_output=True,
            text=True,
            timeout=5,
        )
        return float(out.stdout.strip().splitlines()[0])

    def _loop(self) -> None:
        while not self._stop.is_set():
            with contextlib.suppress(Exception):
                self.samples.append(self._read())
            self._stop.wait(self.period_s)

    def __enter__(self) -> GpuSampler:
        if self.source:
            self._thread = threading.Thread(target=self._loop, daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    @property
    def mean(self) -> float | None:
        return float(np.mean(self.samples)) if self.samples else None


# ---------------------------------------------------------------------------
# one configuration (runs in a child process)
# ---------------------------------------------------------------------------


def _model_options(name: str) -> dict:
    """The model's options in ``config/paper.yaml`` (read as plain YAML: no jsonschema needed)."""
    import yaml

    models = yaml.safe_load((ROOT / "config" / "paper.yaml").read_text())["models"]
    base = name.replace("_imagenet", "")
    options = dict(models.get(name) or models.get(base) or {})
    return {k: v for k, v in options.items() if k not in ("features", "pretrained", "init_from")}


class _FixedBatches:
    """Batch sampler yielding a fixed list of ``(epoch, position)`` batches."""

    def __init__(self, batches: list[list]):
        self._batches = batches

    def __len__(self) -> int:
        return len(self._batches)

    def __iter__(self):
        return iter(self._batches)


def stratified_batches(sampler, epoch: int, warmup: int, k: int) -> list[list]:
    """``warmup`` + ``k`` batches of the sampler's epoch: ``k`` spread evenly over the batch lengths.

    With length bucketing the batches of an epoch differ a lot in cost (a batch is cropped to its
    longest item), so a few consecutive batches are a noisy sample of the epoch; batches at evenly
    spaced quantiles of the crop length (``np.linspace`` over the length-sorted list) are an even
    sample of it. The warm-up batches are the longest ones, so that every later shape has been
    allocated once. With fixed padding every batch costs the same and this is just ``warmup + k``
    batches of the epoch.
    """
    sampler.set_epoch(epoch)
    batches = sampler.batches()
    lengths = np.array([sampler.valid_frames[b].max() for b in batches])
    order = np.argsort(lengths, kind="stable")
    if warmup + k > len(batches):
        raise RuntimeError(f"the store has {len(batches)} batches; --warmup + --batches is too many")
    warm = [int(i) for i in order[::-1][:warmup]]
    rest = [int(i) for i in order if int(i) not in warm]
    timed = [rest[int(j)] for j in np.linspace(0, len(rest) - 1, k).round()]
    return [[(epoch, int(p)) for p in batches[i]] for i in warm + timed]


class _Timed:
    """Wraps a loader: yields ``warmup`` untimed batches, then times the next ``batches`` ones."""

    def __init__(self, loader, *, warmup: int, batches: int, sync, sampler: GpuSampler | None):
        self.loader, self.warmup, self.batches = loader, warmup, batches
        self.sync, self.sampler = sync, sampler
        self.seconds = float("nan")
        self.samples = 0
        self.dataset = loader.dataset  # for loop._set_epoch and friends

    def __iter__(self):
        batches = iter(self.loader)
        for _ in range(self.warmup):
            batch = next(batches, None)
            if batch is None:
                raise RuntimeError("the store has fewer batches than --warmup")
            yield batch
        self.sync()
        if self.sampler is not None:
            self.sampler.__enter__()
        start = time.perf_counter()
        timed = 0
        while not self.batches or timed < self.batches:
            batch = next(batches, None)  # fetched inside the timed window, as in training
            if batch is None:
                break
            timed += 1
            self.samples += int(batch[0].shape[0])
            yield batch
        self.sync()  # after the last step's kernels
        self.seconds = time.perf_counter() - start
        if self.sampler is not None:
            self.sampler.__exit__()


def run_one(spec: dict) -> dict:
    """Train ``spec["model"]`` under one configuration; return the measurements."""
    import torch
    from torch import nn

    from motivic.features import MelStore
    from motivic.train import accel, loop, models
    from motivic.train.checkpoints import resolve_device
    from motivic.train.datasets import MelDataset, label_index, make_loader

    torch.set_num_threads(spec["threads"])
    device = resolve_device(spec["device"])
    store = MelStore(spec["store"])
    mapping = label_index(store.index["label"])
    torch.manual_seed(0)
    model = models.build(spec["model"], len(mapping), n_mels=N_MELS, **_model_options(spec["model"]))
    min_frames = max(32, int(getattr(model, "min_frames", 1)))
    model.to(device)
    channels_last = accel.use_channels_last(model, spec["channels_last"])
    dataset = MelDataset(store, np.arange(len(store)), label_to_index=mapping, seed=0)
    loader = make_loader(
        dataset,
        batch_size=BATCH,
        shuffle=True,
        seed=0,
        crop=spec["bucket"],
        min_frames=min_frames,
        bucket=spec["bucket"],
        num_workers=spec["workers"],
        device=device,
    )
    amp = loop._amp_mode(spec["amp"], device)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    scaler = accel.grad_scaler(amp, device)
    loss_fn = nn.CrossEntropyLoss()

    def sync() -> None:
        if device.type == "cuda":
            torch.cuda.synchronize(device)

    sampler = GpuSampler(device.index or 0) if device.type == "cuda" else None
    accel.reset_peak_memory(device)
    whole_epoch = spec["batches"] == 0
    if whole_epoch:  # one warm-up epoch (workers start, cuDNN autotunes), then the timed one
        loader.batch_sampler.set_epoch(1)
        loop._train_epoch(model, loader, optimizer, scaler, loss_fn, device, amp, channels_last)
        loader.batch_sampler.set_epoch(2)
        timed = _Timed(loader, warmup=0, batches=0, sync=sync, sampler=sampler)
    else:
        chosen = stratified_batches(loader.batch_sampler, 1, spec["warmup"], spec["batches"])
        loader = torch.utils.data.DataLoader(
            dataset,
            batch_sampler=_FixedBatches(chosen),
            collate_fn=loader.collate_fn,
            num_workers=loader.num_workers,
            pin_memory=loader.pin_memory,
            worker_init_fn=loader.worker_init_fn,
            generator=loader.generator,
        )
        timed = _Timed(
            loader, warmup=spec["warmup"], batches=spec["batches"], sync=sync, sampler=sampler
        )
    loop._train_epoch(model, timed, optimizer, scaler, loss_fn, device, amp, channels_last)
    rate = timed.samples / timed.seconds
    measured = whole_epoch and len(store) == PAPER_MOTIFS  # else extrapolated to 10,640 motifs
    return {
        **{k: spec[k] for k in ("model", "amp", "workers", "bucket", "channels_last", "label")},
        "samples": timed.samples,
        "seconds": timed.seconds,
        "samples_per_s": rate,
        "epoch_s": timed.seconds if measured else PAPER_MOTIFS / rate,
        "epoch_measured": measured,
        "peak_mib": accel.peak_memory_bytes(device) / 2**20,
        "gpu_util": sampler.mean if sampler is not None else None,
        "gpu_util_source": sampler.source if sampler is not None else None,
        "parameters": models.count_parameters(model),
    }


# ---------------------------------------------------------------------------
# the grid (parent process)
# ---------------------------------------------------------------------------


def configurations(model: str, cuda: bool) -> list[dict]:
    """Baseline plus one factor at a time (see the module notes)."""
    base = {"model": model, "amp": "off", "workers": 0, "bucket": False, "channels_last": False}
    grid = [
        {**base, "label": "fp32 · 0 workers · fixed (baseline)"},
        {**base, "amp": "bf16", "label": "bf16 AMP"},
    ]
    if cuda:
        grid.append({**base, "amp": "fp16", "label": "fp16 AMP"})
    grid += [
        {**base, "workers": 2, "label": "2 workers"},
        {**base, "workers": 4, "label": "4 workers"},
        {**base, "bucket": True, "label": "bucketing"},
    ]
    if cuda:
        grid.append(
            {**base, "amp": "bf16", "workers": 4, "bucket": True, "channels_last": True,
             "label": "tuned: bf16 · 4 workers · bucketing · channels_last"}
        )
    return grid


def _child(spec: dict, timeout: int) -> dict:
    cmd = [sys.executable, __file__, "--run-one", json.dumps(spec)]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if out.returncode != 0:
        raise RuntimeError(f"{spec['model']} / {spec['label']} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _group(results: list[dict]) -> list[dict]:
    """Median over repeats of each (model, configuration), in first-seen order."""
    groups: dict[tuple, list[dict]] = {}
    for r in results:
        groups.setdefault((r["model"], r["label"]), []).append(r)
    return [_median_rows(rows) for rows in groups.values()]


def _median_rows(rows: list[dict]) -> dict:
    first = dict(rows[0])
    for key in ("seconds", "samples_per_s", "epoch_s", "peak_mib"):
        first[key] = statistics.median(r[key] for r in rows)
    utils = [r["gpu_util"] for r in rows if r["gpu_util"] is not None]
    first["gpu_util"] = statistics.median(utils) if utils else None
    first["repeats"] = len(rows)
    return first


def table(results: list[dict], meta: dict) -> str:
    """Markdown table with ratios against each model's baseline."""
    gpu = any(r["gpu_util"] is not None for r in results)
    head = (
        "| model | parameters | configuration | samples/s | × baseline | epoch (s)"
        f"{' †' if not results[0]['epoch_measured'] else ''} | × baseline | peak memory (MiB)"
        f"{' | GPU util (%)' if gpu else ''} |"
    )
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    for model in dict.fromkeys(r["model"] for r in results):
        rows = [r for r in results if r["model"] == model]
        base = rows[0]
        for r in rows:
            cells = [
                model,
                f"{r['parameters'] / 1e6:.2f} M",
                r["label"],
                f"{r['samples_per_s']:.1f}",
                f"{r['samples_per_s'] / base['samples_per_s']:.2f}",
                f"{r['epoch_s']:.0f}",
                f"{r['epoch_s'] / base['epoch_s']:.2f}",
                f"{r['peak_mib']:.0f}",
            ]
            if gpu:
                cells.append("-" if r["gpu_util"] is None else f"{r['gpu_util']:.0f}")
            lines.append("| " + " | ".join(cells) + " |")
    notes = [
        "",
        f"Measured {meta['date']} on {meta['machine']}; command `{meta['command']}`; "
        f"store {meta['n']:,} motifs of {N_MELS}×{N_FRAMES}, batch {BATCH}, "
        f"{meta['timing']}; median of {meta['repeats']} interleaved repeat(s).",
    ]
    if not results[0]["epoch_measured"]:
        notes.append(
            f"† extrapolated to an epoch of the paper's {PAPER_MOTIFS:,} motifs from the timed "
            "batches (10,640 / samples per second)."
        )
    return "\n".join(lines + notes)


def write_docs(text: str, path: Path) -> None:
    """Replace the block between the bench_train markers of ``path`` (append it if absent)."""
    doc = path.read_text() if path.exists() else "# Benchmarks\n"
    block = f"{BEGIN}\n{text}\n{END}"
    if BEGIN in doc and END in doc:
        doc = doc[: doc.index(BEGIN)] + block + doc[doc.index(END) + len(END) :]
    else:
        doc = doc.rstrip("\n") + "\n\n## Training throughput\n\n" + block + "\n"
    path.write_text(doc)


def _meta(args, *, cuda: bool, threads: int, n: int, batches: int, argv) -> dict:
    import torch

    if cuda:
        machine = torch.cuda.get_device_name(0)
    else:
        machine = f"{platform.processor() or platform.machine()}, {threads} torch threads"
    timing = (
        "one warm-up epoch, then one timed epoch"
        if batches == 0
        else f"{args.warmup} warm-up + {batches} timed batches per configuration"
    )
    return {
        "date": time.strftime("%Y-%m-%d", time.gmtime()),
        "machine": f"{machine} ({os.cpu_count()} CPUs visible, torch {torch.__version__})",
        "command": "python benchmarks/bench_train.py " + " ".join(argv or sys.argv[1:]),
        "n": n,
        "timing": timing,
        "repeats": args.repeats,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--small", action="store_true", help="640 motifs, timed batches (CPU)")
    parser.add_argument(
        "--models",
        nargs="+",
        help="registry names (default: the Table I models; --small: crnn reslstm, since ResNet-50 "
        "and DenseNet-161 at 128x426 take far longer than a few minutes on a CPU)",
    )
    parser.add_argument("--device", default="auto", help="auto | cpu | cuda")
    parser.add_argument("--n", type=int, help="motifs in the store (default 10,640; --small 640)")
    parser.add_argument("--batches", type=int, help="timed batches (0 = a whole epoch)")
    parser.add_argument("--warmup", type=int, default=1, help="untimed batches before them")
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0 = all CPUs)")
    parser.add_argument("--store", type=Path, help="reuse/keep the synthetic store here")
    parser.add_argument("--timeout", type=int, default=1800, help="seconds per configuration")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks.md")
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--json", type=Path, help="also write the raw measurements here")
    parser.add_argument(
        "--from-json", type=Path, help="render the table of a (partial) --json file of an earlier run"
    )
    parser.add_argument("--run-one", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.run_one:
        print(json.dumps(run_one(json.loads(args.run_one))))
        return 0
    if args.from_json:
        saved = json.loads(args.from_json.read_text())
        text = table(_group(saved["results"]), saved["meta"])  # {"meta": ..., "results": [...]}
        print(text)
        if not args.no_write:
            write_docs(text, args.out)
        return 0
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")

    import torch

    from motivic.train import accel

    cuda = args.device == "cuda" or (args.device == "auto" and torch.cuda.is_available())
    device = "cuda" if cuda else "cpu"
    n = args.n or (640 if args.small else PAPER_MOTIFS)
    if args.models is None:
        args.models = ["crnn", "reslstm"] if args.small else list(TABLE1)
    batches = args.batches if args.batches is not None else (3 if args.small else 0)
    threads = args.threads or accel.cpu_count()
    with tempfile.TemporaryDirectory() as tmp:
        store = args.store or Path(tmp) / "paper_sized.h5"
        if not store.exists():
            start = time.perf_counter()
            write_store(store, n)
            logger.info("wrote %s (%d motifs) in %.0f s", store, n, time.perf_counter() - start)
        from motivic.features import MelStore

        n = len(MelStore(store))
        meta = _meta(args, cuda=cuda, threads=threads, n=n, batches=batches, argv=argv)
        specs = [
            {**c, "store": str(store), "device": device, "threads": threads,
             "batches": batches, "warmup": args.warmup}
            for m in args.models
            for c in configurations(m, cuda)
        ]
        raw: list[dict] = []
        for rep in range(args.repeats):
            for spec in specs:
                result = _child(spec, args.timeout)
                logger.info(
                    "[%d/%d] %s · %s: %.1f samples/s, peak %.0f MiB%s",
                    rep + 1,
                    args.repeats,
                    spec["model"],
                    spec["label"],
                    result["samples_per_s"],
                    result["peak_mib"],
                    "" if result["gpu_util"] is None else f", GPU {result['gpu_util']:.0f} %",
                )
                raw.append(result)
                if args.json:  # every measurement so far: an interrupted run keeps them
                    args.json.write_text(json.dumps({"meta": meta, "results": raw}, indent=1))
    results = _group(raw)
    text = table(results, meta)
    print(text)
    if not args.no_write:
        write_docs(text, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
