"""The cache on disk: where a model's folder lives, how it is written once and opened memory-mapped.

Imports ``core`` and nothing above it; never click, rich or gensim.
"""
