"""Off-topic and incoherent passages: find them, score them, explain them.

- :func:`find_offtopic` flags passages of one document (spans for the sidecar).
- :func:`model_version` names the shipped model for the sidecars.
- :func:`train` fits and writes ``cleaner/models/offtopic.json`` and its card.
- :func:`evaluate` scores the model on an intruders set by grouped
  cross-validation; :func:`format_report` prints the result as a table.
"""

from cleaner.offtopic.model import MODEL_NAME, find_offtopic, model_version
from cleaner.offtopic.train import evaluate, format_report, train

__all__ = ["MODEL_NAME", "evaluate", "find_offtopic", "format_report", "model_version", "train"]
