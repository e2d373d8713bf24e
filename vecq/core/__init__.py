"""The engine: a model of unit rows and its vocabulary, top-k search, expressions, word lookup.

numpy only: nothing here imports click, rich, gensim or the rest of vecq but the leaves
(``errors``, ``records``, ``progress``).
"""
