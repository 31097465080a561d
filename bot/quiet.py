"""Keep Rasa and TensorFlow from printing debug output into a person's terminal."""

from __future__ import annotations

import logging
import os
import warnings


def quiet() -> None:
    """Call before importing Rasa: TensorFlow reads its log level once, at import. A LOG_LEVEL set
    in the environment wins (Rasa writes the level back into it, and the servers `bot run` starts
    inherit it)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("LOG_LEVEL_LIBRARIES", "ERROR")
    warnings.filterwarnings("ignore")
    from rasa.utils.common import configure_logging_and_warnings
    from rasa.utils.log_utils import configure_structlog

    level = logging.getLevelName(os.environ["LOG_LEVEL"].upper())
    configure_logging_and_warnings(level)
    configure_structlog(level)
