"""The assertion every answer test makes of a grader shown a typical mistake."""


def assert_names_mistake(verdict, key, *words):
    """A ✗ verdict for the mistake ``key``, whose message names it with each of ``words``."""
    assert verdict.status == "fail" and verdict.mistake == key, (verdict.mistake, verdict.message)
    assert verdict.message.startswith("✗ "), verdict.message
    for word in words:
        assert word in verdict.message, (word, verdict.message)
