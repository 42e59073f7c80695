"""The recogniser's alphabet: the scripts our documents are printed in, not all 18,710 classes.

The wheel's recogniser (PP-OCRv6 small) ends in one linear layer that scores every character
of its multi-script dictionary at every time step: 120 x 18,710 weights, 2.2 M of its 5.3 M,
then a softmax over the 18,710 scores and numpy's argmax/max over them for decoding. Our
documents are Latin-script (EN/FR/DE/NL/ES and other European languages: the schemas, the
lexicon and every corpus), so the OpenVINO model is cut, as it is read, to the classes of
``KEPT_RANGES`` (about 880, with CTC's blank and the space): the same weights, the same
scores for the kept characters before the softmax, a twentieth of the head's work.

Measured (bench/ocr.py --limit 10, README "OCR on its own"), CPU per page: receipts 0.80 ->
0.61 s (train) and 0.63 -> 0.59 s (dev), A4 forms 1.12 -> 0.86 and 0.97 -> 0.76 s, at the same
character error rate; every field score of ``evaluate`` on train and dev unchanged.
``PP_OCR_ALPHABET=all`` (``ExtractionOptions.ocr_alphabet``) keeps every class, for a
deployment that reads Chinese or Japanese documents (the dictionary holds 15,908 CJK
ideographs and the kana; no Hangul, Arabic or Cyrillic letters).
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np

OcrAlphabet = Literal["latin", "all"]
ALPHABETS: tuple[str, ...] = ("latin", "all")

# Unicode blocks kept by "latin": Basic Latin and Latin-1 (letters, digits, punctuation,
# £ ¥ ° µ), Latin Extended-A/B and Additional (Polish, Czech, Turkish, Vietnamese letters),
# Greek (µ, Ω, Greek words in European documents), General Punctuation (dashes, quotes,
# bullets, ‰), Currency Symbols (€ ₹ ₽ ...), Letterlike and Number Forms (™ № ℃ Ⅻ) and
# Mathematical Operators (− × ≤ ≥ ∑ on invoices and forms).
KEPT_RANGES: tuple[tuple[int, int], ...] = (
    (0x0020, 0x024F),
    (0x0370, 0x03FF),
    (0x1E00, 0x1EFF),
    (0x2000, 0x206F),
    (0x20A0, 0x20CF),
    (0x2100, 0x218F),
    (0x2200, 0x22FF),
)


def kept(character: str) -> bool:
    """Whether the "latin" alphabet keeps this dictionary entry (one character)."""
    return len(character) == 1 and any(lo <= ord(character) <= hi for lo, hi in KEPT_RANGES)


def restrict_recogniser(model: Any) -> int:
    """Cut an OpenVINO recogniser's output layer, in place, to the kept characters.

    The model's dictionary (``rt_info['framework']['character']``, one character per line)
    is rewritten to match, so RapidOCR's decoder reads the new class order. Classes are
    CTC's: 0 is the blank, 1..n the dictionary, n+1 the space (RapidOCR's decoder adds
    both). Returns the number of classes kept; raises ``ValueError`` when the model does not
    end in the linear layer + bias this expects (another model: use the "all" alphabet).
    """
    from openvino import opset13

    characters = model.get_rt_info()["framework"]["character"].value.splitlines()
    ops = model.get_ordered_ops()
    matmul = next((op for op in reversed(ops) if op.get_type_name() == "MatMul"), None)
    bias = next((op for op in reversed(ops) if op.get_type_name() == "Add"), None)
    if matmul is None or bias is None:
        raise ValueError("the recogniser has no final linear layer")
    weights = matmul.input_value(1).get_node()
    offsets = bias.input_value(1).get_node()
    classes = len(characters) + 2
    if (
        weights.get_type_name() != "Constant"
        or offsets.get_type_name() != "Constant"
        or weights.get_output_shape(0)[-1] != classes
        or offsets.get_output_shape(0)[-1] != classes
    ):
        raise ValueError("the recogniser's last layer does not score its dictionary")
    keep = [0] + [i + 1 for i, c in enumerate(characters) if kept(c)] + [classes - 1]
    w = np.ascontiguousarray(weights.get_data()[..., keep])
    b = np.ascontiguousarray(offsets.get_data()[..., keep])
    matmul.input(1).replace_source_output(opset13.constant(w).output(0))
    bias.input(1).replace_source_output(opset13.constant(b).output(0))
    model.set_rt_info("\n".join(characters[i - 1] for i in keep[1:-1]), ["framework", "character"])
    model.validate_nodes_and_infer_types()
    return len(keep)
