"""How strong a new password must be, and generated passwords that always are.

Strength is zxcvbn's estimate of how many guesses an attacker needs: it knows
common passwords, words, names, keyboard walks, repeats, sequences and dates,
so ``aaaaaaaaaa`` and ``1234567890`` score 0 although they are long enough.
We ask for score 3 ("safely unguessable": at least 10^8 guesses). Sign-in
failures lock out after a few tries, so an online attack gets nowhere near
10^8, and the hashes are scrypt, so a stolen database still costs an attacker
real time per guess; score 4 (10^10) would refuse phrases a teacher can
remember, such as four everyday words, for little gain.

zxcvbn's own feedback is English prose. The reason shown is taken instead from
the pattern that made the password weak (the longest part of zxcvbn's best
guess) and said in our own translated words (``password.*`` in server/errors.py).
"""


from __future__ import annotations
import secrets
from collections.abc import Iterable
from zxcvbn import zxcvbn
from server.errors import UserError


MIN_SCORE = 3

_DICTIONARY_REASONS = {
    "passwords": "password.common",
    "user_inputs": "password.personal",
    "surnames": "password.name",
    "male_names": "password.name",
    "female_names": "password.name",
    "english_wikipedia": "password.word",
    "us_tv_and_film": "password.word",
}
_PATTERN_REASONS = {
    "repeat": "password.repeat",
    "sequence": "password.sequence",
    "spatial": "password.keyboard",
    "date": "password.date",
    "regex": "password.date",  # zxcvbn's only regex is "recent year"
}


ZXCVBN_MAX = 72


def check_strength(password: str, personal: Iterable[str | None] = ()) -> None:
    """Refuse a password zxcvbn scores below ``MIN_SCORE``; ``personal``: the account's name, e-mail...

    zxcvbn refuses to score more than ``ZXCVBN_MAX`` characters (its matching grows fast with length),
    so a longer password is judged by its beginning: a strong beginning keeps it strong."""
    result = zxcvbn(password[:ZXCVBN_MAX], user_inputs=[value[:ZXCVBN_MAX] for value in personal if value])
    if result["score"] >= MIN_SCORE:
        return
    raise UserError(_reason(result["sequence"]), score=result["score"], needed=MIN_SCORE)


def _reason(sequence: list[dict]) -> str:
    if not sequence:
        return "password.weak"
    longest = max(sequence, key=lambda match: len(match["token"]))
    if longest["pattern"] == "dictionary":
        return _DICTIONARY_REASONS.get(longest["dictionary_name"], "password.weak")
    return _PATTERN_REASONS.get(longest["pattern"], "password.weak")


def generated_password() -> str:
    """A random password that passes ``check_strength`` (72 random bits nearly always do; this makes sure)."""
    while True:
        password = secrets.token_urlsafe(12)
        if zxcvbn(password)["score"] >= MIN_SCORE:
            return password
