"""Custom Rasa NLU components: language detection and deterministic short replies."""
