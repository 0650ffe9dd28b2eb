"""Traditional → simplified conversion with exactly the output of opencc-python-reimplemented, faster.

``OpenCC(cfg).convert`` spends ~15 ms on a plan: for every piece between separators it tries each substring of
each length against each dictionary. Its result, for one dictionary applied to a piece, is this: the longest
key occurring in the piece is replaced (the leftmost one among equally long keys), then the same is done in
the text left and right of it, recursively; the first value of a multi-valued entry is used. Later
dictionaries of a group only see the text no earlier one matched; the groups of the chain run one after the
other on the whole output of the previous group.

The recursion picks an occurrence iff no occurrence that ranks before it (longer, or as long and further left)
and overlaps it was picked, so here the key occurrences are found where a key can start, ranked, and taken
greedily. Keys holding a separator never match in OpenCC and are left out, and no value holds one (else
OpenCC itself is used), so no occurrence crosses a separator and the pieces need not be cut apart. A last, single-character dictionary is a ``str.translate`` of the unmatched text. The
dictionaries are the ones the ``OpenCC`` object loaded; tests/test_simplify.py compares the two converters.
"""
from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class _Dictionary:
    mapping: dict[str, str]              # key → the value OpenCC uses (first of a multi-valued entry)
    starts: re.Pattern                   # the characters a key begins with
    lengths: dict[str, tuple[int, ...]]  # first character → lengths of the keys beginning with it, longest first
    table: dict[int, str] | None         # str.translate table when every key is one character

    @classmethod
    def of(cls, entries: dict[str, str]) -> _Dictionary:
        lengths: dict[str, set[int]] = {}
        for key in entries:
            lengths.setdefault(key[0], set()).add(len(key))
        single = all(len(k) == 1 for k in entries)
        return cls(
            mapping=entries,
            starts=re.compile("[" + "".join(map(re.escape, sorted(lengths))) + "]" if lengths else "(?!)"),
            lengths={c: tuple(sorted(ls, reverse=True)) for c, ls in lengths.items()},
            table={ord(k): v for k, v in entries.items()} if single else None,
        )

    def split(self, text: str) -> list[tuple[str, bool]]:
        """``text`` as (converted key, True) and (unmatched text, False) pieces, in order."""
        found = []
        size = len(text)
        for m in self.starts.finditer(text):
            i = m.start()
            for n in self.lengths[m.group()]:
                if i + n <= size and text[i:i + n] in self.mapping:  # a cut-off slice may be a shorter key
                    found.append((-n, i))
        if not found:
            return [(text, False)]
        found.sort()  # OpenCC's order of preference: longest, then leftmost
        taken = bytearray(size)
        chosen = []
        for neg, i in found:
            if taken.find(1, i, i - neg) == -1:
                taken[i:i - neg] = b"\x01" * -neg
                chosen.append((i, i - neg))
        chosen.sort()
        out, pos = [], 0
        for a, b in chosen:
            if a > pos:
                out.append((text[pos:a], False))
            out.append((self.mapping[text[a:b]], True))
            pos = b
        if pos < size:
            out.append((text[pos:], False))
        return out


class FastConverter:
    """``OpenCC(cfg).convert`` with the same output (see module docstring); falls back to it if the
    configuration's dictionaries break an assumption above."""

    def __init__(self, cfg: str):
        from opencc import OpenCC

        self.reference = OpenCC(cfg)
        separator = self.reference.split_chars_re
        groups = []
        for group in self.reference._dict_chain_data:
            dicts = []
            for _max_len, _min_len, entries in group:
                values = {k: v.split(" ")[0] for k, v in entries.items()}
                # A key holding a separator never matches (OpenCC converts between separators); an empty value
                # counts as no match in OpenCC and a value with a separator could join text across pieces.
                usable = {k: v for k, v in values.items() if not separator.search(k)}
                if any(not v or separator.search(v) for v in usable.values()):
                    groups = None
                    break
                dicts.append(_Dictionary.of(usable))
            if groups is None:
                break
            groups.append(dicts)
        self.groups = groups

    def convert(self, text: str) -> str:
        if self.groups is None:  # pragma: no cover - no packaged configuration does this
            return self.reference.convert(text)
        for group in self.groups:
            pieces = [(text, False)]
            for k, d in enumerate(group):
                last = k == len(group) - 1
                nxt = []
                for piece, done in pieces:
                    if done:
                        nxt.append((piece, True))
                    elif d.table is not None and last:
                        nxt.append((piece.translate(d.table), True))
                    else:
                        nxt.extend(d.split(piece))
                pieces = nxt
            text = "".join(p for p, _ in pieces)
        return text
