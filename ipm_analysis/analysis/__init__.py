"""Analyses over the tidy tables: keywords, TF-IDF topic shifts, agency load, text reuse."""
