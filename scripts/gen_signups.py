#!/usr/bin/env python3
"""Generates examples/data/signups.json: 2,400 sign-ups, ~15% invalid in
varied ways (and a few that do not even decode). Deterministic (seeded), so
the showcase's report is stable. Run: python3 scripts/gen_signups.py"""
import json
import random

rng = random.Random(20261122)
FIRST = ["ada", "grace", "alan", "edsger", "barbara", "ken", "dennis", "margaret", "linus", "radia",
         "donald", "frances", "john", "katherine", "tim", "hedy", "claude", "sophie", "niklaus", "anita"]
DOMAINS = ["example.com", "mail.example.org", "posteo.example", "uni.example.edu", "corp.example.net"]
TAGS = ["rust", "math", "poetry", "compilers", "networks", "databases", "music", "chess", "ml", "os"]
COUNTRIES = ["GB", "US", "DE", "FR", "JP", "BR", "IN", "NG", "SE", "CA"]


def valid(i):
    name = f"{rng.choice(FIRST)}_{i}"
    pw = "".join(rng.choice("abcdefghjkmnpqrstuvwxyz") for _ in range(rng.randint(8, 16))) + str(rng.randint(0, 99))
    return {
        "username": name,
        "email": f"{name.replace('_', '.')}@{rng.choice(DOMAINS)}",
        "homepage": rng.choice([None, f"https://{name.replace('_', '-')}.example.com/"]),
        "age": rng.randint(13, 99),
        "password": pw,
        "passwordConfirm": pw,
        "address": {"street": f"{rng.randint(1, 400)} Main Street", "zip": f"{rng.randint(10000, 99999)}",
                    "country": rng.choice(COUNTRIES)},
        "tags": rng.sample(TAGS, rng.randint(0, 4)),
    }


BREAKERS = [
    ("username", lambda r: r.update(username="X")),
    ("username", lambda r: r.update(username="has space!")),
    ("email", lambda r: r.update(email="a@b@c.example")),
    ("email", lambda r: r.update(email="no-at-sign.example.com")),
    ("homepage", lambda r: r.update(homepage="htp//broken")),
    ("age", lambda r: r.update(age=rng.choice([5, 12, 131, 200]))),
    ("password", lambda r: r.update(password="short", passwordConfirm="short")),
    ("password", lambda r: r.update(password="nodigitsatall", passwordConfirm="nodigitsatall")),
    ("passwordConfirm", lambda r: r.update(passwordConfirm=r["password"] + "x")),
    ("address.zip", lambda r: r["address"].update(zip="12a45")),
    ("address.country", lambda r: r["address"].update(country="Germany")),
    ("tags", lambda r: r.update(tags=TAGS[:7])),
    ("tags[i]", lambda r: r.update(tags=["ok", "", "x" * 30])),
]

records = []
for i in range(2400):
    r = valid(i)
    if rng.random() < 0.15:
        for _ in range(rng.choice([1, 1, 1, 2, 3])):
            rng.choice(BREAKERS)[1](r)
    records.append(r)
# Records that cannot decode: the report counts them instead of failing.
records[77]["age"] = "forty"
records[1234] = {"username": "ghost"}
with open("examples/data/signups.json", "w") as f:
    # One record per line: small, and diffs stay readable.
    f.write("[\n" + ",\n".join(json.dumps(r, separators=(",", ":")) for r in records) + "\n]\n")
print(f"wrote {len(records)} records")
