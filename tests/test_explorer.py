"""The explorer page in a real browser (Debian's chromium, driven by Selenium through chromium-driver),
against ``vecq serve`` as a process: what the page shows is what the API answers.

.ci/run installs chromium and sets VECQ_REQUIRE_BROWSER=1, so there a missing browser fails the
run; elsewhere these tests are skipped, and say why.
"""

from __future__ import annotations

import json
import os
import shutil
import urllib.request

import pytest
from conftest import GLOVE
from test_serve import start_server

CHROMIUM, DRIVER = shutil.which("chromium"), shutil.which("chromedriver")
if not (CHROMIUM and DRIVER):
    if os.environ.get("VECQ_REQUIRE_BROWSER"):
        raise RuntimeError("the browser tests need chromium and chromium-driver (apt-get install them)")
    pytest.skip("chromium and chromium-driver are not installed", allow_module_level=True)

WAIT = 30  # seconds a page may take to show an answer


@pytest.fixture(scope="module")
def server(glove):
    proc, url = start_server()
    yield url
    proc.terminate()
    proc.wait(timeout=20)


@pytest.fixture(scope="module")
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1000,1600"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    driver.set_page_load_timeout(WAIT)
    yield driver
    driver.quit()


def api(url: str, route: str, query: str) -> list[dict]:
    with urllib.request.urlopen(f"{url}api/{route}?{query}", timeout=WAIT) as r:
        return json.load(r)


def opened(browser, url: str):
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(url)
    WebDriverWait(browser, WAIT).until(
        lambda d: d.execute_script("return document.body.dataset.ready") == "true"
    )
    return browser


def labels(browser, selector: str) -> list[str]:
    return [e.get_attribute("data-word") for e in browser.find_elements("css selector", selector)]


def test_the_first_screen_is_the_lectures_words_with_their_neighbours_from_the_server(server, browser):
    page = opened(browser, server)
    assert labels(page, "#plot circle.asked") == ["cat", "kitten", "dog", "puppy", "car"]
    placed = api(server, "plot", "words=cat&words=kitten&words=dog&words=puppy&words=car&top=2")
    assert labels(page, "#plot circle.neighbour") == [p["word"] for p in placed if not p["asked"]]
    assert labels(page, "#plot text") == [p["word"] for p in placed]
    # a neighbour's hover text carries the server's score
    first = next(p["word"] for p in placed if not p["asked"] and p["group"] == 0)  # one of cat's
    (record,) = [r for r in api(server, "neighbors", "query=cat&top=2") if r["word"] == first]
    title = page.find_element("css selector", f'#plot circle[data-word="{first}"] title')
    assert f"{record['similarity']:.4f}" in title.get_attribute("textContent")
    assert page.find_element("id", "message").get_attribute("hidden") is not None  # no error shown


def test_the_analogy_shows_queen_with_its_two_arrows(server, browser):
    page = opened(browser, server)
    answer = page.find_element("id", "analogy-answer")
    assert answer.get_attribute("data-word") == "queen"
    arrows = [
        (a.get_attribute("data-from"), a.get_attribute("data-to"))
        for a in page.find_elements("css selector", "line.arrow")
    ]
    assert arrows == [("man", "woman"), ("king", "queen")]


def test_the_heatmap_and_the_tokens_are_the_apis_answers(server, browser):
    page = opened(browser, server)
    pairs = api(server, "similar", "words=cat&words=kitten&words=dog&words=puppy&words=car")
    cat_kitten = next(p for p in pairs if (p["word1"], p["word2"]) == ("cat", "kitten"))
    cells = page.find_elements("css selector", "#heatmap tr")[1].find_elements("css selector", "td")
    assert cells[1].text == f"{cat_kitten['similarity']:.2f}"
    tokens = api(server, "tokens", "text=The+cat+sat+on+the+mat")
    rows = page.find_elements("css selector", "#tokens tr")[1:]
    assert [r.find_elements("css selector", "td")[2].text for r in rows] == [str(t["id"]) for t in tokens]


def test_an_unknown_word_shows_its_suggestions_and_the_state_is_in_the_url(server, browser):
    from selenium.webdriver.support.ui import WebDriverWait

    page = opened(browser, server + "?w=cat+kiten&n=1")
    message = page.find_element("id", "message")
    WebDriverWait(page, WAIT).until(lambda d: message.text)
    assert "kiten" in message.text and "kitten" in message.text
    assert "w=cat+kiten" in page.current_url  # a view can be shared by its address
    shared = opened(browser, server + "?w=king+queen&n=0&a=paris,france,italy")
    assert labels(shared, "#plot circle.asked") == ["king", "queen"]
    assert shared.find_element("id", "analogy-answer").get_attribute("data-word") == "rome"


def test_what_the_server_says_beside_an_answer_is_on_the_page_until_the_next_question(server, browser):
    from selenium.webdriver.support.ui import WebDriverWait

    page = opened(browser, server + "?w=Cat+dog&n=1&a=King,man,woman")
    notes = page.find_element("id", "notes")
    assert notes.is_displayed()
    said = notes.text.split("; ")
    assert said == ["using 'cat' for 'Cat'", "using 'king' for 'King'"]
    assert page.find_element("id", "analogy-answer").get_attribute("data-word") == "queen"
    page.find_element("id", "words").clear()
    page.find_element("id", "words").send_keys("cat dog")
    page.find_element("id", "show").click()
    WebDriverWait(page, WAIT).until(lambda d: not notes.is_displayed())
    assert notes.text == ""


def test_a_server_gone_late_or_not_vecq_is_a_sentence_on_the_page(glove, browser):
    """A request failed as "TypeError: Failed to fetch" (a server stopped), or waited for ever (a
    server that never answers), or "SyntaxError: Unexpected token" (an answer not JSON)."""
    from selenium.webdriver.support.ui import WebDriverWait

    proc, url = start_server()
    page = opened(browser, url + "?w=cat+dog&n=1")
    message = page.find_element("id", "message")
    submit = "document.getElementById('words-form').requestSubmit()"
    fakes = {
        "did not answer within 120 s": "Promise.reject(new DOMException('late', 'TimeoutError'))",
        "answered HTTP 502 without JSON": "Promise.resolve(new Response('<html>', {status: 502}))",
    }
    for says, fake in fakes.items():
        page.execute_script(f"window.fetch = () => {fake}; {submit}")
        WebDriverWait(page, WAIT).until(lambda d, says=says: says in message.text)
    page.execute_script("delete window.fetch")
    proc.terminate()
    proc.wait(timeout=20)
    page.execute_script(submit)
    WebDriverWait(page, WAIT).until(lambda d: "cannot reach vecq serve" in message.text)
    assert "is it still running?" in message.text


def test_tsne_is_chosen_on_the_page_and_kept_in_the_address(server, browser):
    page = opened(browser, server + "?w=cat+kitten+dog+puppy+car&n=1&p=tsne")
    assert page.find_element("id", "projection").get_attribute("value") == "tsne"
    assert "t-SNE" in page.find_element("id", "plot-note").text and "p=tsne" in page.current_url
    placed = api(
        server, "plot", "words=cat&words=kitten&words=dog&words=puppy&words=car&top=1&projection=tsne"
    )
    assert labels(page, "#plot text") == [p["word"] for p in placed]
    # the picture is the server's t-SNE: the point farthest from the others is the same on both
    xs = {
        e.get_attribute("data-word"): float(e.get_attribute("cx"))
        for e in page.find_elements("css selector", "#plot circle")
    }
    widest = max(placed, key=lambda p: p["x"])["word"]
    assert max(xs, key=xs.get) == widest


def test_the_model_switcher_shows_a_token_tables_pipeline(glove, browser, tmp_path_factory):
    """Two models served; the switcher picks the token table, whose text -> tokens -> IDs -> rows
    are the API's (its tokenizer, its table's rows)."""
    from conftest import train_tokenizer
    from selenium.webdriver.support.ui import Select, WebDriverWait
    from test_safetensors import checkpoint

    table = checkpoint(tmp_path_factory.mktemp("table"), train_tokenizer("byte-level BPE"))
    proc, url = start_server(models=(GLOVE, str(table)))
    try:
        page = opened(browser, url)
        Select(page.find_element("id", "model")).select_by_value(str(table))
        WebDriverWait(page, WAIT).until(
            lambda d: d.execute_script("return document.body.dataset.ready") == "true"
        )
        assert "[" in page.find_element("id", "shape").text
        tokens = api(url, "tokens", f"text=The+cat+sat+on+the+mat&vectors=true&model={table}")
        rows = page.find_elements("css selector", "#tokens tr")[1:]
        cells = [r.find_elements("css selector", "td") for r in rows]
        assert [c[2].text for c in cells] == [str(t["id"]) for t in tokens]
        assert [c[4].text.split()[0] for c in cells] == [f"{t['vector'][0]:.3f}" for t in tokens]
        # the pipeline drawn: one column per token, its ID, and its row's first values
        columns = page.find_elements("css selector", "#pipeline g.column")
        assert [c.get_attribute("data-id") for c in columns] == [str(t["id"]) for t in tokens][:8]
        first = columns[0].find_elements("css selector", "rect.value title")
        assert [v.get_attribute("textContent") for v in first] == [
            f"{x:.6f}" for x in tokens[0]["vector"][:12]
        ]
        assert f"m={table}".replace("/", "%2F") in page.current_url or f"m={table}" in page.current_url
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_the_console_has_no_errors_and_nothing_is_fetched_from_elsewhere(server, browser):
    browser.get_log("browser")  # what earlier tests logged (an unknown word's 404, on purpose)
    page = opened(browser, server)
    logs = page.get_log("browser")
    assert [entry["message"] for entry in logs if entry["level"] in ("SEVERE", "WARNING")] == []
    sources = page.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    assert sources and all(s.startswith(server) for s in sources)
