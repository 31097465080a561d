"""`python -m bot.rasa_launcher ARGS` is `rasa ARGS` as this project serves it (the Procfile starts
Rasa through it):

- `run`, `shell` and `data` (validation, conversion) load no TensorFlow when config.yml needs none
  (bot/without_tensorflow.py);
- skops (which loads our scikit-learn models safely) is imported before anything else: it lists the
  types it trusts when it is first imported, and after TensorFlow that scans thousands of loaded
  modules per NumPy ufunc (about 5 s instead of 1) — this matters for the commands that train;
- our actions can run inside Rasa (`in-process://actions` in endpoints.yml) and the per-turn costs
  of bot/rasa_runtime.py are removed.

Plain `rasa run` works too: slower to start, heavier, and with an http:// action endpoint (a
running action server) only.
"""

import sys

from bot import ROOT, without_tensorflow

WITHOUT_TENSORFLOW = ("run", "shell", "data")


def main() -> None:
    if sys.argv[1:2] and sys.argv[1] in WITHOUT_TENSORFLOW:
        without_tensorflow.install(ROOT / "config.yml")
    import skops.io  # noqa: F401  (first: see above)
    from rasa.__main__ import main as rasa

    from bot import rasa_runtime

    rasa_runtime.install()
    rasa()


if __name__ == "__main__":
    main()
