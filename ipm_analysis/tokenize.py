"""TEMPORARY placeholder until the jieba tokenizer lands (helper is writing the real module)."""
import pandas as pd

COLUMNS = dict(doc_id="string", year="int64", jurisdiction="string", segment_no="int64", task_id="string",
               position="int64", token="string", start="int64", end="int64", is_stopword="bool", is_punct="bool")


def empty_tokens() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=d) for c, d in COLUMNS.items()})


def tokenize_segments(segments, documents):
    return empty_tokens()
