"""Driving a picker (static/js/pickers.js: a Tom Select combobox) the way a keyboard user does."""

from __future__ import annotations

import re

from playwright.sync_api import expect


def combobox(scope, label: str):
    """The picker's combobox, by its field label."""
    return scope.get_by_role("combobox", name=label, exact=True)


def pick(scope, label: str, typed: str, option_text: str) -> None:
    """Type ``typed`` into the picker labelled ``label``, move with the arrow keys to the option whose text
    starts with ``option_text``, and press Enter."""
    box = combobox(scope, label)
    wrapper = box.locator("xpath=ancestor::div[contains(concat(' ', @class, ' '), ' ts-wrapper ')][1]")
    box.click()
    box.press_sequentially(typed, delay=30)
    listbox = box.page.locator(f"#{box.get_attribute('aria-controls')}")
    box.page.wait_for_timeout(300)  # the combobox waits 250 ms after the last key before it asks the server
    expect(wrapper).not_to_have_class(re.compile(r"\bloading\b"))  # as a person waits for the answer
    expect(listbox.get_by_role("option", name=option_text)).to_be_visible()
    for _ in range(30):
        active = box.get_attribute("aria-activedescendant")
        if active and listbox.locator(f"#{active}").inner_text().startswith(option_text):
            break
        box.press("ArrowDown")
    else:
        raise AssertionError(f"no option {option_text!r} reached with the arrow keys")
    box.press("Enter")
    chosen = wrapper.locator(".item")
    expect(chosen).to_contain_text(option_text)
