"""Prose: values stated in running text (contracts, letters), not next to a label.

``text`` indexes a document's pages as sentences with word positions, ``parties`` finds the
contracting parties, ``facts`` answers fields from cues in sentences (effective date,
governing law, term, parties). May import ``layout``, ``values`` and ``types`` only. A new
fact rule goes into ``facts``: it needs a textual cue, never a guess.
"""
