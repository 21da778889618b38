"""The console in a real browser: a contributor requests Production, a different approver approves it, the dashboard
shows it, and sign-out ends the session. Every page is read as a person reads it, and no page may run inline script."""
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from conftest import URL, shot


def sign_in(driver, user, next_path=None):
    driver.get(URL + "/ui/login" + (f"?next={next_path}" if next_path else ""))
    driver.find_element(By.ID, "username").send_keys(user)
    driver.find_element(By.ID, "password").send_keys(f"{user}-pw")
    driver.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    WebDriverWait(driver, 10).until(lambda d: "/ui/login" not in d.current_url)


def sign_out(driver):
    driver.find_element(By.CSS_SELECTOR, "nav.account button[type=submit]").click()
    WebDriverWait(driver, 10).until(lambda d: "/ui/login" in d.current_url)


def absent(driver, by, value):
    """Whether no element matches, without waiting out the implicit wait."""
    driver.implicitly_wait(0)
    try:
        return not driver.find_elements(by, value)
    finally:
        driver.implicitly_wait(5)


def console_errors(driver):
    """What the browser itself refused or failed (CSP violations, failed loads)."""
    return [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def test_request_approve_and_see_it_on_the_dashboard(browser, tenant):
    version_page = f"{URL}/ui/t/{tenant}/models/CustomerChurn/versions/2"

    # Not signed in: the console sends the browser to sign in, and back where it was going.
    browser.get(version_page)
    assert "/ui/login" in browser.current_url
    shot(browser, "sign-in")
    sign_in(browser, "alice", next_path=f"/ui/t/{tenant}/models/CustomerChurn/versions/2")
    assert browser.current_url == version_page
    assert browser.find_element(By.ID, "stage").text == "Staging"

    # The contributor is offered a request, not a move, and the card gate is explained.
    choices = [label.text for label in browser.find_elements(By.CSS_SELECTOR, "#stage-form label.choice")]
    assert "Request Production" in choices
    assert not any(choice == "Move to Production" for choice in choices)
    assert "Complete" in browser.find_element(By.CSS_SELECTOR, "#card-h + p.explain").text
    browser.find_element(By.CSS_SELECTOR, "#stage-form input[value=Production]").click()
    browser.find_element(By.ID, "stage-comment").send_keys("Beats v1 on churn-eval; fairness within bounds.")
    browser.find_element(By.CSS_SELECTOR, "#stage-form button[type=submit]").click()
    assert "Requested" in browser.find_element(By.CSS_SELECTOR, "p.notice").text
    assert "Waiting for approval" in browser.page_source
    shot(browser, "version")

    # The requester cannot approve their own request: the inbox says why and offers no button.
    browser.find_element(By.LINK_TEXT, "Approvals").click()
    assert "a different approver must decide it" in browser.page_source
    assert absent(browser, By.XPATH, "//button[normalize-space()='Approve']")
    sign_out(browser)

    # A different approver sees it waiting on the dashboard, approves it with a comment.
    sign_in(browser, "dave")
    browser.find_element(By.LINK_TEXT, "Acme Retail").click()
    assert browser.find_element(By.CSS_SELECTOR, "[data-count=pending]").text == "1"
    assert "CustomerChurn v2" in browser.find_element(By.ID, "pending").text
    shot(browser, "dashboard-pending")
    browser.find_element(By.LINK_TEXT, "Open the approvals inbox").click()
    request = browser.find_element(By.CSS_SELECTOR, "article.request")
    assert "alice" in request.text and "Beats v1" in request.text
    assert "complete" in request.find_element(By.CSS_SELECTOR, ".flag").text
    request.find_element(By.TAG_NAME, "textarea").send_keys("Approved by model risk.")
    shot(browser, "approvals")
    request.find_element(By.XPATH, ".//button[normalize-space()='Approve']").click()
    assert "Approved" in browser.find_element(By.CSS_SELECTOR, "p.notice").text
    assert "Nothing waits for approval" in browser.page_source

    # The dashboard shows the new Production version and the approval in its activity.
    browser.find_element(By.LINK_TEXT, "Dashboard").click()
    assert browser.find_element(By.CSS_SELECTOR, "[data-count=pending]").text == "0"
    assert browser.find_element(By.CSS_SELECTOR, "[data-count=Production]").text == "1"
    production = browser.find_element(By.ID, "production").text
    assert "CustomerChurn" in production and "2027-06-30" in production
    assert "CustomerChurn v2: Production approved" in browser.find_element(By.ID, "activity").text
    shot(browser, "dashboard")

    # The model page and the version page read as the approver sees them (with the audit trail).
    browser.find_element(By.LINK_TEXT, "Models").click()
    browser.find_element(By.LINK_TEXT, "CustomerChurn").click()
    assert "churn" in browser.find_element(By.CSS_SELECTOR, ".prose strong").text
    assert browser.find_element(By.CSS_SELECTOR, "#versions thead").get_attribute("textContent").count("accuracy@churn-eval") == 1
    shot(browser, "model")

    # Compare the two versions: differences marked, a chart per metric.
    for number in ("1", "2"):
        browser.find_element(By.CSS_SELECTOR, f"#compare-form input[name=v][value='{number}']").click()
    browser.find_element(By.CSS_SELECTOR, "#compare-form button[type=submit]").click()
    differing = [row.find_element(By.TAG_NAME, "th").get_attribute("textContent")
                 for row in browser.find_elements(By.CSS_SELECTOR, "#compare tr.differs")]
    assert "max_depth" in differing and "churn-eval/accuracy" in differing and "n_estimators" not in differing
    assert len(browser.find_elements(By.CSS_SELECTOR, "#charts svg.chart")) == 2
    shot(browser, "compare")

    # What served when: the shadow deployment of v1, now.
    browser.find_element(By.LINK_TEXT, "What served when").click()
    assert "CustomerChurn v1 on shadow / eu-west" in browser.find_element(By.CSS_SELECTOR, "article.served h2").text
    shot(browser, "served")
    browser.get(version_page)
    assert "transition_request.approved" in browser.find_element(By.ID, "audit").text
    assert browser.find_element(By.ID, "stage").text == "Production"
    assert console_errors(browser) == []

    # Sign-out ends the session on the server: the old page now asks to sign in again.
    sign_out(browser)
    browser.get(version_page)
    assert "/ui/login" in browser.current_url


def test_a_narrow_window_still_reads(browser, tenant):
    sign_in(browser, "carol")
    browser.set_window_size(420, 900)
    browser.get(f"{URL}/ui/t/{tenant}/models")
    assert browser.find_element(By.ID, "models").is_displayed()
    width = browser.execute_script("return document.documentElement.scrollWidth")
    assert width <= 440, f"the page is {width}px wide in a 420px window"
    browser.save_screenshot(__import__("os").path.join(__import__("conftest").SHOTS, "models-narrow.png"))


def test_an_admin_previews_and_saves_a_retention_policy(browser, tenant):
    sign_in(browser, "erin")
    browser.get(f"{URL}/ui/t/{tenant}")
    browser.find_element(By.LINK_TEXT, "Retention").click()
    assert "no retention policy yet" in browser.find_element(By.ID, "stored").text
    browser.find_element(By.NAME, "rule0_name").send_keys("keep one")
    browser.find_element(By.NAME, "rule0_keep_last").send_keys("1")
    browser.find_element(By.ID, "preview-button").click()
    preview = browser.find_element(By.ID, "preview").text
    # v2 is in Production and v1 serves shadow traffic: the rule reaches v1 but protection keeps it.
    assert "0 to archive" in preview and "kept by protection" in preview.lower()
    assert "CustomerChurn v1" in browser.find_element(By.ID, "preview-held").text
    shot(browser, "retention")
    browser.find_element(By.ID, "save-button").click()
    assert "Policy saved: revision 1." in browser.find_element(By.CSS_SELECTOR, "p.notice").text
    assert browser.find_element(By.NAME, "rule0_keep_last").get_attribute("value") == "1"
    sign_out(browser)
