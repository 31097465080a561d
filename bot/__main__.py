"""The command line: `python -m bot COMMAND`. See `python -m bot --help`."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Iterable
from datetime import date
from pathlib import Path

from bot import ROOT
from bot.settings import settings


def _inputs(texts: list[str]) -> Iterable[str]:
    """The TEXT arguments, or else each line of standard input."""
    if texts:
        yield from texts
    else:
        for line in sys.stdin:
            yield line.rstrip("\n")


def ask(args: argparse.Namespace) -> int:
    from bot.quiet import quiet

    quiet()
    from bot.assistant import Assistant

    assistant = Assistant()

    async def run() -> None:
        conversation = "ask-conversation" if args.conversation else None
        for text in _inputs(args.text):
            answer = await assistant.ask(text, conversation)
            if args.json:
                print(json.dumps(answer.as_dict(), ensure_ascii=False), flush=True)
            else:
                print(f"> {text}\n{answer.reply}\n", flush=True)

    asyncio.run(run())
    return 0


def kb_check(args: argparse.Namespace) -> int:
    from bot.knowledge.check import full_check
    from bot.knowledge.loader import KnowledgeError, load_knowledge

    try:
        report = full_check(load_knowledge(), deploy=args.deploy, today=args.today)
        problems, warnings = report.problems, report.warnings
    except KnowledgeError as error:
        problems, warnings = [str(error)], []
    for warning in warnings:
        print(f"warning: {warning}")
    for problem in problems:
        print(problem)
    if warnings:
        print(f"{len(warnings)} warning(s): replace placeholder contacts before going live (`kb check --deploy` refuses them)")
    print(f"{len(problems)} problem(s)" if problems else "knowledge base OK")
    return 1 if problems else 0


def train(args: argparse.Namespace) -> int:
    from bot.quiet import quiet

    quiet()
    from bot.training import train as train_model

    print(train_model(ROOT, force=args.force))
    return 0


def chat(args: argparse.Namespace) -> int:
    from bot.chat import chat as run_chat

    return run_chat(args.url)


def run(args: argparse.Namespace) -> int:
    from bot.serve import serve

    return serve()


def evaluate(args: argparse.Namespace) -> int:
    from bot.quiet import quiet

    quiet()
    from tools.evaluation import main as run_evaluation

    return run_evaluation(args.model)


def compare_pipelines(args: argparse.Namespace) -> int:
    from bot.quiet import quiet

    quiet()
    from tools.pipeline_comparison import main as run_comparison

    return run_comparison()


def evaluate_language_id(args: argparse.Namespace) -> int:
    from tools.language_id_eval import main as run_evaluation

    return run_evaluation()


def bench(args: argparse.Namespace) -> int:
    from tools.bench import main as run_bench

    return run_bench([])


def telegram(args: argparse.Namespace) -> int:
    from bot.channels.telegram_setup import main as run_telegram

    return run_telegram(None if args.poll else args.set_webhook, args.rasa_url)


def purge(args: argparse.Namespace) -> int:
    from bot.quiet import quiet

    quiet()
    from rasa.core.tracker_store import TrackerStore
    from rasa.core.utils import AvailableEndpoints

    from bot.privacy.store import unwrap

    store = unwrap(TrackerStore.create(AvailableEndpoints.read_endpoints(str(args.endpoints)).tracker_store))
    if not hasattr(store, "purge"):
        raise SystemExit(f"{args.endpoints}: the tracker store must be bot.privacy.store.RedactingSQLTrackerStore")
    from bot import handoffs
    from bot.channels.claims import Claims
    from bot.database import engine_for

    engine = engine_for(args.endpoints)
    purged = store.purge(args.days)
    requests = handoffs.forget(purged, engine) + handoffs.purge(engine, args.days)
    deliveries = Claims(engine).purge()
    print(f"deleted {len(purged)} conversation(s) idle for more than {args.days:g} days")
    print(f"deleted {requests} contact request(s) of those conversations or older than that")
    print(f"deleted {deliveries} record(s) of webhook deliveries older than a day")
    return 0


def sms_cost(args: argparse.Namespace) -> int:
    from tools.cost import main as run_cost

    return run_cost()


def _new_password() -> str:
    """A password typed at the terminal (not echoed), or the first line of standard input."""
    import getpass

    return getpass.getpass("Password: ") if sys.stdin.isatty() else sys.stdin.readline().rstrip("\n")


def users_add(args: argparse.Namespace) -> int:
    from bot.console.auth import add_user
    from bot.database import engine_for

    try:
        add_user(engine_for(args.endpoints), args.name, args.role, _new_password())
    except ValueError as error:
        raise SystemExit(f"error: {error}") from None
    print(f"{args.role} {args.name} can sign in to the console")
    return 0


def users_reset(args: argparse.Namespace) -> int:
    from bot.console.auth import reset_password
    from bot.database import engine_for

    try:
        reset_password(engine_for(args.endpoints), args.name, _new_password(), by="cli")
    except (LookupError, ValueError) as error:
        raise SystemExit(f"error: {error.args[0]}") from None
    print(f"new password set for {args.name}; their sessions have ended")
    return 0


def action_server(args: argparse.Namespace) -> int:
    from bot.action_server import serve as serve_actions

    return serve_actions(args.host, args.port)


def console(args: argparse.Namespace) -> int:
    from bot.quiet import quiet

    quiet()
    from bot.console.app import serve as serve_console

    return serve_console(args.endpoints, args.host, args.port)


def bench_console(args: argparse.Namespace) -> int:
    from bot.quiet import quiet

    quiet()
    from tools.console_bench import main as run_bench

    return run_bench()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    p = commands.add_parser("ask", help="answer each TEXT (or each line of standard input)")
    p.add_argument("--json", action="store_true", help="one JSON object per input")
    p.add_argument("--conversation", action="store_true", help="keep all inputs in one conversation")
    p.add_argument("text", nargs="*")
    p.set_defaults(handler=ask)

    p = commands.add_parser("kb", help="knowledge base tools")
    kb = p.add_subparsers(dest="kb_command", required=True)
    p = kb.add_parser("check", help="validate knowledge/ and how each article is wired")
    p.add_argument("--deploy", action="store_true", help="also refuse placeholder contact details (run before going live)")
    p.add_argument("--today", type=date.fromisoformat, help="check as of this date, YYYY-MM-DD (what will be stale then)")
    p.set_defaults(handler=kb_check)

    p = commands.add_parser("train", help="train the model if its inputs changed")
    p.add_argument("--force", action="store_true", help="train even if nothing changed")
    p.set_defaults(handler=train)

    p = commands.add_parser("chat", help="talk to a running assistant (started with `make run`)")
    p.add_argument("--url", default="http://localhost:5005/webhooks/rest/webhook")
    p.set_defaults(handler=chat)

    commands.add_parser("run", help="train if needed, then run Rasa and the action server").set_defaults(handler=run)

    p = commands.add_parser("eval", help="accuracy on the held-out sets in tests/heldout; exit 1 below the bars")
    p.add_argument("--model", type=Path, help="a model file other than the latest in models/")
    p.set_defaults(handler=evaluate)

    commands.add_parser("compare-pipelines", help="the candidate intent classifiers on the held-out sets").set_defaults(
        handler=compare_pipelines
    )

    commands.add_parser("eval-langid", help="compare language-ID backends on tests/language_id.yml").set_defaults(
        handler=evaluate_language_id
    )

    commands.add_parser(
        "bench", help="this assistant against stock Rasa's starter bot: throughput, latency, memory, start to ready"
    ).set_defaults(handler=bench)

    p = commands.add_parser("telegram", help="poll Telegram for updates, or register the webhook")
    mode = p.add_mutually_exclusive_group(required=True)
    mode.add_argument("--poll", action="store_true", help="fetch updates and forward them to the running assistant")
    mode.add_argument("--set-webhook", metavar="URL", help="tell Telegram to send updates to URL instead")
    p.add_argument("--rasa-url", default="http://localhost:5005")
    p.set_defaults(handler=telegram)

    p = commands.add_parser("purge", help="delete conversations older than the retention period")
    p.add_argument("--days", type=float, default=settings().retention_days)
    p.add_argument("--endpoints", type=Path, default=settings().endpoints)
    p.set_defaults(handler=purge)

    commands.add_parser("cost", help="SMS segments of the first message of every answer, per language, as sent").set_defaults(
        handler=sms_cost
    )

    p = commands.add_parser("users", help="staff accounts for the console")
    accounts = p.add_subparsers(dest="users_command", required=True)
    p = accounts.add_parser("add", help="create or replace an account; the password is read from standard input")
    p.add_argument("name")
    p.add_argument("--role", choices=["admin", "reviewer"], required=True)
    p.add_argument("--endpoints", type=Path, default=settings().endpoints)
    p.set_defaults(handler=users_add)
    p = accounts.add_parser("reset", help="a new password for an account (read from standard input); its sessions end")
    p.add_argument("name")
    p.add_argument("--endpoints", type=Path, default=settings().endpoints)
    p.set_defaults(handler=users_reset)

    p = commands.add_parser("actions", help="the action server (127.0.0.1:5055; beyond loopback it needs ACTION_SERVER_TOKEN)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=5055)
    p.set_defaults(handler=action_server)

    p = commands.add_parser("console", help="the staff console (http://127.0.0.1:5002)")
    p.add_argument("--host", default="127.0.0.1", help="where to listen (0.0.0.0 in a container behind a proxy)")
    p.add_argument("--port", type=int, default=settings().console_port)
    p.add_argument("--endpoints", type=Path, default=settings().endpoints)
    p.set_defaults(handler=console)

    commands.add_parser("bench-console", help="time the console's conversation list with 10,000 conversations").set_defaults(
        handler=bench_console
    )

    args = parser.parse_args(argv)
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
