"""Off-topic and incoherent passages: find them, score them, explain them.

- :func:`find_offtopic` flags passages of one document (spans for the sidecar), with the
  model for its language: ``cleaner/models/offtopic.json`` for English, and
  ``offtopic-non-english.json`` (trained on spliced German and Spanish articles) for the others.
- :func:`model_version` names the shipped model for the sidecars.
- :mod:`cleaner.offtopic.semantic` adds a sentence encoder's features for the opt-in semantic
  model (``cleaner/models/offtopic-semantic.json``; the ``[semantic]`` extra).
- :mod:`cleaner.offtopic.train` fits and writes the models and their cards, and scores them
  by grouped cross-validation (it needs scikit-learn, which cleaning does not load).
- :mod:`cleaner.offtopic.spliced` scores the stage on a run's own articles spliced into each
  other (``cleaner eval --spliced``).
- :mod:`cleaner.offtopic.provenance` fingerprints passages and finds, across a run's documents,
  the passages one took from another; :func:`find_offtopic` withholds those at a lower score.
"""

from cleaner.offtopic.model import MODEL_NAME, find_offtopic, model_version

__all__ = ["MODEL_NAME", "find_offtopic", "model_version"]
