"""The identity of a decision: its key fields' values (document number and authority code), written one way."""

from __future__ import annotations

import unicodedata

_KEY_BRACKETS = str.maketrans({"[": "〔", "]": "〕", "(": "〔", ")": "〕", "（": "〔", "）": "〕", "【": "〔",
                               "】": "〕", "［": "〔", "］": "〕", "{": "〔", "}": "〕"})


def record_key_of(parts: list[str]) -> str:
    """The stored key of a record from its key fields' values, however the clerk wrote them.

    Clerks write 澄综执罚〔2020〕1号 with whatever brackets their keyboard offers; they are one decision.
    """
    normalised = []
    for part in parts:
        text = unicodedata.normalize("NFKC", part)
        normalised.append("".join(text.split()).translate(_KEY_BRACKETS).upper())
    return "|".join(normalised)[:300]
