"""`flask seed-scale`: a district's worth of data, in bulk.

Rows are built as plain dicts with explicit ids and written with SQLAlchemy
Core `insert()` in chunks (COPY on PostgreSQL), never one ORM object at a time,
so a million bookings take seconds to a minute or two. Only tables that exist
in the metadata are filled: areas that have not landed are skipped.

The known accounts the benchmark uses all have the password BENCH_PASSWORD.
"""

import json
import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select, text

from incubator.extensions import db
from incubator.i18n import ZH

BENCH_PASSWORD = "bench-password-2026"
SEED = 11
CHUNK = 10_000

DISTRICT = {
    "sites": 20, "people": 50_000, "shops": 3_000, "resources": 400, "bookings": 1_000_000,
    "cohorts": 2_000, "attendance": 1_500_000, "mentors": 2_000, "mentorships": 20_000,
    "livestreams": 200,
}
SMALL = {
    "sites": 4, "people": 500, "shops": 30, "resources": 8, "bookings": 10_000,
    "cohorts": 20, "attendance": 15_000, "mentors": 2_000, "mentorships": 200,
    "livestreams": 20,
}
SIZES = {"district": DISTRICT, "small": SMALL}
# Mentors are not scaled down at "small": the mentor-suggestion page is about
# one mentee among 2,000 mentors, so small keeps them, capped by people.

# Login names of the known accounts (phones), the same at every size.
KNOWN = {
    "admin": "13900000001",
    "staff": "13900000002",
    "trainee": "13900000003",     # a trainee with a full home page
    "member": "13900000004",      # a long-time member: trainee, then shop owner, then mentor
    "mentee": "13900000005",      # a mentee looking for a mentor among all mentors
    "trainer": "13900000006",     # runs the 40-person session
}

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
GIVEN = "秀英桂兰玉梅丽娟敏静芳霞燕红艳萍雪琳丹洁晓倩婷雅慧颖佳欣怡华明伟强磊军洋勇杰涛斌超浩宇"
SITE_PLACES = ["烈士塔", "江心洲", "雨花台", "秣陵", "谷里", "横溪", "江宁", "汤山", "淳化", "湖熟",
               "禄口", "东山", "麒麟", "铜井", "梅山", "西善桥", "板桥", "岔路口", "上坊", "陶吴"]
TOPICS = ["直播话术", "短视频剪辑", "灯光与布景", "选品与定价", "平台规则", "粉丝运营", "带货实操", "数据复盘"]
SHOP_KINDS = [("food", "馕坊"), ("agricultural", "农家菜园"), ("jewellery", "银饰"), ("clothing", "童装"),
              ("crafts", "手工艺"), ("other", "小店")]


@dataclass
class Made:
    """What was built, for the summary and for the benchmark."""

    counts: dict = field(default_factory=dict)
    known: dict = field(default_factory=dict)

    def add(self, table: str, n: int) -> None:
        self.counts[table] = self.counts.get(table, 0) + n


def sizes_for(size: str, overrides: dict | None = None) -> dict:
    counts = dict(SIZES[size])
    counts.update({k: v for k, v in (overrides or {}).items() if v is not None})
    counts["mentors"] = min(counts["mentors"], counts["people"] // 4)
    return counts


def has_table(name: str) -> bool:
    return name in db.metadata.tables


def _copy_value(value):
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return value


def bulk(conn, table_name: str, rows, made: Made) -> None:
    """Write rows (an iterable of dicts with the same keys) in chunks."""
    table = db.metadata.tables[table_name]
    chunk: list[dict] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= CHUNK:
            _write(conn, table, chunk)
            made.add(table_name, len(chunk))
            chunk = []
    if chunk:
        _write(conn, table, chunk)
        made.add(table_name, len(chunk))


def _complete(table, chunk: list[dict]) -> list[dict]:
    """Keep only the table's columns, and give the others their Python-side
    defaults: COPY knows only server defaults, and an area may have added a
    column since this file was written."""
    given = [c for c in chunk[0] if c in table.c]
    missing = [c for c in table.c if c.name not in chunk[0] and c.default is not None and not c.primary_key]
    out = []
    for row in chunk:
        new = {c: row[c] for c in given}
        for column in missing:
            default = column.default
            new[column.name] = default.arg(None) if default.is_callable else default.arg
        out.append(new)
    return out


def _write(conn, table, chunk: list[dict]) -> None:
    chunk = _complete(table, chunk)
    if conn.dialect.name == "postgresql":
        columns = list(chunk[0])
        raw = conn.connection.driver_connection
        with raw.cursor() as cursor:
            names = ", ".join(f'"{c}"' for c in columns)
            with cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
                for row in chunk:
                    copy.write_row([_copy_value(row[c]) for c in columns])
    else:
        conn.execute(table.insert(), chunk)


def reset_sequences(conn, made: Made) -> None:
    """Explicit ids were written: move PostgreSQL's sequences past them."""
    if conn.dialect.name != "postgresql":
        return
    for name in made.counts:
        conn.execute(text(
            f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), (SELECT coalesce(max(id), 1) FROM \"{name}\"))"))


def weighted_sites(rng: random.Random, n_sites: int) -> list[float]:
    """Uneven sites: the first (the benchmark's) is the biggest, then falling off."""
    weights = [1 / (i + 1) ** 0.7 for i in range(n_sites)]
    total = sum(weights)
    return [w / total for w in weights]


def name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else "")


def seed_scale(size: str = "district", overrides: dict | None = None, echo=print) -> Made:
    from incubator.accounts.models import User
    from incubator.accounts.passwords import hash_password

    if db.session.scalar(select(func.count(User.id))):
        raise RuntimeError("seed-scale needs an empty database (it writes explicit ids).")
    counts = sizes_for(size, overrides)
    rng = random.Random(SEED)
    made = Made()
    today = date.today()
    now = datetime.combine(today, time(2, 0))  # naive UTC, 10:00 in Nanjing
    start_day = today - timedelta(days=730)
    password_hash = hash_password(BENCH_PASSWORD)  # argon2 is slow on purpose: once

    with db.engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("PRAGMA synchronous=OFF")
        ctx = {"rng": rng, "counts": counts, "made": made, "now": now, "today": today, "start_day": start_day,
               "password_hash": password_hash, "conn": conn, "echo": echo}
        for step in STEPS:
            step(ctx)
        reset_sequences(conn, made)
    # The rows went in by Core, unseen by the reports' day rows: count them now.
    from incubator.reports import daily

    daily.build()
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("ANALYZE")
    else:
        with db.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
    return made


# --- Steps, in dependency order --------------------------------------------------

def step_sites(ctx) -> None:
    n = ctx["counts"]["sites"]
    rows = [{"id": i + 1, "name": f"{SITE_PLACES[i % 20]}直播基地" + (f" {i // 20 + 1}" if i >= 20 else ""),
             "address": f"南京市{SITE_PLACES[i % 20]}社区", "description": "", "timezone": "Asia/Shanghai",
             "contact_phone": "025-5210000", "created_at": ctx["now"] - timedelta(days=900)} for i in range(n)]
    bulk(ctx["conn"], "sites", rows, ctx["made"])
    ctx["site_weights"] = weighted_sites(ctx["rng"], n)
    ctx["site_ids"] = [r["id"] for r in rows]


def pick_site(ctx) -> int:
    return ctx["rng"].choices(ctx["site_ids"], ctx["site_weights"])[0]


def step_people(ctx) -> None:
    """People and their roles. Known accounts come first, on site 1."""
    rng, counts, now = ctx["rng"], ctx["counts"], ctx["now"]
    n_people, n_mentors, n_shops = counts["people"], counts["mentors"], min(counts["shops"], counts["people"] // 4)
    n_staff_per_site = 5
    users, roles = [], []
    role_id = 0

    def grant(user_id: int, role: str, when: datetime) -> None:
        nonlocal role_id
        role_id += 1
        roles.append({"id": role_id, "user_id": user_id, "role": role, "granted_at": when, "granted_by_id": None})

    known_names = {"admin": "区管理员", "staff": "李工作人员", "trainee": "张格琴", "member": "王秀英",
                   "mentee": "陈晓雪", "trainer": "周老师"}
    known_roles = {"admin": ("admin", "staff"), "staff": ("staff",), "trainee": ("trainee",),
                   "member": ("trainee", "shop_owner", "mentor"), "mentee": ("trainee", "shop_owner"),
                   "trainer": ("staff", "mentor")}
    ids = {}
    for i, (key, phone) in enumerate(KNOWN.items(), start=1):
        created = now - timedelta(days=720 if key == "member" else 400)
        users.append({"id": i, "site_id": 1, "phone": phone, "email": None, "password_hash": ctx["password_hash"],
                      "display_name": known_names[key], "locale": ZH, "active": True, "created_at": created,
                      "last_login_at": None, "totp_secret": None, "totp_last_step": None})
        for role in known_roles[key]:
            grant(i, role, created)
        ids[key] = i
    ctx["made"].known.update({key: {"id": ids[key], "login": KNOWN[key]} for key in KNOWN})
    next_id = len(users) + 1
    staff_by_site: dict[int, list[int]] = {}
    for site_id in ctx["site_ids"]:
        for _ in range(n_staff_per_site):
            users.append(_person(ctx, next_id, site_id, rng.randint(300, 900)))
            grant(next_id, "staff", now - timedelta(days=800))
            staff_by_site.setdefault(site_id, []).append(next_id)
            next_id += 1
    staff_by_site[1].extend([ids["staff"], ids["trainer"]])
    mentor_ids, owner_ids, trainee_ids = [ids["member"], ids["trainer"]], [ids["member"], ids["mentee"]], []
    site_of = {u["id"]: u["site_id"] for u in users}
    while next_id <= n_people:
        site_id = pick_site(ctx)
        age = rng.randint(1, 729)
        users.append(_person(ctx, next_id, site_id, age))
        site_of[next_id] = site_id
        when = now - timedelta(days=age)
        if len(mentor_ids) < n_mentors:
            grant(next_id, "mentor", when)
            mentor_ids.append(next_id)
            if rng.random() < 0.3:
                grant(next_id, "shop_owner", when)
        elif len(owner_ids) < n_shops:
            grant(next_id, "shop_owner", when)
            owner_ids.append(next_id)
            if rng.random() < 0.5:
                grant(next_id, "trainee", when)
                trainee_ids.append(next_id)
        else:
            grant(next_id, "trainee", when)
            trainee_ids.append(next_id)
        next_id += 1
    for row in users:
        site_of[row["id"]] = row["site_id"]
    bulk(ctx["conn"], "users", users, ctx["made"])
    bulk(ctx["conn"], "user_roles", roles, ctx["made"])
    ctx.update(ids=ids, staff_by_site=staff_by_site, mentor_ids=mentor_ids, owner_ids=owner_ids,
               trainee_ids=trainee_ids, site_of=site_of, n_users=next_id - 1,
               inactive={row["id"] for row in users if not row["active"]})
    by_site: dict[int, list[int]] = {}
    for uid in trainee_ids:
        by_site.setdefault(site_of[uid], []).append(uid)
    ctx["trainees_by_site"] = by_site


def _person(ctx, user_id: int, site_id: int, age_days: int) -> dict:
    rng = ctx["rng"]
    return {"id": user_id, "site_id": site_id, "phone": f"15{user_id:09d}", "email": None,
            "password_hash": ctx["password_hash"], "display_name": name(rng),
            "locale": None, "active": rng.random() > 0.02, "created_at": ctx["now"] - timedelta(days=age_days),
            "last_login_at": None, "totp_secret": None, "totp_last_step": None}


def step_programmes_and_cohorts(ctx) -> None:
    if not has_table("programmes"):
        return
    rng, counts, today = ctx["rng"], ctx["counts"], ctx["today"]
    programmes, cohorts = [], []
    prog_by_site: dict[int, list[int]] = {}
    names = ["宝妈直播入门", "大学生带货实训", "乡村好物直播", "店铺直播运营", "主播进阶班"]
    audiences = [["mothers"], ["graduates"], ["villagers"], ["shop_staff"], ["anyone"]]
    pid = 0
    for site_id in ctx["site_ids"]:
        for k in range(5):
            pid += 1
            programmes.append({"id": pid, "site_id": site_id, "name": names[k],
                               "description": "每周两次课，学完颁发结业证书。",
                               "audiences": audiences[k], "languages": "普通话", "min_attendance_percent": 80,
                               "active": True, "created_at": ctx["now"] - timedelta(days=800)})
            prog_by_site.setdefault(site_id, []).append(pid)
    bulk(ctx["conn"], "programmes", programmes, ctx["made"])
    # Cohorts spread over the two years and a little ahead; site 1 gets its share.
    for cid in range(1, counts["cohorts"] + 1):
        site_id = 1 if cid <= 3 else pick_site(ctx)
        start = today - timedelta(days=rng.randint(-60, 700)) if cid > 3 else today - timedelta(days=14 * cid)
        if cid == 2:
            start = today + timedelta(days=20)  # taking applications now, at every size
        cohorts.append({"id": cid, "programme_id": rng.choice(prog_by_site[site_id]), "site_id": site_id,
                        "name": f"{start.year}年{start.month}月班 {cid}", "starts_on": start,
                        "ends_on": start + timedelta(days=42), "capacity": 50,
                        "applications_open_on": start - timedelta(days=30),
                        "applications_close_on": start - timedelta(days=3), "childcare": rng.random() < 0.4,
                        "schedule_summary": "周二、周四 14:00–16:00", "created_at": ctx["now"]})
    bulk(ctx["conn"], "cohorts", cohorts, ctx["made"])
    ctx["cohorts"] = cohorts


def step_applications(ctx) -> None:
    """Every cohort: ~40 confirmed (the roll), a few in other statuses; the
    known trainee and member are in cohort 1 and several old ones."""
    if not has_table("applications") or "cohorts" not in ctx:
        return
    rng, ids = ctx["rng"], ctx["ids"]
    statuses = ["submitted", "accepted", "waitlisted", "rejected", "withdrawn", "lapsed", "dropped_out"]
    rows, rolls = [], {}
    aid = 0
    per_roll = max(5, min(50, round(ctx["counts"]["attendance"] / max(1, ctx["counts"]["cohorts"] * 16 * 0.9))))
    for cohort in ctx["cohorts"]:
        pool = ctx["trainees_by_site"].get(cohort["site_id"]) or ctx["trainee_ids"]
        size = 40 if cohort["id"] == 1 else per_roll
        members = rng.sample(pool, min(len(pool), size + 8))
        if cohort["id"] <= 3:
            members = [ids["trainee"], ids["member"], ids["mentee"]] + [m for m in members if m not in ids.values()]
        roll = members[:size]
        rolls[cohort["id"]] = roll
        submitted = datetime.combine(cohort["starts_on"], time(1)) - timedelta(days=rng.randint(4, 29))
        for k, uid in enumerate(members):
            aid += 1
            status = "confirmed" if k < size else rng.choice(statuses)
            if cohort["starts_on"] > ctx["today"] and k >= size - 10 and k < size:
                status = "submitted"  # upcoming cohorts still have a queue
            rows.append({"id": aid, "cohort_id": cohort["id"], "user_id": uid, "site_id": cohort["site_id"],
                         "status": status, "answers": {"why": "想学直播，帮家里卖货"},
                         "submitted_at": submitted, "decided_at": None if status == "submitted" else submitted,
                         "offer_expires_at": None})
    bulk(ctx["conn"], "applications", rows, ctx["made"])
    ctx["rolls"] = rolls


def step_resources(ctx) -> None:
    if not has_table("resources"):
        return
    rng = ctx["rng"]
    rows = []
    n = ctx["counts"]["resources"]
    for rid in range(1, n + 1):
        sites = ctx["site_ids"]
        site_id = sites[(rid - 1) % len(sites)] if rid <= len(sites) * 2 else pick_site(ctx)
        studio = rid % 3 != 0
        rows.append({"id": rid, "site_id": site_id, "name": (f"{rid}号直播间" if studio else f"补光灯套装 {rid}"),
                     "kind": "studio" if studio else "equipment", "description": "",
                     "quantity": 1 if studio else rng.randint(1, 5), "active": True, "created_at": ctx["now"]})
    bulk(ctx["conn"], "resources", rows, ctx["made"])
    ctx["resources"] = rows


def step_sessions(ctx) -> None:
    """16 sessions per cohort, twice a week, in a studio of the site."""
    if not has_table("training_sessions") or "cohorts" not in ctx:
        return
    studios: dict[int, list[int]] = {}
    for r in ctx.get("resources", []):
        if r["kind"] == "studio":
            studios.setdefault(r["site_id"], []).append(r["id"])
    rows, sid = [], 0
    trainers = ctx["staff_by_site"]
    by_cohort: dict[int, list[dict]] = {}
    for cohort in ctx["cohorts"]:
        for k in range(16):
            sid += 1
            day = cohort["starts_on"] + timedelta(days=(k // 2) * 7 + (k % 2) * 2)
            starts = datetime.combine(day, time(6, 0))  # 14:00 in Nanjing
            room = studios.get(cohort["site_id"])
            row = {"id": sid, "cohort_id": cohort["id"], "site_id": cohort["site_id"],
                   "topic": TOPICS[k % len(TOPICS)], "starts_at": starts, "ends_at": starts + timedelta(hours=2),
                   "room_id": room[0] if room else None,
                   "trainer_id": ctx["ids"]["trainer"] if cohort["id"] == 1 else trainers[cohort["site_id"]][0],
                   "capacity": 50, "childcare": cohort["childcare"], "checkin_code": f"{sid % 1000000:06d}",
                   "created_at": ctx["now"]}
            rows.append(row)
            by_cohort.setdefault(cohort["id"], []).append(row)
    bulk(ctx["conn"], "training_sessions", rows, ctx["made"])
    ctx["sessions_by_cohort"] = by_cohort
    ctx["made"].known["roll_call_session"] = {"id": by_cohort[1][0]["id"], "size": len(ctx["rolls"][1])}


def step_certificates(ctx) -> None:
    if not has_table("certificates") or "rolls" not in ctx:
        return
    rng, rows, cid = ctx["rng"], [], 0
    for cohort in ctx["cohorts"]:
        if cohort["ends_on"] >= ctx["today"]:
            continue
        for uid in ctx["rolls"][cohort["id"]]:
            if rng.random() < 0.7 or uid == ctx["ids"]["member"]:
                cid += 1
                rows.append({"id": cid, "user_id": uid, "programme_id": cohort["programme_id"],
                             "cohort_id": cohort["id"], "site_id": cohort["site_id"], "code": f"C{cid:09d}",
                             "issued_at": datetime.combine(cohort["ends_on"], time(8))})
    bulk(ctx["conn"], "certificates", rows, ctx["made"])


def step_shops(ctx) -> None:
    if not has_table("shops"):
        return
    rng, rows = ctx["rng"], []
    for sid, owner in enumerate(ctx["owner_ids"], start=1):
        category, word = rng.choice(SHOP_KINDS)
        rows.append({"id": sid, "site_id": ctx["site_of"][owner], "owner_id": owner,
                     "name": f"{name(rng)[:1]}家{word}", "category": category,
                     "created_at": ctx["now"] - timedelta(days=rng.randint(1, 700))})
    bulk(ctx["conn"], "shops", rows, ctx["made"])
    ctx["shops"] = rows


def step_notifications(ctx) -> None:
    """Two notifications for one person in five, the known ones a dozen."""
    if not has_table("notifications"):
        return
    rng, rows = ctx["rng"], []
    params = {"site": "烈士塔直播基地", "name": "朋友"}
    people = list(ctx["ids"].values()) * 6 + [u for u in range(1, ctx["n_users"] + 1) if u % 5 == 0] * 2
    for nid, uid in enumerate(people, start=1):
        created = ctx["now"] - timedelta(minutes=rng.randint(1, 60 * 24 * 60))
        rows.append({"id": nid, "user_id": uid, "kind": "notify.welcome", "params": params,
                     "url": "/home",
                     "object_type": None, "object_id": None, "dedupe_key": None, "created_at": created,
                     "read_at": None if rng.random() < 0.5 else created})
    bulk(ctx["conn"], "notifications", rows, ctx["made"])


def step_opening_hours(ctx) -> None:
    """Every resource open 08:00-22:00 every day (booking area)."""
    if not has_table("resource_hours") or "resources" not in ctx:
        return
    rows = ({"id": r["id"] * 7 + day - 6, "resource_id": r["id"], "weekday": day, "opens": time(8),
             "closes": time(22)} for r in ctx["resources"] for day in range(7))
    bulk(ctx["conn"], "resource_hours", rows, ctx["made"])


SLOT_STARTS = [0, 2, 4, 6, 8, 10, 12]  # UTC hours: 08:00 to 20:00 in Nanjing, two hours each


def step_bookings(ctx) -> None:
    """About `bookings` bookings over the last 24 months and the next two
    weeks, never overlapping on a resource, in mixed statuses."""
    if not has_table("bookings") or "resources" not in ctx:
        return
    rng, today = ctx["rng"], ctx["today"]
    resources = ctx["resources"]
    days = (today + timedelta(days=14) - ctx["start_day"]).days
    per_day = ctx["counts"]["bookings"] / (len(resources) * days)
    people_by_site: dict[int, list[int]] = {}
    for uid, site_id in ctx["site_of"].items():
        people_by_site.setdefault(site_id, []).append(uid)
    member, trainee = ctx["ids"]["member"], ctx["ids"]["trainee"]
    past = ["confirmed"] * 15 + ["cancelled"] * 3 + ["no_show", "declined"]
    whole, fraction = int(per_day), per_day - int(per_day)

    def rows():
        booking_id = 0
        for offset in range(days):
            day = ctx["start_day"] + timedelta(days=offset)
            future = day >= today
            for resource in resources:
                k = min(len(SLOT_STARTS), whole + (1 if rng.random() < fraction else 0))
                if not k:
                    continue
                people = people_by_site.get(resource["site_id"]) or [member]
                for hour in rng.sample(SLOT_STARTS, k):
                    booking_id += 1
                    starts = datetime.combine(day, time(hour))
                    user_id = rng.choice(people)
                    if resource["site_id"] == 1 and rng.random() < 0.003:
                        user_id = member if rng.random() < 0.7 else trainee
                    status = (("pending" if rng.random() < 0.2 else "confirmed") if future
                              else rng.choice(past))
                    yield {"id": booking_id, "site_id": resource["site_id"], "resource_id": resource["id"],
                           "unit": 1, "user_id": user_id, "created_by_id": None, "starts_at": starts,
                           "ends_at": starts + timedelta(hours=2), "status": status,
                           "purpose": "直播带货练习", "created_at": starts - timedelta(days=3)}

    bulk(ctx["conn"], "bookings", rows(), ctx["made"])


def step_attendance(ctx) -> None:
    """A mark for everyone on the roll of every past session (training area)."""
    table = "attendances" if has_table("attendances") else "attendance" if has_table("attendance") else None
    if table is None or "sessions_by_cohort" not in ctx:
        return
    rng, now = ctx["rng"], ctx["now"]
    marks = ["present"] * 16 + ["late", "absent", "absent", "excused"]

    def rows():
        mark_id = 0
        for cohort_id, sessions in ctx["sessions_by_cohort"].items():
            roll = ctx["rolls"][cohort_id]
            for session in sessions:
                if session["starts_at"] > now:
                    break
                for uid in roll:
                    mark_id += 1
                    mark = rng.choice(marks)
                    yield {"id": mark_id, "session_id": session["id"], "site_id": session["site_id"],
                           "user_id": uid, "walkin_name": None, "walkin_phone": None, "mark": mark,
                           "reason": "孩子生病" if mark == "excused" else "",
                           "checked_in_at": session["starts_at"] if mark in ("present", "late") else None,
                           "marked_by_id": session["trainer_id"], "marked_at": session["ends_at"]}

    bulk(ctx["conn"], table, rows(), ctx["made"])


EARLY_END_REASONS = ["孩子放假，时间排不开", "找到了工作，没空继续", "双方时间总是对不上"]


def step_mentoring(ctx) -> None:
    """Mentor profiles for every mentor, a need for every mentee, and
    `mentorships` pairings (mostly finished). Up to 200 active mentees of
    site 1 wait for a mentor (the batch-match preview), the known mentee's
    among them, and they are the only ones waiting there: a mentee whose
    mentorship ended early was given another mentor afterwards (see
    _pairings), so the count the summary prints is the count the base shows."""
    if not all(has_table(t) for t in ("mentor_profiles", "mentee_needs", "mentorships")):
        return
    from incubator.shops.models import CATEGORIES

    rng, now = ctx["rng"], ctx["now"]
    slots = [f"{d}_{p}" for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
             for p in ("morning", "afternoon", "evening")]
    languages = ["普通话", "南京话", "维吾尔语", "英语"]
    profiles = []
    for pid, uid in enumerate(ctx["mentor_ids"], start=1):
        profiles.append({"id": pid, "user_id": uid, "site_id": ctx["site_of"][uid],
                         "categories": rng.sample(CATEGORIES, rng.randint(1, 3)),
                         "languages": ["普通话"] + rng.sample(languages[1:], rng.randint(0, 1)),
                         "availability": rng.sample(slots, rng.randint(3, 8)), "capacity": rng.randint(2, 10),
                         "bio": "带货三年，擅长农产品和手工艺品直播。", "active": rng.random() > 0.05,
                         "lock_version": 0, "created_at": now - timedelta(days=rng.randint(30, 700)),
                         "updated_at": now})
    bulk(ctx["conn"], "mentor_profiles", profiles, ctx["made"])
    mentee = ctx["ids"]["mentee"]
    # Waiting mentees are people staff can see as waiting: active accounts.
    site1 = [u for u in ctx["trainees_by_site"].get(1, []) if u != mentee and u not in ctx["inactive"]]
    waiting = [mentee] + site1[:199]
    taken = set(waiting) | set(ctx["ids"].values())
    others = [u for u in ctx["trainee_ids"] if u not in taken]

    def need(nid: int, uid: int) -> dict:
        return {"id": nid, "site_id": ctx["site_of"][uid], "user_id": uid, "shop_id": None,
                "category": rng.choice(CATEGORIES), "languages": ["普通话"],
                "availability": rng.sample(slots, rng.randint(2, 6)), "notes": "想学怎么介绍产品",
                "created_at": now - timedelta(days=rng.randint(1, 600)), "updated_at": now}

    needs = [need(nid, uid) for nid, uid in enumerate(waiting, start=1)]
    paired, pairs = _pairings(ctx, profiles, (need(nid, uid) for nid, uid in enumerate(others, len(needs) + 1)))
    bulk(ctx["conn"], "mentee_needs", needs + paired, ctx["made"])
    bulk(ctx["conn"], "mentorships", pairs, ctx["made"])
    ctx["made"].known["mentee_need"] = {"id": 1, "waiting_on_site_1": len(waiting)}


def _pairings(ctx, profiles: list[dict], needs) -> tuple[list[dict], list[dict]]:
    """`mentorships` pairings of mentors and mentees of the same site, over
    the two years: those still running are active (as the mentor's places
    allow), most others completed, some ended early with a reason. A mentee
    whose mentorship ended early got a new mentor a few weeks later (and that
    one ran its course), so none of them is left waiting. Returns the needs
    used (as many as the pairings take) and the pairings."""
    rng, today = ctx["rng"], ctx["today"]
    n_pairs = ctx["counts"]["mentorships"]
    profiles_by_site: dict[int, list[dict]] = {}
    for profile in profiles:
        profiles_by_site.setdefault(profile["site_id"], []).append(profile)
    load: dict[int, int] = {}
    used, pairs = [], []

    def pair(need: dict, starts: date, *, may_end_early: bool, not_with: int | None = None) -> dict:
        pool = profiles_by_site.get(need["site_id"]) or profiles
        profile = rng.choice(pool)
        if profile["id"] == not_with and len(pool) > 1:
            profile = rng.choice([p for p in pool if p["id"] != not_with])
        ends = starts + timedelta(days=90)
        row = {"id": len(pairs) + 1, "site_id": need["site_id"], "need_id": need["id"],
               "profile_id": profile["id"], "mentor_id": profile["user_id"], "mentee_id": need["user_id"],
               "shop_id": None, "proposal_id": None, "starts_on": starts, "ends_on": ends, "status": "completed",
               "end_reason": "", "ended_at": None, "created_at": datetime.combine(starts, time(2))}
        if ends > today and load.get(profile["id"], 0) < profile["capacity"]:
            load[profile["id"]] = load.get(profile["id"], 0) + 1
            row["status"] = "active"
        elif may_end_early and rng.random() >= 0.85:
            ended = min(starts + timedelta(days=rng.randint(14, 60)), today)
            row.update(status="ended_early", end_reason=rng.choice(EARLY_END_REASONS),
                       ended_at=datetime.combine(ended, time(8)))
        pairs.append(row)
        return row

    for need in needs:
        if len(pairs) >= n_pairs:
            break
        used.append(need)
        first = pair(need, today - timedelta(days=rng.randint(0, 700)), may_end_early=len(pairs) + 2 <= n_pairs)
        if first["status"] == "ended_early":
            again = min(first["ended_at"].date() + timedelta(days=rng.randint(7, 30)), today)
            pair(need, again, may_end_early=False, not_with=first["profile_id"])
    return used, pairs


def step_livestreams(ctx) -> None:
    if not has_table("livestreams"):
        return
    rng, now = ctx["rng"], ctx["now"]
    titles = {"sales": "乡村好物直播带货", "policy": "社区政策解读：灵活就业社保", "showcase": "学员结业展示直播"}
    rows = []
    for lid in range(1, ctx["counts"]["livestreams"] + 1):
        kind = rng.choice(list(titles))
        site_id = 1 if lid % 4 == 0 else pick_site(ctx)
        starts = now + timedelta(hours=rng.randint(-24 * 700, 24 * 60))
        starts = starts.replace(minute=0, second=0, microsecond=0)
        rows.append({"id": lid, "site_id": site_id, "title": titles[kind], "kind": kind,
                     "description": "欢迎居民朋友们观看、提问。", "guest": "街道办工作人员" if kind == "policy" else "",
                     "products": "", "studio_id": None, "platform": "douyin", "room": "抖音号 lieshita",
                     "booking_id": None, "starts_at": starts, "ends_at": starts + timedelta(hours=2),
                     "cancelled_at": None, "created_by_id": ctx["ids"]["staff"], "created_at": starts})
    bulk(ctx["conn"], "livestreams", rows, ctx["made"])


STEPS = [step_sites, step_people, step_programmes_and_cohorts, step_applications, step_resources,
         step_opening_hours, step_sessions, step_certificates, step_shops, step_notifications, step_bookings,
         step_attendance, step_mentoring, step_livestreams]


def summary(made: Made) -> str:
    lines = ["Scale data built:"]
    lines += [f"  {table:24} {n:>10,}" for table, n in made.counts.items()]
    lines.append(f"Known accounts (password {BENCH_PASSWORD!r}):")
    lines += [f"  {key:18} {value}" for key, value in made.known.items()]
    return "\n".join(lines)
