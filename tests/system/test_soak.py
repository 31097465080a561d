"""The two-minute version of `make soak`: ten people texting through retries, hostile input and
the action server, PostgreSQL and Redis each taken away in turn. Nothing lost, nothing processed
twice, nobody left in silence, no 5xx, every forged request refused."""

from __future__ import annotations

from tools.soak import failed, soak


def test_two_minutes_of_traffic_through_three_faults_lose_and_duplicate_nothing(tmp_path):
    report = soak(minutes=2, workdir=tmp_path)
    assert failed(report) == [], report
    assert report["answered"] > 100 and report["retried_messages"] > 10 and report["hostile_sent"] > 0, report
    assert report["apologised"] > 0, report  # the faults were felt: otherwise they were not injected
    assert all(fault["answering_again_after_seconds"] is not None for fault in report["faults"]), report
