"""ipm-analysis: China's annual plans against IP infringement and counterfeits as tidy pandas tables.

    >>> from ipm_analysis import load_corpus
    >>> corpus = load_corpus()
    >>> corpus.tasks.head()
"""
from .builder import build
from .corpus import Corpus, load_corpus

__all__ = ["Corpus", "build", "load_corpus"]
__version__ = "0.1.0"
