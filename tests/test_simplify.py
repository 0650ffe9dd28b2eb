"""ipm_analysis.simplify.FastConverter gives exactly OpenCC's output (opencc-python-reimplemented is the reference).

Checked on every real plan (under each configuration the manifest can ask for), on ~200 synthetic traditional
plans (benchmarks/synthetic.py) and on random strings made of dictionary keys, pieces of keys, values and
separators, where overlapping and competing phrase matches are dense.
"""
from __future__ import annotations

import importlib.util
import os
import random
import sys
from functools import cache
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from opencc import OpenCC

from ipm_analysis import ingest
from ipm_analysis.simplify import FastConverter

ROOT = Path(__file__).resolve().parents[1]
CONFIGS = sorted({cfg for cfg in ingest.load_rules()["opencc"].values() if cfg})


@cache
def reference(cfg: str) -> OpenCC:
    return OpenCC(cfg)


@cache
def fast(cfg: str) -> FastConverter:
    return FastConverter(cfg)


def test_fast_path_in_use():
    assert all(fast(cfg).groups is not None for cfg in CONFIGS)  # not the fallback to OpenCC itself


@cache
def real_texts() -> list[str]:
    raw = ROOT / "data" / "raw"
    manifest = pd.read_csv(raw / "manifest.csv", dtype=str, keep_default_na=False)
    return [ingest.decode((raw / f).read_bytes(), f)[0] for f in manifest["file"]]


@pytest.mark.parametrize("cfg", CONFIGS)
def test_real_plans(cfg):
    """Every real plan, and its traditional (s2t, s2tw, s2hk) renderings, under every configuration."""
    texts = real_texts()
    for to_traditional in ("s2t", "s2tw", "s2hk"):
        texts = texts + [reference(to_traditional).convert(t) for t in real_texts()]
    for text in texts:
        assert fast(cfg).convert(text) == reference(cfg).convert(text)


def test_synthetic_traditional_plans():
    """The traditional plans among the first 600 synthetic ones (~60; manifest script zh-Hant, so t2s). They are
    recombined real paragraphs, which test_real_plans converts whole in every script; 600 instead of 2,000
    plans (8 s of composing and converting) still mixes every paragraph into new neighbours."""
    synthetic = sys.modules.get("synthetic")
    if synthetic is None:
        spec = importlib.util.spec_from_file_location("synthetic", ROOT / "benchmarks" / "synthetic.py")
        synthetic = sys.modules["synthetic"] = importlib.util.module_from_spec(spec)  # for its dataclasses
        spec.loader.exec_module(synthetic)
    checked = 0
    for i in range(600):
        row, data = synthetic.compose(i, random.Random(f"0-{i}"))
        if row["script"] == "zh-Hans":
            continue
        cfg = ingest.load_rules()["opencc"][row["script"]]
        text = data.decode("utf-8-sig")
        assert fast(cfg).convert(text) == reference(cfg).convert(text), row["doc_id"]
        checked += 1
    assert checked >= 40


@cache
def vocabulary(cfg: str) -> list[str]:
    """Keys, values and key fragments of the configuration's dictionaries (fragments make near misses) and
    overlapping keys (一目瞭然 + 瞭然於心 → 一目瞭然於心), where the choice between matches decides the output."""
    words = set()
    for group in reference(cfg)._dict_chain_data:
        for _max_len, _min_len, entries in group:
            phrases = [k for k in entries if len(k) > 1]
            for key, value in entries.items():
                words.update([key, *value.split(" ")])
                words.update(key[:k] for k in range(1, len(key)))
                words.update(key[k:] for k in range(1, len(key)))
            by_head: dict[str, list[str]] = {}
            for key in phrases:
                by_head.setdefault(key[0], []).append(key)
            for a in phrases:
                for k in range(1, len(a)):
                    words.update(a + b[len(a) - k:] for b in by_head.get(a[k], ()) if b.startswith(a[k:]))
    return sorted(words)


SEPARATORS = [" ", "\n", "，", "。", "、", "（", "）", "-", ".", "…", "“", "”", "\u3000", "\t\t"]
PLAIN = ["的", "和", "工作", "a", "1", "𠀀", "㐀"]


@pytest.mark.parametrize("cfg", CONFIGS)
@settings(derandomize=os.environ.get("IPM_HYPOTHESIS_EXPLORE") is None,
          max_examples=int(os.environ.get("IPM_HYPOTHESIS_EXAMPLES", 300)), deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_random_strings(cfg, data):
    pieces = st.one_of(st.sampled_from(vocabulary(cfg)), st.sampled_from(SEPARATORS), st.sampled_from(PLAIN))
    text = "".join(data.draw(st.lists(pieces, max_size=40), label="pieces"))
    assert fast(cfg).convert(text) == reference(cfg).convert(text)
