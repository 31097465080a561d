"""Custom actions. Each reads the tracker, asks `bot.knowledge` for words, and sends one message.

Every action goes through `AssistantAction.run`, which settles the reply language first, so no
action can answer in the wrong language or forget to remember it.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import date
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot import handoffs
from bot.dialogue import Entity, Intent, Slot
from bot.keywords import INTENTS as KEYWORD_INTENTS
from bot.keywords import START, STOP, YES, keyword
from bot.knowledge.loader import knowledge
from bot.knowledge.model import KnowledgeBase
from bot.knowledge.providers import find_zip
from bot.knowledge.render import (
    FINDER_ARTICLES,
    LANGUAGE_KEY,
    article_body,
    as_sent,
    menu,
    menu_title,
    paragraphs,
    providers_block,
    sms_answer,
    zip_question,
)
from bot.languages import chinese_script, in_script, reply_language, requested_language
from bot.privacy.redact import find_contact
from bot.settings import settings
from bot.sms_encoding import pages

SHORT_FORM_CHANNELS = {"sms"}
"""Channels that get an article's short form first, and the rest page by page with MORE."""
KEYWORD_CHANNELS = {"sms", "whatsapp", "telegram"}
"""Channels where STOP, START and DELETE work (they are handled by bot/channels), and where a staff
member can answer in the same conversation (bot.outbound reaches them)."""
BOLD_CHANNELS = {"whatsapp"}
"""Channels that show *text between asterisks* in bold: an article starts with its title so."""
SMS_PAGE_SEGMENTS = 4
"""How many SMS segments one MORE page may cost."""


@dataclass
class Turn:
    """What an action needs to know about the current message."""

    kb: KnowledgeBase
    tracker: Tracker
    language: str
    today: date

    @property
    def long_form(self) -> bool:
        return self.channel not in SHORT_FORM_CHANNELS

    @property
    def intent(self) -> str:
        return self.tracker.latest_message.get("intent", {}).get("name") or ""

    @property
    def text(self) -> str:
        return self.tracker.latest_message.get("text") or ""

    @property
    def channel(self) -> str | None:
        return self.tracker.get_latest_input_channel()

    def say(self, key: str, **values: str) -> str:
        return self.kb.say(self.language, key, **values)

    @property
    def opt_out_keyword(self) -> str | None:
        """STOP or START when this message is exactly that keyword: nothing else may opt a person
        out or back in, however sure the model is (bot/keywords.py)."""
        word = keyword(self.text)
        return word if word in (STOP, START) and self.intent == KEYWORD_INTENTS[word] else None


@dataclass
class Reply:
    text: str
    events: list[EventType]
    handoff: bool = False
    """The person agreed to a staff member answering in this chat: the channel queues it with the
    address to answer on (only the channel knows it)."""


class AssistantAction(Action, ABC):
    """Settles the language, lets the subclass compose a reply, sends it."""

    @abstractmethod
    def respond(self, turn: Turn) -> Reply:
        """The reply to this turn, in `turn.language`."""

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        kb = knowledge()
        language = reply_language(tracker.get_slot(Slot.LANGUAGE), tracker.latest_message.get("language"), kb.default_language)
        turn = Turn(kb, tracker, language, date.today())
        chat = handoffs.chat_of(tracker.sender_id) if turn.channel in KEYWORD_CHANNELS else None
        if (tracker.get_slot(Slot.OPTED_OUT) and turn.opt_out_keyword != START) or staff_holds(turn, chat):
            # After STOP the assistant stays silent until START, and while a staff member answers
            # here; it says so to the channel: an empty reply without this mark means the action
            # server failed.
            dispatcher.utter_message(silent=True)
            return []
        reply = staff_gone_quiet(turn, chat) or self.reply(turn)
        script = chinese_script(turn.text) if turn.language == "zh" else None
        send(dispatcher, turn, reply, script=script or tracker.get_slot(Slot.CHINESE_SCRIPT))
        events: list[EventType] = [SlotSet(Slot.LANGUAGE, turn.language)]  # a language switch changes it
        if turn.opt_out_keyword:
            events.append(SlotSet(Slot.OPTED_OUT, turn.opt_out_keyword == STOP))
        if script is not None:
            events.append(SlotSet(Slot.CHINESE_SCRIPT, script))
        return events + reply.events

    def reply(self, turn: Turn) -> Reply:
        """The answer to the handoff offer (a contact to call back, or YES to a staff member
        answering here), if this message is one; otherwise this action's reply."""
        if not turn.tracker.get_slot(Slot.HANDOFF_PENDING):
            return self.respond(turn)
        reply = take_contact(turn) or accept_chat(turn) or self.respond(turn)
        reply.events.insert(0, SlotSet(Slot.HANDOFF_PENDING, False))  # the offer lapses unless made again
        return reply


def send(dispatcher: CollectingDispatcher, turn: Turn, reply: Reply, script: str | None) -> None:
    """One message, whole, as the person receives it, with what the channels need to deliver it:
    its menu as buttons (number as payload: pressing one sends what typing it would) and its
    language as metadata (SMS folding); in Traditional characters for people who write them."""
    offered = next((e["value"] for e in reply.events if e.get("name") == Slot.MENU), None) or []
    text, titles = reply.text, [menu_title(turn.kb, key, turn.language) for key in offered]
    if turn.language == "zh":
        text, titles = in_script(text, script), [in_script(title, script) for title in titles]
    buttons = [{"title": title, "payload": str(number)} for number, title in enumerate(titles, 1)]
    dispatcher.utter_message(text=text, buttons=buttons, language=turn.language, **({"handoff": True} if reply.handoff else {}))


def take_contact(turn: Turn) -> Reply | None:
    """After the handoff offer, a message with a phone number or email is the person's consent to
    be contacted: store it (encrypted, apart from the conversation) and thank them. Any other
    message withdraws the offer and is answered as usual."""
    contact = find_contact(turn.text)
    if not contact:
        return None
    handoffs.add(turn.tracker.sender_id, turn.language, turn.channel, contact)
    return Reply(turn.say("handoff_saved"), [])


def accept_chat(turn: Turn) -> Reply | None:
    """After the handoff offer on a chat channel, exactly YES (bot/keywords.py: never a guess) is
    the person's consent to a staff member answering here."""
    if turn.channel not in KEYWORD_CHANNELS or keyword(turn.text) != YES:
        return None
    return Reply(turn.say("handoff_chat_queued", hours=turn.kb.organization.hours), [], handoff=True)


def staff_holds(turn: Turn, chat: Any) -> bool:
    """Whether a staff member is answering in this conversation's `chat` (bot.handoffs): the
    assistant then stays silent. STOP ends the chat: the person wants no more messages from us."""
    if chat is None or chat.status != handoffs.LIVE or handoffs.staff_silent(chat):
        return False
    if turn.opt_out_keyword == STOP:
        handoffs.end_chat(turn.tracker.sender_id)
        return False
    return True


def staff_gone_quiet(turn: Turn, chat: Any) -> Reply | None:
    """A day without a staff reply ends the `chat`: say so, and offer a call back instead."""
    if chat is None or not handoffs.staff_silent(chat):
        return None
    handoffs.end_chat(turn.tracker.sender_id)
    return Reply(turn.say("handoff_timeout"), [SlotSet(Slot.HANDOFF_PENDING, True)])


def offer_menu(turn: Turn, keys: list[str], intro_key: str, *before: str | None) -> Reply:
    """Text before a numbered menu, remembering the menu so that "2" can answer it."""
    return Reply(paragraphs(*before, menu(turn.kb, turn.language, keys, intro_key)), [SlotSet(Slot.MENU, keys)])


def answer_article(turn: Turn, article_id: str) -> Reply:
    """An article in the conversation's language, with providers (or a request for a ZIP code)."""
    article = turn.kb.articles[article_id]
    zip_code = find_zip(turn.text) or turn.tracker.get_slot(Slot.ZIP)
    events: list[EventType] = [SlotSet(Slot.ARTICLE, article_id)]
    finder = None
    if article.providers and zip_code:
        finder = providers_block(turn.kb, turn.language, article.providers, zip_code)
        events.append(SlotSet(Slot.ZIP, zip_code))
    elif finder := zip_question(turn.kb, article, turn.language):
        events.append(SlotSet(Slot.PENDING_TOPIC, article_id))
    if not turn.long_form:  # SMS: every segment costs; the rest comes page by page with MORE
        events.append(SlotSet(Slot.MORE_PAGE, 0))
        return Reply(sms_answer(turn.kb, article, turn.language, turn.today, finder), events)
    body = article_body(turn.kb, article, turn.language, turn.long_form, turn.today)
    if turn.channel in BOLD_CHANNELS:
        body = paragraphs(f"*{article.text[turn.language].title}*", body)
    if not article.followups:
        return Reply(paragraphs(body, finder), events)
    offered = offer_menu(turn, list(article.followups), "followups_intro", body, finder)
    return Reply(offered.text, events + offered.events)


class ActionAnswerArticle(AssistantAction):
    def name(self) -> str:
        return "action_answer_article"

    def respond(self, turn: Turn) -> Reply:
        return answer_article(turn, turn.intent)


class ActionMainMenu(AssistantAction):
    """Greeting and "what can you do": a short numbered menu of the main topics."""

    def name(self) -> str:
        return "action_main_menu"

    def respond(self, turn: Turn) -> Reply:
        greeting = turn.say("greeting") if turn.intent in (Intent.GREET, Intent.START) else None
        opt_out = turn.say("opt_out_hint") if turn.channel in KEYWORD_CHANNELS else None
        return offer_menu(turn, list(turn.kb.organization.main_menu), "menu_intro", greeting, turn.say("menu_hint"), opt_out)


class ActionChoose(AssistantAction):
    """A number answering the last menu: an article or, in the language menu, a language."""

    def name(self) -> str:
        return "action_choose"

    def respond(self, turn: Turn) -> Reply:
        keys: list[str] = turn.tracker.get_slot(Slot.MENU) or []
        number = int(next(turn.tracker.get_latest_entity_values(Entity.NUMBER), 0))
        if not 1 <= number <= len(keys):
            if keys:
                return offer_menu(turn, keys, "number_not_in_menu")
            return offer_menu(turn, list(turn.kb.organization.main_menu), "menu_intro")
        chosen = keys[number - 1]
        if chosen.startswith(LANGUAGE_KEY):
            return switch_language(turn, chosen.removeprefix(LANGUAGE_KEY))
        return answer_article(turn, chosen)


def switch_language(turn: Turn, language: str) -> Reply:
    turn.language = language
    return Reply(turn.say("language_changed"), [SlotSet(Slot.MENU, None)])


class ActionChangeLanguage(AssistantAction):
    """Switch to the language the message names, or offer the list of languages."""

    def name(self) -> str:
        return "action_change_language"

    def respond(self, turn: Turn) -> Reply:
        if requested := requested_language(turn.text, turn.kb.languages):
            return switch_language(turn, requested)
        return offer_menu(turn, [LANGUAGE_KEY + code for code in turn.kb.languages], "language_menu")


class ActionLocation(AssistantAction):
    """A ZIP code: answers the question that was waiting for one, or the finder topic the same
    message also names ("I need a lawyer, my zip is 33150"), or asks what to look for."""

    MENTIONED = 0.15
    """A finder topic this likely in the NLU ranking counts as named in the message."""

    def name(self) -> str:
        return "action_location"

    def respond(self, turn: Turn) -> Reply:
        zip_code = find_zip(turn.text)
        if not zip_code:
            # Never repeat the digits: what looked like a ZIP code could be part of an SSN or a phone.
            return Reply(turn.say("zip_unknown"), [])
        ranking = turn.tracker.latest_message.get("intent_ranking") or []
        mentioned = [r["name"] for r in ranking if r["name"] in FINDER_ARTICLES and r["confidence"] >= self.MENTIONED]
        if mentioned:
            return answer_article(turn, mentioned[0])
        pending = turn.tracker.get_slot(Slot.PENDING_TOPIC)
        events: list[EventType] = [SlotSet(Slot.ZIP, zip_code), SlotSet(Slot.PENDING_TOPIC, None)]
        if pending:
            article = turn.kb.articles[pending]
            return Reply(providers_block(turn.kb, turn.language, article.providers, zip_code), events)
        offered = offer_menu(turn, list(FINDER_ARTICLES), "menu_intro", turn.say("zip_no_topic", zip=zip_code))
        return Reply(offered.text, events + offered.events)


class ActionNotSure(AssistantAction):
    """No article answers the message: say so honestly, offer the closest topics only when they are
    genuinely close, and point to 211 for local needs and to a person."""

    CLOSE = 0.15
    """An article this likely in the NLU ranking is worth offering ("did you mean"); below it, a
    list of topics would only be noise. Chosen with `make eval` (README, "Choosing the pipeline")."""

    def name(self) -> str:
        return "action_not_sure"

    def respond(self, turn: Turn) -> Reply:
        ranking = [] if turn.intent == Intent.OUT_OF_SCOPE else turn.tracker.latest_message.get("intent_ranking") or []
        closest = [r["name"] for r in ranking if r.get("name") in turn.kb.articles and r["confidence"] >= self.CLOSE][:3]
        where_else = turn.say("where_else")
        if closest:
            return offer_menu(turn, closest, "closest_topics", turn.say("cannot_answer"), where_else)
        return Reply(paragraphs(turn.say("cannot_answer"), where_else), [SlotSet(Slot.MENU, None)])


class ActionHandoff(AssistantAction):
    """How to reach a person at the organisation running the assistant."""

    def name(self) -> str:
        return "action_handoff"

    def respond(self, turn: Turn) -> Reply:
        org = turn.kb.organization
        text = turn.say("handoff", organization=org.name, contact=org.contact, hours=org.hours)
        if settings().secret_problem():  # without the deployment key a contact could not be kept safely
            return Reply(text, [])
        offer = "handoff_offer_chat" if turn.channel in KEYWORD_CHANNELS else "handoff_offer"
        return Reply(paragraphs(text, turn.say(offer)), [SlotSet(Slot.HANDOFF_PENDING, True)])


class ActionMore(AssistantAction):
    """MORE after a short SMS answer sends the full article, one page of a few segments at a
    time; in chat, where the full answer was already sent, there is nothing more."""

    def name(self) -> str:
        return "action_more"

    def respond(self, turn: Turn) -> Reply:
        article_id = turn.tracker.get_slot(Slot.ARTICLE)
        page = turn.tracker.get_slot(Slot.MORE_PAGE)
        if article_id and page is not None and not turn.long_form:
            full = turn.kb.articles[article_id].text[turn.language].full
            parts = pages(full, SMS_PAGE_SEGMENTS, turn.say("more_hint"), lambda text: as_sent(turn.kb, turn.language, text))
            if int(page) < len(parts):
                following = int(page) + 1
                return Reply(parts[int(page)], [SlotSet(Slot.MORE_PAGE, following if following < len(parts) else None)])
        return offer_menu(turn, list(turn.kb.organization.main_menu), "menu_intro", turn.say("more_none"))


class ActionSmallTalk(AssistantAction):
    """Courtesies (thanks, goodbye, yes, no), STOP, a wish to stop written as a sentence, and
    wordless messages: the whole answer is the UI message named after the intent (or, for a picture
    or a voice note the channel marked as media, the one that says only text can be read)."""

    def name(self) -> str:
        return "action_small_talk"

    def respond(self, turn: Turn) -> Reply:
        if turn.intent == Intent.STOP and not turn.opt_out_keyword:
            return Reply(turn.say("ask_to_stop"), [])  # never confirm an opt-out that did not happen
        if turn.intent == Intent.NO_TEXT and (turn.tracker.latest_message.get("metadata") or {}).get("media"):
            return Reply(turn.say("media"), [])
        return Reply(turn.say(turn.intent), [])
