"""`python -m bot chat`: type messages to the running assistant over its REST channel.

It speaks to the server exactly as a web page would, so what you see is what a user gets.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid


def send(url: str, sender: str, text: str) -> list[str]:
    """POST one message to the REST channel; the texts of the replies. When the assistant cannot
    take the turn (503) the reply is its apology, which is shown like any other."""
    body = json.dumps({"sender": sender, "message": text}).encode()
    request = urllib.request.Request(url, body, {"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            replies = json.load(response)
    except urllib.error.HTTPError as error:
        if error.code != 503:
            raise
        replies = json.load(error)
    return [m["text"] for m in replies if m.get("text")]


def chat(url: str) -> int:
    sender = f"chat-{uuid.uuid4().hex[:12]}"
    print("Type a message in any supported language (Ctrl-D or 'quit' to leave).")
    while True:
        try:
            text = input("you> ")
        except (EOFError, KeyboardInterrupt):
            print()
            return 0
        if text.strip().lower() in {"quit", "exit"}:
            return 0
        try:
            replies = send(url, sender, text)
        except (urllib.error.URLError, ConnectionError) as error:
            print(f"Cannot reach the assistant at {url} ({error}). Start it with `make run` and wait for it to be ready.")
            continue
        print("bot> " + "\n\n".join(replies) + "\n")
