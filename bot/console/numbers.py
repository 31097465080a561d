"""Numbers for staff and funders: a month as charts, and the same month as a CSV report."""

from __future__ import annotations

import csv
import io
from datetime import date

from sanic import Blueprint, response
from sanic.request import Request

from bot.console import auth, stats
from bot.console.index import refresh
from bot.console.web import HEADERS, page, staff

numbers = Blueprint("numbers")


@numbers.get("/numbers")
@staff()
async def month_page(request: Request, session: auth.Session) -> response.HTTPResponse:
    refresh(request.app.ctx.engine)
    label = request.args.get("month") or date.today().strftime("%Y-%m")
    try:
        result = stats.month(request.app.ctx.engine, label)
    except ValueError:
        return response.text("month must look like 2026-11", status=400)
    return page("numbers.html", session=session, m=result)


@numbers.get("/report/<filename>")
@staff()
async def report(request: Request, session: auth.Session, filename: str) -> response.HTTPResponse:
    label = filename.removesuffix(".csv")
    engine = request.app.ctx.engine
    refresh(engine)
    try:
        result = stats.month(engine, label)
    except ValueError:
        return response.text("not found", status=404)
    with engine.begin() as db:
        auth.record(db, session.user, "export monthly report", label)
    out = io.StringIO()
    csv.writer(out).writerows([["metric", "breakdown", "value"], *result.csv_rows()])
    return response.text(out.getvalue(), content_type="text/csv; charset=utf-8",
                         headers={"Content-Disposition": f'attachment; filename="report-{label}.csv"', **HEADERS})  # fmt: skip
