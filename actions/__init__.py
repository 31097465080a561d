"""The Rasa action server package (Rasa's convention): thin actions over `bot.knowledge`."""

from bot.privacy.redact import install_log_redaction

install_log_redaction()  # the action server's log lines go through the same PII filter
