"""Text features shared by our scikit-learn components: hashed, TF-IDF-weighted n-grams.

Hashing instead of a learned vocabulary: the vocabulary of character n-grams in six scripts has
over 100,000 entries, and saving and loading it (skops writes each entry as JSON) took most of the
model's 5 s load and 229 MB; hashed features load in 0.2 s from 54 MB with the same held-out
accuracy (README, "Choosing the pipeline"). Collisions among 65,536 buckets per kind are rare
enough not to matter for intents or languages.
"""

from __future__ import annotations

from typing import Any

HASH_BITS = 16


def ngrams(kind: str, max_n: int, bits: int = HASH_BITS) -> Any:
    """Word (`kind="word"`, 1 to `max_n` words) or character (`kind="char"`, 1 to `max_n` characters
    within word boundaries) n-grams, hashed into 2**`bits` buckets, sublinear TF-IDF, L2-normalised."""
    from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer
    from sklearn.pipeline import make_pipeline

    options: dict[str, Any] = {"token_pattern": r"(?u)\b\w+\b"} if kind == "word" else {"analyzer": "char_wb"}
    counts = HashingVectorizer(ngram_range=(1, max_n), n_features=2**bits, alternate_sign=False, norm=None, **options)
    return make_pipeline(counts, TfidfTransformer(sublinear_tf=True))
