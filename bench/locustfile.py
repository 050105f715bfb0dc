"""Load scenario for the scale-out run (bench/scaleout.sh): clients doing
steps, mood and questionnaires; PWPs reviewing and sending feedback; a trial
manager exporting. Accounts come from bench/locust_setup.py (LOCUST_USERS).
Loopback only: the host must be 127.0.0.1.

    locust -f bench/locustfile.py --host http://127.0.0.1:8100 --headless -u 50 -r 5 -t 5m
"""

import itertools
import json
import os
import random
import re
import threading
import time
import uuid
from urllib.parse import urlparse

from locust import HttpUser, between, events, task

ACCOUNTS = json.loads(open(os.environ.get("LOCUST_USERS", "/tmp/locust_users.json")).read())  # noqa: SIM115
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
_lock = threading.Lock()
_clients = itertools.cycle(ACCOUNTS["clients"])
_pwps = itertools.cycle(sorted(ACCOUNTS["pwps"].items()))


@events.test_start.add_listener
def _loopback_only(environment, **kwargs):
    if urlparse(environment.host).hostname not in ("127.0.0.1", "localhost"):
        raise SystemExit("The load test runs against loopback only.")


class _SignedIn(HttpUser):
    abstract = True
    wait_time = between(1, 3)

    def csrf(self, url: str) -> str:
        response = self.client.get(url, name=url if "/" == url[-1] else None)
        match = CSRF.search(response.text)
        return match.group(1) if match else ""

    def sign_in(self, email: str) -> None:
        token = self.csrf("/account/sign-in/")
        with self.client.post(
            "/account/sign-in/",
            {"username": email, "password": ACCOUNTS["password"], "csrfmiddlewaretoken": token},
            name="sign in",
            catch_response=True,
        ) as response:
            if "sign-in" in response.url:
                response.failure(f"could not sign in as {email}")

    def post(self, url: str, data: dict, *, name: str, form_url: str | None = None):
        token = self.client.cookies.get("csrftoken") or self.csrf(form_url or url)
        return self.client.post(
            url, {**data, "csrfmiddlewaretoken": token}, name=name,
            headers={"Referer": self.host + (form_url or url)},
        )  # fmt: skip


class Client(_SignedIn):
    weight = 7

    def on_start(self):
        with _lock:
            self.sign_in(next(_clients))

    @task(3)
    def home(self):
        self.client.get("/programme/", name="client home")

    @task(3)
    def mood(self):
        self.client.get("/me/mood/", name="mood")
        self.post("/me/mood/", {"value": str(random.randint(1, 10))}, name="mood: save")

    @task(2)
    def steps(self):
        page = self.client.get("/programme/modules/", name="modules")
        links = re.findall(r'href="(/programme/modules/[\w-]+/[\w-]+/)"', page.text)
        if links:
            self.client.get(random.choice(links), name="step")

    @task(1)
    def questionnaire(self):
        page = self.client.get("/questionnaires/", name="questionnaires")
        found = re.search(r'href="/questionnaires/(\d+)/"', page.text)
        if not found:
            return
        adm = found.group(1)
        for n in range(1, 11):
            self.post(f"/questionnaires/{adm}/q/{n}/", {"answer": "1" if n != 9 else "0"},
                      name="questionnaire: answer")  # fmt: skip
        self.post(f"/questionnaires/{adm}/check/", {}, name="questionnaire: submit")


class Practitioner(_SignedIn):
    weight = 2

    def on_start(self):
        with _lock:
            self.email, self.treatments = next(_pwps)
        self.sign_in(self.email)

    @task(2)
    def caseload(self):
        self.client.get("/care/caseload/", name="caseload")

    @task(3)
    def review(self):
        tid = random.choice(self.treatments)
        self.client.get(f"/care/clients/{tid}/review/", name="review")

    @task(1)
    def feedback(self):
        tid = random.choice(self.treatments)
        self.client.get(f"/messages/{tid}/", name="thread")
        self.post(f"/messages/{tid}/",
                  {"body": "Well done this week. Keep going with the diary.",
                   "idempotency_key": str(uuid.uuid4())}, name="feedback: send")  # fmt: skip


class TrialManager(_SignedIn):
    weight = 1
    fixed_count = 1
    wait_time = between(20, 40)

    def on_start(self):
        self.sign_in(ACCOUNTS["manager"])

    @task
    def export(self):
        self.client.get("/trials/", name="trial overview")
        response = self.post("/trials/exports/confirm/",
                             {"dataset": "participants", "file_format": "csv"},
                             name="export: request", form_url="/trials/exports/")  # fmt: skip
        job = re.search(r"/trials/exports/([0-9a-f-]{36})/", response.url or "")
        if not job:
            return
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            status = self.client.get(f"/trials/exports/{job.group(1)}/", name="export: status")
            if "/download/" in status.text:
                self.client.get(f"/trials/exports/{job.group(1)}/download/",
                                name="export: download")  # fmt: skip
                return
            time.sleep(2)
