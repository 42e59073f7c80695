"""Data types shared by every step of the extraction engine.

The engine is plain Python: nothing here (or anywhere under ``extractions/engine``)
may import Django, so that it can be run, tested and benchmarked on its own.

Coordinates are always normalised to the page: 0..1, origin at the top-left
corner, ``x`` to the right and ``y`` downwards, whatever the source (PDF points or
image pixels) and after the page has been turned upright.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

# Document failure codes (DESIGN.md, "Extraction lifecycle").
UNSUPPORTED_INPUT = "unsupported_input"
DOCUMENT_TOO_LARGE = "document_too_large"
PAGE_LIMIT_EXCEEDED = "page_limit_exceeded"
ENCRYPTED_DOCUMENT = "encrypted_document"
EXTRACTION_FAILED = "extraction_failed"
OCR_ERROR = "ocr_error"
INTERNAL_ERROR = "internal_error"
CLASSIFICATION_FAILED = "classification_failed"
DOCUMENT_MALFORMED = "document_malformed"  # a structure built to exhaust the reader (pdf_guard)

ExtractionTarget = Literal["per_doc", "per_page", "per_table_row"]
EXTRACTION_TARGETS: tuple[str, ...] = ("per_doc", "per_page", "per_table_row")

STEP_NAMES: tuple[str, ...] = (
    "intake",
    "text",
    "ocr",
    "classification",
    "images",
    "parsing",
    "location",
)

BBox = tuple[float, float, float, float]  # x0, y0, x1, y1, normalised 0..1


class EngineError(Exception):
    """A document the engine cannot process; ``code`` is one of the failure codes above."""

    def __init__(self, code: str, message: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        # Optional facts for the caller, e.g. the classifier's scores on classification_failed.
        self.details = details or {}


@dataclass(slots=True)
class Word:
    text: str
    page: int  # 1-based page number in the original document
    x0: float
    y0: float
    x1: float
    y1: float
    confidence: float = 1.0  # 1.0 for a PDF text layer, the recogniser's score for OCR
    source: Literal["text", "ocr"] = "text"

    @property
    def bbox(self) -> BBox:
        return (self.x0, self.y0, self.x1, self.y1)


@dataclass(slots=True)
class Ruling:
    """A drawn line segment (PDF vector graphics), used to read ruled tables."""

    page: int
    x0: float
    y0: float
    x1: float
    y1: float


@dataclass(slots=True)
class PageContent:
    number: int  # 1-based page number in the original document
    width: float  # in the source's own unit (PDF points or pixels), after rotation
    height: float
    words: list[Word] = field(default_factory=list)
    rulings: list[Ruling] = field(default_factory=list)
    source: Literal["text", "ocr", "empty"] = "text"
    rotation: int = 0  # degrees applied to turn the page upright (0, 90, 180, 270)
    # Embedded images, when they were collected while the page was read (None: not collected).
    images: list[ImageInfo] | None = field(default=None, repr=False, compare=False)
    # Free slot for a derived analysis of this page (e.g. layout.lines.analyze_page), so
    # the parsing and location steps need not redo it. Not data: never compared.
    cache: Any = field(default=None, repr=False, compare=False)


@dataclass(slots=True)
class Citation:
    page: int
    bbox: BBox
    text: str

    def as_dict(self) -> dict[str, Any]:
        return {"page": self.page, "bbox": [round(v, 4) for v in self.bbox], "text": self.text}


# The names of ``FillResult.evidence``'s numbers, in the calibrator's feature order: whether
# the label matcher read the field (else the concept rules alone decided), whether its ranker
# replaced the rules' pick, the rules' state (1 same value, 0 none, -1 another value), the
# ranker's best score for the chosen value and for any other value, their margin, the chosen
# value's share of all candidates' scores, how many distinct values and how many candidates
# held the chosen one, whether another candidate's text holds the chosen one's (a value
# cut short) or the chosen one holds another's, and the kind of value the field was read as
# (a party's name, an address, an identifier, free text, a code such as a currency or an
# email; amounts and dates are told by their values).
CHOICE_EVIDENCE: tuple[str, ...] = (
    "matched",
    "ranker_pick",
    "rule_state",
    "choice_top",
    "choice_runner_up",
    "choice_margin",
    "choice_share",
    "choice_values",
    "choice_same",
    "choice_longer_other",
    "choice_shorter_other",
    "value_name",
    "value_address",
    "value_id",
    "value_text",
    "value_code",
    # the ranker's own features of the best candidate holding the chosen value: how well its
    # label matches the field, where the value sits, whether it is the first or last date
    "label_name_cover",
    "label_cover",
    "label_concept_strong",
    "label_opposite",
    "label_colon",
    "label_where_same",
    "label_position_match",
    "label_is_min_date",
    "label_is_max_date",
)


@dataclass(slots=True)
class FillResult:
    """What the parsing step returns: schema-shaped data plus per-leaf evidence.

    ``citations`` and ``confidence`` are keyed by the leaf's JSON path, e.g.
    ``"invoice_number"``, ``"lines[2].amount"``, or for list targets ``"[0].total"``.
    Every non-null leaf has both; null leaves have neither.
    """

    data: Any
    citations: dict[str, Citation] = field(default_factory=dict)
    confidence: dict[str, float] = field(default_factory=dict)
    # Per scalar leaf, how its value was chosen (``parsing.fill.choice_evidence``: the
    # ranker's score of the chosen value and of the best other one, how many values
    # competed, whether the concept rules agreed). Read by the confidence calibrator only;
    # never part of the output.
    evidence: dict[str, dict[str, float]] = field(default_factory=dict, compare=False)


@dataclass(slots=True)
class ClassifierLabelSpec:
    name: str
    description: str = ""
    keywords: list[str] = field(default_factory=list)
    schema: dict[str, Any] | None = None  # schema of the parser this label routes to


@dataclass(slots=True)
class ClassificationResult:
    label: str | None  # None when no label scored above the threshold
    score: float
    scores: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "score": round(self.score, 4),
            "scores": {k: round(v, 4) for k, v in self.scores.items()},
        }


@dataclass(slots=True)
class ImageInfo:
    page: int
    bbox: BBox
    width: int  # pixels of the embedded image
    height: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "page": self.page,
            "bbox": [round(v, 4) for v in self.bbox],
            "width": self.width,
            "height": self.height,
        }


@dataclass(slots=True)
class PageInfo:
    number: int
    width: float
    height: float
    source: str
    rotation: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "width": self.width,
            "height": self.height,
            "source": self.source,
            "rotation": self.rotation,
        }


@dataclass(slots=True)
class StepTiming:
    name: str
    seconds: float

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "seconds": round(self.seconds, 4)}


class StepTimer:
    """Accumulates time per step; steps can be entered more than once (text/ocr alternate).
    ``on_step(name)`` is called the first time a step starts."""

    def __init__(self, on_step: Callable[[str], None] | None) -> None:
        self.on_step = on_step
        self.seconds: dict[str, float] = {}

    def start(self, name: str) -> None:
        if name not in self.seconds:
            self.seconds[name] = 0.0
            if self.on_step is not None:
                self.on_step(name)

    @contextmanager
    def timed(self, name: str) -> Iterator[None]:
        self.start(name)
        t0 = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] += time.perf_counter() - t0

    def add(self, name: str, seconds: float) -> None:
        self.start(name)
        self.seconds[name] += seconds

    def timings(self) -> list[StepTiming]:
        return [StepTiming(name, self.seconds.get(name, 0.0)) for name in STEP_NAMES]


class OcrCache(Protocol):
    """Where the OCR of page images is kept between runs (``read.ocr_cache``).

    A plain store of JSON-compatible payloads by key: the engine builds the keys (page pixels
    + OCR settings) and the payloads, and checks every payload it gets back, so a backend
    needs no knowledge of OCR. ``get`` answers None for a key it does not hold (or cannot
    read); ``put`` of a key that is already there keeps the stored payload and must not
    raise (two runs of the same page may race).
    """

    def get(self, key: str) -> dict[str, Any] | None: ...

    def put(self, key: str, payload: dict[str, Any]) -> None: ...


# The OCR inference library used unless a deployment says otherwise: OpenVINO runs the
# wheel's ONNX models for ~0.4x the CPU of ONNX Runtime at the same character error rate
# (README, "OCR on its own").
DEFAULT_OCR_BACKEND: Literal["onnxruntime", "openvino"] = "openvino"


@dataclass(slots=True)
class ExtractionOptions:
    pages: str | None = None  # "1,3,5-7"; None = all pages
    max_pages: int | None = None  # process at most this many of the selected pages
    target: ExtractionTarget = "per_doc"
    max_bytes: int = 150 * 1024 * 1024
    max_page_count: int = 1000
    ocr: Literal["auto", "always", "never"] = "auto"
    # ONNX Runtime threads per OCR session: 1 when a process runs per core (workers),
    # 0 = every core for a lone process (settings.PP_OCR_THREADS, README).
    ocr_threads: int = 1
    # OCR inference: "openvino" (default) or "onnxruntime", the same models (settings.
    # PP_OCR_BACKEND, README's OCR section: OpenVINO reads a page for ~0.4x the CPU)
    ocr_backend: Literal["onnxruntime", "openvino"] = DEFAULT_OCR_BACKEND
    # The characters the recogniser may read: "latin" (Latin-script, Greek, punctuation and
    # symbols: ~0.75x the CPU a page) or "all" (every script of its dictionary:
    # Chinese, Japanese). OpenVINO only; ONNX Runtime reads "all" (settings.PP_OCR_ALPHABET,
    # read/ocr_alphabet.py).
    ocr_alphabet: Literal["latin", "all"] = "latin"
    # Lines already read from the same page image (a re-run, another parser, evaluate's
    # --cache folder) are taken from here instead of running OCR again; None: no cache.
    ocr_cache: OcrCache | None = None
    include_images: bool = False
    classifier_labels: list[ClassifierLabelSpec] | None = None
    classification_threshold: float = 0.2
    # Called with each step name as it starts, so a caller can report progress.
    on_step: Callable[[str], None] | None = None


@dataclass(slots=True)
class ExtractionResult:
    data: Any
    citations: dict[str, Citation]
    confidence: dict[str, float]
    pages: list[PageInfo]
    content: list[str]  # full text in reading order, one string per processed page
    images: list[ImageInfo]
    classification: ClassificationResult | None
    steps: list[StepTiming]
    media_type: str
    page_count: int  # pages in the whole document (before page selection)

    def as_dict(self) -> dict[str, Any]:
        return {
            "data": self.data,
            "citations": {k: c.as_dict() for k, c in self.citations.items()},
            "confidence": {k: round(v, 4) for k, v in self.confidence.items()},
            "pages": [p.as_dict() for p in self.pages],
            "content": self.content,
            "images": [i.as_dict() for i in self.images],
            "classification": self.classification.as_dict() if self.classification else None,
            "steps": [s.as_dict() for s in self.steps],
            "media_type": self.media_type,
            "page_count": self.page_count,
        }


@dataclass(slots=True)
class KeyValuePair:
    """A form label and the value filled in next to it (forms.pairs.extract_pairs)."""

    key: str
    value: str | None  # None when the field is left empty
    page: int
    key_words: list[Word] = field(default_factory=list)
    value_words: list[Word] = field(default_factory=list)
    confidence: float = 0.5

    @property
    def key_bbox(self) -> BBox:
        return union_bbox(self.key_words)

    @property
    def value_bbox(self) -> BBox | None:
        return union_bbox(self.value_words) if self.value_words else None


@dataclass(slots=True)
class Found:
    """A value read from the page, with its evidence (the label and value finders, tables)."""

    value: Any
    words: list[Word]
    score: float  # 0..1: how well the way it was found supports it

    @property
    def page(self) -> int:
        return self.words[0].page

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)

    @property
    def ocr_confidence(self) -> float:
        return min(w.confidence for w in self.words) if self.words else 1.0


@dataclass(slots=True)
class Candidate:
    """One possible value for a field, with where it was read (prose.facts.find_field and friends)."""

    value: Any
    page: int
    bbox: BBox
    text: str
    confidence: float

    def citation(self) -> Citation:
        return Citation(page=self.page, bbox=self.bbox, text=self.text)


def union_bbox(words: list[Word]) -> BBox:
    """The smallest box around ``words`` (all on one page); (0, 0, 0, 0) for none."""
    if not words:
        return (0.0, 0.0, 0.0, 0.0)
    return (
        min(w.x0 for w in words),
        min(w.y0 for w in words),
        max(w.x1 for w in words),
        max(w.y1 for w in words),
    )
