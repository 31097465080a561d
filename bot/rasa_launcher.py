"""`python -m bot.rasa_launcher ARGS` is `rasa ARGS`, with skops imported before TensorFlow and
our actions runnable inside Rasa (`in-process://actions` in endpoints.yml: bot/rasa_runtime.py).

skops (which loads our scikit-learn models safely) lists the types it trusts when it is first
imported; imported after TensorFlow, that scans thousands of loaded modules per NumPy ufunc and
takes about 5 s instead of 1. `rasa` itself imports TensorFlow before it loads our components, so
the Procfile starts Rasa through this module. Plain `rasa run` works too, slower to start and
with an http:// action endpoint (a running action server) only.
"""

import skops.io  # noqa: F401  (first: see above)

# isort: split
from rasa.__main__ import main

from bot import rasa_runtime

if __name__ == "__main__":
    rasa_runtime.install()
    main()
