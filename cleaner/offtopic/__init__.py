"""Off-topic and incoherent passages: find them, score them, explain them.

- :func:`find_offtopic` flags passages of one document (spans for the sidecar).
- :func:`model_version` names the shipped model for the sidecars.
- :mod:`cleaner.offtopic.semantic` adds a sentence encoder's features for the opt-in semantic
  model (``cleaner/models/offtopic-semantic.json``; the ``[semantic]`` extra).
- :mod:`cleaner.offtopic.train` fits and writes ``cleaner/models/offtopic.json`` and its
  card, and scores the model on an intruders set by grouped cross-validation (it needs
  scikit-learn, which cleaning does not load).
"""

from cleaner.offtopic.model import MODEL_NAME, find_offtopic, model_version

__all__ = ["MODEL_NAME", "find_offtopic", "model_version"]
