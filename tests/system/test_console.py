"""The staff console in a real browser (Playwright driving Debian's chromium), on SQLite and on
the local PostgreSQL, over conversations the real assistant wrote."""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from contextlib import nullcontext
from pathlib import Path

import pytest
from planted import PLANTED_BY_LANGUAGE, PLANTED_DETAILS
from playwright.sync_api import Page, sync_playwright

from bot import ROOT
from bot.knowledge.loader import knowledge
from bot.settings import settings
from tools.scratch import endpoints_file, everything_in, postgres_database
from tools.waiting import wait_for

PORT = 5302
URL = f"http://127.0.0.1:{PORT}"
PASSWORD = "correct horse battery"
SECRET_KEY = "console-test-deployment-secret"
XSS = "<script>window.pwned=1</script><img src=x onerror=window.pwned=1> necesito ayuda con la ciudadania"
SCREENSHOTS = ROOT / "results" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def write_conversations(endpoints: Path) -> None:
    """Real conversations through the assistant into the store the console reads (one person asks
    for a call back, which needs the deployment key)."""
    from bot.assistant import Assistant

    assistant = Assistant(endpoints=endpoints)

    async def talk() -> None:
        await assistant.ask("cuánto cuesta la ciudadanía", "sms-es000000000000000000001", "sms")
        await assistant.ask("我的工卡丢了怎么办", "telegram-zh0000000000000000001", "telegram")
        await assistant.ask(XSS, "sms-xss00000000000000000001", "sms")
        await assistant.ask("necesito ayuda con mi permiso de trabajo", "sms-person00000000000000001", "sms")
        await assistant.ask("quiero hablar con una persona", "sms-person00000000000000001", "sms")
        await assistant.ask("mi numero es 617-555-0142", "sms-person00000000000000001", "sms")
        await assistant.ask("PARAR", "sms-stop0000000000000000001", "sms")
        for number, text in enumerate(["qwzx blorp fnarg vlek", "qwzx blorp fnargs vlek"]):  # nothing the bot knows
            await assistant.ask(text, f"sms-odd{number:020d}", "sms")
        for language, (text, _) in PLANTED_BY_LANGUAGE.items():
            await assistant.ask(text, f"sms-planted-{language}00000000000000", "sms")

    # In a thread of its own: Playwright's synchronous API keeps an event loop running in this one.
    writer = threading.Thread(target=lambda: asyncio.run(talk()))
    writer.start()
    writer.join()


class Console(str):
    """The database the console under test reads ("sqlite" or "postgresql"), its store and its log."""

    def __new__(cls, kind: str, store: str | Path, log: Path) -> Console:
        console = super().__new__(cls, kind)
        console.store, console.log = store, log
        return console


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def console(request, tmp_path_factory):
    workdir = tmp_path_factory.mktemp("console")
    with (
        pytest.MonkeyPatch.context() as patch,
        postgres_database("bot_console") if request.param == "postgresql" else nullcontext() as name,
    ):
        endpoints = endpoints_file(workdir, name or workdir / "rasa.db")
        patch.setenv("BOT_SECRET_KEY", SECRET_KEY)
        patch.setenv("ENDPOINTS", str(endpoints))
        settings.cache_clear()
        write_conversations(endpoints)
        subprocess.run([sys.executable, "-m", "bot", "users", "add", "maria", "--role", "admin", "--endpoints", str(endpoints)],
                       input=PASSWORD + "\n", text=True, check=True, cwd=ROOT, timeout=120)  # fmt: skip
        log = (workdir / "console.log").open("w")
        server = subprocess.Popen([sys.executable, "-m", "bot", "console", "--port", str(PORT), "--endpoints", str(endpoints)],
                                  cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)  # fmt: skip

        def answering() -> bool:
            assert server.poll() is None, "the console stopped while starting"
            try:
                urllib.request.urlopen(f"{URL}/login", timeout=2)
                return True
            except OSError:
                return False

        try:
            wait_for(answering, timeout=120, what="the console to answer")
            yield Console(request.param, name or workdir / "rasa.db", workdir / "console.log")
        finally:
            server.terminate()
            server.wait(20)
            log.close()
    settings.cache_clear()


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(console, browser) -> Page:
    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    yield page
    context.close()


def sign_in(page: Page) -> None:
    page.goto(f"{URL}/login")
    page.fill("input[name=name]", "maria")
    page.fill("input[name=password]", PASSWORD)
    page.click("text=Sign in")
    page.wait_for_url(f"{URL}/conversations")


def shot(page: Page, console: str, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{console}-{name}.png"), full_page=True)


def test_every_page_but_login_requires_an_account(page):
    for path in ("/conversations", "/conversations/sms-es000000000000000000001", "/export", "/audit"):
        page.goto(URL + path)
        assert page.url == f"{URL}/login"
    page.fill("input[name=name]", "maria")
    page.fill("input[name=password]", "wrong password!")
    page.click("text=Sign in")
    assert page.locator("[role=alert]").inner_text() == "Wrong name or password."


def test_repeated_failed_logins_are_slowed_down(page, console):
    """Three failures are free; then each attempt from this address (or for this name) waits twice
    as long as the last, and during the wait even the right password is refused."""
    slowed = None
    for attempt in range(12):
        page.goto(f"{URL}/login")
        page.fill("input[name=name]", f"guesser-{console}")
        page.fill("input[name=password]", f"guess number {attempt}")
        page.click("text=Sign in")
        alert = page.locator("[role=alert]").inner_text()
        assert attempt > 0 or alert == "Wrong name or password."
        slowed = re.fullmatch(r"Too many failed attempts\. Please wait (\d+) seconds?, then try again\.", alert)
        if slowed and int(slowed[1]) >= 4:
            break
        if slowed:  # wait as asked, then guess again: the next wait is longer
            page.wait_for_timeout(int(slowed[1]) * 1000)
    else:
        pytest.fail(f"twelve failed logins and still not slowed down: {alert!r}")
    page.goto(f"{URL}/login")
    page.fill("input[name=name]", "maria")
    page.fill("input[name=password]", PASSWORD)
    page.click("text=Sign in")
    assert page.locator("[role=alert]").inner_text().startswith("Too many failed attempts. Please wait")
    assert page.url == f"{URL}/login" and not any(c["name"] == "console_session" for c in page.context.cookies())
    page.wait_for_timeout(int(slowed[1]) * 1000 + 500)
    sign_in(page)  # the wait is over: the right password works (and this address starts afresh)


def test_list_filters_and_search(page, console):
    sign_in(page)
    assert "(13)" in page.inner_text("h1")
    shot(page, console, "conversations")
    page.select_option("select[name=language]", "es")
    page.click("text=Filter")
    senders = page.locator("tbody td:nth-child(2)").all_inner_texts()
    assert "sms-es000000000000000000001" in senders and "telegram-zh0000000000000000001" not in senders
    page.goto(f"{URL}/conversations?flag=person")
    assert page.locator("tbody td:nth-child(2)").all_inner_texts() == ["sms-person00000000000000001"]
    page.goto(f"{URL}/conversations?flag=opted_out")
    assert page.locator("tbody td:nth-child(2)").all_inner_texts() == ["sms-stop0000000000000000001"]
    page.goto(f"{URL}/conversations?channel=telegram")
    assert page.locator("tbody td:nth-child(2)").all_inner_texts() == ["telegram-zh0000000000000000001"]
    page.goto(f"{URL}/conversations?q=工卡")
    assert page.locator("tbody td:nth-child(2)").all_inner_texts() == ["telegram-zh0000000000000000001"]


def test_a_message_with_markup_shows_as_text_and_runs_nothing(page, console):
    sign_in(page)
    page.goto(f"{URL}/conversations/sms-xss00000000000000000001")
    first = page.locator(".turn.user").first
    assert "<script>window.pwned=1</script><img src=x onerror=window.pwned=1>" in first.inner_text()
    assert page.locator(".turn img").count() == 0
    assert page.evaluate("window.pwned") is None
    shot(page, console, "transcript-markup")


def test_correct_an_intent_then_export_it_as_training_data(page, console):
    sign_in(page)
    page.goto(f"{URL}/conversations/sms-es000000000000000000001")
    meta = page.locator(".turn.user .meta").first.inner_text()
    assert "language es" in meta and "intent citizenship.fees" in meta and "article citizenship.fees" in meta
    page.locator("form.correct select").first.select_option("citizenship.apply")
    page.locator("form.correct button").first.click()
    assert page.locator(".corrected").first.inner_text() == "citizenship.apply"
    shot(page, console, "transcript-corrected")
    page.goto(f"{URL}/export")
    with page.expect_download() as download:
        page.click("text=es.yml")
    exported = Path(download.value.path()).read_text()
    assert "- intent: citizenship.apply" in exported and "cuánto cuesta la ciudadanía" in exported
    page.goto(f"{URL}/audit")
    log = page.inner_text("table")
    assert "open conversation" in log and "correct intent" in log and "export training data" in log


def test_review_tags_and_the_unreviewed_filter(page):
    sign_in(page)
    page.goto(f"{URL}/conversations/sms-person00000000000000001")
    page.check("input[name=reviewed]")
    page.fill("input[name=tags]", "callback")
    page.fill("textarea[name=note]", "Called back on Monday")
    page.click("text=Save review")
    page.goto(f"{URL}/conversations?flag=unreviewed")
    assert "sms-person00000000000000001" not in page.locator("tbody td:nth-child(2)").all_inner_texts()
    page.goto(f"{URL}/conversations?flag=person")
    assert "callback" in page.inner_text("tbody")


def test_a_post_without_a_valid_csrf_token_is_refused(page):
    sign_in(page)
    cookie = next(c for c in page.context.cookies() if c["name"] == "console_session")
    assert cookie["httpOnly"] and cookie["secure"] and cookie["sameSite"] == "Strict"
    for body in (b"reviewed=on", b"reviewed=on&csrf=forged"):
        request = urllib.request.Request(
            f"{URL}/conversations/sms-es000000000000000000001/review", body, {"Cookie": f"console_session={cookie['value']}"}
        )
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=10)
        assert refused.value.code == 403
    page.goto(f"{URL}/conversations?flag=unreviewed")
    assert "sms-es000000000000000000001" in page.locator("tbody td:nth-child(2)").all_inner_texts()


def test_resolve_a_handoff(page, console):
    sign_in(page)
    page.goto(f"{URL}/handoffs")
    row = page.locator("tr.handoff")
    assert row.count() == 1
    assert row.locator(".contact").inner_text() == "617-555-0142"  # decrypted for staff only
    assert "necesito ayuda con mi permiso de trabajo" in row.inner_text()
    shot(page, console, "handoffs")
    row.locator("text=Mark contacted").click()
    assert page.locator("tr.handoff .status").inner_text() == "contacted"
    page.locator("tr.handoff >> text=Resolve and delete").click()
    assert page.locator("tr.handoff").count() == 0 and "Nobody is waiting." in page.inner_text("tbody")


def test_numbers_charts_and_the_monthly_report(page, console):
    sign_in(page)
    page.click("text=Numbers")
    summary = page.inner_text("table.summary")
    assert "Conversations\t13" in summary and "Asked for a person\t1" in summary and "Opted out\t1" in summary
    assert page.locator("svg.chart rect").count() >= 2 * 28  # a bar per day, two charts
    assert "language zh" in page.inner_text("table.daily") and "channel telegram" in page.inner_text("table.daily")
    shot(page, console, "numbers")
    with page.expect_download() as download:
        page.click("text=Download the monthly report (CSV)")
    report = Path(download.value.path()).read_text()
    assert (
        report.startswith("metric,breakdown,value")
        and "conversations,all,13" in report
        and "conversations,channel telegram,1" in report
    )


def test_knowledge_health_and_unanswered_groups(page, console):
    sign_in(page)
    page.goto(f"{URL}/knowledge")
    assert page.locator("tr.article").count() == len(knowledge().articles)
    assert "machine, needs review" in page.inner_text("tbody")
    shot(page, console, "knowledge")
    page.goto(f"{URL}/unanswered")
    first = page.locator("section.group").first
    assert first.locator("h2").inner_text().startswith("2 messages like")  # the two alike come together


def test_no_planted_detail_in_any_language_reaches_the_store_the_pages_or_the_log(page, console):
    sign_in(page)
    seen = [page.inner_text("body")]
    for language in PLANTED_BY_LANGUAGE:
        page.goto(f"{URL}/conversations/sms-planted-{language}00000000000000")
        seen.append(page.inner_text("body"))
        assert "[NAME]" in seen[-1] and "[ADDRESS]" in seen[-1] and "[DOB]" in seen[-1]  # what staff see instead
    for path in ("/conversations?flag=unsure", "/unanswered", "/handoffs", "/numbers", "/knowledge", "/audit"):
        page.goto(f"{URL}{path}")
        seen.append(page.inner_text("body"))
    page.goto(f"{URL}/conversations/sms-planted-en00000000000000")
    page.locator("form.correct select").first.select_option("general.green_card_renewal")  # corrected, so exported
    page.locator("form.correct button").first.click()
    page.goto(f"{URL}/export")
    with page.expect_download() as download:
        page.click("text=en.yml")
    exported = Path(download.value.path()).read_text()
    assert "[NAME]" in exported  # training data staff may share carries the placeholders only
    seen.append(exported)
    everywhere = "\n".join([*seen, everything_in(console.store), console.log.read_text()])
    for detail in PLANTED_DETAILS:
        assert detail not in everywhere, detail
