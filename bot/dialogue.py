"""The names that domain.yml, the actions, the NLU components, the channels and the console share.

Written once here, so a typo is an AttributeError instead of a slot that is silently never set;
tests/test_dialogue.py checks that they match domain.yml.
"""

from __future__ import annotations


class Slot:
    LANGUAGE = "language"
    MENU = "menu"
    ARTICLE = "article"
    ZIP = "zip"
    PENDING_TOPIC = "pending_topic"
    MORE_PAGE = "more_page"
    CHINESE_SCRIPT = "chinese_script"
    HANDOFF_PENDING = "handoff_pending"
    OPTED_OUT = "opted_out"


class Intent:
    """The conversation intents; article intents are the article ids (knowledge/articles/)."""

    GREET = "greet"
    GOODBYE = "goodbye"
    THANK = "thank"
    HELP_MENU = "help_menu"
    CHANGE_LANGUAGE = "change_language"
    ASK_HUMAN = "ask_human"
    OUT_OF_SCOPE = "out_of_scope"
    ASK_TO_STOP = "ask_to_stop"
    MORE = "more"
    AFFIRM = "affirm"
    DENY = "deny"
    INFORM_LOCATION = "inform_location"
    CHOOSE = "choose"
    NO_TEXT = "no_text"
    STOP = "stop"
    START = "start"
    FALLBACK = "nlu_fallback"
    """Set by Rasa's FallbackClassifier when no intent is likely enough."""


class Entity:
    ZIP = "zip"
    NUMBER = "number"


def names(holder: type) -> set[str]:
    """The values a constants class holds."""
    return {value for key, value in vars(holder).items() if key.isupper()}
