"""Tiny tokens tables written inline in tests: one plan per key, its tokens in order, every flag off."""
from __future__ import annotations

import pandas as pd


def tokens_table(docs: dict[str, list[str]]) -> pd.DataFrame:
    """A ``tokens``-shaped frame: plan ``i`` of ``docs`` gets year 2000 + i, one segment and one task."""
    rows = [(d, 2000 + i, w, p) for i, (d, words) in enumerate(docs.items()) for p, w in enumerate(words)]
    frame = pd.DataFrame(rows, columns=["doc_id", "year", "token", "position"])
    return frame.assign(jurisdiction="全国", segment_no=1, task_id=frame["doc_id"] + "-t", is_stopword=False,
                        is_punct=False, is_in_clause=False, is_campaign=False, is_agency=False, start=0, end=0)
