"""Mixed logged-in users of the ledger, for bench/load.py (which starts gunicorn and locust).

Each simulated user takes one of the pre-created sessions in $LOAD_SESSIONS (a JSON list of
{"role", "cookie", "csrf"}), so nobody goes through the login form (which gets a second factor).
Municipal staff browse and filter their ledger, pledge, look at offers and export; the
coordinator browses offers, needs and shipments; finance browses, exports and imports a small
statement. Every pledge the server confirms (302 to its page) is written to $LOAD_PLEDGES at the
end, so load.py can check that none of them is missing from the database.

Request names are page kinds ("ledger", "pledge POST", ...); load.py reports p50/p95 per kind.
"""

import datetime
import itertools
import json
import os
import random
import re
import threading
import uuid

from locust import HttpUser, between, events, task

SESSIONS = json.loads(open(os.environ["LOAD_SESSIONS"]).read())
_next_session = itertools.count()
_confirmed_pledges: list[str] = []
_lock = threading.Lock()
_statement_number = itertools.count(1)
FUND = "NL94BNGH0285173715"


def small_statement() -> bytes:
    """A three-line MT940 statement of the fund's account that adds up and was never seen before."""
    number = next(_statement_number)
    day = datetime.date(2026, 1, 1) + datetime.timedelta(days=random.randrange(300))
    unique = uuid.uuid4().hex[:12].upper()
    amounts = [random.randrange(1_00, 5_000_00) for _ in range(3)]
    lines = []
    for index, cents in enumerate(amounts):
        lines.append(f":61:{day:%y%m%d}{day:%m%d}C{cents // 100},{cents % 100:02d}NTRFNONREF//L{unique}{index}")
        lines.append(f":86:/NAME/GEMEENTE LOAD/REMI/USTD//Bijdrage Oekraine {unique} {index}/")
    total = sum(amounts)
    return (
        f":20:LOAD{unique}\n:25:{FUND}\n:28C:{number}/1\n:60F:C{day:%y%m%d}EUR0,00\n"
        + "\n".join(lines)
        + f"\n:62F:C{day:%y%m%d}EUR{total // 100},{total % 100:02d}\n"
    ).encode()


class LedgerUser(HttpUser):
    # Think time between a user's clicks: 1-3 s like a person; load.py --wait 0 0.1 for a storm.
    wait_time = between(float(os.environ.get("LOAD_WAIT_MIN", 1)), float(os.environ.get("LOAD_WAIT_MAX", 3)))

    def on_start(self) -> None:
        session = SESSIONS[next(_next_session) % len(SESSIONS)]
        self.role = session["role"]
        self.csrf = session["csrf"]
        # Secure cookies are not sent over plain HTTP by the client's jar: set the header ourselves.
        self.client.headers["Cookie"] = f"sessionid={session['cookie']}; csrftoken={self.csrf}"

    def get(self, url: str, name: str, follow: bool = False, **params) -> None:
        with self.client.get(url, params=params or None, name=name, allow_redirects=follow,
                             catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code} for {url}")

    def post(self, url: str, name: str, data: dict, files: dict | None = None):
        with self.client.post(url, data=data | {"csrfmiddlewaretoken": self.csrf}, files=files, name=name,
                              allow_redirects=False, catch_response=True) as response:
            if response.status_code != 302:
                response.failure(f"{response.status_code} for {url}: not saved")
            return response

    @task(4)
    def browse_ledger(self) -> None:
        self.get("/donaties/", "ledger")

    @task(3)
    def filter_ledger(self) -> None:
        query = random.choice([{"status": "pledged"}, {"q": "Oekraine"}, {"sort": "-amount_cents"},
                               {"status": "received", "page": "2"}])
        self.get("/donaties/", "ledger filtered", **query)

    @task(2)
    def view_offers(self) -> None:
        self.get("/materieel/", "offers")

    @task(1)
    def export(self) -> None:
        export_format = random.choice(["xlsx", "csv"])
        self.get("/donaties/", f"export {export_format}", export=export_format)

    @task(2)
    def pledge(self) -> None:
        if self.role != "staff":
            return self.get("/behoeften/", "needs") if self.role == "coordinator" else self.lines()
        marker = f"LOAD-{uuid.uuid4().hex[:16]}"
        response = self.post("/donaties/nieuw/", "pledge POST", {
            "appeal": os.environ["LOAD_APPEAL"],
            "amount": f"{random.randrange(100, 250_000)},{random.randrange(100):02d}",
            "iban": "NL91 ABNA 0417 1643 00",
            "decision_reference": marker,
            "expected_date": (datetime.date.today() + datetime.timedelta(days=30)).isoformat(),
            "contact_name": "Belasting Test",
            "contact_email": "load@example.nl",
        })
        if response.status_code == 302 and re.match(r"^/donaties/\d+/$", response.headers.get("Location", "")):
            with _lock:
                _confirmed_pledges.append(marker)

    def lines(self) -> None:
        self.get("/financien/regels/", "bank lines")

    @task(1)
    def import_statement(self) -> None:
        if self.role != "finance":
            return self.get("/bijdrage/", "contribution", follow=True) if self.role == "staff" else self.get(
                "/transporten/", "shipments")
        self.post("/financien/afschriften/inlezen/", "statement import POST", {},
                  files={"file": (f"load-{uuid.uuid4().hex[:8]}.sta", small_statement())})


@events.quitting.add_listener
def write_results(environment, **kwargs) -> None:
    """The confirmed pledges and the final figures per page kind, for load.py."""
    with open(os.environ["LOAD_PLEDGES"], "w") as out:
        json.dump(_confirmed_pledges, out)
    stats = environment.stats
    kinds = sorted(stats.entries.values(), key=lambda entry: entry.name) + [stats.total]
    report = {
        "kinds": [
            {
                "name": entry.name if entry is not stats.total else "all",
                "requests": entry.num_requests,
                "errors": entry.num_failures,
                "rps": entry.total_rps,
                "p50": entry.get_response_time_percentile(0.5),
                "p95": entry.get_response_time_percentile(0.95),
            }
            for entry in kinds
        ],
        "errors": [
            {"request": f"{error.method} {error.name}", "error": str(error.error), "count": error.occurrences}
            for error in stats.errors.values()
        ],
    }
    with open(os.environ["LOAD_REPORT"], "w") as out:
        json.dump(report, out)
