"""OCR with RapidOCR (PP-OCR models shipped in the wheel: nothing is downloaded).

One engine per process, created on first use. The page is read in three stages
so that text detection runs once:

1. detection on the (at most ``MAX_SIDE`` px) image -> line boxes;
2. orientation: lines taller than wide mean a page turned by 90/270 degrees;
   the direction classifier, run on a handful of line crops, tells 0 from 180.
   The image and boxes are then turned upright (rotated pages are rare, and
   this costs one classifier batch, not a second OCR pass);
3. recognition of every line crop.

RapidOCR gives lines; downstream wants words, so each line is split at its
spaces, the split points placed by the typical width of each character.
"""

from __future__ import annotations

import os
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from ..types import DEFAULT_OCR_BACKEND, OCR_ERROR, EngineError, Word
from .ocr_alphabet import ALPHABETS, restrict_recogniser

# Bump when a change to this module alters what OCR reads from a page without changing one
# of the settings below: it is part of the OCR cache's key (ocr_cache.ocr_fingerprint), so
# lines read by the previous code are not served to the new one.
OCR_VERSION = 1
MAX_SIDE = 2000  # longer sides are scaled down first (RapidOCR does the same internally)
TEXT_SCORE = 0.5  # lines recognised with less confidence are dropped (RapidOCR's default)

# Tuned on the 40 SROIE receipts of the dev corpus (single-thread CPU s/image;
# printed total / date / company found in the text):
#   RapidOCR defaults (det min side 736, cls on every line)       3.55 s   40 / 37 / 34
#   det longest side 960, no per-line cls                         2.36 s   39 / 37 / 34
#   det longest side 1280 (small scans enlarged), no per-line cls  2.48 s   40 / 37 / 34
#   ... and recogniser batches padded to 160 px, not 320           2.05 s   40 / 37 / 34
# Detection only needs to find lines: recognition reads crops of the full-resolution
# image. Short crops (amounts, quantities) were all padded to 320 px wide for the
# recogniser; 160 px does the same work for them in half the time. On a generated
# A4 invoice scan (743 characters) one page costs 2.6 s CPU instead of 3.6 s.
#
# Pages of at least 2 x DET_SIDE_FAST px are first detected at DET_SIDE_FAST (a quarter
# of the pixels of DET_SIDE); that pass is kept when the 10th percentile of its line-box
# heights (detector margin included) is >= DET_MIN_LINE_PX. Measured on the dev corpus:
# every receipt where the fast pass lost lines (34 of 42, 19 of 60 boxes...) was under
# 14 px and is detected again; the 100 dpi FUNSD forms (1000 px) lost key/value pairs
# when shrunk to 640 px (F1 63.6 -> 59.0 %) even at 14 px, hence the resolution floor.
# Receipt scores unchanged or better; the bench's A4 scans (2000 px renders of 150 dpi
# scans, 10 pt text) keep the fast pass: detection ~0.5 -> ~0.1 s CPU a page.
DET_SIDE = 1280
DET_SIDE_FAST = 640
DET_MIN_LINE_PX = 14

ENGINE_PARAMS: dict[str, Any] = {
    "Global.log_level": "error",
    "Global.use_cls": False,  # orientation is decided once per page, below
    "Global.text_score": TEXT_SCORE,
    "Det.limit_type": "max",
    "Det.limit_side_len": DET_SIDE,
    "Rec.rec_batch_num": 6,
    "Rec.rec_img_shape": [3, 48, 160],
}

# Threads per ONNX Runtime session: ``ExtractionOptions.ocr_threads`` (settings:
# PP_OCR_THREADS). One by default: workers run one process per core (README:
# --concurrency 2 on 2 cores), so a second thread per session only oversubscribes the
# cores. Measured on SROIE receipts (bench/engine_speed.py): one thread 2.33 s/page wall
# (2.33 s CPU); two threads 1.97 s/page when the other core is free, 2.9 s when other
# processes keep it busy. 0 = every core (a lone process: the extract command).
_engines: dict[tuple[int, str, str], Any] = {}

# The inference backend (``ExtractionOptions.ocr_backend``): "openvino" (the ``openvino``
# wheel, the default) or "onnxruntime" running the same ONNX models. Measured with
# bench/ocr.py (README, OCR section): OpenVINO reads a receipt for ~0.4x the CPU of ONNX
# Runtime, an A4 form for ~0.35x, one thread each; its numerics differ slightly, so its
# text differs on a few lines (field scores: README).
BACKENDS = ("onnxruntime", "openvino")
# OpenVINO's CPU plugin reserves address space up front: measured, its sessions fail (empty
# outputs or "could not start") under an RLIMIT_AS of 1.5 GB and run under 2 GB. Processes
# capped tighter than this (a retry's memory-limited child, the web process's sandbox) read
# with ONNX Runtime, which runs under 1 GB.
OPENVINO_MIN_ADDRESS_SPACE = 2048 * 1024 * 1024
# Model files replacing the wheel's ({"Det": path, "Rec": path}), for experiments
# (bench/ocr.py --variant); int8 models measured worse, see the README.
MODEL_PATHS: dict[str, Path] = {}
_engine_lock = threading.Lock()
# onnxruntime sessions are not meant to be driven by two threads at once here.
_run_lock = threading.Lock()


def effective_backend(backend: str) -> str:
    """The backend this process can run: ``backend``, unless OpenVINO is asked for under an
    address-space cap it cannot start in (``OPENVINO_MIN_ADDRESS_SPACE``)."""
    if backend != "openvino":
        return backend
    import resource

    soft, _hard = resource.getrlimit(resource.RLIMIT_AS)
    if soft != resource.RLIM_INFINITY and soft < OPENVINO_MIN_ADDRESS_SPACE:
        return "onnxruntime"
    return backend


def effective_alphabet(backend: str, alphabet: str) -> str:
    """The alphabet ``backend`` reads with: ONNX Runtime runs the wheel's model as it is."""
    if alphabet not in ALPHABETS:
        raise EngineError(OCR_ERROR, f"Unknown OCR alphabet {alphabet!r}: one of {ALPHABETS}.")
    return alphabet if effective_backend(backend) == "openvino" else "all"


def session_threads(threads: int) -> int:
    """ONNX Runtime intra-op threads for a requested count (0 or less: every core)."""
    return threads if threads >= 1 else max(os.cpu_count() or 1, 1)


def get_engine(
    threads: int = 1, backend: str = DEFAULT_OCR_BACKEND, alphabet: str = "latin"
) -> Any:
    """The process's RapidOCR engine for ``threads``, ``backend`` and ``alphabet`` (one per
    combination asked for: normally one)."""
    if backend not in BACKENDS:
        raise EngineError(OCR_ERROR, f"Unknown OCR backend {backend!r}: one of {BACKENDS}.")
    key = (
        session_threads(threads),
        effective_backend(backend),
        effective_alphabet(backend, alphabet),
    )
    engine = _engines.get(key)
    if engine is None:
        with _engine_lock:
            engine = _engines.get(key)
            if engine is None:
                try:
                    engine = _engines[key] = _create_engine(*key)
                except Exception as exc:
                    raise EngineError(
                        OCR_ERROR, f"The OCR engine could not start ({exc})."
                    ) from exc
    return engine


def _create_engine(threads: int, backend: str, alphabet: str) -> Any:
    """RapidOCR with its three ONNX sessions loaded now, with our session options.

    Measured on receipts: ONNX Runtime's memory patterns, kept per input shape,
    grew a worker's RSS from ~450 to ~610 MB over 24 receipts (every page has its
    own size) at no speed gain; spinning worker threads cost ~20% more CPU when
    other processes share the cores. Both are turned off. RapidOCR builds its
    sessions through ``OrtInferSession._init_sess_opts``, wrapped here only while
    the sessions are created.
    """
    from rapidocr import RapidOCR

    params = {**ENGINE_PARAMS, "EngineConfig.onnxruntime.intra_op_num_threads": threads}
    for task, path in MODEL_PATHS.items():
        params[f"{task}.model_path"] = str(path)
    if backend == "openvino":
        return _create_openvino_engine(params, threads, alphabet)
    try:
        from rapidocr.inference_engine.onnxruntime import main as ort_main

        original = ort_main.OrtInferSession.__dict__["_init_sess_opts"]
    except (ImportError, AttributeError, KeyError):  # another rapidocr layout: plain defaults
        return RapidOCR(params=params)

    def session_options(cfg: Any) -> Any:
        options = original.__func__(cfg)
        # RapidOCR ignores counts above os.cpu_count(); the deployment's choice is kept
        options.intra_op_num_threads = threads
        options.enable_mem_pattern = False
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        return options

    ort_main.OrtInferSession._init_sess_opts = staticmethod(session_options)
    try:
        engine = RapidOCR(params=params)
        for load in ("_load_det_model", "_load_cls_model", "_load_rec_model"):
            getattr(engine, load)()
    finally:
        ort_main.OrtInferSession._init_sess_opts = original
    return engine


def _create_openvino_engine(params: dict[str, Any], threads: int, alphabet: str) -> Any:
    """RapidOCR on OpenVINO, reading the ONNX models of the rapidocr wheel (its own
    OpenVINO model list points at downloads: nothing is downloaded here); with the "latin"
    alphabet the recogniser's output layer is cut as the model is read (``ocr_alphabet``)."""
    import rapidocr
    from rapidocr import EngineType, RapidOCR
    from rapidocr.inference_engine.openvino import main as ov_main

    models = Path(rapidocr.__file__).parent / "models"
    for task, pattern in (
        ("Det", "*_det_*.onnx"),
        ("Cls", "*_cls_*.onnx"),
        ("Rec", "*_rec_*.onnx"),
    ):
        if f"{task}.model_path" not in params:
            found = sorted(models.glob(pattern))
            if len(found) != 1:
                raise RuntimeError(f"no single {task} model in {models}: {found}")
            params[f"{task}.model_path"] = str(found[0])
        params[f"{task}.engine_type"] = EngineType.OPENVINO
    params["EngineConfig.openvino.inference_num_threads"] = threads
    recogniser = params["Rec.model_path"]
    core_class = ov_main.Core

    class RestrictingCore(core_class):  # type: ignore[misc, valid-type]
        def read_model(self, model: Any, *args: Any, **kwargs: Any) -> Any:
            read = super().read_model(model, *args, **kwargs)
            if alphabet == "latin" and str(model) == str(recogniser):
                restrict_recogniser(read)
            return read

    # RapidOCR reads and compiles each model in its session's constructor: the cut is made
    # between the two, so the full output layer is never compiled
    ov_main.Core = RestrictingCore
    try:
        engine = RapidOCR(params=params)
        for load in ("_load_det_model", "_load_cls_model", "_load_rec_model"):
            getattr(engine, load)()
    finally:
        ov_main.Core = core_class
    return engine


@dataclass(slots=True)
class OcrLine:
    text: str
    score: float
    points: np.ndarray  # 4x2 float, pixels of the upright image: tl, tr, br, bl


@dataclass(slots=True)
class OcrPage:
    words: list[Word]
    lines: list[OcrLine]
    width: int  # upright image size in pixels
    height: int
    rotation: int  # degrees the input was turned clockwise to be upright


def ocr_image(
    image: Image.Image,
    page: int,
    *,
    detect_orientation: bool = True,
    threads: int = 1,
    backend: str = DEFAULT_OCR_BACKEND,
    alphabet: str = "latin",
) -> OcrPage:
    """Read an (EXIF-transposed) page image; word boxes are normalised to the upright page.

    ``threads``, ``backend``, ``alphabet``: inference threads of the sessions, the inference
    library and the characters the recogniser reads (``ExtractionOptions.ocr_threads``,
    ``ocr_backend``, ``ocr_alphabet``).
    """
    try:
        rgb = image if image.mode == "RGB" else image.convert("RGB")
        scale = 1.0
        longest = max(rgb.size)
        if longest > MAX_SIDE:
            scale = MAX_SIDE / longest
            rgb = rgb.resize(
                (max(1, round(rgb.width * scale)), max(1, round(rgb.height * scale))),
                Image.Resampling.BILINEAR,
            )
        arr = np.asarray(rgb)
        with _run_lock:
            lines, rotation, (h, w) = _read(
                get_engine(threads, backend, alphabet), arr, detect_orientation
            )
    except (EngineError, MemoryError):
        raise  # MemoryError: the per-task memory limit, reported as document_too_large
    except Exception as exc:
        raise EngineError(
            OCR_ERROR, f"OCR failed on page {page} ({type(exc).__name__}: {exc})."
        ) from exc
    words: list[Word] = []
    for line in lines:
        words.extend(split_line(line, page, w, h))
    return OcrPage(words=words, lines=lines, width=w, height=h, rotation=rotation)


def _read(
    engine: Any, arr: np.ndarray, detect_orientation: bool
) -> tuple[list[OcrLine], int, tuple[int, int]]:
    boxes = _detect(engine, arr)
    if boxes is None:
        return [], 0, arr.shape[:2]
    rotation = 0
    if detect_orientation:
        rotation = _orientation(engine, arr, boxes)
        if rotation:
            arr, boxes = rotate_image_and_boxes(arr, boxes, rotation)
    boxes = np.stack([_order_points(b) for b in boxes])
    from rapidocr.ch_ppocr_rec import TextRecInput
    from rapidocr.utils.process_img import get_rotate_crop_image

    crops = [get_rotate_crop_image(arr, b.copy()) for b in boxes]
    rec = engine._load_rec_model()(TextRecInput(img=crops))
    lines = []
    for box, text, score in zip(boxes, rec.txts or (), rec.scores or (), strict=False):
        text = text.strip()
        if text and score >= TEXT_SCORE:
            lines.append(OcrLine(text, float(score), box))
    return reading_order(lines), rotation, arr.shape[:2]


def _detect(engine: Any, arr: np.ndarray) -> np.ndarray | None:
    """Line boxes in ``arr`` pixels, detected at a scale suited to the page.

    A high-resolution page (at least twice DET_SIDE_FAST px) is first detected at
    DET_SIDE_FAST px: downsampling it keeps clean strokes, and when the smaller line
    boxes there are at least DET_MIN_LINE_PX tall the print is large enough for those
    boxes to be kept (A4 scans, large-print receipts: a quarter of the detector's
    work). Otherwise, and for low-resolution pages (a 100 dpi form loses the detail
    the detector needs when shrunk), lines are detected at DET_SIDE. Recognition
    always reads crops of the full image.
    """
    fast = None
    if max(arr.shape[:2]) >= 2 * DET_SIDE_FAST:
        fast, fast_scale = _detect_at(engine, arr, DET_SIDE_FAST)
        if fast is not None:
            # a box's short side is its line's height, upright or sideways (a page
            # turned 90 degrees has vertical lines, as tall as they are long)
            side_a = np.linalg.norm(fast[:, 1] - fast[:, 0], axis=1)
            side_b = np.linalg.norm(fast[:, 2] - fast[:, 1], axis=1)
            heights = np.minimum(side_a, side_b)
            # the smaller lines decide: when they are small here, fainter or smaller
            # ones were probably missed altogether (8 pt items under a 12 pt header)
            if float(np.percentile(heights, 10)) >= DET_MIN_LINE_PX:
                return fast / fast_scale
    boxes, scale = _detect_at(engine, arr, DET_SIDE)
    if boxes is None:
        # thin print that only the smaller pass blurred into lines
        return None if fast is None else fast / fast_scale
    return boxes / scale


def _detect_at(engine: Any, arr: np.ndarray, side: int) -> tuple[np.ndarray | None, float]:
    """Boxes in pixels of the image scaled so its longer side is ``side`` (enlarged <= 2x)."""
    h, w = arr.shape[:2]
    scale = min(side / max(h, w), 2.0)
    det_img = arr
    if abs(scale - 1.0) > 0.05:
        import cv2

        size = (max(1, round(w * scale)), max(1, round(h * scale)))
        interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
        det_img = cv2.resize(arr, size, interpolation=interpolation)
    else:
        scale = 1.0
    det = engine(det_img, use_det=True, use_cls=False, use_rec=False)
    boxes = getattr(det, "boxes", None)
    if boxes is None or len(boxes) == 0:
        return None, scale
    return np.asarray(boxes, dtype=np.float32), scale


def reading_order(lines: list[OcrLine]) -> list[OcrLine]:
    """Top to bottom; lines whose vertical centres are within half a line height share a row."""
    if not lines:
        return lines
    heights = sorted(float(ln.points[:, 1].max() - ln.points[:, 1].min()) for ln in lines)
    tolerance = max(heights[len(heights) // 2] / 2, 1.0)
    by_y = sorted(lines, key=lambda ln: float(ln.points[:, 1].mean()))
    rows: list[list[OcrLine]] = []
    row_y = 0.0
    for ln in by_y:
        cy = float(ln.points[:, 1].mean())
        if rows and cy - row_y <= tolerance:
            rows[-1].append(ln)
        else:
            rows.append([ln])
            row_y = cy
    return [ln for row in rows for ln in sorted(row, key=lambda ln: float(ln.points[:, 0].min()))]


def _edge_lengths(box: np.ndarray) -> tuple[float, float]:
    w = float(np.linalg.norm(box[1] - box[0]) + np.linalg.norm(box[2] - box[3])) / 2
    h = float(np.linalg.norm(box[3] - box[0]) + np.linalg.norm(box[2] - box[1])) / 2
    return w, h


PROBE_CROPS = 12


def _orientation(engine: Any, arr: np.ndarray, boxes: np.ndarray) -> int:
    """Clockwise degrees (0/90/180/270) that turn the page upright."""
    horizontal = vertical = 0.0
    for box in boxes:
        x0, y0 = box.min(axis=0)
        x1, y1 = box.max(axis=0)
        bw, bh = x1 - x0, y1 - y0
        # Only clearly elongated boxes say which way the lines run.
        if bw >= 2 * bh:
            horizontal += bw
        elif bh >= 2 * bw:
            vertical += bh
    quarter = 90 if vertical > horizontal else 0
    if quarter:
        arr, boxes = rotate_image_and_boxes(arr, boxes, quarter)
    # Up to a dozen of the longest lines decide between upright and upside down.
    from rapidocr.utils.process_img import get_rotate_crop_image

    boxes = np.stack([_order_points(b) for b in boxes])
    lengths = [(_edge_lengths(b)[0], i) for i, b in enumerate(boxes)]
    lengths.sort(reverse=True)
    crops = []
    for length, i in lengths[:PROBE_CROPS]:
        if length < 16:
            break
        crops.append(get_rotate_crop_image(arr, boxes[i].copy()))
    if not crops:
        return quarter
    cls = engine._load_cls_model()(crops)
    flip = 0.0
    for label, score in cls.cls_res:
        flip += score if "180" in str(label) else -score
    return (quarter + (180 if flip > 0 else 0)) % 360


def rotate_image_and_boxes(
    arr: np.ndarray, boxes: np.ndarray, degrees: int
) -> tuple[np.ndarray, np.ndarray]:
    """Turn an image clockwise by 90/180/270 degrees, moving box points along."""
    h, w = arr.shape[:2]
    x, y = boxes[..., 0], boxes[..., 1]
    if degrees == 90:
        out = np.rot90(arr, k=-1)
        nx, ny = (h - 1) - y, x
    elif degrees == 180:
        out = np.rot90(arr, k=2)
        nx, ny = (w - 1) - x, (h - 1) - y
    elif degrees == 270:
        out = np.rot90(arr, k=1)
        nx, ny = y, (w - 1) - x
    else:
        return arr, boxes
    return np.ascontiguousarray(out), np.stack([nx, ny], axis=-1).astype(np.float32)


def _order_points(box: np.ndarray) -> np.ndarray:
    """Reorder 4 points as top-left, top-right, bottom-right, bottom-left of the text line."""
    pts = np.asarray(box, dtype=np.float32).reshape(4, 2)
    s = pts.sum(axis=1)
    d = pts[:, 1] - pts[:, 0]
    tl, br = pts[np.argmin(s)], pts[np.argmax(s)]
    tr, bl = pts[np.argmin(d)], pts[np.argmax(d)]
    out = np.stack([tl, tr, br, bl])
    if len({tuple(p) for p in out.tolist()}) < 4:
        return pts  # degenerate: keep the detector's order
    return out


# --------------------------------------------------------------------------- words

_NARROW = set("iljtfrI.,:;'!|()[]{}`\"-/")
_WIDE = set("mwMW@%&")


def _char_width(ch: str) -> float:
    if ch == " ":
        return 0.35
    if ch in _NARROW:
        return 0.35
    if ch in _WIDE:
        return 0.9
    if ch.isupper() or ch.isdigit():
        return 0.65
    if ord(ch) > 0x2E80:  # CJK: full width
        return 1.0
    return 0.55


def split_line(line: OcrLine, page: int, width: int, height: int) -> list[Word]:
    """Words of one recognised line, boxes placed by estimated character widths."""
    text = _SPACED_DECIMALS.sub(".", line.text)
    widths = [_char_width(ch) for ch in text]
    total = sum(widths) or 1.0
    tl, tr, br, bl = (line.points[i] for i in range(4))
    words: list[Word] = []
    pos = 0.0
    start = None
    start_pos = 0.0
    for i, ch in enumerate(text + " "):
        if ch == " ":
            if start is not None:
                words.append(
                    _word(
                        repair_token(text[start:i]),
                        start_pos / total,
                        pos / total,
                        tl,
                        tr,
                        br,
                        bl,
                        page,
                        width,
                        height,
                        line.score,
                    )
                )
                start = None
        elif start is None:
            start = i
            start_pos = pos
        if i < len(text):
            pos += widths[i]
    return words


# A space the recogniser put beside a decimal point ("RM152. 00", "27 .50"): the cents are
# exactly two digits, not followed by another point (a spaced date, "12. 05. 2020", keeps its
# spaces) or digit.
_SPACED_DECIMALS = re.compile(r"(?<=\d)(?:\. | \.)(?=\d{2}(?![\d.]))")


# An upper-case word with one stray bracket in it ("MENTA[", "SCTENT]FIC"): the recogniser's
# confusion with a capital I. Bracketed codes ("[BWM0034]"), words in other cases ("Agent]")
# and bars (column rules: "QTY|PRICE") keep theirs.
_STRAY_BRACKET = re.compile(r"[A-Z]{2,}[\[\]][A-Z]*")


# A fill line printed against a word ("appeared_", "_1992", "A.D.M.__"): forms rule a line
# to write on after their labels, and the recogniser reads its end as underscores. Inside a
# word an underscore is text ("john_doe@x.com", "INV_2024") and a word of only underscores is
# the line itself: both kept.
_FILL_LINE_EDGES = re.compile(r"^_+(?=[^_])|(?<=[^_])_+$")


def repair_token(token: str) -> str:
    """An OCR word with the recogniser's known confusions undone: a stray bracket in an
    upper-case word is the capital I, underscores at a word's edge are a fill line."""
    if _STRAY_BRACKET.fullmatch(token):
        token = token.replace("[", "I").replace("]", "I")
    return _FILL_LINE_EDGES.sub("", token)


def _word(
    text: str,
    s: float,
    e: float,
    tl: np.ndarray,
    tr: np.ndarray,
    br: np.ndarray,
    bl: np.ndarray,
    page: int,
    width: int,
    height: int,
    score: float,
) -> Word:
    top_s, top_e = tl + (tr - tl) * s, tl + (tr - tl) * e
    bot_s, bot_e = bl + (br - bl) * s, bl + (br - bl) * e
    xs = (top_s[0], top_e[0], bot_s[0], bot_e[0])
    ys = (top_s[1], top_e[1], bot_s[1], bot_e[1])

    def clamp(v: float) -> float:
        return 0.0 if v < 0.0 else (1.0 if v > 1.0 else v)

    return Word(
        text=text,
        page=page,
        x0=clamp(float(min(xs)) / width),
        y0=clamp(float(min(ys)) / height),
        x1=clamp(float(max(xs)) / width),
        y1=clamp(float(max(ys)) / height),
        confidence=round(score, 4),
        source="ocr",
    )
