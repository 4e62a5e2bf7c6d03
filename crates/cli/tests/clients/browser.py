"""Drives headless Chromium (Debian's chromium and chromium-driver, through Selenium) through the
pages of a running `macaroni serve`, as a person would: search, click a facet, open a model, see
its lineage, compare, run SQL, open a leaderboard, plan; and opens every hostile card to check
that nothing in it runs. Prints what it saw as one JSON document for the Rust test to judge.

Usage: browser.py BASE_URL QUESTIONS.json SCREENSHOT_DIR
"""

import json
import sys
import tempfile
from urllib.parse import quote

from selenium import webdriver
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

base, questions_path, shots = sys.argv[1], sys.argv[2], sys.argv[3]
questions = json.load(open(questions_path))

options = webdriver.ChromeOptions()
options.binary_location = "/usr/bin/chromium"
for flag in ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--window-size=1280,800", f"--user-data-dir={tempfile.mkdtemp()}"]:
    options.add_argument(flag)
driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
driver.set_page_load_timeout(120)
seen = {}


def alert_open():
    try:
        driver.switch_to.alert
        return True
    except NoAlertPresentException:
        return False


def navigating(action):
    """Runs an action that loads a new page (a click, Enter) and waits until the new page is there."""
    old = driver.find_element(By.TAG_NAME, "html")
    action()
    WebDriverWait(driver, 60).until(expected_conditions.staleness_of(old))


def shot(name):
    driver.save_screenshot(f"{shots}/{name}.png")


try:
    # Home: type a query into the search box and press Enter.
    driver.get(base + "/")
    shot("home")
    box = driver.find_element(By.CSS_SELECTOR, "form.big-search input[name=q]")
    navigating(lambda: box.send_keys(questions["query"] + Keys.ENTER))
    seen["count_line"] = driver.find_element(By.CSS_SELECTOR, "p.count").text
    seen["hits"] = [a.text for a in driver.find_elements(By.CSS_SELECTOR, "table.hits td:first-child a")]
    shot("search")
    # Refine by the first zoo facet.
    facet = driver.find_element(By.CSS_SELECTOR, "aside.facets details a")
    seen["facet"] = facet.text
    navigating(facet.click)
    seen["refined_query"] = driver.find_element(By.CSS_SELECTOR, "form.big-search input[name=q]").get_attribute("value")
    seen["refined_hits"] = [a.text for a in driver.find_elements(By.CSS_SELECTOR, "table.hits td:first-child a")]
    # Open the first result.
    first = driver.find_element(By.CSS_SELECTOR, "table.hits td:first-child a")
    navigating(first.click)
    seen["model_title"] = driver.find_element(By.TAG_NAME, "h1").text
    seen["attribute_rows"] = len(driver.find_elements(By.CSS_SELECTOR, "table.attributes tbody tr"))
    # A model with a family: its lineage drawn as SVG, each node a link.
    driver.get(base + "/model?id=" + quote(questions["lineage_model"]))
    seen["lineage_nodes"] = [t.get_attribute("textContent") for t in driver.find_elements(By.CSS_SELECTOR, "svg.lineage a g title")]
    shot("model")
    # Compare two models.
    driver.get(base + "/compare")
    area = driver.find_element(By.NAME, "ids")
    area.send_keys(", ".join(questions["compare"]))
    navigating(driver.find_element(By.CSS_SELECTOR, "form.stack button").click)
    seen["compare_columns"] = [th.text for th in driver.find_elements(By.CSS_SELECTOR, "table.compare thead th")][1:]
    seen["compare_rows"] = len(driver.find_elements(By.CSS_SELECTOR, "table.compare tbody tr"))
    shot("compare")
    # SQL console.
    driver.get(base + "/sql")
    area = driver.find_element(By.CSS_SELECTOR, "form.stack textarea[name=q]")
    area.send_keys(questions["sql"])
    navigating(driver.find_element(By.CSS_SELECTOR, "form.stack button").click)
    seen["sql_cells"] = [td.text for td in driver.find_elements(By.CSS_SELECTOR, "main table tbody td")]
    shot("sql")
    # A leaderboard.
    driver.get(base + "/dataset?id=" + quote(questions["dataset"]))
    seen["leaderboard_models"] = [a.text for a in driver.find_elements(By.CSS_SELECTOR, "table.leaderboard td:nth-child(2) a")]
    shot("dataset")
    # Which text-classification models under a permissive license score best on SST-2, and where
    # do they come from? Answered by typing two words and clicking.
    if questions.get("walkthrough"):
        walk = {}
        driver.get(base + "/")
        box = driver.find_element(By.CSS_SELECTOR, "form.big-search input[name=q]")
        navigating(lambda: box.send_keys("sst-2" + Keys.ENTER))
        walk["marked"] = [m.text for m in driver.find_elements(By.CSS_SELECTOR, "table.hits p.snippet mark")]
        shot("walkthrough-search")
        task = [a for a in driver.find_elements(By.CSS_SELECTOR, "aside.facets details a") if a.text == "text-classification"]
        walk["task_facet"] = bool(task)
        navigating(task[0].click)
        walk["query"] = driver.find_element(By.CSS_SELECTOR, "form.big-search input[name=q]").get_attribute("value")
        navigating(driver.find_element(By.CSS_SELECTOR, "table.hits td:first-child a").click)
        walk["model"] = driver.find_element(By.TAG_NAME, "h1").text
        walk["quality"] = driver.find_element(By.CSS_SELECTOR, "section.quality").text
        # The model's evaluation names its dataset: open that dataset's leaderboard.
        navigating(driver.find_element(By.CSS_SELECTOR, "table.evaluations td:first-child a").click)
        walk["board"] = driver.find_element(By.TAG_NAME, "h1").text
        for term in ["license:permissive", "task:text-classification"]:
            link = [a for a in driver.find_elements(By.CSS_SELECTOR, "p.narrow a") if a.text == term]
            navigating(link[0].click)
        walk["filter"] = driver.find_element(By.CSS_SELECTOR, "form.inline input[name=q]").get_attribute("value")
        sections = {}
        for section in driver.find_elements(By.CSS_SELECTOR, "main section"):
            title = section.find_element(By.TAG_NAME, "h2").text
            sections[title] = [[td.text for td in tr.find_elements(By.TAG_NAME, "td")]
                               for tr in section.find_elements(By.CSS_SELECTOR, "table.leaderboard tbody tr")]
        walk["sections"] = sections
        shot("walkthrough-leaderboard")
        board_url = driver.current_url
        # Where the best on SST-2 comes from: its sources and its lineage.
        sst2 = [sec for sec in driver.find_elements(By.CSS_SELECTOR, "main section") if "sst2" in sec.find_element(By.TAG_NAME, "h2").text]
        navigating(sst2[0].find_element(By.CSS_SELECTOR, "table.leaderboard tbody td:nth-child(2) a").click)
        walk["best"] = driver.find_element(By.TAG_NAME, "h1").text
        walk["sources"] = driver.find_element(By.CSS_SELECTOR, "section.sources").text
        walk["lineage"] = [t.get_attribute("textContent") for t in driver.find_elements(By.CSS_SELECTOR, "svg.lineage a g title")]
        shot("walkthrough-model")
        # Sorting by a column is one click on its header.
        driver.get(board_url)
        navigating(driver.find_element(By.CSS_SELECTOR, "table.leaderboard thead th a[title='Sort by parameters']").click)
        walk["sorted_url"] = driver.current_url
        seen["walkthrough"] = walk
    # A plan, its front of plans, and the plan behind a point of the front.
    if questions.get("plan"):
        driver.get(base + "/plan")
        driver.find_element(By.CSS_SELECTOR, "form.stack input[name=q]").send_keys(questions["plan"])
        driver.find_element(By.NAME, "max_cost").send_keys("150")
        navigating(driver.find_element(By.CSS_SELECTOR, "form.stack button").click)
        seen["plan_lead"] = driver.find_element(By.CSS_SELECTOR, "p.lead").text
        seen["plan_rows"] = len(driver.find_elements(By.CSS_SELECTOR, "main table tbody tr"))
        shot("plan")
        navigating(driver.find_element(By.LINK_TEXT, "The Pareto front of plans for this query").click)
        seen["plan_front_points"] = len(driver.find_elements(By.CSS_SELECTOR, "svg.scatter circle"))
        shot("plan-front")
        points = driver.find_elements(By.CSS_SELECTOR, "svg.scatter a")
        navigating(points[len(points) // 2].click)
        seen["plan_from_point"] = driver.find_element(By.CSS_SELECTOR, "p.lead").text
    # Pareto front.
    driver.get(base + "/select?" + questions["select"])
    seen["pareto_points"] = len(driver.find_elements(By.CSS_SELECTOR, "svg.scatter circle"))
    shot("pareto")
    # A malformed query: the error is shown with its position.
    driver.get(base + "/search?q=" + quote("task:x AND (zoo:timm"))
    seen["error_box"] = driver.find_element(By.CSS_SELECTOR, "div.error").text
    # Hostile cards: nothing in them may run, and their text must still show.
    seen["hostile"] = []
    for model_id in questions["hostile"]:
        driver.get(base + "/model?id=" + quote(model_id))
        seen["hostile"].append({
            "id": model_id,
            "alert": alert_open(),
            "pwned": driver.execute_script("return window.__pwned === true || document.title === 'pwned'"),
            "scripts": len(driver.find_elements(By.CSS_SELECTOR, "main script, main iframe, main form[action^='http'], main object, main embed")),
            "handlers": driver.execute_script(
                "return [...document.querySelectorAll('main *')].filter(e => [...e.attributes].some(a => a.name.startsWith('on') || /^\\s*(javascript|data):/i.test(a.value))).length"),
            "card_text": driver.find_element(By.CSS_SELECTOR, "section.card article").text if driver.find_elements(By.CSS_SELECTOR, "section.card article") else "",
            "title": driver.find_element(By.TAG_NAME, "h1").text,
        })
    shot("hostile")
finally:
    driver.quit()

print(json.dumps(seen))
