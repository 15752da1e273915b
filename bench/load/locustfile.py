"""The deadline rush: every commune officer logs in, then saves item scores and uploads evidence at the same time.

Run by bench/load/run.sh (which seeds the province and starts gunicorn on 127.0.0.1). Each simulated user takes one
commune from DVCQ_LOAD_USERS (users.json); what was sent successfully goes to DVCQ_LOAD_SENT (sent.json) when the run
stops, so run.sh can check that nothing was lost.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import threading

from locust import HttpUser, between, events, task

SEED = json.load(open(os.environ["DVCQ_LOAD_USERS"], encoding="utf-8"))  # noqa: SIM115
_next = itertools.count()
_lock = threading.Lock()
SENT = {"uploads": [], "scores": {}, "conflicts": 0}
SCORES = ["0", "0,25", "0,5", "0,75", "1"]
TOKEN = re.compile(r'name="csrf-token" content="([^"]+)"')


class Officer(HttpUser):
    wait_time = between(0.5, 2)

    def on_start(self):
        self.person = SEED["users"][next(_next) % len(SEED["users"])]
        self.versions = {}
        page = self.client.get("/dang-nhap", name="/dang-nhap").text
        answer = self.client.post(
            "/dang-nhap",
            data={"login": self.person["login"], "password": self.person["password"], "csrf_token": self._token(page)},
            allow_redirects=False,
            name="/dang-nhap [POST]",
        )
        if answer.status_code != 302:
            raise RuntimeError(f"login failed for {self.person['login']}: {answer.status_code}")
        self.token = self._token(self.client.get("/", name="/").text)

    @staticmethod
    def _token(page: str) -> str:
        match = TOKEN.search(page)
        if not match:
            raise RuntimeError("no CSRF token on the page")
        return match.group(1)

    @task(5)
    def save_score(self):
        item = random.choice(self.person["items"])
        if item not in self.versions:  # the page the officer has open shows the current version
            self.versions[item] = 1
        score = random.choice(SCORES)
        url = f"/tu-danh-gia/{self.person['assessment_id']}/muc/{item}"
        with self.client.post(
            url,
            json={"version": self.versions[item], "score": score, "note": "Đã rà soát hồ sơ"},
            headers={"X-CSRFToken": self.token, "Accept": "application/json"},
            name="/tu-danh-gia/[id]/muc/[id]",
            catch_response=True,
        ) as answer:
            if answer.status_code == 200:
                state = answer.json()["item"]
                self.versions[item] = state["version"]
                with _lock:
                    SENT["scores"][str(item)] = state["score"]
                answer.success()
            else:
                answer.failure(f"save {answer.status_code}: {answer.error or answer.text[:200]}")

    @task(1)
    def view_assessment(self):
        self.client.get(f"/tu-danh-gia/{self.person['assessment_id']}", name="/tu-danh-gia/[id]")

    @task(2)
    def upload_evidence(self):
        n = random.randint(1, 10**9)
        data = b"%PDF-1.7\n" + os.urandom(random.randint(20_000, 400_000))
        name = f"Báo cáo số {n} – {self.person['login']}.pdf"
        with self.client.post(
            "/tai-lieu/tai-len",
            data={"csrf_token": self.token, "issuer": "UBND xã"},
            files={"file": (name, data, "application/pdf")},
            allow_redirects=False,
            name="/tai-lieu/tai-len [POST]",
            catch_response=True,
        ) as answer:
            if answer.status_code == 302:
                with _lock:
                    SENT["uploads"].append({"unit_id": self.person["unit_id"], "name": name, "size": len(data)})
                answer.success()
            else:
                answer.failure(f"upload {answer.status_code}: {answer.error or answer.text[:200]}")


@events.test_stop.add_listener
def _write_sent(environment, **kwargs):
    with open(os.environ["DVCQ_LOAD_SENT"], "w", encoding="utf-8") as out:
        json.dump(SENT, out, ensure_ascii=False)
