"""Site-repeated lines: lines that recur across many documents of one site are its boilerplate.

Learning is a pass over the corpus before cleaning: each document's distinct short lines
(:mod:`.lines`) are counted per site in an on-disk store (:mod:`.store`); a line in at
least ``min_docs`` documents and ``min_share`` of its site's documents is learned, unless
the allowlist (:mod:`.allow`) keeps it. The learned table (:mod:`.table`) is written to
the output folder, loaded once per worker, and cuts those lines with a detail such as
"in 37 of 40 documents of example.com". Rules win: a line a rule touched is left to it.
"""

from cleaner.sitelines.allow import ALLOW_NAME, Allowlist, AllowlistError
from cleaner.sitelines.lines import content_digest, document_lines
from cleaner.sitelines.store import STORE_NAME, SiteLineStore, StoreError, Surveyed
from cleaner.sitelines.table import CATEGORY, REASON, TABLE_NAME, SiteLineParams, SiteLines

__all__ = [
    "ALLOW_NAME",
    "CATEGORY",
    "REASON",
    "STORE_NAME",
    "TABLE_NAME",
    "Allowlist",
    "AllowlistError",
    "SiteLineParams",
    "SiteLineStore",
    "SiteLines",
    "StoreError",
    "Surveyed",
    "content_digest",
    "document_lines",
]
