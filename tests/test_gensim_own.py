"""gensim 4's own tests of KeyedVectors, passing with vecq's class in its place (tests/gensim_suite.py).

pytest collects the unittest classes below exactly as gensim's files define them: every class of
gensim/test/test_keyedvectors.py and gensim/test/test_datatype.py, and the classes of
gensim/test/test_translation_matrix.py and gensim/test/test_similarities.py that open a
KeyedVectors file (the others train gensim's own models, or need annoy or nmslib; docs/from-gensim.md
lists them).
"""

from gensim_suite import load

_keyedvectors = load("gensim/test/test_keyedvectors.py")
_datatype = load("gensim/test/test_datatype.py")
_translation = load("gensim/test/test_translation_matrix.py")
_similarities = load("gensim/test/test_similarities.py")

TestKeyedVectors = _keyedvectors.TestKeyedVectors
Gensim320Test = _keyedvectors.Gensim320Test
LoadWord2VecFormatTest = _keyedvectors.LoadWord2VecFormatTest
TestDataType = _datatype.TestDataType
TestTranslationMatrix = _translation.TestTranslationMatrix
TestWordEmbeddingSimilarityIndex = _similarities.TestWordEmbeddingSimilarityIndex


def test_the_files_run_with_vecqs_class():
    """Every file's tests name vecq's class, never gensim's (which would test gensim against itself)."""
    import vecq

    for module in (_keyedvectors, _datatype, _translation, _similarities):
        assert module.KeyedVectors is vecq.KeyedVectors
