"""`python -m bot.rasa_launcher ARGS` is `rasa ARGS`, with skops imported before TensorFlow.

skops (which loads our scikit-learn models safely) lists the types it trusts when it is first
imported; imported after TensorFlow, that scans thousands of loaded modules per NumPy ufunc and
takes about 5 s instead of 1. `rasa` itself imports TensorFlow before it loads our components, so
the Procfile starts Rasa through this module. Plain `rasa run` works too, only slower to start.
"""

import skops.io  # noqa: F401  (first: see above)

# isort: split
from rasa.__main__ import main

if __name__ == "__main__":
    main()
