"""Tokens: jieba word segmentation of every segment, one token per row, with flags instead of deletions.

A project-local ``jieba.Tokenizer`` (not the global one) loads the reviewed user dictionary
(``data/jieba_userdict.txt``), every agency alias (``data/agency_aliases.csv``) and every campaign name
(``data/campaigns.csv``) with a high frequency so they are never split. HMM new-word guessing is off: on these
plans it glues ordinary words into false "new words"; the user dictionary is the reviewed way to add words.
Stopwords (``data/stopwords.txt``) and punctuation are flags; no token is dropped except pure whitespace.

The segmentation itself runs in rjieba (jieba-rs; about 19x faster on the plans' text), loaded with that jieba tokenizer's
final dictionary, so it gives jieba's tokens exactly; jieba stays the reference (tests/test_tokenize.py compares
the two on the real plans and on generated text). Two differences between the engines are closed here:
- jieba's total frequency (the denominator of every word's probability) also counts the earlier frequency of
  a word added again (``add_word`` adds, never subtracts), jieba-rs's does not: the difference is given to a
  filler word that no text can produce. With the project's dictionary the totals differ by 0.03 % and no
  input was found where that changes a token, but a dictionary can be made where it does (tested).
- jieba cuts only runs of U+4E00-U+9FD5 and ASCII letters, digits and ``+#&._%-`` into words; jieba-rs also
  runs of CJK extension characters. A dictionary word jieba can never produce (``γ射线``) is left out of
  rjieba's dictionary; characters outside jieba's runs but inside jieba-rs's are single-character words in
  both engines unless a dictionary word contains them, which this rule excludes.
Text that cannot cross into Rust (lone surrogates) is cut by jieba.
"""
from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import logging
import os
import pickle
import re
from pathlib import Path

import jieba
import numpy as np
import pandas as pd
import pyarrow as pa
import rjieba

from . import config, schemas

COLUMNS = schemas.COLUMNS["tokens"]
_PUNCT_RE = re.compile(r"^[\W_]+$")
_FORCE_FREQ = 10**6  # high enough that jieba always keeps a dictionary word whole
# Private-use characters: outside both engines' word runs, so this dictionary entry is never a token.
_TOTAL_FILLER = "\ue000\ue000"


def _read_list(name: str) -> list[str]:
    with open(config.data_path(name), encoding="utf-8") as fh:
        return [line.split("#", 1)[0].strip() for line in fh if line.split("#", 1)[0].strip()]


@functools.cache
def stopwords() -> frozenset[str]:
    """The stopword list (``data/stopwords.txt``)."""
    return frozenset(_read_list("stopwords.txt"))


@functools.cache
def campaigns() -> pd.DataFrame:
    """Named enforcement campaigns (``data/campaigns.csv``): campaign, surface forms and notes."""
    return pd.read_csv(config.data_path("campaigns.csv"), comment="#", dtype=str, keep_default_na=False)


@functools.cache
def campaign_forms() -> dict[str, str]:
    """Surface form → campaign, e.g. 剑网 → 剑网, 剑网行动 → 剑网, 红盾护农 → 红盾护农."""
    out = {}
    for row in campaigns().itertuples():
        for form in [row.campaign, *[f for f in row.forms.split("|") if f]]:
            out[form] = row.campaign
    return out


@functools.cache
def agency_names() -> frozenset[str]:
    aliases = pd.read_csv(config.data_path("agency_aliases.csv"), comment="#", dtype=str)
    return frozenset(aliases["alias"])


@functools.cache
def tokenizer() -> jieba.Tokenizer:
    """The project's jieba tokenizer, its dictionary cache kept in the project cache folder."""
    jieba.setLogLevel(logging.WARNING)
    tok = jieba.Tokenizer()
    cache = config.cache_dir() / "jieba"
    cache.mkdir(parents=True, exist_ok=True)
    tok.tmp_dir = str(cache)
    tok.cache_file = "jieba.cache"
    tok.load_userdict(str(config.data_path("jieba_userdict.txt")))
    # Campaign names only: 剑网行动 must give 剑网 + 行动 so that every use of 剑网 is one token.
    for word in sorted(agency_names() | set(campaigns()["campaign"])):
        tok.add_word(word, freq=_FORCE_FREQ)
    return tok


@functools.cache
def engine() -> rjieba.Jieba:
    """rjieba loaded with exactly the dictionary of :func:`tokenizer` (words, frequencies and total).

    Its word list is cached in the project cache folder under a hash of everything it is made from (this
    module, jieba's dictionary, the data files, both versions), so a build's workers need not load jieba.
    """
    path = config.cache_dir() / "jieba" / f"rjieba-{_dictionary_key()}.pickle"
    try:
        entries = _read_entries(path)
    except (OSError, EOFError, pickle.UnpicklingError, ValueError):
        entries = _entries_like(tokenizer())
        _write_entries(path, entries)
    return _rjieba_of(entries)


def rjieba_like(tok: jieba.Tokenizer) -> rjieba.Jieba:
    """An rjieba segmenter that cuts (HMM off) as the jieba tokenizer ``tok`` does."""
    return _rjieba_of(_entries_like(tok))


def _entries_like(tok: jieba.Tokenizer) -> list[tuple[str, int]]:
    """(word, frequency) of every word ``tok`` can produce, and the filler that makes the totals equal."""
    tok.check_initialized()
    entries = [(w, f) for w, f in tok.FREQ.items() if f and jieba.re_han_default.fullmatch(w)]  # 0: a prefix
    rest = tok.total - sum(f for _, f in entries)
    return entries + [(_TOTAL_FILLER, rest)] if rest > 0 else entries


def _rjieba_of(entries: list[tuple[str, int]]) -> rjieba.Jieba:
    rj = rjieba.Jieba.empty()
    for word, freq in entries:
        rj.add_word(word, freq, None)
    return rj


def _dictionary_key() -> str:
    h = hashlib.sha256()
    for part in (jieba.__version__, importlib.metadata.version("rjieba"), str(_FORCE_FREQ)):
        h.update(part.encode() + b"\0")
    with jieba.Tokenizer().get_dict_file() as fh:  # jieba's own dictionary (creating a Tokenizer loads nothing)
        h.update(fh.read())
    for path in (Path(__file__), *(config.data_path(n) for n in ("jieba_userdict.txt", "agency_aliases.csv",
                                                                "campaigns.csv"))):
        h.update(Path(path).read_bytes())
    return h.hexdigest()[:16]


def _read_entries(path: Path) -> list[tuple[str, int]]:
    with open(path, "rb") as fh:
        words, freqs = pickle.load(fh)  # our own cache file (as jieba's own cache beside it), never downloaded
    return list(zip(words, freqs))


def _write_entries(path: Path, entries: list[tuple[str, int]]) -> None:
    # written whole then renamed: a build's workers may build the same file at the same time
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as fh:
        pickle.dump(([w for w, _ in entries], [f for _, f in entries]), fh, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, path)


def cut(text: str) -> list[str]:
    """jieba's tokens of ``text`` (HMM off, the project's dictionary), computed by rjieba; they tile the text."""
    try:
        return engine().cut(text, False)
    except UnicodeEncodeError:  # a lone surrogate cannot be encoded for Rust; jieba takes it as a character
        return tokenizer().lcut(text, HMM=False)


def tokenize_text(text: str) -> list[tuple[str, int, int]]:
    """(token, start, end) of every non-whitespace token of ``text``."""
    out, pos = [], 0
    for w in cut(text):  # jieba's tokens tile the text, so offsets are running sums
        end = pos + len(w)
        if w.strip():
            out.append((w, pos, end))
        pos = end
    return out


def empty_tokens() -> pd.DataFrame:
    """An empty `tokens` table with its columns and dtypes."""
    return schemas.empty("tokens")


def tokenize_segments(segments: pd.DataFrame, documents: pd.DataFrame,
                      clauses: pd.DataFrame | None = None) -> pd.DataFrame:
    """The `tokens` table: every segment of every document tokenised, offsets into ``documents.text``.

    Tokens inside a responsibility clause are flagged ``is_in_clause`` so keyword analyses can leave out the
    agency lists and role verbs (负责, 牵头, 按职责分工) that would otherwise top every plan.
    """
    if segments.empty:
        return empty_tokens()
    # Built column-wise: segmenting is the only per-token work; offsets, the segment's columns and flags are
    # numpy operations (flags once per distinct word).
    texts = segments["text"].tolist()
    words: list[str] = []
    counts = np.empty(len(texts), dtype="int64")
    for i, text in enumerate(texts):
        seg_words = cut(text)
        words.extend(seg_words)
        counts[i] = len(seg_words)
    # distinct words and each token's code, in Arrow (C++): about twice as fast as numpy object arrays + factorize
    encoded = pa.array(words, type=pa.large_string()).dictionary_encode()
    codes = encoded.indices.to_numpy(zero_copy_only=False)
    vocab = np.asarray(encoded.dictionary.to_pylist(), dtype=object)
    seg_of = np.repeat(np.arange(len(texts)), counts)
    # The tokens tile each segment's text, so the running sum of token lengths over all segments, shifted by
    # where each segment begins in that concatenation and in its document, gives the document offsets.
    lengths = np.fromiter(map(len, vocab), dtype="int64", count=len(vocab))[codes]
    text_lengths = np.fromiter(map(len, texts), dtype="int64", count=len(texts))
    shift = segments["start"].to_numpy(dtype="int64") - (np.cumsum(text_lengths) - text_lengths)
    ends = np.cumsum(lengths) + shift[seg_of]
    keep = np.fromiter((bool(w.strip()) for w in vocab), dtype=bool, count=len(vocab))[codes]  # not whitespace
    if not keep.any():
        return empty_tokens()
    codes, seg_of, ends, start = codes[keep], seg_of[keep], ends[keep], (ends - lengths)[keep]

    doc_codes, doc_ids = pd.factorize(segments["doc_id"].to_numpy(dtype=object))
    token_doc = doc_codes[seg_of]
    meta = dict(zip(documents["doc_id"].tolist(), zip(documents["year"].tolist(),
                                                      documents["jurisdiction"].tolist())))
    year, jurisdiction = zip(*(meta[d] for d in doc_ids))
    cols = {
        "doc_id": pd.array(doc_ids, dtype="string").take(token_doc),
        "year": pd.array(np.asarray(year, dtype="int64")[token_doc], dtype="int64"),
        "jurisdiction": pd.array(list(jurisdiction), dtype="string").take(token_doc),
        "segment_no": pd.array(segments["segment_no"].to_numpy(dtype="int64")[seg_of], dtype="int64"),
        "task_id": pd.array(segments["task_id"].to_numpy(dtype=object), dtype="string").take(seg_of),
        "position": pd.array(_rank_within(token_doc), dtype="int64"),
        "token": pd.array(vocab, dtype="string").take(codes),
        "start": pd.array(start, dtype="int64"),
        "end": pd.array(ends, dtype="int64"),
        "is_in_clause": _in_clause(token_doc, start, {d: i for i, d in enumerate(doc_ids)}, clauses),
    }
    for name, flag in _vocab_flags(vocab).items():
        cols[name] = flag[codes]
    return pd.DataFrame({c: cols[c] for c in COLUMNS})


def _rank_within(groups: np.ndarray) -> np.ndarray:
    """0, 1, 2 … within each group, in order of appearance (a vectorised groupby cumcount)."""
    order = np.argsort(groups, kind="stable")
    sizes = np.bincount(groups)
    rank = np.empty(len(groups), dtype="int64")
    rank[order] = np.arange(len(groups)) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    return rank


def _in_clause(token_doc: np.ndarray, start: np.ndarray, doc_code: dict[str, int],
               clauses: pd.DataFrame | None) -> np.ndarray:
    """Whether each token starts inside a clause of its document (clauses are disjoint spans)."""
    if clauses is None or not len(clauses):
        return np.zeros(len(start), dtype=bool)
    cl_doc = np.array([doc_code.get(d, -1) for d in clauses["doc_id"].tolist()], dtype="int64")
    cl_start = clauses["start"].to_numpy(dtype="int64")
    cl_end = clauses["end"].to_numpy(dtype="int64")
    # One sorted key (document, start) for all documents: a token is inside a clause if the last clause at or
    # before it belongs to its document and ends after it.
    span = int(max(start.max(), cl_end.max())) + 1
    cl_key = cl_doc * span + cl_start
    order = np.argsort(cl_key, kind="stable")
    idx = np.searchsorted(cl_key[order], token_doc * span + start, side="right") - 1
    hit = order[idx.clip(0)]
    return (idx >= 0) & (cl_doc[hit] == token_doc) & (start < cl_end[hit])


def _vocab_flags(vocab: np.ndarray) -> dict[str, np.ndarray]:
    """The four word flags of each distinct word."""
    n = len(vocab)
    stop, forms, agencies = stopwords(), campaign_forms(), agency_names()
    return {
        "is_stopword": np.fromiter(map(stop.__contains__, vocab), dtype=bool, count=n),
        "is_punct": np.fromiter((_PUNCT_RE.match(w) is not None for w in vocab), dtype=bool, count=n),
        "is_campaign": np.fromiter(map(forms.__contains__, vocab), dtype=bool, count=n),
        "is_agency": np.fromiter(map(agencies.__contains__, vocab), dtype=bool, count=n),
    }
