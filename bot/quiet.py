"""Keep Rasa and TensorFlow from printing debug output into a person's terminal."""

from __future__ import annotations

import logging
import os
import warnings


def quiet() -> None:
    """Call before importing Rasa: TensorFlow reads its log level once, at import."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("LOG_LEVEL_LIBRARIES", "ERROR")
    warnings.filterwarnings("ignore")
    from rasa.utils.common import configure_logging_and_warnings
    from rasa.utils.log_utils import configure_structlog

    configure_logging_and_warnings(logging.WARNING)
    configure_structlog(logging.WARNING)
