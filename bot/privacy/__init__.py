"""Privacy by construction: pseudonymous ids, PII redaction, deletion and retention.

People who write to this assistant may have every reason to fear being recorded. A phone number
or Telegram id never reaches the tracker store or the logs (channels replace it with a keyed
pseudonym); message text and slot values are redacted of obvious PII before an event is stored.
"""
