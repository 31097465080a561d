"""`python -m bot ask` as a person runs it: its own process, the trained model, JSON out."""

from __future__ import annotations

import json
import subprocess
import sys

from bot import ROOT


def run_bot(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], cwd=ROOT, input=stdin, capture_output=True, text=True, timeout=300
    )


def test_ask_json_prints_one_object_per_input_as_specified():
    result = run_bot("ask", "--json", "cuánto cuesta la ciudadanía", "我的工卡丢了怎么办")
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [set(line) for line in lines] == [{"text", "language", "intent", "confidence", "article", "reply"}] * 2
    assert (lines[0]["language"], lines[0]["article"]) == ("es", "citizenship.fees")
    assert "$710" in lines[0]["reply"]
    assert (lines[1]["language"], lines[1]["intent"]) == ("zh", "work_permit.replace")


def test_ask_reads_standard_input_and_can_keep_one_conversation():
    result = run_bot("ask", "--json", "--conversation", stdin="hola, qué puedes hacer\n1\n")
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["language"] for line in lines] == ["es", "es"]
    assert lines[1]["intent"] == "choose" and lines[1]["article"] is not None


def latest_review() -> str:
    """The tests' "today" (the real date is `make test`'s own `kb check` step)."""
    from bot.knowledge.loader import load_knowledge

    return max(a.reviewed for a in load_knowledge().articles.values()).isoformat()


def test_kb_check_passes_and_says_so_and_warns_about_placeholder_contacts():
    result = run_bot("kb", "check", "--today", latest_review())
    assert (result.returncode, result.stdout.splitlines()[-1]) == (0, "knowledge base OK")
    assert result.stdout.startswith("warning: organization.yml: placeholder contact detail")


def test_kb_check_for_deployment_refuses_placeholder_contacts():
    result = run_bot("kb", "check", "--deploy", "--today", latest_review())
    assert result.returncode == 1 and "organization.yml: placeholder contact detail" in result.stdout
