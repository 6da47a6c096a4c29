"""The mother's flow in a real browser: headless Chromium driven by
Selenium (Debian's python3-selenium and chromium-driver) against ej-diary
under lighttpd. First login with the slip's password, the forced change,
her son's week checked against the store, the previous week, the switch
to her daughter, the period page, logout, and a login with the new
password. Screenshots of the week page at 390x844 and 1280x800.

Usage: mother.py BASE_URL FIXTURE_DIR OUT_DIR LOGIN
Prints "# ok N - ..." lines (TAP comments) and the screenshots' paths.
"""
import csv
import os
import sqlite3
import sys
import tempfile

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

base, fx, out, login = sys.argv[1:5]
NEW = "Новый-пароль-мамы-2020"
n = 0


def ok(what):
    global n
    n += 1
    print(f"# ok {n} - {what}", flush=True)


def check(cond, what):
    if not cond:
        print(f"# not ok {n + 1} - {what}", flush=True)
        print(f"# url: {drv.current_url}\n# page: {drv.find_element(By.TAG_NAME, 'body').text[:2000]}")
        drv.quit()
        sys.exit(1)
    ok(what)


with open(os.path.join(fx, "slips.csv"), newline="") as f:
    slip = next(r for r in csv.DictReader(f) if r["login"] == login)
with open(os.path.join(fx, "export.csv"), newline="") as f:
    acct = next(r for r in csv.DictReader(f) if r["login"] == login)
children = [int(c) for c in acct["children"].split(";")]
db = sqlite3.connect(f"file:{fx}/mirror/ej.db?mode=ro", uri=True)


def pupil_name(pid):
    return " ".join(db.execute("SELECT surname, name FROM pupils WHERE id = ?",
                               (pid,)).fetchone())


def week_rows(pid, monday, sunday):
    """Lessons of the pupil's class that week, from the store: date,
    topic, homework, marks with their kind of work, absence code."""
    return db.execute("""
        SELECT l.date, l.topic, l.homework,
          (SELECT group_concat(m.mark || ' (' || w.name || ')', ', ')
             FROM marks m JOIN work_types w ON w.id = m.work_id
            WHERE m.lesson_id = l.id AND m.pupil_id = ?1),
          (SELECT a.code FROM attendance a WHERE a.lesson_id = l.id
              AND a.pupil_id = ?1)
        FROM lessons l WHERE l.class_id = (SELECT class_id FROM membership
          WHERE pupil_id = ?1 AND start <= ?2 ORDER BY start DESC LIMIT 1)
         AND l.date BETWEEN ?2 AND ?3 ORDER BY l.date""",
                      (pid, monday, sunday)).fetchall()


def check_week(pid, monday, sunday, label):
    rows = week_rows(pid, monday, sunday)
    check(len(rows) > 0, f"{label}: the store has lessons that week")
    text = drv.find_element(By.TAG_NAME, "main").text
    for d, topic, hw, marks, absence in rows:
        for v in (topic, hw, marks):
            if v:
                check(v in text, f"{label}: {d} shows {v!r}")
        if absence:
            cells = [c.text for c in drv.find_elements(By.CSS_SELECTOR, "td.absence")]
            check(absence in cells, f"{label}: {d} shows the absence {absence!r}")


opts = webdriver.ChromeOptions()
for a in ("--headless", "--no-sandbox", "--disable-gpu",
          "--disable-background-networking", "--disable-component-update",
          "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
          f"--user-data-dir={tempfile.mkdtemp(dir=out)}"):
    opts.add_argument(a)
opts.binary_location = "/usr/bin/chromium"
drv = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
drv.set_page_load_timeout(20)
try:
    drv.set_window_size(1280, 800)
    drv.get(base + "/")
    check(drv.current_url.endswith("/login"), "the diary's address leads to the login page")
    check(drv.find_element(By.TAG_NAME, "h1").text == "Вход в электронный дневник",
          "the login page is in Russian")

    def log_in(password):
        drv.find_element(By.ID, "login").send_keys(login)
        drv.find_element(By.ID, "password").send_keys(password)
        drv.find_element(By.CSS_SELECTOR, "main form button").click()

    log_in(slip["password"])
    check(drv.current_url.endswith("/password"), "first login: the forced password change")
    drv.find_element(By.ID, "current").send_keys(slip["password"])
    drv.find_element(By.ID, "new").send_keys(NEW)
    drv.find_element(By.ID, "new2").send_keys(NEW)
    drv.find_element(By.CSS_SELECTOR, "main form button").click()
    check(drv.current_url.endswith("/week"), "after the change: the week page")
    check(drv.find_element(By.TAG_NAME, "h1").text == "Неделя 21.09 — 27.09.2020",
          "the week of the reference day 2020-09-21")
    check(acct["person"] in drv.find_element(By.TAG_NAME, "header").text,
          "the header names the mother")
    first, second = children[0], children[1]
    check(drv.find_element(By.CSS_SELECTOR, "nav.children strong").text == pupil_name(first),
          "the first child is shown first")
    check_week(first, "2020-09-21", "2020-09-27", pupil_name(first))
    check("Понедельник, 21 сентября" in drv.find_element(By.TAG_NAME, "main").text,
          "days are headed by weekday and date")
    for w, h in ((390, 844), (1280, 800)):
        drv.set_window_size(w, h)
        path = os.path.join(out, f"diary-week-{w}x{h}.png")
        drv.save_screenshot(path)
        print(f"# screenshot: {path}", flush=True)
        width = drv.execute_script("return document.documentElement.scrollWidth")
        inner = drv.execute_script("return window.innerWidth")
        check(width <= inner, f"no horizontal scrolling at {w} px ({width} <= {inner})")
    drv.find_element(By.LINK_TEXT, "← Предыдущая неделя").click()
    check(drv.find_element(By.TAG_NAME, "h1").text == "Неделя 14.09 — 20.09.2020",
          "the previous week")
    check_week(first, "2020-09-14", "2020-09-20", pupil_name(first) + ", previous week")
    drv.find_element(By.LINK_TEXT, "Следующая неделя →").click()
    drv.find_element(By.LINK_TEXT, pupil_name(second)).click()
    check(drv.find_element(By.CSS_SELECTOR, "nav.children strong").text == pupil_name(second),
          "the switch to the second child")
    check_week(second, "2020-09-21", "2020-09-27", pupil_name(second))
    drv.find_element(By.LINK_TEXT, "Четверть").click()
    tm = db.execute("SELECT mark FROM term_marks WHERE pupil_id = ? AND period = '1'",
                    (children[0],)).fetchone()
    cells = [c.text for c in drv.find_elements(By.CSS_SELECTOR, "td.period")]
    check(tm is None or tm[0] in cells, "the period page of the first child shows the period mark")
    drv.find_element(By.LINK_TEXT, pupil_name(second)).click()
    tm = db.execute("SELECT mark FROM term_marks WHERE pupil_id = ? AND period = '1'",
                    (second,)).fetchone()
    cells = [c.text for c in drv.find_elements(By.CSS_SELECTOR, "td.period")]
    check(tm is not None and tm[0] in cells, f"the second child's period mark {tm and tm[0]}")
    nabs = db.execute("SELECT count(*) FROM attendance WHERE pupil_id = ?", (second,)).fetchone()[0]
    missed = [c.text for c in drv.find_elements(By.CSS_SELECTOR, "td.missed")]
    check(str(nabs) in missed, f"attendance totals: {nabs} lessons missed")
    drv.find_element(By.LINK_TEXT, "Помощь").click()
    check("техническая помощь" in drv.find_element(By.TAG_NAME, "main").text,
          "the school's help schedule")
    drv.find_element(By.CSS_SELECTOR, "header form button").click()
    check(drv.current_url.endswith("/login"), "logout leads to the login page")
    drv.get(base + "/week")
    check(drv.current_url.endswith("/login"), "after logout the week needs a login")
    log_in(NEW)
    check(drv.current_url.endswith("/week"), "login with the new password: straight to the week")
finally:
    drv.quit()
print(f"# {n} checks passed")
