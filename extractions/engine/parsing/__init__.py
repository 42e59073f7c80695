"""The parsing step: filling a JSON schema from the read pages (``fill``: the schema walk,
coercion to the schema's types, citations and confidences), the schema's shape helpers
(``schema``) and a schema proposed from a sample document (``suggest``).

The top of the value-finding layers: may import ``fields``, ``tables``, ``forms``, ``prose``,
``layout``, ``lexicon``, ``values`` and ``types``. A new field kind is wired in ``fill``
(``_value_kind``, ``_find``) on top of a finder in ``fields``.
"""
