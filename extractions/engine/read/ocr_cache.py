"""The OCR of page images, kept between runs so that the same page is not read twice.

A page image is looked up by a key made of its pixels (mode, size, palette, bytes: exactly
what OCR is given) and of a fingerprint of everything else that decides what OCR reads: the
model files, the inference backend and its version, this code's settings and version, the
orientation switch. Any change there is a new key, so a stale entry is never served; the
thread count is left out (it changes the speed, not the text).

What is kept is OCR's own output, the recognised lines (text, score, four corner points in
the upright image's pixels), the page's rotation and size, as JSON: a store may hold
customer text, and a payload must be safe to load whoever wrote it. Words are rebuilt from
the lines with ``ocr.split_line`` on a hit, as on a fresh read, so both give the same words.
The seconds the original read took are kept too, so that a benchmark served from the cache
can still report what reading costs.

Two stores: ``DirectoryOcrCache`` (a folder, one JSON file per key: ``evaluate --cache``,
``train_engine --cache``) and the per-organization table of the extractions app (the runner).
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import os
import tempfile
import threading
import time
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from ..types import DEFAULT_OCR_BACKEND, OcrCache
from . import ocr

# The payload's layout; part of the key, so entries of another layout are never looked up.
PAYLOAD_VERSION = 1
_file_digests: dict[tuple[str, int, int], str] = {}
_digest_lock = threading.Lock()


def _file_sha256(path: Path) -> str:
    """The file's sha256, computed once per process while its size and mtime stay."""
    st = path.stat()
    memo = (str(path), st.st_size, st.st_mtime_ns)
    with _digest_lock:
        found = _file_digests.get(memo)
        if found is None:
            h = hashlib.sha256()
            with open(path, "rb") as fh:
                for chunk in iter(lambda: fh.read(1 << 20), b""):
                    h.update(chunk)
            found = _file_digests[memo] = h.hexdigest()
    return found


@functools.cache
def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "-"


def _model_files() -> list[Path]:
    """The ONNX models the engine may load: the wheel's, and any replacing them."""
    import rapidocr  # loads its inference stack: only a run that uses a cache gets here

    files = sorted((Path(rapidocr.__file__).parent / "models").glob("*.onnx"))
    return files + [Path(ocr.MODEL_PATHS[task]) for task in sorted(ocr.MODEL_PATHS)]


def ocr_fingerprint(
    *, backend: str, detect_orientation: bool = True, alphabet: str = "latin"
) -> str:
    """A digest of everything but the pixels that decides what OCR reads from a page.

    Read afresh on each call (benchmarks change the OCR module's settings at run time); the
    model files (~32 MB) are hashed once per process, and only by a run that uses a cache."""
    parts = {
        "payload": PAYLOAD_VERSION,
        "ocr": ocr.OCR_VERSION,
        "backend": backend,
        "alphabet": ocr.effective_alphabet(backend, alphabet),
        "backend_version": _version(backend),
        "rapidocr": _version("rapidocr"),
        "models": [[p.name, _file_sha256(p)] for p in _model_files()],
        "max_side": ocr.MAX_SIDE,
        "text_score": ocr.TEXT_SCORE,
        "det": [ocr.DET_SIDE, ocr.DET_SIDE_FAST, ocr.DET_MIN_LINE_PX],
        "probe_crops": ocr.PROBE_CROPS,
        "params": ocr.ENGINE_PARAMS,
        "detect_orientation": detect_orientation,
    }
    text = json.dumps(parts, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def page_key(image: Image.Image, fingerprint: str) -> str:
    """The cache key of ``image`` as OCR is given it, read with the ``fingerprint`` settings."""
    h = hashlib.sha256()
    h.update(f"{fingerprint}\n{image.mode}\n{image.width}x{image.height}\n".encode())
    palette = image.getpalette() if image.mode in ("P", "PA") else None
    if palette:
        h.update(bytes(palette))
    h.update(image.tobytes())
    return h.hexdigest()


@dataclass(slots=True)
class CachedRead:
    """A page's OCR as the cache holds it."""

    lines: list[ocr.OcrLine]
    width: int
    height: int
    rotation: int
    seconds: float  # wall seconds the original read took
    cpu_seconds: float  # process CPU seconds of the same

    def page(self, number: int) -> ocr.OcrPage:
        words = [
            w for line in self.lines for w in ocr.split_line(line, number, self.width, self.height)
        ]
        return ocr.OcrPage(
            words=words,
            lines=self.lines,
            width=self.width,
            height=self.height,
            rotation=self.rotation,
        )


def encode(page: ocr.OcrPage, *, seconds: float, cpu_seconds: float) -> dict[str, Any] | None:
    """The JSON payload for a page's OCR; None if it cannot be stored faithfully (a value
    JSON or PostgreSQL's jsonb cannot hold: not a finite number, a NUL character)."""
    lines = []
    for line in page.lines:
        points = [float(v) for v in np.asarray(line.points, dtype=np.float32).reshape(8)]
        if "\x00" in line.text or not all(map(math.isfinite, [*points, line.score])):
            return None
        lines.append([line.text, float(line.score), points])
    return {
        "v": PAYLOAD_VERSION,
        "width": int(page.width),
        "height": int(page.height),
        "rotation": int(page.rotation),
        "lines": lines,
        "seconds": round(float(seconds), 4),
        "cpu_seconds": round(float(cpu_seconds), 4),
    }


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def decode(payload: Any) -> CachedRead | None:
    """The cached read in ``payload``, or None when it is not a whole, well-formed entry
    (truncated, edited, of another layout): a miss, never an error."""
    try:
        if not isinstance(payload, dict) or payload.get("v") != PAYLOAD_VERSION:
            return None
        width, height, rotation = payload["width"], payload["height"], payload["rotation"]
        payload_ints = (width, height, rotation)
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in payload_ints):
            return None
        if width < 1 or height < 1 or rotation not in (0, 90, 180, 270):
            return None
        seconds, cpu = payload["seconds"], payload["cpu_seconds"]
        if not (_number(seconds) and _number(cpu)):
            return None
        lines = []
        for item in payload["lines"]:
            text, score, points = item
            if not (isinstance(text, str) and text and _number(score)):
                return None
            if not (isinstance(points, list) and len(points) == 8 and all(map(_number, points))):
                return None
            pts = np.asarray(points, dtype=np.float32).reshape(4, 2)
            lines.append(ocr.OcrLine(text, float(score), pts))
    except (KeyError, TypeError, ValueError):
        return None
    return CachedRead(lines, width, height, rotation, float(seconds), float(cpu))


def read_page(
    image: Image.Image,
    page: int,
    *,
    cache: OcrCache | None,
    detect_orientation: bool = True,
    threads: int = 1,
    backend: str = DEFAULT_OCR_BACKEND,
    alphabet: str = "latin",
) -> ocr.OcrPage:
    """``ocr.ocr_image`` through ``cache``: the stored lines of this very image when there
    are some, else OCR now and store what it read."""
    backend = ocr.effective_backend(backend)  # the key says which backend really read it
    read = {
        "detect_orientation": detect_orientation,
        "threads": threads,
        "backend": backend,
        "alphabet": alphabet,
    }
    if cache is None:
        return ocr.ocr_image(image, page, **read)
    fingerprint = ocr_fingerprint(
        backend=backend, detect_orientation=detect_orientation, alphabet=alphabet
    )
    key = page_key(image, fingerprint)
    hit = decode(cache.get(key))
    if hit is not None:
        return hit.page(page)
    wall, cpu = time.perf_counter(), time.process_time()
    result = ocr.ocr_image(image, page, **read)
    payload = encode(
        result, seconds=time.perf_counter() - wall, cpu_seconds=time.process_time() - cpu
    )
    if payload is not None:
        cache.put(key, payload)
    return result


class DirectoryOcrCache:
    """One JSON file per key in a folder (evaluation and training runs on local corpora)."""

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self.dir = Path(directory)
        self.dir.mkdir(parents=True, exist_ok=True)

    def _path(self, key: str) -> Path:
        if len(key) != 64 or not all(c in "0123456789abcdef" for c in key):
            raise ValueError(f"not an OCR cache key: {key!r}")
        return self.dir / f"{key}.json"

    def get(self, key: str) -> dict[str, Any] | None:
        try:
            payload = json.loads(self._path(key).read_text(encoding="utf-8"))
        except (OSError, ValueError):  # absent, or an unreadable or truncated file: a miss
            return None
        return payload if isinstance(payload, dict) else None

    def put(self, key: str, payload: dict[str, Any]) -> None:
        # written aside and renamed: a reader never sees half a file, and two writers of the
        # same key (the same lines) leave one whole file
        path = self._path(key)
        fd, tmp = tempfile.mkstemp(dir=self.dir, prefix=f".{key}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(payload, fh, separators=(",", ":"))
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


class TallyingOcrCache:
    """A cache that counts its hits and misses and adds up the seconds that the hits' original
    reads took (``evaluate`` reports the real cost of reading a page, cached or not)."""

    def __init__(self, inner: OcrCache) -> None:
        self.inner = inner
        self.reset()

    def reset(self) -> None:
        self.hits = 0
        self.misses = 0
        self.saved_seconds = 0.0  # the hits' original OCR time
        self.lookup_seconds = 0.0  # time spent serving the hits instead

    def get(self, key: str) -> dict[str, Any] | None:
        t0 = time.perf_counter()
        payload = self.inner.get(key)
        hit = decode(payload)
        if hit is None:
            self.misses += 1
            return None
        self.hits += 1
        self.saved_seconds += hit.seconds
        self.lookup_seconds += time.perf_counter() - t0
        return payload

    def put(self, key: str, payload: dict[str, Any]) -> None:
        self.inner.put(key, payload)
