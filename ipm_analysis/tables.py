"""Former home of the build, the storage layer and the corpus API, kept so that ``from ipm_analysis.tables import
summary`` (notebook 01) and older scripts go on working: see ``builder``, ``store`` and ``corpus``."""
from .builder import BuildResult, build, document_records, frames_of, process_document  # noqa: F401
from .corpus import Corpus, load_corpus, read_tables, summary  # noqa: F401
from .store import TABLES, write_csv  # noqa: F401
